"""Talk to a person: support cases that reach the merchant."""

from __future__ import annotations

from core.domain.actors import Actor
from core.domain.errors import DomainError
from core.domain.orders import OPEN_STATUSES
from core.domain.outbox import OutboxMessage
from core.services.context import Shop, require_admin

MAX_MESSAGE = 2000


class SupportCaseNotFound(DomainError):
    code = "support_case_not_found"


async def open_case(shop: Shop, customer_id: int, message: str) -> int:
    """Record the customer's message and tell the admins, with their latest order."""
    text = message.strip()[:MAX_MESSAGE]
    now = shop.now()
    async with shop.uow() as uow:
        latest = await uow.orders.list(customer_id=customer_id, limit=1)
        open_orders = await uow.orders.list(
            customer_id=customer_id, statuses=OPEN_STATUSES, limit=1
        )
        order = (open_orders or latest or [None])[0]
        code = order.code if order else None
        case_id = await uow.support.open(customer_id, text, code, now)
        customer = await uow.customers.get(customer_id)
        uow.notify(
            OutboxMessage.to_admins(
                "support_request",
                f"support:{case_id}:opened",
                case_id=case_id,
                customer_id=customer_id,
                customer_name=customer.name if customer else "",
                phone=customer.phone if customer else "",
                order_code=code,
                message=text,
            )
        )
        await uow.commit(now)
        return case_id


async def reply_to_case(shop: Shop, actor: Actor, case_id: int, text: str) -> None:
    now = shop.now()
    async with shop.uow() as uow:
        await require_admin(uow, actor, "support_reply")
        case = await uow.support.get(case_id)
        if case is None:
            raise SupportCaseNotFound(case_id=case_id)
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
