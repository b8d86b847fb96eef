"""Talk to a person: support cases that reach the merchant. A customer has at most one
open case: asking again adds the message to it, and the admins get it as a follow-up
of that case, not as a new one."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.exc import IntegrityError

from core.domain.actors import Actor
from core.domain.errors import DomainError
from core.domain.orders import OPEN_STATUSES
from core.domain.outbox import OutboxMessage
from core.services.context import Shop, require_admin
from core.store.uow import SqlUnitOfWork

MAX_MESSAGE = 2000
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


async def contact_shop(shop: Shop, customer_id: int, message: str) -> CaseMessage:
    """The customer's message to the shop: a new case (the admins alerted, with their
    latest order), or added to their open case (a follow-up of that case)."""
    text = message.strip()[:MAX_MESSAGE]
    try:
        return await _contact_shop(shop, customer_id, text)
    except IntegrityError:  # another worker opened their case this very moment: join it
        return await _contact_shop(shop, customer_id, text)


async def _contact_shop(shop: Shop, customer_id: int, text: str) -> CaseMessage:
    now = shop.now()
    async with shop.uow() as uow:
        case = await uow.support.open_case_of(customer_id)
        number = None
        if case is not None:
            if case.unanswered >= MAX_UNANSWERED:
                return CaseMessage(case.id, CaseOutcome.WAITING)
            number = await uow.support.add_message(case.id, text)
        customer = await uow.customers.get(customer_id)
        who = {
            "customer_id": customer_id,
            "customer_name": customer.name if customer else "",
            "phone": customer.phone if customer else "",
        }
        if case is not None and number is not None:
            uow.notify(
                OutboxMessage.to_admins(
                    "support_follow_up",
                    f"support:{case.id}:follow_up:{number}",
                    case_id=case.id,
                    order_code=case.order_code,
                    message=text,
                    **who,
                )
            )
            result = CaseMessage(case.id, CaseOutcome.ADDED)
        else:  # none open (or the shop closed it this very moment)
            code = await _order_to_mention(uow, customer_id)
            case_id = await uow.support.open(customer_id, text, code, now)
            uow.notify(
                OutboxMessage.to_admins(
                    "support_request",
                    f"support:{case_id}:opened",
                    case_id=case_id,
                    order_code=code,
                    message=text,
                    **who,
                )
            )
            result = CaseMessage(case_id, CaseOutcome.OPENED)
        await uow.commit(now)
        return result


async def _order_to_mention(uow: SqlUnitOfWork, customer_id: int) -> str | None:
    """The order the customer most likely writes about: the latest open one, else the
    latest."""
    open_orders = await uow.orders.list(customer_id=customer_id, statuses=OPEN_STATUSES, limit=1)
    latest = open_orders or await uow.orders.list(customer_id=customer_id, limit=1)
    return latest[0].code if latest else None


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
                "support_reply",
                f"support:{case_id}:reply:{now.isoformat()}",
                case_id=case_id,
                message=text.strip()[:MAX_MESSAGE],
            )
        )
        await uow.commit(now)


async def close_case(shop: Shop, actor: Actor, case_id: int) -> bool:
    async with shop.uow() as uow:
        await require_admin(uow, actor, "support_close")
        closed = await uow.support.close(case_id, shop.now())
        await uow.commit(shop.now())
        return closed
