"""What customers and admins are told about payments made through a payment link."""

from __future__ import annotations

from core.domain.events import (
    LatePaymentRefunded,
    LatePaymentRefundedToAdmins,
    OrderPaidOnline,
    PaymentNotMatching,
    PaymentPending,
    PaymentRejected,
    ProviderRefundFailed,
)
from core.domain.orders import OrderStatus
from handlers.customer.payment import PayOrder
from handlers.notifications.admin import open_order_row
from handlers.notifications.customer import catalog_row, track_row
from handlers.notifications.registry import Context, links_tracking_page, renders
from handlers.quoting import inline
from handlers.render import money, provider_name, status_name, when
from handlers.types import Button, Link, Reply

# Payment methods as people know them (brand names, the same in every language).
METHOD_NAMES = {"oxxo": "OXXO", "paycash": "PayCash", "7eleven": "7-Eleven"}
TRANSFERS = frozenset({"spei", "clabe", "bank_transfer", "customer_balance"})


@renders(PaymentPending)
@links_tracking_page
def payment_pending(c: Context, e: PaymentPending) -> Reply:
    _ = c.t.gettext
    lines = [
        "🧾 "
        + _(
            "Your payment of {amount} for order {code} is pending: we confirm your order "
            "as soon as the money is credited."
        ).format(amount=money(c.t, e.amount, e.currency), code=e.code)
    ]
    if e.reference and e.method in TRANSFERS:
        lines.append(_("Transfer by SPEI to this CLABE: {reference}").format(reference=e.reference))
    elif e.reference:
        lines.append(
            _("Pay it at {method} with this reference: {reference}").format(
                method=METHOD_NAMES.get(e.method, e.method) or _("the store"),
                reference=e.reference,
            )
        )
    if e.pay_by is not None:
        lines.append(
            _("Pay before {time}; we keep your items until then.").format(
                time=when(c.t, e.pay_by, c.shop.now(), c.zone)
            )
        )
    link = Link(_("See the voucher"), e.voucher_url) if e.voucher_url else None
    track = track_row(c.t, e.code)
    return Reply("\n".join(lines), track, link=link)


@renders(PaymentRejected)
@links_tracking_page
def payment_rejected(c: Context, e: PaymentRejected) -> Reply:
    _ = c.t.gettext
    return Reply(
        _(
            "Your payment for order {code} did not go through, and nothing was charged. "
            "You can try again, with another card or method."
        ).format(code=e.code),
        [
            [Button(_("Try again"), PayOrder(e.code).pack())],
            *track_row(c.t, e.code),
        ],
    )


@renders(LatePaymentRefunded)
@links_tracking_page
def late_payment_refunded(c: Context, e: LatePaymentRefunded) -> Reply:
    _ = c.t.gettext
    if e.status is OrderStatus.CANCELLED:
        text = _(
            "Your payment of {amount} for order {code} arrived after the order was "
            "cancelled. We are refunding it to you; it can take a few days to show on your "
            "statement."
        )
    else:
        text = _(
            "Your payment of {amount} for order {code} arrived after the order expired, "
            "and its items are no longer available. We are refunding it to you; it can "
            "take a few days to show on your statement."
        )
    return Reply(
        text.format(amount=money(c.t, e.amount, e.currency), code=e.code),
        catalog_row(c.t),
    )


@renders(OrderPaidOnline)
def order_paid_online(c: Context, e: OrderPaidOnline) -> Reply:
    _ = c.t.gettext
    text = "💳 " + _("Order {code} was paid online: {amount} ({provider}). It is now {status}.")
    text = text.format(
        code=e.code,
        amount=money(c.t, e.amount, c.shop.currency),
        provider=provider_name(e.provider),
        status=status_name(c.t, e.status or ""),
    )
    if e.late:
        text += "\n" + _("It had expired unpaid: its items were reserved again.")
    return Reply(text, open_order_row(c.t, e.code))


@renders(LatePaymentRefundedToAdmins)
def late_payment_refunded_to_admins(c: Context, e: LatePaymentRefundedToAdmins) -> Reply:
    _ = c.t.gettext
    if e.status is OrderStatus.CANCELLED:
        text = _(
            "A payment of {amount} for order {code} arrived after the order was cancelled. "
            "It is being refunded automatically through {provider}; nothing to do."
        )
    else:
        text = _(
            "A payment of {amount} for order {code} arrived after the order expired, with "
            "its items no longer all available. It is being refunded automatically through "
            "{provider}; nothing to do."
        )
    return Reply(
        text.format(
            amount=money(c.t, e.amount, c.shop.currency),
            code=e.code,
            provider=provider_name(e.provider),
        ),
        open_order_row(c.t, e.code),
    )


@renders(PaymentNotMatching)
def payment_not_matching(c: Context, e: PaymentNotMatching) -> Reply:
    text = c.t.gettext(
        "A payment of {amount} through {provider} for order {code} is not the order's "
        "total, so it was not counted (payment {payment}). Check it in your {provider} "
        "account and give it back there."
    )
    return Reply(
        "⚠️ "
        + text.format(
            amount=money(c.t, e.amount, e.currency),
            provider=provider_name(e.provider),
            code=e.code,
            payment=inline(e.payment_id, 60),
        ),
        open_order_row(c.t, e.code),
    )


@renders(ProviderRefundFailed)
def provider_refund_failed(c: Context, e: ProviderRefundFailed) -> Reply:
    text = c.t.gettext(
        "{provider} refused the refund of {amount} for order {code}: {reason}. Give the "
        "money back from your {provider} account."
    )
    return Reply(
        "⚠️ "
        + text.format(
            provider=provider_name(e.provider),
            amount=money(c.t, e.amount, c.shop.currency),
            code=e.code,
            reason=inline(e.reason, 200) or "-",
        ),
        open_order_row(c.t, e.code),
    )
