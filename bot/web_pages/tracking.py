"""The order tracking page, /t/<token>: what the chat says about an order (status,
timeline, delivery estimate, carrier), on one page a customer opens from a link.

- `GET /t/{token}`: the page, complete without JavaScript (a reload shows the news).
- `GET /t/{token}/part`: the status section alone (what the script swaps in).
- `GET /t/{token}/events`: Server-Sent Events; the order is read every
  TRACKING_POLL_SECONDS and the status section sent again whenever it changed.

A wrong, forged, unknown or expired token is one plain 404 page on every route: it
says nothing of why. The page shows no personal data but the customer's first name
and the delivery city (anyone holding the link sees it). Its words are the chat's
(handlers.render), in the customer's language unless `?lang=` chooses another.
"""

from __future__ import annotations

import asyncio
import logging
import re
import weakref
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Response
from sse_starlette.event import ServerSentEvent
from sse_starlette.sse import EventSourceResponse

from bot.channels import Channel, load_channels, served
from bot.web_pages import page, render
from core.domain.errors import StoreUnavailable
from core.domain.orders import OrderEvent, OrderStatus
from core.domain.tracking import CHECKPOINT_EVENT
from core.services.context import Shop
from core.services.orders import OrderDetails
from core.services.web import order_customer, tracked_order
from core.settings import SettingsError
from handlers.i18n import SUPPORTED, Translator, pick_locale
from handlers.render import (
    delivery_estimate,
    event_kind_name,
    event_name,
    money,
    order_status_name,
    payment_method_name,
    shipping_method_name,
    totals_lines,
    when,
)
from handlers.tracking import checkpoint_text

log = logging.getLogger("pedidos.web")

# How often an open page's stream reads its order again, and pings to keep proxies
# from closing a quiet connection. Module constants: tests shorten them.
TRACKING_POLL_SECONDS = 2.0
TRACKING_PING_SECONDS = 15.0
# Streams open at once in this process; one more gets 503 and the page falls back to
# asking for the status section now and then (each stream reads the database).
MAX_TRACKING_STREAMS = 500

# The order's way, as the chat names its events (handlers.render.event_name).
STEPS: tuple[tuple[OrderStatus, str], ...] = (
    (OrderStatus.AWAITING_CONFIRMATION, "placed"),
    (OrderStatus.CONFIRMED, "confirmed"),
    (OrderStatus.PREPARING, "preparing"),
    (OrderStatus.PACKED, "packed"),
    (OrderStatus.SHIPPED, "shipped"),
    (OrderStatus.DELIVERED, "delivered"),
)
_STEP_OF = {status: index for index, (status, _kind) in enumerate(STEPS)}
_STEP_OF[OrderStatus.PENDING_PAYMENT] = 0

# -- what the page shows -----------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    label: str
    state: str  # "done", "current" or "todo"
    here: bool = False  # where the order is (a delivered order's last step: done, and here)


@dataclass(frozen=True)
class Moment:
    at: str  # ISO 8601, for <time datetime>
    text: str  # "today 09:00", in the shop's time zone
    what: str


@dataclass(frozen=True)
class Item:
    name: str
    quantity: int
    unit_price: str
    total: str


@dataclass(frozen=True)
class Parcel:
    carrier: str
    number: str
    url: str  # "" when it is no web address


@dataclass(frozen=True)
class ChatButton:
    url: str
    label: str


@dataclass(frozen=True)
class Reader:
    """Who reads the page: the order, in a language, with the way back to their chat."""

    details: OrderDetails
    t: Translator
    chat: ChatButton | None
    first_name: str


def status_kind(details: OrderDetails) -> str:
    """The status's colour: good news, a problem, or under way."""
    order = details.order
    if order.status is OrderStatus.DELIVERED:
        return "ok"
    if order.status in (OrderStatus.CANCELLED, OrderStatus.EXPIRED) or order.awaits_payment:
        return "warn"
    return "active"


def steps(t: Translator, details: OrderDetails) -> list[Step]:
    """The way from received to delivered, and where the order is on it (none for an
    order that left it: cancelled or expired)."""
    at = _STEP_OF.get(details.order.status)
    if at is None:
        return []
    last = len(STEPS) - 1
    return [
        Step(
            event_kind_name(t, kind),
            "done" if index < at or index == at == last else "current" if index == at else "todo",
            here=index == at,
        )
        for index, (_status, kind) in enumerate(STEPS)
    ]


