"""Talk to a person: support cases that reach the merchant. A customer has at most one
open case: asking again adds the message to it, and the admins get it as a follow-up
of that case, not as a new one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.exc import IntegrityError

from core.domain.actors import Actor
from core.domain.errors import DomainError
from core.domain.events import SupportClosed, SupportFollowUp, SupportReply, SupportRequest
from core.domain.orders import OPEN_STATUSES, Order, OrderStatus, normalize_order_code
from core.domain.outbox import OutboxMessage
from core.services.context import Shop, require_admin
from core.store.uow import SqlUnitOfWork

MAX_MESSAGE = 2000
MESSAGE_SEPARATOR = "\n\n"  # between a case's messages (SqlSupportRepository.add_message)
# Messages a customer can add to their open case before the shop replies: enough to add
# what they forgot, not enough to flood the admins (a reply lets them add more).
MAX_UNANSWERED = 3


class SupportCaseNotFound(DomainError):
    code = "support_case_not_found"


class CaseOutcome(StrEnum):
    OPENED = "opened"  # a new case; the admins were alerted
    ADDED = "added"  # added to the open case; the admins got it as a follow-up
    WAITING = "waiting"  # the open case has MAX_UNANSWERED unanswered messages: not sent


@dataclass(frozen=True)
class CaseMessage:
    case_id: int
    outcome: CaseOutcome


@dataclass(frozen=True)
class OpenCase:
    id: int
    unanswered: int

    @property
    def full(self) -> bool:
        return self.unanswered >= MAX_UNANSWERED


async def open_case_of(shop: Shop, customer_id: int) -> OpenCase | None:
    """The customer's open case, if any."""
    async with shop.uow(write=False) as uow:
        row = await uow.support.open_case_of(customer_id)
    return OpenCase(row.id, row.unanswered) if row is not None else None


async def contact_shop(
    shop: Shop, customer_id: int, message: str, about: str | None = None
) -> CaseMessage:
    """The customer's message to the shop: a new case (the admins alerted, with the
    order it is about), or added to their open case (a follow-up of that case).
    `about`: the order code the customer named or was looking at, if any."""
    text = message.strip()[:MAX_MESSAGE]
    try:
        return await _contact_shop(shop, customer_id, text, about)
    except IntegrityError:  # another worker opened their case this very moment: join it
        return await _contact_shop(shop, customer_id, text, about)


async def _contact_shop(shop: Shop, customer_id: int, text: str, about: str | None) -> CaseMessage:
    now = shop.now()
    async with shop.uow() as uow:
        case = await uow.support.open_case_of(customer_id)
        number = None
        if case is not None:
            if case.unanswered >= MAX_UNANSWERED:
                return CaseMessage(case.id, CaseOutcome.WAITING)
            number = await uow.support.add_message(case.id, text)
        if case is not None and number is not None:
            order = await _order_to_mention(uow, customer_id, case.order_code)
            uow.notify(
                OutboxMessage.to_admins(
                    SupportFollowUp(case.id, text, **await _who(uow, customer_id, order)),
                    f"support:{case.id}:follow_up:{number}",
                )
            )
            result = CaseMessage(case.id, CaseOutcome.ADDED)
        else:  # none open (or the shop closed it this very moment)
            order = await _order_to_mention(uow, customer_id, about)
            case_id = await uow.support.open(customer_id, text, order.code if order else None, now)
            uow.notify(
                OutboxMessage.to_admins(
                    SupportRequest(case_id, text, **await _who(uow, customer_id, order)),
                    f"support:{case_id}:opened",
                )
            )
            result = CaseMessage(case_id, CaseOutcome.OPENED)
        await uow.commit(now)
        return result


async def _order_to_mention(
    uow: SqlUnitOfWork, customer_id: int, named: str | None
) -> Order | None:
    """The order the case is about: the one named (when it is this customer's), else
    their latest open one. None when neither: an old delivered order would mislead."""
    code = normalize_order_code(named or "")
    if code:
        order = await uow.orders.get(code=code)
        if order is not None and order.customer_id == customer_id:
            return order
    open_orders = await uow.orders.list(customer_id=customer_id, statuses=OPEN_STATUSES, limit=1)
    return open_orders[0] if open_orders else None


