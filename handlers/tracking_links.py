"""The order's tracking page (/t/<token>, core/services/web.py) on what its customer is
told about it: the order confirmation, every status notification, "where is my order?".

It goes out as the reply's link (a button that opens the page, where the channel can make
one: bot/links.py). A reply that already opens a page (the payment page, an OXXO voucher)
keeps that one as its button, and the tracking page is a line of its text."""

from __future__ import annotations

from core.services import web
from core.services.context import Shop
from handlers.i18n import Translator
from handlers.types import Link, Reply


async def tracking_link(shop: Shop, t: Translator, code: str) -> Link | None:
    """The order's page as a link in t's language (None for an order that is not there)."""
    url = await web.tracking_url(shop, code)
    return None if url is None else Link(t.gettext("Track it online"), url)


async def add_tracking_link(shop: Shop, t: Translator, code: str, reply: Reply) -> None:
    link = await tracking_link(shop, t, code)
    if link is None:
        return
    if reply.link is None:
        reply.link = link
    else:
        line = t.gettext("Track your order online: {url}").format(url=link.url)
        reply.text = f"{reply.text}\n{line}" if reply.text else line