def timeline(t: Translator, details: OrderDetails, shop: Shop) -> list[Moment]:
    """The order's events as the chat lists them ("where is my order?"), oldest first."""
    zone, now = shop.settings.store_timezone, shop.now()
    return [
        Moment(event.at.isoformat(), when(t, event.at, now, zone), _moment_text(t, event))
        for event in details.timeline
        if event.kind != "rated"  # the customer's own stars are no news about the order
    ]


def _moment_text(t: Translator, event: OrderEvent) -> str:
    """As the chat names it, but a carrier's checkpoint without its free text: carriers
    write who signed for a parcel there ("Recibió: María López"), and anyone with the
    link reads this page."""
    if event.kind != CHECKPOINT_EVENT:
        return event_name(t, event)
    return checkpoint_text(t, {"tag": event.data.get("tag", ""), "location": ""})


def _web_address(url: str) -> str:
    return url if re.match(r"https?://", url or "", re.IGNORECASE) else ""


def status_context(shop: Shop, reader: Reader) -> dict[str, Any]:
    """What the status section shows: everything that changes as the order goes on."""
    t, details = reader.t, reader.details
    order, shipment = details.order, details.shipment
    estimate = delivery_estimate(t, order, shipment, shop.policy, shop.settings.store_timezone)
    if order.status is OrderStatus.PENDING_PAYMENT:
        estimate = None  # as the chat: no promise before the money is there
    parcel = (
        Parcel(shipment.carrier_name, shipment.tracking_number, _web_address(shipment.tracking_url))
        if shipment
        else None
    )
    return {
        "status_text": order_status_name(t, order),
        "status_kind": status_kind(details),
        "steps": steps(t, details),
        "estimate": estimate,
        "cancel_reason": order.cancel_reason if order.status is OrderStatus.CANCELLED else "",
        "parcel": parcel,
        "moments": timeline(t, details, shop),
    }


def page_context(shop: Shop, reader: Reader, token: str) -> dict[str, Any]:
    t, order = reader.t, reader.details.order
    settings = shop.settings
    items = [
        Item(
            line.name,
            line.quantity,
            money(t, line.unit_price.amount, order.currency),
            money(t, line.total.amount, order.currency),
        )
        for line in order.lines
    ]
    return {
        **status_context(shop, reader),
        "shop_name": settings.store_name,
        "code": order.code,
        "first_name": reader.first_name,
        "city": str(order.address.get("city") or "").strip(),
        "items": items,
        "totals": totals_lines(t, order.totals, shop.policy),
        "shipping_method": shipping_method_name(t, order.shipping_method),
        "payment_method": payment_method_name(t, order.payment_method),
        "store_phone": settings.store_phone,
        "store_phone_link": "tel:" + re.sub(r"[^0-9+]", "", settings.store_phone),
        "store_address": settings.store_address,
        "chat": reader.chat,
        "languages": _languages(t.locale),
        "part_url": f"/t/{token}/part?lang={t.locale}",
        "events_url": f"/t/{token}/events?lang={t.locale}",
    }


def _languages(current: str) -> list[dict[str, Any]]:
    # Each language named in itself (an autonym): the same words whatever the page's
    # language, as language pickers do.
    names = {"es": "Español", "en": "English"}
    return [
        {"code": code, "name": names[code], "current": code == current, "href": f"?lang={code}"}
        for code in SUPPORTED
    ]


def first_name(full_name: str) -> str:
    """ "Ana López" -> "Ana": the only part of the name the page shows."""
    parts = (full_name or "").split()
    return parts[0][:40] if parts else ""


def chat_button(t: Translator, channel: str, links: Mapping[str, str]) -> ChatButton | None:
    """Back to the chat on the customer's own channel, when its address is known."""
    url = links.get(channel, "")
    if not url:
        return None
    _ = t.gettext
    if "t.me/" in url:
        return ChatButton(url, _("Open the chat on Telegram"))
    if "wa.me/" in url:
        return ChatButton(url, _("Write to us on WhatsApp"))
    return ChatButton(url, _("Back to the chat"))


def chat_links(channels: Iterable[Channel]) -> dict[str, str]:
    """Where each channel the settings turn on opens its chat (`Channel.chat_link`), by
    channel name."""
    return {channel.name: url for channel in served(channels) if (url := channel.chat_link())}