async def _who(uow: SqlUnitOfWork, customer_id: int, order: Order | None) -> dict:
    """Who writes, for the admins' alert: the name and phone they gave at checkout when
    the channel gave none (a Telegram user has no phone until they order)."""
    customer = await uow.customers.get(customer_id)
    if order is None:  # no open order: their latest one still says who they are
        latest = await uow.orders.list(customer_id=customer_id, limit=1)
        contact = latest[0] if latest else None
    else:
        contact = order
    return {
        "customer_id": customer_id,
        "customer_name": (customer.name if customer else "")
        or (contact.customer_name if contact else ""),
        "phone": (customer.phone if customer else "") or (contact.phone if contact else ""),
        "order_code": order.code if order else None,
        "order_status": str(order.status) if order else "",
    }


async def reply_to_case(shop: Shop, actor: Actor, case_id: int, text: str) -> None:
    now = shop.now()
    async with shop.uow() as uow:
        await require_admin(uow, actor, "support_reply")
        case = await uow.support.get(case_id)
        if case is None:
            raise SupportCaseNotFound(case_id=case_id)
        await uow.support.mark_answered(case_id)
        uow.notify(
            OutboxMessage.to_customer(
                case.customer_id,
                SupportReply(case_id, text.strip()[:MAX_MESSAGE]),
                f"support:{case_id}:reply:{now.isoformat()}",
            )
        )
        await uow.commit(now)


async def close_case(shop: Shop, actor: Actor, case_id: int) -> bool:
    """Close the case; the customer is told (once: closing it again changes nothing)."""
    now = shop.now()
    async with shop.uow() as uow:
        await require_admin(uow, actor, "support_close")
        case = await uow.support.get(case_id)
        if case is None:
            raise SupportCaseNotFound(case_id=case_id)
        closed = await uow.support.close(case_id, now)
        if closed:
            uow.notify(
                OutboxMessage.to_customer(
                    case.customer_id, SupportClosed(case_id), f"support:{case_id}:closed"
                )
            )
        await uow.commit(now)
        return closed


@dataclass(frozen=True)
class CaseSummary:
    """An open case as the admins' list shows it."""

    id: int
    customer_name: str
    phone: str
    order_code: str | None
    opened_at: datetime
    last_message: str


async def open_cases(shop: Shop, actor: Actor, limit: int = 20) -> list[CaseSummary]:
    """The open cases, oldest first (the one waiting longest on top)."""
    async with shop.uow(write=False) as uow:
        await require_admin(uow, actor, "support_list")
        rows = await uow.support.list_open(limit)
        return [
            CaseSummary(
                id=row.id,
                customer_name=row.customer_name or row.order_name or "",
                phone=row.phone or row.order_phone or "",
                order_code=row.order_code,
                opened_at=row.created_at,
                last_message=row.message.rsplit(MESSAGE_SEPARATOR, 1)[-1],
            )
            for row in rows
        ]


@dataclass(frozen=True)
class AwaitedPayments:
    """What a customer who says they paid (or sends a receipt) can have paid for: their
    bank-transfer orders the shop has yet to confirm, and whether a card payment of
    theirs is still to arrive (a card confirms itself: no receipt)."""

    transfers: list[Order]
    card_pending: bool

    @property
    def receipt_order(self) -> str | None:
        """The one order a receipt is for; None when there is none, or several to tell
        apart (the customer has to say which)."""
        return self.transfers[0].code if len(self.transfers) == 1 else None


async def awaited_payments(shop: Shop, customer_id: int) -> AwaitedPayments:
    async with shop.uow(write=False) as uow:
        mine = await uow.orders.list(customer_id=customer_id, statuses=OPEN_STATUSES)
    return AwaitedPayments(
        transfers=[o for o in mine if o.awaits_transfer_receipt],
        card_pending=any(o.status is OrderStatus.PENDING_PAYMENT for o in mine),
    )


async def order_for_receipt(shop: Shop, customer_id: int) -> str | None:
    """The order a transfer receipt sent out of the blue (no order asked for it) is for:
    the customer's one bank-transfer order awaiting confirmation, else None."""
    return (await awaited_payments(shop, customer_id)).receipt_order
