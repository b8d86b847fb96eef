"""A purchase order as the supplier reads it (PDF, in the shop's language): the shop and
the supplier, the order's code (also as a Code128 barcode), its date, the lines with
the supplier's code and ours, quantities, unit costs and line totals, the total and the
notes. The merchant forwards it to the supplier."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from core.domain.purchase_orders import PurchaseOrderStatus
from core.services.context import Shop
from core.services.purchase_orders import PurchaseOrderDetails
from handlers.documents.pages import MARGIN, Column, Sheet
from handlers.i18n import Translator
from handlers.types import Document


def purchase_order_pdf(shop: Shop, t: Translator, details: PurchaseOrderDetails) -> Document:
    _ = t.gettext
    order, supplier = details.order, details.supplier
    settings = shop.settings
    zone = ZoneInfo(settings.store_timezone)
    sheet = Sheet(
        _("Purchase order {code}").format(code=order.code),
        settings.store_country,
        lambda page, pages: _("Page {page} of {pages}").format(page=page, pages=pages),
    )
    top = sheet.y
    title = _("Purchase order {code}").format(code=order.code)
    if order.status is PurchaseOrderStatus.DRAFT:
        title += " " + _("(draft)")
    sheet.text(title, 16, bold=True)
    dated = order.sent_at or order.created_at
    sheet.text(_("Date: {date}").format(date=t.date(dated.astimezone(zone))), 10)
    if order.expected_at is not None:
        expected = t.date(order.expected_at.astimezone(zone))
        sheet.text(_("Expected by: {date}").format(date=expected), 10)
    sheet.barcode(order.code, top)
    sheet.space(4)

    sheet.text(_("From"), 8, bold=True)
    sheet.text(settings.store_name, 11, bold=True)
    for part in (settings.store_address, settings.store_phone):
        if part.strip():
            sheet.text(part, 9)
    sheet.space(6)
    sheet.text(_("To"), 8, bold=True)
    sheet.text(supplier.name, 11, bold=True)
    reach = [supplier.contact, supplier.phone, supplier.email]
    if any(part.strip() for part in reach):
        sheet.text(" · ".join(part for part in reach if part.strip()), 9)
    sheet.rule()

    width = sheet.right - MARGIN
    columns = _columns(width)
    header = [
        _("Supplier code"),
        _("Our SKU"),
        _("Product"),
        _("Qty"),
        _("Unit cost"),
        _("Total"),
    ]

    def table_header() -> None:
        sheet.row(columns, header, 8, bold=True)

    table_header()
    sheet.on_new_page = table_header  # a long order repeats its header on every page
    unknown = "—"
    for line in order.lines:
        sheet.row(
            columns,
            [
                line.supplier_sku or unknown,
                line.sku,
                line.name,
                str(line.quantity),
                t.money(line.unit_cost.amount, order.currency) if line.unit_cost else unknown,
                t.money(line.total.amount, order.currency) if line.total else unknown,
            ],
            9,
        )
    sheet.on_new_page = None
    sheet.rule()
    units = t.ngettext("{count} unit", "{count} units", order.ordered).format(count=order.ordered)
    sheet.text(
        _("Total: {amount}").format(amount=t.money(order.total.amount, order.currency))
        + f" ({units})",
        12,
        bold=True,
    )
    if order.unpriced:
        sheet.text(
            t.ngettext(
                "{count} line has no agreed cost yet and is not in the total.",
                "{count} lines have no agreed cost yet and are not in the total.",
                order.unpriced,
            ).format(count=order.unpriced),
            9,
        )
    if order.notes.strip():
        sheet.space(6)
        sheet.text(_("Notes"), 8, bold=True)
        sheet.text(order.notes, 10)
    content = sheet.finish()
    return Document(f"orden-compra-{order.code}.pdf", content, "application/pdf")


def _columns(width: float) -> list[Column]:
    """Supplier code, our SKU, product, quantity, unit cost, total: the product's name
    takes what the others leave."""
    fixed = {"supplier": 0.15, "sku": 0.15, "qty": 0.08, "cost": 0.15, "total": 0.16}
    name = 1 - sum(fixed.values())
    x = MARGIN
    out = []
    for share, align in (
        (fixed["supplier"], "left"),
        (fixed["sku"], "left"),
        (name, "left"),
        (fixed["qty"], "right"),
        (fixed["cost"], "right"),
        (fixed["total"], "right"),
    ):
        gap = 2 if align == "left" else 0
        out.append(Column(x, width * share - 4 - gap, align))
        x += width * share
    return out