def _configured_chat_links() -> dict[str, str]:
    try:
        return chat_links(load_channels())
    except SettingsError:  # the runner refuses to start on it; here: no buttons
        log.warning("the channels' settings are wrong: no 'back to the chat' buttons")
        return {}


# -- the routes --------------------------------------------------------------------------


def tracking_page_router(shop: Shop, links: Mapping[str, str] | None = None) -> APIRouter:
    """/t/<token>: the tracking page, its status section and its stream. links: where
    each channel's chat opens (by channel name); None reads them from the settings."""
    router = APIRouter()
    chats = dict(links) if links is not None else _configured_chat_links()
    # The streams open now: a stream's generator leaves the set when it is gone, however
    # it ended (even one a client dropped before it started, which runs no `finally`).
    open_streams: weakref.WeakSet[AsyncIterator[ServerSentEvent]] = weakref.WeakSet()

    def translator(lang: str | None, fallback: str) -> Translator:
        chosen = pick_locale(lang, "") if lang else ""
        return Translator(chosen or fallback, shop.settings.store_country)

    async def reader(token: str, lang: str | None) -> Reader | None:
        details = await tracked_order(shop, token)
        if details is None:
            return None
        customer = await order_customer(shop, details.order)
        locale = (customer.locale if customer else "") or shop.settings.default_locale
        t = translator(lang, pick_locale(locale, shop.settings.default_locale))
        chat = chat_button(t, customer.channel, chats) if customer else None
        return Reader(details, t, chat, first_name(details.order.customer_name))

    def not_found(lang: str | None) -> Response:
        t = translator(lang, shop.settings.default_locale)
        html = render("tracking_404.html", t, shop_name=shop.settings.store_name)
        return page(html, status_code=404)

    def status_html(reader: Reader) -> str:
        return render("tracking_status.html", reader.t, **status_context(shop, reader))

    @router.get("/t/{token}")
    async def tracking_page(token: str, lang: str | None = None) -> Response:
        found = await reader(token, lang)
        if found is None:
            return not_found(lang)
        return page(render("tracking.html", found.t, **page_context(shop, found, token)))

    @router.get("/t/{token}/part")
    async def tracking_part(token: str, lang: str | None = None) -> Response:
        found = await reader(token, lang)
        if found is None:
            return not_found(lang)
        return page(status_html(found))

    @router.get("/t/{token}/events")
    async def tracking_events(token: str, lang: str | None = None) -> Response:
        found = await reader(token, lang)
        if found is None:
            return not_found(lang)
        if len(open_streams) >= MAX_TRACKING_STREAMS:
            busy = page("", status_code=503)
            busy.headers["Retry-After"] = "60"
            return busy

        async def news() -> AsyncIterator[ServerSentEvent]:
            current, sent = found, None
            while True:
                key = change_key(current.details)
                if key != sent:  # the first one too: the page may be older
                    sent = key
                    yield ServerSentEvent(status_html(current), event="status")
                await asyncio.sleep(TRACKING_POLL_SECONDS)
                try:
                    details = await tracked_order(shop, token)
                except StoreUnavailable:
                    continue  # the database is back soon; the page keeps what it has
                if details is None:  # the link expired meanwhile
                    return
                current = Reader(details, current.t, current.chat, current.first_name)

        stream = news()
        open_streams.add(stream)
        return EventSourceResponse(
            stream,
            ping=TRACKING_PING_SECONDS,
            headers={
                "Cache-Control": "no-store",
                "Referrer-Policy": "no-referrer",
                "X-Content-Type-Options": "nosniff",
                "X-Accel-Buffering": "no",  # nginx: pass each event on at once
            },
        )

    @router.get("/t/{rest:path}")
    async def no_such_page(rest: str, lang: str | None = None) -> Response:
        return not_found(lang)  # /t/, /t/<token>/anything: the same plain 404

    return router


def change_key(details: OrderDetails) -> tuple[object, ...]:
    """What the status section depends on: when any of it differs, it is sent again."""
    order, shipment = details.order, details.shipment
    last = details.timeline[-1] if details.timeline else None
    return (
        order.status,
        order.version,
        order.awaits_payment,
        len(details.timeline),
        last.at if last else None,
        (shipment.tracking_number, shipment.tracking_url) if shipment else None,
    )
