"""Taking messages out of the outbox and settling them (the dispatchers use these)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

from core.domain.outbox import PendingMessage
from core.services.context import Shop
from core.store.outbox_repo import SqlOutboxRepository

LEASE = timedelta(seconds=60)
T = TypeVar("T")


async def claim_due(
    shop: Shop,
    channels: list[str],
    *,
    address: str | None = None,
    limit: int = 50,
    lease: timedelta = LEASE,
) -> list[PendingMessage]:
    """Lease the due messages for these channels (and this address), oldest first."""
    async with shop.uow() as uow:
        claimed = await uow.outbox.claim(
            shop.now(), lease, channels=channels, address=address, limit=limit
        )
        await uow.commit(shop.now())
        return claimed


async def _settle(shop: Shop, change: Callable[[SqlOutboxRepository], Awaitable[T]]) -> T:
    """One row's new state: a single UPDATE (a one-statement unit, no BEGIN/COMMIT)."""
    async with shop.uow(one_statement=True) as uow:
        result = await change(uow.outbox)
        await uow.commit(shop.now())
        return result


async def still_ours(shop: Shop, message: PendingMessage, lease: timedelta) -> bool:
    """Just before sending a claimed row: renew its lease, or learn that it ran out and
    another sender has the row now (False: we must not send it too)."""
    return await _settle(shop, lambda rows: rows.renew_lease(message, shop.now() + lease))


async def mark_sent(shop: Shop, message_id: int) -> None:
    await _settle(shop, lambda rows: rows.mark_sent(message_id, shop.now()))


async def record_pieces(shop: Shop, message_id: int, count: int) -> None:
    """The channel accepted `count` of the row's pieces so far: a retry sends the rest."""
    await _settle(shop, lambda rows: rows.record_pieces(message_id, count))


async def retry_later(shop: Shop, message_id: int, delay: timedelta, error: str) -> None:
    await _settle(shop, lambda rows: rows.retry_later(message_id, shop.now() + delay, error))


async def release(shop: Shop, message: PendingMessage) -> None:
    await _settle(shop, lambda rows: rows.release(message, shop.now()))


async def mark_failed(shop: Shop, message_id: int, error: str) -> None:
    await _settle(shop, lambda rows: rows.mark_failed(message_id, error))


async def recipient_locale(shop: Shop, message: PendingMessage) -> str:
    """The language to write the message in: the customer's, or the admin's."""
    async with shop.uow(write=False) as uow:
        # An admin who ever chatted has a customer record with the language they chose.
        person = await uow.customers.find(message.channel, message.address)
    if person is not None and person.locale:
        return person.locale
    return shop.settings.default_locale


async def messages(shop: Shop, **filters: object) -> list[PendingMessage]:
    """Every outbox row (optionally of one customer or recipient kind), oldest first."""
    async with shop.uow(write=False) as uow:
        return await uow.outbox.list(**filters)  # type: ignore[arg-type]


async def record_delivery(shop: Shop, message_id: int, status: str, error: str = "") -> None:
    await _settle(shop, lambda rows: rows.record_delivery(message_id, status, error))
