"""The words for carriers' news (core/services/tracking.py): out for delivery, waiting
at a pickup point, a failed attempt or a problem, for the customer; a problem for the
admins. The carrier's own words are quoted as they came (not translated)."""

from __future__ import annotations

from core.domain.events import (
    OrderOutForDelivery,
    OrderReadyForPickup,
    ShipmentProblem,
    ShipmentProblemToAdmins,
)
from core.domain.tracking import TrackingTag
from handlers.customer.menu import TalkToPerson
from handlers.i18n import Translator
from handlers.notifications.admin import open_order_row
from handlers.notifications.customer import track_row
from handlers.notifications.registry import Context, links_tracking_page, renders
from handlers.quoting import inline, one_line
from handlers.tracking import tag_name
from handlers.types import Button, Reply


def _carrier_says(t: Translator, message: str) -> str:
    return "\n" + t.gettext("The carrier says: {message}").format(message=inline(message, 300))


@renders(OrderOutForDelivery)
@links_tracking_page
def order_out_for_delivery(c: Context, e: OrderOutForDelivery) -> Reply:
    _ = c.t.gettext
    if e.carrier:
        text = _("🚚 Your order {code} is out for delivery today with {carrier}.").format(
            code=e.code, carrier=one_line(e.carrier, 60)
        )
    else:
        text = _("🚚 Your order {code} is out for delivery today.").format(code=e.code)
    return Reply(text, track_row(c.t, e.code))


@renders(OrderReadyForPickup)
@links_tracking_page
def order_ready_for_pickup(c: Context, e: OrderReadyForPickup) -> Reply:
    _ = c.t.gettext
    text = _("📍 Your order {code} is waiting for you at a {carrier} pickup point.").format(
        code=e.code, carrier=one_line(e.carrier, 60)
    )
    if e.location:
        text += "\n" + _("Where: {place}").format(place=one_line(e.location, 200))
    text += "\n" + _("Take your tracking number with you to collect it.")
    return Reply(text, track_row(c.t, e.code))


@renders(ShipmentProblem)
@links_tracking_page
def shipment_problem(c: Context, e: ShipmentProblem) -> Reply:
    _ = c.t.gettext
    carrier = one_line(e.carrier, 60)
    if e.tag is TrackingTag.ATTEMPT_FAIL:
        text = _("🚪 {carrier} tried to deliver your order {code} but couldn't.").format(
            carrier=carrier, code=e.code
        )
    else:
        text = _("⚠️ {carrier} reports a problem with your order {code}.").format(
            carrier=carrier, code=e.code
        )
    if e.message:
        text += _carrier_says(c.t, e.message)
    text += "\n" + _(
        "The shop has been told. If something needs to change (the address, someone to "
        "receive it), write to us here."
    )
    return Reply(
        text, [*track_row(c.t, e.code), [Button(_("Talk to a person"), TalkToPerson().pack())]]
    )


@renders(ShipmentProblemToAdmins)
def shipment_problem_to_admins(c: Context, e: ShipmentProblemToAdmins) -> Reply:
    _ = c.t.gettext
    text = "⚠️ " + _("Order {code}: {status} ({carrier}, tracking number {number}).").format(
        code=e.code,
        status=tag_name(c.t, e.tag),
        carrier=one_line(e.carrier, 60),
        number=one_line(e.tracking_number, 40),
    )
    if e.message:
        text += _carrier_says(c.t, e.message)
    if e.location:
        text += "\n" + _("Where: {place}").format(place=one_line(e.location, 200))
    if e.tag is TrackingTag.EXPIRED:
        text += "\n" + _("The carrier has stopped reporting on it: check with them.")
    return Reply(text, open_order_row(c.t, e.code))
