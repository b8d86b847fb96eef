"""Payment links: a page at Mercado Pago or Stripe where the customer pays an order, and
what happens when the provider reports a payment made there.

The provider is read, never believed: a webhook only says which payment or link to read
(`payment_notice`), and the reconciliation job (`reconcile`) reads every open link whose
webhook may have been lost. Each payment read goes through `take_payment`: approved
money is recorded once (core/services/payments.py, also when it came late), a pending
cash voucher keeps the order's stock until the voucher's deadline, a rejection is told
to the customer with a way to try again.

Calls to a provider are never made inside a database transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError

from core.domain.actors import SYSTEM
from core.domain.errors import DomainError, OrderNotFound, PaymentMismatch
from core.domain.events import PaymentNotMatching, PaymentPending, PaymentRejected
from core.domain.money import Money
from core.domain.orders import Order, OrderEvent, OrderStatus, PaymentMethod
from core.domain.outbox import OutboxMessage
from core.domain.payment_links import (
    LinkRequest,
    LinkStatus,
    PaymentLink,
    PaymentProvider,
    PaymentProviderError,
    ProviderPayment,
    ProviderPaymentStatus,
)
from core.services import payments
from core.services.context import Shop, retry_on_conflict
from core.services.provider_refunds import send_due_refunds

log = logging.getLogger("pedidos.payments")

# A voucher (OXXO, SPEI) keeps the order's stock until it expires, but never longer.
LONGEST_VOUCHER_HOLD = timedelta(days=7)
# Reconciliation reads links at least this old (their webhook had time to come) and at
# most this old (the providers' vouchers and retries are over by then).
WEBHOOK_GRACE = timedelta(minutes=5)
RECONCILE_WINDOW = timedelta(days=10)


class NoLinkProvider(DomainError):
    code = "no_link_provider"


class OrderNotPayable(DomainError):
    """data: code, reason ("expired", "paid", "not_card", "closed")."""

    code = "order_not_payable"


@dataclass(frozen=True)
class LinkOffer:
    code: str
    url: str
    provider: str  # its name: "mercadopago"
    amount: Money
    expires_at: datetime


async def link_for(shop: Shop, code: str, customer_id: int | None = None) -> LinkOffer:
    """The link where the customer pays an order waiting for a card payment: the open
    one, or a new one once its page ended (an OXXO voucher holds the order longer than
    its page), a voucher was started on it, or the shop changed provider. A customer may
    only get their own order's (OrderNotFound otherwise)."""
    provider = shop.link_provider
    if provider is None:
        raise NoLinkProvider()
    now = shop.now()
    async with shop.uow(write=False) as uow:
        order = await uow.orders.get(code=code.strip().upper())
        if order is None or (customer_id is not None and order.customer_id != customer_id):
            raise OrderNotFound(code=code)
        _check_payable(order, now)
        links = await uow.payment_links.for_order(order.id)  # type: ignore[arg-type]
        timeline = await uow.orders.timeline(order.id)  # type: ignore[arg-type]
    # A page where a voucher was started may take no other payment (Stripe's session is
    # then complete): after one, the customer who asks again gets a new page.
    voucher_at = max((e.at for e in timeline if e.kind == "payment_pending"), default=None)
    usable = [
        link
        for link in links
        if link.usable(now)
        and link.provider == provider.name
        and (voucher_at is None or link.created_at > voucher_at)
    ]
    if usable:
        return _offer(order, usable[-1])
    assert order.expires_at is not None  # _check_payable
    request = LinkRequest(
        order.code,
        order.total,
        f"{shop.settings.store_name} · {order.code}",
        order.expires_at,
        # The same for every worker asking at once: one link is stored, all hand it out.
        f"{order.code}:link:{len(links) + 1}",
    )
    created = await provider.create_link(request)
    link = PaymentLink(
        None,
        order.id,  # type: ignore[arg-type]
        provider.name,
        created.provider_ref,
        created.url,
        request.idempotency_key,
        LinkStatus.OPEN,
        created.expires_at,
        now,
        now,
    )
    try:
        async with shop.uow() as uow:
            # The older links stay open: a payment made there still counts.
            await uow.payment_links.add(link)
            await uow.commit(now)
    except IntegrityError:  # another worker stored a link for this key first: that one
        async with shop.uow(write=False) as uow:
            stored = await uow.payment_links.by_key(request.idempotency_key)
        link = stored or link
    return _offer(order, link)


def _check_payable(order: Order, now: datetime) -> None:
    if order.payment_method is not PaymentMethod.CARD:
        raise OrderNotPayable(code=order.code, reason="not_card")
    if order.status is OrderStatus.EXPIRED or (
        order.status is OrderStatus.PENDING_PAYMENT
        and order.expires_at is not None
        and order.expires_at <= now
    ):
        raise OrderNotPayable(code=order.code, reason="expired")
    if order.status is not OrderStatus.PENDING_PAYMENT or order.expires_at is None:
        reason = "closed" if order.status is OrderStatus.CANCELLED else "paid"
        raise OrderNotPayable(code=order.code, reason=reason)


