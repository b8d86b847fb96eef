"""Turning orders, carts and products into short, translated chat text."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time

from core.domain.catalog import Product
from core.domain.delivery import estimate_days
from core.domain.orders import Order, OrderEvent, OrderStatus, PaymentMethod
from core.domain.pricing import PricingPolicy, Totals
from core.domain.shipments import Shipment
from core.domain.shipping_zones import Destination
from core.domain.tracking import CHECKPOINT_EVENT
from handlers import commands
from handlers.i18n import Translator
from handlers.tracking import checkpoint_text
from handlers.types import Button


def row_error_text(t: Translator, reason: str, detail: str) -> str:
    """What is wrong with a row of a catalog import (or a product made in the chat)."""
    _ = t.gettext
    texts = {
        "missing_columns": _("the header lacks the columns: {detail}"),
        "missing_sku": _("the SKU is empty"),
        "sku_too_long": _("the SKU is longer than 64 characters: {detail}"),
        "duplicate_sku": _("the SKU is repeated: {detail}"),
        "missing_name": _("the name is empty"),
        "bad_price": _("the price is not a valid amount: {detail} (write it like 199.90)"),
        "negative_price": _("the price is negative: {detail}"),
        "bad_stock": _("the stock is not a whole number: {detail}"),
        "negative_stock": _("the stock is negative: {detail}"),
        "bad_weight": _("the weight is not a whole number of grams: {detail}"),
        "bad_image_url": _("the photo is not an http(s) web address: {detail}"),
        "stock_below_reserved": _("the stock is below what open orders reserved: {detail}"),
        "unknown_supplier": _("there is no supplier “{detail}” (add it with {add})"),
        "supplier_sku_too_long": _("the supplier's SKU is longer than 64 characters: {detail}"),
        "bad_cost": _("the cost is not a valid amount: {detail} (write it like 85.50)"),
        "negative_cost": _("the cost is negative: {detail}"),
        "bad_reorder_point": _("the reorder point is not a whole number from 0: {detail}"),
        "bad_pack_size": _("the pack size is not a whole number from 1 to 100000: {detail}"),
    }
    add = _("{command} new NAME").format(
        command=commands.slash_name("supplier", commands.Audience.ADMIN, t.locale)
    )
    return texts.get(reason, reason).format(detail=detail, add=add)


def status_name(t: Translator, status: str) -> str:
    _ = t.gettext
    names = {
        OrderStatus.PENDING_PAYMENT: _("awaiting payment"),
        OrderStatus.AWAITING_CONFIRMATION: _("waiting for the shop to confirm"),
        OrderStatus.CONFIRMED: _("confirmed"),
        OrderStatus.PREPARING: _("being prepared"),
        OrderStatus.PACKED: _("packed, ready to ship"),
        OrderStatus.SHIPPED: _("on its way"),
        OrderStatus.DELIVERED: _("delivered"),
        OrderStatus.CANCELLED: _("cancelled"),
        OrderStatus.EXPIRED: _("expired (not paid or confirmed in time)"),
    }
    return names.get(status, status)


def order_status_name(t: Translator, order: Order) -> str:
    """The order's status as people read it: a transfer or card order the shop waits to
    be paid for reads "awaiting payment", whatever step it is at (Order.awaits_payment)."""
    if order.awaits_payment:
        return status_name(t, OrderStatus.PENDING_PAYMENT)
    return status_name(t, order.status)


def event_name(t: Translator, event: OrderEvent) -> str:
    if event.kind == CHECKPOINT_EVENT:  # a carrier's checkpoint says what it saw
        return checkpoint_text(t, event.data)
    return event_kind_name(t, event.kind)


def event_kind_name(t: Translator, kind: str) -> str:
    """ "shipped" -> "Shipped": a timeline event's kind as the chat names it."""
    _ = t.gettext
    names = {
        "placed": _("Order received"),
        "confirmed": _("Confirmed by the shop"),
        "confirmed_without_payment": _("Confirmed without payment"),
        "payment_received": _("Payment received"),
        "paid": _("Paid"),
        "preparing": _("Being prepared"),
        "packed": _("Packed"),
        "shipped": _("Shipped"),
        "delivered": _("Delivered"),
        "cancelled": _("Cancelled"),
        "rejected": _("Rejected by the shop"),
        "expired": _("Expired"),
        "release_reminder": _("Reminder: not confirmed yet"),
        "refunded": _("Refund recorded"),
        "payment_pending": _("Payment started, waiting for the money"),
        "payment_rejected": _("Payment declined"),
        "provider_refund": _("Refund sent by the payment provider"),
        "provider_refund_failed": _("Refund refused by the payment provider"),
        "rated": _("Rated by the customer"),
        "receipt_attached": _("Transfer receipt received"),
        "return_requested": _("Return requested"),
        "return_approved": _("Return approved"),
        "return_rejected": _("Return rejected"),
        "return_received": _("Returned items received"),
        "return_refunded": _("Return refunded"),
        "return_exchanged": _("Return exchanged"),
    }
    return names.get(kind, kind)


def payment_method_name(t: Translator, method: str) -> str:
    _ = t.gettext
    names = {
        PaymentMethod.CARD: _("Card"),
        PaymentMethod.CASH_ON_DELIVERY: _("Cash on delivery"),
        PaymentMethod.BANK_TRANSFER: _("Bank transfer"),
    }
    return names.get(method, method)


# Brand names: the same in every language.
PROVIDER_NAMES = {"mercadopago": "Mercado Pago", "stripe": "Stripe", "telegram": "Telegram"}


