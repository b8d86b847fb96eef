"""Outbox messages to customers rendered as Replies in the customer's language.

The core writes what happened (a kind and its data); this is the one place that turns
it into words, whichever channel delivers it.
"""

from __future__ import annotations

from handlers.i18n import Translator
from handlers.payloads import pack
from handlers.render import money
from handlers.types import Button, Reply


def render_customer_message(t: Translator, kind: str, data: dict) -> Reply | None:
    """The message for a customer outbox row, or None for kinds customers don't get."""
    _ = t.gettext
    code = data.get("code", "")
    track = [[Button(_("Track my order"), pack("t", code))]] if code else []
    amount = money(t, data.get("amount", 0), data.get("currency", "MXN"))
    if kind == "order_confirmed":
        return Reply(
            _("✅ Your order {code} is confirmed. We'll let you know when it ships.").format(
                code=code
            ),
            track,
        )
    if kind == "payment_received":
        return Reply(
            _("✅ We received your payment for order {code}. Thank you!").format(code=code), track
        )
    if kind == "order_preparing":
        return Reply(_("📦 We are preparing your order {code}.").format(code=code), track)
    if kind == "order_shipped":
        return Reply(
            _(
                "🚚 Your order {code} is on its way with {carrier}. Tracking number: {number}\n"
                "Track it here: {url}"
            ).format(
                code=code,
                carrier=data.get("carrier", ""),
                number=data.get("tracking_number", ""),
                url=data.get("tracking_url", ""),
            ),
            track,
        )
    if kind == "order_delivered":
        return Reply(
            _("Your order {code} was delivered. How was it? Rate it from 1 to 5 stars:").format(
                code=code
            ),
            [[Button("★" * n, pack("or", code, n)) for n in range(1, 6)]],
        )
    if kind == "order_rejected":
        return Reply(
            _("Sorry, the shop could not accept your order {code}. Reason: {reason}").format(
                code=code, reason=data.get("reason") or "-"
            ),
            [[Button(_("Catalog"), pack("cat"))]],
        )
    if kind == "order_cancelled":
        text = _("Your order {code} was cancelled.").format(code=code)
        if data.get("reason") and data.get("by") != "customer":
            text += " " + _("Reason: {reason}").format(reason=data["reason"])
        if data.get("refunded"):
            text += " " + _("A refund of {amount} was recorded.").format(
                amount=money(t, data["refunded"], data.get("currency", "MXN"))
            )
        return Reply(text)
    if kind == "order_expired":
        return Reply(
            _(
                "Your order {code} expired because the payment didn't arrive in time. "
                "The items went back to the shelf; you can order again any time."
            ).format(code=code),
            [[Button(_("Catalog"), pack("cat"))]],
        )
    if kind == "order_refunded":
        return Reply(
            _("A refund of {amount} for order {code} was recorded.").format(
                amount=amount, code=code
            )
        )
    if kind == "return_approved":
        return Reply(
            _(
                "Your return #{id} for order {code} was approved. Please send the items "
                "back; we'll tell you when they arrive."
            ).format(id=data.get("return_id"), code=code)
        )
    if kind == "return_rejected":
        return Reply(
            _("Your return #{id} for order {code} was not approved. Reason: {reason}").format(
                id=data.get("return_id"), code=code, reason=data.get("note") or "-"
            )
        )
    if kind == "return_refunded":
        return Reply(
            _("Your return #{id} was refunded: {amount}.").format(
                id=data.get("return_id"), amount=amount
            )
        )
    if kind == "return_exchanged":
        return Reply(
            _("Your exchange for return #{id} is on its way.").format(id=data.get("return_id"))
        )
    if kind == "support_reply":
        return Reply(
            _("💬 The shop replied: {message}").format(message=data.get("message", "")),
            [[Button(_("Reply"), pack("s"))]],
        )
    return None