def _offer(order: Order, link: PaymentLink) -> LinkOffer:
    # Told to the customer: whichever ends first, the page or the reservation (Stripe
    # keeps a page open at least 30 minutes; the items are held only so long).
    ends = min(link.expires_at, order.expires_at or link.expires_at)
    return LinkOffer(order.code, link.url, link.provider, order.total, ends)


# -- what the provider says ------------------------------------------------------------


async def payment_notice(
    shop: Shop, provider_name: str, *, payment_id: str = "", link_ref: str = ""
) -> dict[str, str]:
    """A provider's (verified) webhook names a payment or a link: read it from the
    provider and act on what the provider says; returns order code -> what happened.
    Raises PaymentProviderError when the provider can't be read (the webhook should then
    be answered with an error, so the provider sends it again)."""
    provider = shop.payment_provider(provider_name)
    outcomes: dict[str, str] = {}
    if provider is None:
        log.warning("a %s notice, but %s is not configured", provider_name, provider_name)
        return outcomes
    if payment_id:
        found = [await provider.read_payment(payment_id)]
    else:
        async with shop.uow(write=False) as uow:
            link = await uow.payment_links.by_ref(provider_name, link_ref)
            codes = await uow.orders.codes([link.order_id]) if link else {}
        if link is None:
            log.info("a %s notice about a link not ours: %s", provider_name, link_ref)
            return outcomes
        found = await provider.payments_for_link(codes[link.order_id], link_ref)
    for payment in found:
        if payment.provider != provider.name:
            continue
        _keep(outcomes, payment.order_code, await take_payment(shop, payment))
    return outcomes


# What an order's several payments (a voucher left, then a card) come to, the weightiest
# first: money taken says more than a voucher waiting, which says more than a decline.
_WEIGHT = ("paid", "revived", "refunded", "pending", "rejected", "already_recorded", "ignored")


def _keep(outcomes: dict[str, str], code: str, outcome: str) -> None:
    if code not in outcomes or _WEIGHT.index(outcome) < _WEIGHT.index(outcomes[code]):
        outcomes[code] = outcome


async def take_payment(shop: Shop, payment: ProviderPayment) -> str:
    """Act once on a payment as the provider reports it; returns what happened: "paid",
    "already_recorded", "revived", "refunded", "pending", "rejected" or "ignored"."""
    try:
        if payment.status is ProviderPaymentStatus.APPROVED:
            outcome = await payments.record_payment(
                shop,
                payment.order_code,
                payment.amount,
                provider=payment.provider,
                provider_charge_id=payment.charge_id,
            )
            if outcome.late == "refunded":  # given back at once, not at the next run
                await send_due_refunds(shop, outcome.order.id)
            if outcome.late:
                return outcome.late
            return "paid" if outcome.recorded else "already_recorded"
        if payment.status is ProviderPaymentStatus.PENDING:
            return await _note(shop, payment, "payment_pending")
        if payment.status is ProviderPaymentStatus.REJECTED:
            return await _note(shop, payment, "payment_rejected")
    except OrderNotFound:
        log.warning("%s payment %s names no order of ours", payment.provider, payment.payment_id)
    except PaymentMismatch:
        await _tell_admins_of_mismatch(shop, payment)
    return "ignored"


async def _tell_admins_of_mismatch(shop: Shop, payment: ProviderPayment) -> None:
    """Money taken that is not the order's total (a link of an order whose total
    changed, a page edited at the provider): not counted; the admins decide, once."""
    log.error("%s payment %s: not the order's total", payment.provider, payment.payment_id)
    now = shop.now()
    async with shop.uow() as uow:
        uow.notify(
            OutboxMessage.to_admins(
                PaymentNotMatching(
                    payment.order_code,
                    payment.amount.amount,
                    payment.amount.currency,
                    payment.provider,
                    payment.payment_id,
                ),
                f"{payment.order_code}:payment_not_matching:{payment.charge_id}"[:200],
            )
        )
        await uow.commit(now)


