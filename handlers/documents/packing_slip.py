"""The packing slip (one order) and the picking list (every order ready to prepare):
what a packer needs at the shelf. Who it goes to and where is on the shipping label, so
a slip names the customer by first name and city only (docs/documents.md)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from reportlab.lib.units import mm

from core.services.context import Shop
from core.services.documents import order_note
from core.services.orders import OrderDetails
from handlers.documents.pages import BOX, MARGIN, Column, Sheet, local_time
from handlers.i18n import Translator
from handlers.render import order_status_name, shipping_method_name
from handlers.types import Document


def packing_slip(shop: Shop, t: Translator, details: OrderDetails) -> Document:
    """One order's packing slip, on as many pages as its lines take."""
    _ = t.gettext
    code = details.order.code
    sheet = _sheet(shop, t, _("Packing slip {code}").format(code=code), code)
    _order_pages(sheet, shop, t, details)
    return Document(f"remision-{code}.pdf", sheet.finish(), "application/pdf")


def picking_list(
    shop: Shop, t: Translator, ready: Sequence[OrderDetails], at: datetime, *, more: int = 0
) -> Document:
    """The picking list (units per SKU across the orders, a checkbox each) on the first
    page, then each order's packing slip from a page of its own. more: how many orders
    ready to prepare are left for another list (MOST_ON_A_PICKING_LIST)."""
    _ = t.gettext
    sheet = _sheet(shop, t, _("Picking list"), "")
    _picking_page(sheet, shop, t, ready, at, more)
    for details in ready:
        sheet.on_new_page = None
        sheet.new_page()
        _order_pages(sheet, shop, t, details)
    stamp = at.astimezone(ZoneInfo(shop.settings.store_timezone)).strftime("%Y%m%d-%H%M")
    return Document(f"surtido-{stamp}.pdf", sheet.finish(), "application/pdf")


def _sheet(shop: Shop, t: Translator, title: str, code: str) -> Sheet:
    def footer(number: int, total: int) -> str:
        page = t.gettext("Page {number} of {total}").format(number=number, total=total)
        return f"{shop.settings.store_name} · {page}"

    return Sheet(title, shop.settings.store_country, footer)


@dataclass(frozen=True)
class _Table:
    columns: tuple[Column, ...]
    header: tuple[str, ...]

    def draw_header(self, sheet: Sheet) -> None:
        sheet.row(self.columns, self.header, size=9, bold=True)
        sheet.rule(1)


def _slip_table(sheet: Sheet, t: Translator) -> _Table:
    _ = t.gettext
    right = sheet.right
    columns = (
        Column(MARGIN, BOX, "box"),
        Column(MARGIN + 8 * mm, 45 * mm),
        Column(MARGIN + 56 * mm, right - 26 * mm - (MARGIN + 56 * mm)),
        Column(right - 22 * mm, 22 * mm, "right"),
    )
    return _Table(columns, ("", _("SKU"), _("Product"), _("Quantity")))


def _order_pages(sheet: Sheet, shop: Shop, t: Translator, details: OrderDetails) -> None:
    _ = t.gettext
    order = details.order
    sheet.barcode_beside(order.code)
    sheet.text(_("PACKING SLIP"), 9, bold=True)
    sheet.text(_("Order {code}").format(code=order.code), 16, bold=True)
    sheet.below_barcode()
    zone = shop.settings.store_timezone
    sheet.text(_("Placed: {when}").format(when=local_time(t, order.created_at, zone)))
    sheet.text(_("Status: {status}").format(status=order_status_name(t, order)))
    first_name = (order.customer_name.split() or ["-"])[0]
    city = str(order.address.get("city") or "").strip()
    for_whom = f"{first_name} · {city}" if city else first_name
    sheet.text(_("For: {name}").format(name=for_whom))
    sheet.text(
        _("Shipping method: {method}").format(
            method=shipping_method_name(t, order.shipping_method)
        ),
        bold=True,
    )
    note = order_note(details)
    if note:
        sheet.text(_("Note: {note}").format(note=note), bold=True)
    sheet.rule()
    table = _slip_table(sheet, t)
    table.draw_header(sheet)

    def continued() -> None:
        sheet.text(_("Order {code} (continued)").format(code=order.code), 11, bold=True)
        sheet.space(4)
        table.draw_header(sheet)

    sheet.on_new_page = continued
    for line in order.lines:
        sheet.row(table.columns, ("", line.sku, line.name, str(line.quantity)))
    sheet.on_new_page = None
    sheet.rule()
    units = sum(line.quantity for line in order.lines)
    sheet.text(
        t.ngettext("{n} line", "{n} lines", len(order.lines)).format(n=len(order.lines))
        + " · "
        + t.ngettext("{n} unit", "{n} units", units).format(n=units),
        bold=True,
    )
    sheet.space(12)
    sheet.text(_("Packed by: ____________________    Checked by: ____________________"))


def _picking_page(
    sheet: Sheet,
    shop: Shop,
    t: Translator,
    ready: Sequence[OrderDetails],
    at: datetime,
    more: int,
) -> None:
    _ = t.gettext
    sheet.text(_("PICKING LIST"), 16, bold=True)
    sheet.text(local_time(t, at, shop.settings.store_timezone))
    sheet.text(
        t.ngettext("{n} order ready to prepare", "{n} orders ready to prepare", len(ready)).format(
            n=len(ready)
        ),
        bold=True,
    )
    if more:
        sheet.text(
            t.ngettext(
                "{n} more order is ready to prepare and not on this list: print another "
                "list once these are packed.",
                "{n} more orders are ready to prepare and not on this list: print another "
                "list once these are packed.",
                more,
            ).format(n=more),
            bold=True,
        )
    sheet.text(", ".join(d.order.code for d in ready), 9)
    sheet.rule()
    units: dict[str, int] = {}
    names: dict[str, str] = {}
    orders: dict[str, set[str]] = {}
    for details in ready:
        for line in details.order.lines:
            units[line.sku] = units.get(line.sku, 0) + line.quantity
            names.setdefault(line.sku, line.name)
            orders.setdefault(line.sku, set()).add(details.order.code)
    right = sheet.right
    columns = (
        Column(MARGIN, BOX, "box"),
        Column(MARGIN + 8 * mm, 45 * mm),
        Column(MARGIN + 56 * mm, right - 48 * mm - (MARGIN + 56 * mm)),
        Column(right - 44 * mm, 18 * mm, "right"),
        Column(right - 22 * mm, 22 * mm, "right"),
    )
    table = _Table(columns, ("", _("SKU"), _("Product"), _("Units"), _("Orders")))
    table.draw_header(sheet)
    sheet.on_new_page = lambda: table.draw_header(sheet)
    for sku in sorted(units):
        sheet.row(columns, ("", sku, names[sku], str(units[sku]), str(len(orders[sku]))))
    sheet.on_new_page = None
    sheet.rule()
    total = sum(units.values())
    sheet.text(
        t.ngettext("{n} product", "{n} products", len(units)).format(n=len(units))
        + " · "
        + t.ngettext("{n} unit", "{n} units", total).format(n=total),
        bold=True,
    )
