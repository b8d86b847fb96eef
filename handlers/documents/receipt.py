"""The customer's receipt: the shop, the order (its code also as a barcode), the lines,
the totals as the order was priced, shipping, and how and whether it was paid. It is
not a tax invoice (CFDI): docs/documents.md."""

from __future__ import annotations

from reportlab.lib.units import mm

from core.domain.orders import Order, PaymentMethod
from core.domain.payments import Payment, PaymentStatus
from core.services.context import Shop
from core.services.orders import OrderDetails
from handlers.documents.pages import MARGIN, Column, Sheet, local_time
from handlers.i18n import Translator
from handlers.render import money, payment_method_name, shipping_method_name
from handlers.types import Document

# How a tax id is called where it is issued; another country's shop reads "Tax ID".
TAX_ID_NAMES = {"MX": "RFC", "ES": "NIF"}


def receipt(shop: Shop, t: Translator, details: OrderDetails) -> Document:
    _ = t.gettext
    order = details.order
    settings = shop.settings

    def footer(number: int, total: int) -> str:
        page = _("Page {number} of {total}").format(number=number, total=total)
        return f"{_('Receipt')} {order.code} · {page}"

    sheet = Sheet(_("Receipt {code}").format(code=order.code), settings.store_country, footer)
    # The shop beside the barcode, its lines wrapped before it (a long address).
    sheet.barcode_beside(order.code)
    sheet.text(settings.store_name, 16, bold=True)
    sheet.text(settings.store_address, 9)
    if settings.store_phone:
        sheet.text(_("Phone: {phone}").format(phone=settings.store_phone), 9)
    if settings.store_tax_id:
        name = TAX_ID_NAMES.get(settings.store_country.upper()) or _("Tax ID")
        sheet.text(f"{name}: {settings.store_tax_id}", 9)
    sheet.rule()
    sheet.text(_("RECEIPT"), 9, bold=True)
    sheet.text(_("Order {code}").format(code=order.code), 14, bold=True)
    sheet.text(
        _("Date: {when}").format(when=local_time(t, order.created_at, settings.store_timezone))
    )
    sheet.text(_("Customer: {name}").format(name=order.customer_name))
    sheet.rule()
    _lines(sheet, t, order)
    sheet.rule()
    _totals(sheet, t, order)
    sheet.rule()
    sheet.text(_("Payment: {method}").format(method=payment_method_name(t, order.payment_method)))
    sheet.text(payment_state(t, order, details.payments), bold=True)
    sheet.space(10)
    sheet.text(_("Thank you for your purchase!"), 10, bold=True)
    sheet.text(_("This receipt is not a tax invoice (CFDI). To get one, ask the shop."), 8)
    return Document(f"recibo-{order.code}.pdf", sheet.finish(), "application/pdf")


def _lines(sheet: Sheet, t: Translator, order: Order) -> None:
    _ = t.gettext
    right = sheet.right
    columns = (
        Column(MARGIN, 14 * mm, "right"),
        Column(MARGIN + 18 * mm, right - 64 * mm - (MARGIN + 18 * mm)),
        Column(right - 60 * mm, 28 * mm, "right"),
        Column(right - 30 * mm, 30 * mm, "right"),
    )
    header = (_("Qty"), _("Product"), _("Unit price"), _("Amount"))

    def draw_header() -> None:
        sheet.text(_("Order {code} (continued)").format(code=order.code), 10, bold=True)
        sheet.space(4)
        sheet.row(columns, header, size=9, bold=True)

    sheet.row(columns, header, size=9, bold=True)
    sheet.on_new_page = draw_header
    for line in order.lines:
        sheet.row(
            columns,
            (
                str(line.quantity),
                f"{line.name} ({line.sku})",
                money(t, line.unit_price.amount, order.currency),
                money(t, line.total.amount, order.currency),
            ),
            size=9,
        )
    sheet.on_new_page = None


def _totals(sheet: Sheet, t: Translator, order: Order) -> None:
    """Subtotal, tax, shipping and total as stored with the order: the tax was included
    in the prices when the total is subtotal plus shipping (docs/pricing.md)."""
    _ = t.gettext
    right = sheet.right
    columns = (
        Column(right - 110 * mm, 78 * mm, "right"),
        Column(right - 30 * mm, 30 * mm, "right"),
    )
    cur = order.currency
    rows = [(_("Subtotal"), money(t, order.subtotal.amount, cur))]
    if order.tax.amount:
        included = order.total == order.subtotal + order.shipping_fee
        rows.append((_("Tax included") if included else _("Tax"), money(t, order.tax.amount, cur)))
    method = shipping_method_name(t, order.shipping_method)
    fee = money(t, order.shipping_fee.amount, cur) if order.shipping_fee.amount else _("free")
    rows.append((_("Shipping ({method})").format(method=method), fee))
    for label, amount in rows:
        sheet.row(columns, (label, amount), size=10)
    sheet.row(columns, (_("Total"), money(t, order.total.amount, cur)), size=12, bold=True)


def payment_state(t: Translator, order: Order, payments: list[Payment]) -> str:
    """Whether the money is in: paid, refunded (in part), collected on delivery, or
    still to come."""
    _ = t.gettext
    cur = order.currency
    paid = next((p for p in payments if p.was_paid), None)
    if paid is not None:
        if paid.status is PaymentStatus.REFUNDED:
            return _("Refunded: {amount}").format(amount=money(t, paid.refunded.amount, cur))
        if paid.status is PaymentStatus.PARTIALLY_REFUNDED:
            return _("Paid; refunded {amount}").format(amount=money(t, paid.refunded.amount, cur))
        if order.payment_method is PaymentMethod.CASH_ON_DELIVERY:
            return _("Paid in cash on delivery")
        return _("Paid")
    if order.payment_method is PaymentMethod.CASH_ON_DELIVERY:
        return _("To be paid in cash on delivery: {amount}").format(
            amount=money(t, order.total.amount, cur)
        )
    return _("Payment pending: {amount}").format(amount=money(t, order.total.amount, cur))