@retry_on_conflict
async def _note(shop: Shop, payment: ProviderPayment, kind: str) -> str:
    """A pending or rejected payment of an order still waiting for one: on its timeline
    and told to the customer, once per payment and status. A pending voucher keeps the
    stock reserved until it can no longer be paid."""
    now = shop.now()
    async with shop.uow() as uow:
        order = await uow.orders.get(code=payment.order_code)
        if order is None:
            raise OrderNotFound(code=payment.order_code)
        if order.status is not OrderStatus.PENDING_PAYMENT:
            return "ignored"
        timeline = await uow.orders.timeline(order.id)  # type: ignore[arg-type]
        told = {
            (e.data.get("charge_id"), e.data.get("attempt", "")) for e in timeline if e.kind == kind
        }
        if (payment.charge_id, payment.attempt) in told:
            return kind.removeprefix("payment_")
        data = {
            "charge_id": payment.charge_id,
            "attempt": payment.attempt,
            "method": payment.method,
        }
        if kind == "payment_pending":
            # The order (its stock) waits for the voucher; the link does not: its page
            # closes when the provider said, and "Pagar" then gets a new one.
            _hold_until_voucher_expires(order, payment, now)
            event = PaymentPending(
                order.code,
                payment.method,
                payment.reference,
                payment.voucher_url,
                # Told as "pay before": the voucher's end, or the hold's if sooner.
                min(payment.pay_by, order.expires_at or payment.pay_by) if payment.pay_by else None,
                payment.amount.amount,
                payment.amount.currency,
            )
        else:
            event = PaymentRejected(order.code)
        order.record(OrderEvent(now, str(SYSTEM), kind, data=data))
        await uow.orders.save(order)
        uow.notify(
            OutboxMessage.to_customer(
                order.customer_id,
                event,
                f"{order.code}:{kind}:{payment.charge_id}:{payment.attempt}"[:200],
            )
        )
        await uow.commit(now)
    return kind.removeprefix("payment_")


def _hold_until_voucher_expires(order: Order, payment: ProviderPayment, now: datetime) -> None:
    if payment.pay_by is None or order.expires_at is None:
        return
    until = min(payment.pay_by, now + LONGEST_VOUCHER_HOLD)
    if until > order.expires_at:
        order.expires_at = until


async def check_customer_links(shop: Shop, customer_id: int) -> dict[str, str]:
    """A customer says they paid: read their waiting orders' links from the provider
    now rather than at the next reconciliation. Returns order code -> what happened
    ("paid", "pending"...); a provider that does not answer is left to the job."""
    async with shop.uow(write=False) as uow:
        waiting = await uow.orders.list(
            customer_id=customer_id, statuses=frozenset({OrderStatus.PENDING_PAYMENT})
        )
        links = [
            (order.code, link)
            for order in waiting
            for link in await uow.payment_links.for_order(order.id)  # type: ignore[arg-type]
            if link.status is LinkStatus.OPEN
        ]
    run = ReconcileRun()
    for code, link in links:
        provider = shop.payment_provider(link.provider)
        if provider is not None:
            await _read_link(shop, provider, code, link, run)
    return run.outcomes


# -- reconciliation --------------------------------------------------------------------


@dataclass
class ReconcileRun:
    read: int = 0  # links read from their provider
    outcomes: dict[str, str] = field(default_factory=dict)  # order code -> what happened
    closed: int = 0  # links of orders no longer waiting, closed
    unreachable: int = 0  # links whose provider did not answer (read again next time)
    silent: set[str] = field(default_factory=set)  # the providers that did not answer


async def reconcile(shop: Shop) -> ReconcileRun:
    """Read every open link from its provider, so a lost webhook loses no payment;
    close the links whose order no longer waits for one; send the refunds due."""
    now = shop.now()
    run = ReconcileRun()
    names = [provider.name for provider in shop.payment_providers]
    async with shop.uow(write=False) as uow:
        links = await uow.payment_links.to_reconcile(
            names, now - WEBHOOK_GRACE, now - RECONCILE_WINDOW
        )
    for code, link in links:
        provider = shop.payment_provider(link.provider)
        if provider is None:
            continue
        run.read += 1
        try:
            read = await _read_link(shop, provider, code, link, run)
        except Exception:  # one odd link must not keep the others (and refunds) waiting
            log.exception("reconciling %s at %s failed", code, link.provider)
            read = False
        if not read:
            run.unreachable += 1
            run.silent.add(provider.name)
    await send_due_refunds(shop)
    return run


async def _read_link(
    shop: Shop, provider: PaymentProvider, code: str, link: PaymentLink, run: ReconcileRun
) -> bool:
    try:
        found = await provider.payments_for_link(code, link.provider_ref)
    except PaymentProviderError as problem:
        log.warning("reconciling %s at %s: %s", code, link.provider, problem.data)
        return False
    for payment in found:
        if payment.provider == provider.name:
            _keep(run.outcomes, payment.order_code, await take_payment(shop, payment))
    waiting = any(p.status is ProviderPaymentStatus.PENDING for p in found)
    if not waiting and await _close_when_done(shop, link):
        run.closed += 1
    return True


async def _close_when_done(shop: Shop, link: PaymentLink) -> bool:
    """Stop reading a link once its page can take no payment (its end, and time for a
    payment begun just before it to land) and its order waits for none. Until then a
    payment there counts, also on an order cancelled or expired meanwhile."""
    now = shop.now()
    if link.expires_at + WEBHOOK_GRACE > now:
        return False
    async with shop.uow() as uow:
        order = await uow.orders.get(order_id=link.order_id)
        if order is None or order.status is OrderStatus.PENDING_PAYMENT:
            return False
        await uow.payment_links.close(link.id, now)  # type: ignore[arg-type]
        await uow.commit(now)
    return True
