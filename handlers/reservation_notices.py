"""The words for an unconfirmed order's reminder and release (core/services/expiry.py),
for the customer and for the admins. Times are the shop's (STORE_TIMEZONE)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from core.domain.orders import PaymentMethod
from handlers.i18n import Translator
from handlers.payloads import pack
from handlers.types import Button, Reply

CUSTOMER_KINDS = frozenset({"order_release_reminder", "order_released"})
ADMIN_KINDS = frozenset({"order_confirmation_reminder", "order_released"})


def deadline(t: Translator, iso: str, zone: str) -> str:
    """ "4 Nov, 15:00" / "4 nov, 15:00" in the shop's time zone."""
    at = datetime.fromisoformat(iso).astimezone(ZoneInfo(zone))
    return format_datetime(at, "d MMM, HH:mm", locale=t.format_locale)


def customer_notice(t: Translator, kind: str, data: dict, zone: str) -> Reply | None:
    _ = t.gettext
    code = data.get("code", "")
    if kind == "order_release_reminder":
        when = deadline(t, data["release_at"], zone)
        if data.get("payment_method") == PaymentMethod.BANK_TRANSFER:
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
            text.format(code=code, deadline=when),
            [
                [
                    Button(_("Track my order"), pack("t", code)),
                    Button(_("Talk to a person"), pack("s")),
                ]
            ],
        )
    if kind == "order_released":
        return Reply(
            _(
                "Your order {code} was released because it wasn't confirmed in time; its "
                "items are back on sale. You can order again any time."
            ).format(code=code),
            [[Button(_("Catalog"), pack("cat"))]],
        )
    return None


def admin_notice(t: Translator, kind: str, data: dict, zone: str) -> Reply | None:
    _ = t.gettext
    code = data.get("code", "")
    open_order = [[Button(_("Open order"), pack("ao", code))]]
    if kind == "order_confirmation_reminder":
        if data.get("receipt"):
            text = _(
                "⏳ Order {code} is still waiting for your confirmation. The customer sent "
                "the transfer receipt: check it, then confirm or reject the order (it is not "
                "released on its own)."
            ).format(code=code)
        else:
            text = _(
                "⏳ Order {code} is still waiting for your confirmation. If nobody confirms "
                "it by {deadline}, it will be released and its stock put back."
            ).format(code=code, deadline=deadline(t, data["release_at"], zone))
        return Reply(text, open_order)
    if kind == "order_released":
        return Reply(
            _("Order {code} was released: nobody confirmed it in time. Its stock is back.").format(
                code=code
            ),
            open_order,
        )
    return None
