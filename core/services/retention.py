"""Personal data nobody needs any more, deleted after ABANDONED_DATA_KEEP_DAYS: the
conversations untouched that long (a checkout left half-way holds the name, phone and
address typed so far), the menus last offered then, updates never handled, and the web
chat's messages and documents written before then."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.services.context import Shop
from core.store.privacy_repo import SqlPrivacyRepository


@dataclass(frozen=True)
class Deleted:
    conversations: int = 0
    menus: int = 0
    updates: int = 0
    web_messages: int = 0
    web_files: int = 0

    @property
    def total(self) -> int:
        return self.conversations + self.menus + self.updates + self.web_messages + self.web_files


Batch = Callable[[SqlPrivacyRepository, datetime, int], Awaitable[int]]


async def _in_batches(shop: Shop, before: datetime, delete: Batch, batch: int) -> int:
    """A batch at a time, each a short write of its own, so chats are not held up."""
    deleted = 0
    while True:
        async with shop.uow(one_statement=True) as uow:
            went = await delete(uow.privacy, before, batch)
            await uow.commit(shop.now())
        deleted += went
        if went < batch:
            return deleted


async def forget_abandoned(shop: Shop, batch: int = 1000) -> Deleted:
    """Delete what was left untouched longer than ABANDONED_DATA_KEEP_DAYS; how much went."""
    before = shop.now() - timedelta(days=shop.settings.abandoned_data_keep_days)
    return Deleted(
        conversations=await _in_batches(
            shop, before, SqlPrivacyRepository.forget_stale_conversations, batch
        ),
        menus=await _in_batches(shop, before, SqlPrivacyRepository.forget_stale_menus, batch),
        updates=await _in_batches(shop, before, SqlPrivacyRepository.forget_unhandled, batch),
        web_messages=await _in_batches(
            shop, before, SqlPrivacyRepository.forget_old_web_messages, batch
        ),
        web_files=await _in_batches(shop, before, SqlPrivacyRepository.forget_old_web_files, batch),
    )
