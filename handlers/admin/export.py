"""The orders CSV the merchant opens in a spreadsheet (/exportar, `pedidos orders
export`): headers, statuses and methods in their language, times on the shop's clock
(STORE_TIMEZONE, named in the date columns' headers), amounts as plain numbers
(199.90) a spreadsheet sums. Every cell goes through core/services/spreadsheet.py, so
a customer's name can't plant a formula."""

from __future__ import annotations

import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

from core.domain.orders import Order
from core.services.catalog_io import orders_for_export
from core.services.spreadsheet import csv_text
from handlers.admin.actor import actor
from handlers.i18n import Translator
from handlers.render import payment_method_name, shipping_method_name, status_name
from handlers.turn import Turn
from handlers.types import Document


def header(t: Translator, zone: str) -> list[str]:
    _ = t.gettext
    return [
        _("Order"),
        _("Created ({zone})").format(zone=zone),
        _("Updated ({zone})").format(zone=zone),
        _("Status"),
        _("Customer"),
        _("Phone"),
        _("Payment"),
        _("Shipping"),
        "SKU",
        _("Product"),
        _("Quantity"),
        _("Unit price"),
        _("Line total"),
        _("Subtotal"),
        _("Tax"),
        _("Shipping fee"),
        _("Total"),
        _("Currency"),
    ]


def local_time(at: datetime, zone: ZoneInfo) -> str:
    """2026-11-02 09:00: sorts as text, and spreadsheets read it as a date."""
    return at.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def orders_csv(t: Translator, zone_name: str, orders: list[Order]) -> str:
    """One row per order line, oldest order first."""
    zone = ZoneInfo(zone_name)
    rows = (
        [
            o.code,
            local_time(o.created_at, zone),
            local_time(o.updated_at, zone),
            status_name(t, o.status),
            o.customer_name,
            o.phone,
            payment_method_name(t, o.payment_method),
            shipping_method_name(t, o.shipping_method),
            line.sku,
            line.name,
            line.quantity,
            line.unit_price.format_plain(),
            line.total.format_plain(),
            o.subtotal.format_plain(),
            o.tax.format_plain(),
            o.shipping_fee.format_plain(),
            o.total.format_plain(),
            o.currency,
        ]
        for o in orders
        for line in o.lines
    )
    return csv_text(header(t, zone_name), rows)


async def export(turn: Turn) -> None:
    """/exportar: every order as a CSV document."""
    found = await orders_for_export(turn.shop, actor(turn))
    # Thousands of rows: written in a worker thread, the loop keeps answering.
    text = await asyncio.to_thread(orders_csv, turn.t, turn.shop.settings.store_timezone, found)
    turn.say(
        turn.t.gettext("All orders, one row per product line."),
        document=Document("pedidos.csv", text.encode("utf-8-sig"), "text/csv"),
    )
