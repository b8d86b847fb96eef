"""What the web needs from the core: the shop's secret, tracking links, and the web
chat's transcript and files."""

from __future__ import annotations

import secrets

from core.domain.actors import SYSTEM
from core.domain.customers import Customer
from core.domain.orders import Order
from core.domain.tracking_links import key_of, link_expired, new_tracking_key, tracking_token
from core.domain.web_chat import TRANSCRIPT_SIZE, WebFile, WebMessage
from core.services.context import Shop
from core.services.orders import OrderDetails, order_details

WEB_SECRET = "web"


async def web_secret(shop: Shop) -> str:
    """WEB_SECRET, or the one the shop made and keeps in the database (the same for
    every worker and after a restart)."""
    if shop.settings.web_secret:
        return shop.settings.web_secret
    if WEB_SECRET not in shop.secrets:
        async with shop.uow() as uow:
            kept = await uow.web.secret(WEB_SECRET, secrets.token_urlsafe(32), shop.now())
            await uow.commit(shop.now())
        shop.secrets[WEB_SECRET] = kept
    return shop.secrets[WEB_SECRET]


async def tracking_url(shop: Shop, code: str) -> str | None:
    """The order's tracking page (None for an order that is not there)."""
    async with shop.uow(write=False) as uow:
        order = await uow.orders.get(code=code)
        key = await uow.web.tracking_key(order.id) if order is not None else None
    if order is None:
        return None
    if key is None:  # its first link: a write, once per order
        async with shop.uow() as uow:
            key = await uow.web.add_tracking_key(order.id, new_tracking_key(), shop.now())
            await uow.commit(shop.now())
    token = tracking_token(await web_secret(shop), key)
    return f"{shop.settings.web_address()}/t/{token}"


async def tracked_order(shop: Shop, token: str) -> OrderDetails | None:
    """The order a tracking token names; None for a wrong token, or a finished order's
    past TRACKING_LINK_DAYS."""
    key = key_of(await web_secret(shop), token)
    if key is None:
        return None
    async with shop.uow(write=False) as uow:
        order_id = await uow.web.order_id_for_key(key)
        order = await uow.orders.get(order_id=order_id) if order_id is not None else None
    if order is None or link_expired(
        order.status, order.updated_at, shop.now(), shop.settings.tracking_link_days
    ):
        return None
    return await order_details(shop, order.code, SYSTEM)


async def order_customer(shop: Shop, order: Order) -> Customer | None:
    """Who placed the order (the tracking page speaks their language, and offers their
    own channel's chat)."""
    async with shop.uow(write=False) as uow:
        return await uow.customers.get(order.customer_id)


# -- the web chat's transcript ----------------------------------------------------------


async def transcript(
    shop: Shop, user_id: str, *, after: int = 0, limit: int = TRANSCRIPT_SIZE
) -> list[WebMessage]:
    """The visitor's messages after a message id (all new ones), or the latest."""
    async with shop.uow(write=False) as uow:
        return await uow.web.messages(user_id, after=after, limit=limit)


async def last_message_id(shop: Shop, user_id: str) -> int:
    async with shop.uow(write=False) as uow:
        return await uow.web.last_message_id(user_id)


async def web_file(shop: Shop, user_id: str, file_id: str) -> WebFile | None:
    """A document the visitor's chat offered them; None for anyone else's."""
    async with shop.uow(write=False) as uow:
        return await uow.web.file(user_id, file_id)


async def visitor_locale(shop: Shop, channel: str, user_id: str) -> str:
    """The language a visitor's conversation speaks ("" for someone not met yet): read
    only, so a page view creates nobody."""
    async with shop.uow(write=False) as uow:
        found = await uow.customers.find(channel, user_id)
    return found.locale if found is not None else ""


async def visitor_known(shop: Shop, channel: str, user_id: str) -> bool:
    """Whether the visitor was met (their first message made them a customer); False
    for someone new, and for someone forgotten since."""
    async with shop.uow(write=False) as uow:
        return await uow.customers.find(channel, user_id) is not None


async def record_rows(
    shop: Shop, user_id: str, rows: list[tuple[str, dict]], files: list[WebFile] = ()
) -> list[int]:
    """Write rows ("in" or "out", and what each shows) and the files they offer to the
    visitor's transcript in one unit: a message and its answers together, or not at all."""
    now = shop.now()
    async with shop.uow() as uow:
        for file in files:
            await uow.web.add_file(file, user_id, now)
        ids = [await uow.web.add_message(user_id, way, body, now) for way, body in rows]
        await uow.commit(shop.now())
    return ids
