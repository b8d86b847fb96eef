"""The order card an admin sees: who, what, where, how, and the buttons for exactly the
moves the status machine allows now."""

from __future__ import annotations

from collections.abc import Mapping

from core.domain.actors import Actor, ActorKind
from core.domain.orders import (
    NEEDS_PAYMENT,
    OrderStatus,
    PaymentMethod,
    PaymentRequired,
    allowed_targets,
)
from core.domain.payments import can_record_manual_payment
from core.services.context import Shop
from core.services.orders import OrderDetails
from handlers.i18n import Translator
from handlers.quoting import inline, one_line
from handlers.render import (
    address_text,
    event_name,
    order_lines_text,
    order_status_name,
    payment_method_name,
    shipping_method_name,
    totals_lines,
    when,
)
from handlers.types import Button, Reply


def action_buttons(t: Translator, details: OrderDetails) -> list[list[Button]]:
    # The card's buttons are handled in orders.py, which shows cards: imported on use.
    from handlers.admin import orders

    _ = t.gettext
    order = details.order
    code = order.code
    rows: list[list[Button]] = []
    labels = {
        OrderStatus.CONFIRMED: (_("Confirm"), orders.ConfirmOrder(code).pack()),
        OrderStatus.PREPARING: (_("Start preparing"), orders.StartPreparing(code).pack()),
        OrderStatus.PACKED: (_("Packed (label)"), orders.MarkPacked(code).pack()),
        OrderStatus.SHIPPED: (_("Ship"), orders.ShipOrder(code).pack()),
        OrderStatus.DELIVERED: (_("Delivered"), orders.MarkDelivered(code).pack()),
    }
    for target in allowed_targets(order.status, ActorKind.MERCHANT):
        if target in NEEDS_PAYMENT and order.awaits_payment:
            # That move is refused until the order is paid: offer the explicit override.
            rows.append([Button(_("Confirm without payment"), orders.ConfirmUnpaid(code).pack())])
        elif target in labels:
            label, payload = labels[target]
            rows.append([Button(label, payload)])
        elif target is OrderStatus.CANCELLED:
            if order.status is OrderStatus.AWAITING_CONFIRMATION:
                rows.append([Button(_("Reject"), orders.RejectOrder(code).pack())])
            else:
                rows.append([Button(_("Cancel order"), orders.CancelOrder(code).pack())])
    if can_record_manual_payment(order, details.payments):
        rows.append([Button(_("Mark as paid"), orders.MarkPaid(code).pack())])
    if order.status in (OrderStatus.PACKED, OrderStatus.SHIPPED):
        rows.append([Button(_("Shipping label"), orders.ShippingLabel(code).pack())])
    from handlers.admin.documents import document_buttons  # see orders above

    rows += document_buttons(t, details)
    return rows


def order_card(shop: Shop, t: Translator, details: OrderDetails, *, title: str = "") -> Reply:
    _ = t.gettext
    order = details.order
    lines = [
        title
        or _("Order {code}: {status}").format(code=order.code, status=order_status_name(t, order)),
        _("Customer: {name} · {phone}").format(
            name=inline(order.customer_name), phone=one_line(order.phone)
        ),
        *order_lines_text(t, order),
        *totals_lines(t, order.totals, shop.policy),
        _("Deliver to: {address}").format(address=inline(address_text(order.address), 500)),
        _("Shipping method: {method}").format(
            method=shipping_method_name(t, order.shipping_method)
        ),
        payment_line(t, details),
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


def who(t: Translator, recorded: str, names: Mapping[str, str]) -> str:
    """Who did it, as a person reads it: "Shop (Ana)", "Customer", "System"; never the
    ids an event records ("merchant:telegram:42")."""
    _ = t.gettext
    actor = Actor.recorded(recorded)
    if actor.kind is ActorKind.CUSTOMER:
        return _("Customer")
    if actor.kind is ActorKind.MERCHANT:
        name = names.get(recorded)
        return _("Shop ({name})").format(name=one_line(name, 40)) if name else _("Shop")
    return _("System")


def payment_line(t: Translator, details: OrderDetails) -> str:
    """How it is paid, and whether the money is in: ✅, awaiting payment, or the
    merchant went on without it."""
    _ = t.gettext
    order = details.order
    text = _("Payment: {method}").format(method=payment_method_name(t, order.payment_method))
    if details.paid:
        return text + " ✅"
    if order.awaits_payment:
        return text + " — " + order_status_name(t, order)
    if order.payment_waived:
        return text + " — " + _("confirmed without payment")
    return text


def unpaid_refusal(t: Translator, refused: PaymentRequired) -> Reply:
    """The answer to confirming, preparing or shipping an order that awaits its payment:
    why not, and the two ways on (the money arrived; or go on without it, recorded)."""
    from handlers.admin import orders  # see action_buttons

    _ = t.gettext
    code = str(refused.data.get("code", ""))
    text = _(
        "Order {code} is awaiting payment: it can't be confirmed, prepared or shipped "
        "until its payment is recorded. Already paid? Mark it as paid. To go on without "
        "the payment, confirm it without payment (/confirmar_sin_pago {code}); the "
        "order's history will record that you did."
    ).format(code=code)
    rows = [[Button(_("Confirm without payment"), orders.ConfirmUnpaid(code).pack())]]
    if refused.data.get("method") == PaymentMethod.BANK_TRANSFER:
        rows.insert(0, [Button(_("Mark as paid"), orders.MarkPaid(code).pack())])
    rows.append([Button(_("Open order"), orders.OpenOrder(code).pack())])
    return Reply(text, rows)


def timeline_text(
    shop: Shop, t: Translator, details: OrderDetails, names: Mapping[str, str]
) -> str:
    """One line per event; names: the admins' names (core.services.admins.admin_names)."""
    now, zone = shop.now(), shop.settings.store_timezone
    return "\n".join(
        f"• {when(t, e.at, now, zone)} — {event_name(t, e)} ({who(t, e.actor, names)})"
        for e in details.timeline
    )
