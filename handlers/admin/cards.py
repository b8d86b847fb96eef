"""The order card an admin sees: who, what, where, how, and the buttons for exactly the
moves the status machine allows now."""

from __future__ import annotations

from core.domain.actors import ActorKind
from core.domain.orders import OrderStatus, PaymentMethod, allowed_targets
from core.domain.payments import PaymentStatus
from core.services.context import Shop
from core.services.orders import OrderDetails
from handlers.i18n import Translator
from handlers.payloads import pack
from handlers.quoting import inline, one_line
from handlers.render import (
    address_text,
    event_name,
    order_lines_text,
    payment_method_name,
    shipping_method_name,
    status_name,
    totals_lines,
    when,
)
from handlers.types import Button, Reply


def action_buttons(t: Translator, details: OrderDetails) -> list[list[Button]]:
    _ = t.gettext
    order = details.order
    code = order.code
    rows: list[list[Button]] = []
    labels = {
        OrderStatus.CONFIRMED: (_("Confirm"), pack("ac", code)),
        OrderStatus.PREPARING: (_("Start preparing"), pack("ap", code)),
        OrderStatus.PACKED: (_("Packed (label)"), pack("ak", code)),
        OrderStatus.SHIPPED: (_("Ship"), pack("as", code)),
        OrderStatus.DELIVERED: (_("Delivered"), pack("ad", code)),
    }
    for target in allowed_targets(order.status, ActorKind.MERCHANT):
        if target in labels:
            label, payload = labels[target]
            rows.append([Button(label, payload)])
        elif target is OrderStatus.CANCELLED:
            if order.status is OrderStatus.AWAITING_CONFIRMATION:
                rows.append([Button(_("Reject"), pack("aj", code))])
            else:
                rows.append([Button(_("Cancel order"), pack("ax", code))])
    pending = any(p.status is PaymentStatus.PENDING for p in details.payments)
    # Cash on delivery stays unpaid on delivery until the merchant says it was received.
    collectable = order.is_open or order.status is OrderStatus.DELIVERED
    if pending and order.payment_method is not PaymentMethod.CARD and collectable:
        rows.append([Button(_("Mark as paid"), pack("apd", code))])
    if order.status in (OrderStatus.PACKED, OrderStatus.SHIPPED):
        rows.append([Button(_("Shipping label"), pack("lbl", code))])
    return rows


def order_card(shop: Shop, t: Translator, details: OrderDetails, *, title: str = "") -> Reply:
    _ = t.gettext
    order = details.order
    lines = [
        title
        or _("Order {code}: {status}").format(code=order.code, status=status_name(t, order.status)),
        _("Customer: {name} · {phone}").format(
            name=inline(order.customer_name), phone=one_line(order.phone)
        ),
        *order_lines_text(t, order),
        *totals_lines(t, order.totals, shop.policy),
        _("Deliver to: {address}").format(address=inline(address_text(order.address), 500)),
        _("Shipping method: {method}").format(
            method=shipping_method_name(t, order.shipping_method)
        ),
        _("Payment: {method}").format(method=payment_method_name(t, order.payment_method))
        + (" ✅" if details.paid else ""),
    ]
    receipts = [e for e in details.timeline if e.kind == "receipt_attached"]
    if receipts:
        file = inline(receipts[-1].data.get("file", ""))
        lines.append(_("Transfer receipt: {file}").format(file=file))
    if details.shipment:
        lines.append(
            _("Carrier: {carrier}, tracking number {number}").format(
                carrier=details.shipment.carrier_name, number=details.shipment.tracking_number
            )
        )
    if order.rating:
        lines.append(_("Rating: {stars}").format(stars="★" * order.rating))
    return Reply("\n".join(lines), action_buttons(t, details))


def timeline_text(shop: Shop, t: Translator, details: OrderDetails) -> str:
    now, zone = shop.now(), shop.settings.store_timezone
    return "\n".join(
        f"• {when(t, e.at, now, zone)} — {event_name(t, e)} ({e.actor})" for e in details.timeline
    )
