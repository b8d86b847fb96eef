"""Where each conversation is, stored so that a restart resumes it."""

from __future__ import annotations

from core.domain.conversations import ConversationRecord
from core.domain.customers import Customer
from core.services.context import Shop
from core.services.customers import identify


async def save_conversation(shop: Shop, record: ConversationRecord) -> None:
    async with shop.uow(one_statement=True) as uow:
        await uow.conversations.save(record, shop.now())
        await uow.commit(shop.now())


async def open_turn(
    shop: Shop, channel: str, user_id: str, *, name: str = "", locale: str = ""
) -> tuple[Customer, ConversationRecord | None, bool]:
    """Who is writing, where their conversation is, and whether they are an admin: one
    read for the three (this runs for every message)."""
    async with shop.uow(write=False) as uow:
        found = await uow.customers.find_for_turn(channel, user_id)
        if found is not None:
            customer, record, listed_admin = found
            return customer, record, listed_admin or uow.is_configured_admin(channel, user_id)
        record = await uow.conversations.load(channel, user_id)
        is_admin = await uow.is_admin(channel, user_id)
    customer = await identify(shop, channel, user_id, name=name, locale=locale)  # first contact
    return customer, record, is_admin
