"""Updates from a channel are written down before they are handled: a repeated delivery
is recognised (also after a restart), and one left unhandled by a crash is handled on
the next start."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta

from core.domain.errors import StoreUnavailable
from core.services import log_context
from core.services.context import Shop

log = logging.getLogger(__name__)


async def receive(shop: Shop, channel: str, update_key: str, user_id: str, payload: dict) -> bool:
    """True the first time this update arrives; False for a repeat."""
    async with shop.uow(one_statement=True) as uow:
        fresh = await uow.inbox.add(channel, update_key, user_id, payload, shop.now())
        await uow.commit(shop.now())
        return fresh


async def mark_handled(shop: Shop, channel: str, update_key: str) -> None:
    async with shop.uow(one_statement=True) as uow:
        await uow.inbox.mark_handled(channel, update_key, shop.now())
        await uow.commit(shop.now())


async def forget_handled(shop: Shop, batch: int = 1000) -> int:
    """Delete the updates handled longer ago than INBOX_KEEP_DAYS, a batch at a time (a
    short write each, so chats are not held up); how many went. Until then a repeated
    delivery is recognised; after it, the person's messages are not kept."""
    before = shop.now() - timedelta(days=shop.settings.inbox_keep_days)
    forgotten = 0
    while True:
        async with shop.uow(one_statement=True) as uow:
            deleted = await uow.inbox.forget_handled(before, batch)
            await uow.commit(shop.now())
        forgotten += deleted
        if deleted < batch:
            return forgotten


def person_lock(shop: Shop, channel: str, user_id: str) -> AbstractAsyncContextManager[None]:
    """Held while one person's updates are handled, in whichever worker."""
    return shop.db.person_lock(f"{channel}:{user_id}")


async def unhandled_for(shop: Shop, channel: str, user_id: str) -> list[tuple[str, dict]]:
    async with shop.uow(write=False) as uow:
        return await uow.inbox.unhandled_for(channel, user_id)


async def waiting_people(
    shop: Shop, channel: str, limit: int = 100, older_than: timedelta | None = None
) -> list[str]:
    """Who has updates received but not handled (a worker died), the longest waiting
    first (older_than: only updates waiting that long)."""
    before = shop.now() - older_than if older_than is not None else None
    async with shop.uow(write=False) as uow:
        return await uow.inbox.waiting_people(channel, limit, before)


async def handle_waiting(
    shop: Shop, channel: str, user_id: str, handle: Callable[[dict], Awaitable[None]]
) -> None:
    """This person's waiting updates, oldest first, each given to handle while holding
    the person's lock (in every worker), then marked handled. One that fails is logged
    and marked handled anyway, so it can't block the person's later updates. With the
    database away they all wait, for the next update or the recovery job."""
    try:
        async with person_lock(shop, channel, user_id):
            for key, payload in await unhandled_for(shop, channel, user_id):
                # What is logged meanwhile names the update (and its order, once known).
                _context, token = log_context.begin(channel, key)
                try:
                    await handle(payload)
                except Exception:
                    log.exception("%s update %s failed", channel, key)
                finally:
                    log_context.end(token)
                await mark_handled(shop, channel, key)
    except StoreUnavailable:
        log.warning("database unavailable; %s updates of %s wait", channel, user_id)


async def remember_message(shop: Shop, channel: str, chat_id: str, message_id: str, ref: str):
    """Note what a message we sent was about (e.g. "case:12")."""
    async with shop.uow(one_statement=True) as uow:
        await uow.inbox.remember(channel, chat_id, message_id, ref, shop.now())
        await uow.commit(shop.now())


async def ref_of(shop: Shop, channel: str, chat_id: str, message_id: str) -> str | None:
    async with shop.uow(write=False) as uow:
        return await uow.inbox.ref_of(channel, chat_id, message_id)


async def last_message_at(shop: Shop, channel: str, user_id: str) -> datetime | None:
    async with shop.uow(write=False) as uow:
        return await uow.inbox.last_message_at(channel, user_id)


async def save_menu(shop: Shop, channel: str, user_id: str, kind: str, options: list) -> None:
    async with shop.uow(one_statement=True) as uow:
        await uow.menus.save(channel, user_id, kind, options, shop.now())
        await uow.commit(shop.now())


async def forget_menu(shop: Shop, channel: str, user_id: str) -> None:
    """The person's last answer offered no typed-number or paged menu: none is open."""
    async with shop.uow(one_statement=True) as uow:
        await uow.menus.forget(channel, user_id)
        await uow.commit(shop.now())


async def load_menu(shop: Shop, channel: str, user_id: str) -> tuple[str, list] | None:
    async with shop.uow(write=False) as uow:
        return await uow.menus.load(channel, user_id)
