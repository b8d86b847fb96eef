"""Carrier checkpoints as people read them: on an order's timeline (the admin's card,
the customer's "where is my order?") and in the notifications about them."""

from __future__ import annotations

from collections.abc import Mapping

from core.domain.tracking import TrackingTag
from handlers.i18n import Translator
from handlers.quoting import inline, one_line


def tag_name(t: Translator, tag: TrackingTag | str) -> str:
    _ = t.gettext
    names = {
        TrackingTag.PENDING: _("no news yet"),
        TrackingTag.INFO_RECEIVED: _("label received"),
        TrackingTag.IN_TRANSIT: _("in transit"),
        TrackingTag.OUT_FOR_DELIVERY: _("out for delivery"),
        TrackingTag.ATTEMPT_FAIL: _("delivery attempt failed"),
        TrackingTag.AVAILABLE_FOR_PICKUP: _("ready for pickup"),
        TrackingTag.DELIVERED: _("delivered"),
        TrackingTag.EXCEPTION: _("problem with the parcel"),
        TrackingTag.EXPIRED: _("tracking stopped"),
    }
    found = TrackingTag.read(tag)
    return names[found] if found else one_line(str(tag), 40)


def checkpoint_text(t: Translator, data: Mapping[str, object]) -> str:
    """ "Carrier: in transit, “Llegó a Querétaro” (Querétaro, QRO)" for a timeline
    event's data (core.domain.tracking Checkpoint.timeline_data)."""
    text = t.gettext("Carrier: {status}").format(status=tag_name(t, str(data.get("tag", ""))))
    message, location = data.get("message"), data.get("location")
    if isinstance(message, str) and message:
        text += ", " + inline(message, 160)
    if isinstance(location, str) and location:
        text += f" ({one_line(location, 80)})"
    return text