def provider_name(provider: str) -> str:
    """A payment provider as people know it ("Mercado Pago")."""
    return PROVIDER_NAMES.get(provider, provider)


def shipping_method_name(t: Translator, code: str) -> str:
    _ = t.gettext
    names = {"standard": _("Standard"), "express": _("Express")}
    return names.get(code, code.replace("_", " ").capitalize())


def days_text(t: Translator, min_days: int, max_days: int) -> str:
    if min_days == max_days:
        return t.ngettext("{n} day", "{n} days", max_days).format(n=max_days)
    return t.gettext("{low}-{high} days").format(low=min_days, high=max_days)


def money(t: Translator, amount: int, currency: str) -> str:
    return t.money(amount, currency)


def availability(t: Translator, product: Product) -> str:
    _ = t.gettext
    if product.sold_out:
        return _("Out of stock")
    if product.is_low_on_stock:  # the merchant's threshold for this product
        return t.ngettext("Only {n} left!", "Only {n} left!", product.available).format(
            n=product.available
        )
    return _("In stock")


def product_card(t: Translator, product: Product) -> str:
    lines = [f"{product.name}", money(t, product.price.amount, product.price.currency)]
    if product.description:
        lines.append(product.description)
    lines.append(availability(t, product))
    return "\n".join(lines)


def rating_buttons(code: str) -> list[list[Button]]:
    # The stars are the orders screen's buttons (handlers/customer/orders.py imports
    # this module, hence the import here).
    from handlers.customer.orders import rating_buttons as stars

    return stars(code)


def totals_lines(t: Translator, totals: Totals, policy: PricingPolicy) -> list[str]:
    _ = t.gettext
    cur = totals.subtotal.currency
    lines = [_("Subtotal: {amount}").format(amount=money(t, totals.subtotal.amount, cur))]
    if totals.tax.amount:
        template = _("Tax included: {amount}") if policy.prices_include_tax else _("Tax: {amount}")
        lines.append(template.format(amount=money(t, totals.tax.amount, cur)))
    if totals.shipping_fee.amount:
        lines.append(
            _("Shipping: {amount}").format(amount=money(t, totals.shipping_fee.amount, cur))
        )
    else:
        lines.append(_("Shipping: free"))
    lines.append(_("Total: {amount}").format(amount=money(t, totals.total.amount, cur)))
    return lines


def address_text(address: dict) -> str:
    """The address on one line: its parts (a part said twice, as Mexico City's city and
    state, once), the references, and the shared location as a map link."""
    parts: list[str] = []
    for key in ("street", "neighbourhood", "city", "state", "postal_code"):
        part = str(address.get(key) or "").strip()
        if part and not (parts and parts[-1].casefold() == part.casefold()):
            parts.append(part)
    text = ", ".join(parts)
    if address.get("references"):
        text += f" ({address['references']})"
    if link := pin_link(address):
        text = f"{text} 📍 {link}".strip()
    return text


def pin_link(address: dict) -> str:
    """A map link to the location the customer shared, or "" without one."""
    latitude, longitude = address.get("latitude"), address.get("longitude")
    if latitude is None or longitude is None:
        return ""
    return f"https://maps.google.com/?q={float(latitude):.6f},{float(longitude):.6f}"


def when(t: Translator, at: datetime, now: datetime, zone: str) -> str:
    """ "today 14:05", "yesterday 09:10" or "21 nov 14:05", in the shop's time zone."""
    tz = ZoneInfo(zone)
    local, today = at.astimezone(tz), now.astimezone(tz).date()
    clock = format_time(local, "HH:mm", locale=t.format_locale)
    if local.date() == today:
        return t.gettext("today {time}").format(time=clock)
    if local.date() == today - timedelta(days=1):
        return t.gettext("yesterday {time}").format(time=clock)
    return f"{format_date(local, 'd MMM', locale=t.format_locale)} {clock}"


def day(t: Translator, at: datetime, zone: str) -> str:
    return format_date(at.astimezone(ZoneInfo(zone)), "d MMM", locale=t.format_locale)


def order_lines_text(t: Translator, order: Order) -> list[str]:
    return [
        f"{line.quantity} × {line.name} — {money(t, line.total.amount, order.currency)}"
        for line in order.lines
    ]


def delivery_estimate(
    t: Translator,
    order: Order,
    shipment: Shipment | None,
    policy: PricingPolicy,
    zone: str,
) -> str | None:
    """When it should arrive, in the shop's days. Until it ships: the days the customer
    chose at checkout, counted from the day it was placed, ending on the day it was
    promised by (core/domain/delivery.py), whatever happened to the order since. Once
    shipped: the same days counted from the day it left."""
    option = policy.shipping_to(Destination.of(order.address)).get(order.shipping_method)
    if option is None or not order.is_open:
        return None
    tz = ZoneInfo(zone)
    first, last = estimate_days(shipment.shipped_at if shipment else order.created_at, option, tz)
    if shipment is None and order.delivery_promised_by is not None:
        last = order.delivery_promised_by.astimezone(tz).date()  # as recorded at checkout
        first = min(first, last)
    if first == last:
        return t.gettext("Estimated delivery: {date}").format(date=_day_of(t, last))
    return t.gettext("Estimated delivery: {first}–{last}").format(
        first=_day_of(t, first), last=_day_of(t, last)
    )


def _day_of(t: Translator, of: date) -> str:
    return format_date(of, "d MMM", locale=t.format_locale)
