"""The words for an unconfirmed order's reminder and release (core/services/expiry.py),
for the customer and for the admins. Times are the shop's (STORE_TIMEZONE)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from core.domain.events import (
    OrderConfirmationReminder,
    OrderReleased,
    OrderReleasedToAdmins,
    OrderReleaseReminder,
)
from core.domain.orders import PaymentMethod
from handlers.customer.menu import TalkToPerson
from handlers.customer.orders import ShowOrder
from handlers.i18n import Translator
from handlers.notifications.admin import open_order_row
from handlers.notifications.customer import catalog_row
from handlers.notifications.registry import Context, links_tracking_page, renders
from handlers.types import Button, Reply


def deadline(t: Translator, at: datetime, zone: str) -> str:
    """ "4 Nov, 15:00" / "4 nov, 15:00" in the shop's time zone."""
    return format_datetime(at.astimezone(ZoneInfo(zone)), "d MMM, HH:mm", locale=t.format_locale)


@renders(OrderReleaseReminder)
@links_tracking_page
def release_reminder(c: Context, e: OrderReleaseReminder) -> Reply:
    _ = c.t.gettext
    if e.payment_method is PaymentMethod.BANK_TRANSFER:
        text = _(
            "⏳ We haven't received the transfer receipt for order {code}. Send a photo "
            "of it here before {deadline}, or the order will be released and its items "
            "put back on sale."
        )
    else:
        text = _(
            "⏳ The shop hasn't confirmed your order {code} yet; we've reminded them. If "
            "it isn't confirmed by {deadline}, it will be released and its items put back "
            "on sale. Questions? Talk to a person."
        )
    return Reply(
        text.format(code=e.code, deadline=deadline(c.t, e.release_at, c.zone)),
        [
            [
                Button(_("Track my order"), ShowOrder(e.code).pack()),
                Button(_("Talk to a person"), TalkToPerson().pack()),
            ]
        ],
    )


@renders(OrderReleased)
@links_tracking_page
def released(c: Context, e: OrderReleased) -> Reply:
    _ = c.t.gettext
    return Reply(
        _(
            "Your order {code} was released because it wasn't confirmed in time; its "
            "items are back on sale. You can order again any time."
        ).format(code=e.code),
        catalog_row(c.t),
    )


@renders(OrderConfirmationReminder)
def confirmation_reminder(c: Context, e: OrderConfirmationReminder) -> Reply:
    _ = c.t.gettext
    if e.receipt:
        text = _(
            "⏳ Order {code} is still waiting for your confirmation. The customer sent "
            "the transfer receipt: check it, then confirm or reject the order (it is not "
            "released on its own)."
        ).format(code=e.code)
    else:
        text = _(
            "⏳ Order {code} is still waiting for your confirmation. If nobody confirms "
            "it by {deadline}, it will be released and its stock put back."
        ).format(code=e.code, deadline=deadline(c.t, e.release_at, c.zone))
    return Reply(text, open_order_row(c.t, e.code))


@renders(OrderReleasedToAdmins)
def released_for_admins(c: Context, e: OrderReleasedToAdmins) -> Reply:
    _ = c.t.gettext
    return Reply(
        _("Order {code} was released: nobody confirmed it in time. Its stock is back.").format(
            code=e.code
        ),
        open_order_row(c.t, e.code),
    )
