"""Outbox messages rendered as Replies in the recipient's language.

The core writes what happened (an event: core/domain/events.py); this package is the
one place that turns it into words, whichever channel delivers it: one renderer per
event type (`@renders`, registry.py), the customers' in customer.py, the admins' in
admin.py, an unconfirmed order's reminder and release in reservations.py, payment
links' news in payments.py, an order the shop took by phone in
phone_orders.py, carriers' news in tracking.py.
"""

from __future__ import annotations

from core.domain.outbox import PendingMessage
from core.services.context import Shop
from core.services.outbox import recipient_locale
from handlers.i18n import Translator

# Imported for their renderers (each registers itself with @renders).
from handlers.notifications import (  # noqa: F401
    admin,
    customer,
    payments,
    phone_orders,
    reservations,
    tracking,
)
from handlers.notifications.registry import Context, has_renderer, render_event, renders
from handlers.types import Reply

__all__ = ["Context", "has_renderer", "render_event", "render_message", "renders"]


async def render_message(shop: Shop, message: PendingMessage) -> list[Reply]:
    """The replies for one outbox row, in its recipient's language; [] for a row that
    holds no event this version knows (message.unreadable says why)."""
    if message.event is None:
        return []
    locale = await recipient_locale(shop, message)
    return await render_event(shop, Translator(locale, shop.settings.store_country), message.event)
