"""Where each conversation is, stored so that a restart resumes it."""

from __future__ import annotations

from core.domain.conversations import ConversationRecord
from core.services.context import Shop


async def load_conversation(shop: Shop, channel: str, user_id: str) -> ConversationRecord | None:
    async with shop.uow(write=False) as uow:
        return await uow.conversations.load(channel, user_id)


async def save_conversation(shop: Shop, record: ConversationRecord) -> None:
    async with shop.uow() as uow:
        await uow.conversations.save(record, shop.now())
        await uow.commit(shop.now())
