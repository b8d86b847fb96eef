"""Who may run the shop from a chat: admins named in the settings, plus those added here."""

from __future__ import annotations

from collections.abc import Iterable

from core.domain.actors import Actor
from core.domain.api_keys import API_CHANNEL
from core.services.context import Shop, require_admin
from core.store.admins_repo import AdminRecord


async def is_admin(shop: Shop, channel: str, user_id: str) -> bool:
    async with shop.uow(write=False) as uow:
        return await uow.is_admin(channel, user_id)


async def add_admin(shop: Shop, channel: str, user_id: str, name: str = "") -> bool:
    """False when that person already was an admin."""
    if channel not in shop.channels.names:
        raise ValueError(f"channel must be one of {', '.join(shop.channels.names)}")
    async with shop.uow(one_statement=True) as uow:
        added = await uow.admins.add(AdminRecord(channel, user_id.strip(), name), shop.now())
        await uow.commit(shop.now())
        return added


async def remove_admin(shop: Shop, channel: str, user_id: str) -> bool:
    async with shop.uow(one_statement=True) as uow:
        removed = await uow.admins.remove(channel, user_id)
        await uow.commit(shop.now())
        return removed


async def list_admins(shop: Shop) -> list[tuple[str, str, str]]:
    """(channel, user id, where it comes from: "settings" or "added")."""
    async with shop.uow(write=False) as uow:
        added = {(a.channel, a.user_id) for a in await uow.admins.all()}
    configured = shop.channels.admins
    return [
        (channel, user_id, "settings" if (channel, user_id) in configured else "added")
        for channel, user_id in sorted(added | configured)
    ]


async def admin_names(shop: Shop, actors: Iterable[str]) -> dict[str, str]:
    """The names of the admins among these recorded actors ("merchant:<channel>:42" ->
    "Ana"), for timelines: the name given with `pedidos admin add --name`, else the one
    their chat app gave; a REST API key's actor ("merchant:api:3") is named by the key's
    name. An admin with neither is left out."""
    chats = {text: chat for text in set(actors) if (chat := Actor.recorded(text).chat)}
    if not chats:
        return {}
    names: dict[str, str] = {}
    async with shop.uow(write=False) as uow:
        given = {(a.channel, a.user_id): a.name for a in await uow.admins.all()}
        for text, (channel, user_id) in chats.items():
            name = given.get((channel, user_id), "").strip()
            if channel == API_CHANNEL and user_id.isdigit():  # a REST API key: its name
                key = await uow.api_keys.get(int(user_id))
                name = key.name if key else ""
            elif not name:
                person = await uow.customers.find(channel, user_id)
                name = person.name.strip() if person else ""
            if name:
                names[text] = name
    return names


async def authorize(shop: Shop, actor: Actor, action: str) -> None:
    """Raise NotAllowed (and log it) unless the actor is an admin."""
    async with shop.uow(write=False) as uow:
        await require_admin(uow, actor, action)
