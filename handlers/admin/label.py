"""The 4x6 in shipping label: sender, recipient, order code, service, weight, date and
a Code128 barcode of the tracking number (or of the order code before there is one)."""

from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

from reportlab.graphics.barcode import code128
from reportlab.lib.units import inch
from reportlab.pdfgen import canvas

from core.services.context import Shop
from core.services.orders import OrderDetails
from handlers.i18n import Translator
from handlers.render import pin_link, shipping_method_name
from handlers.types import Document

WIDTH, HEIGHT = 4 * inch, 6 * inch
MARGIN = 0.2 * inch


def shipping_label(shop: Shop, t: Translator, details: OrderDetails, at: datetime) -> Document:
    _ = t.gettext
    order = details.order
    barcode_value = details.shipment.tracking_number if details.shipment else order.code
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(WIDTH, HEIGHT))
    pdf.setTitle(_("Shipping label {code}").format(code=order.code))
    y = HEIGHT - MARGIN

    def text(value: str, size: int = 9, bold: bool = False, gap: float = 2) -> None:
        nonlocal y
        y -= size + gap
        pdf.setFont("Helvetica-Bold" if bold else "Helvetica", size)
        pdf.drawString(MARGIN, y, value[:70])

    text(_("FROM"), 7, bold=True)
    text(shop.settings.store_name, 10, bold=True)
    for part in _wrap(shop.settings.store_address, 60, 3):
        text(part, 8)
    y -= 6
    pdf.line(MARGIN, y, WIDTH - MARGIN, y)
    text(_("TO"), 7, bold=True, gap=6)
    text(order.customer_name, 14, bold=True)
    text(order.phone, 10)
    for size, bold, part in _recipient_lines(t, order.address):
        text(part, size, bold=bold)
    y -= 6
    pdf.line(MARGIN, y, WIDTH - MARGIN, y)
    text(_("Order {code}").format(code=order.code), 16, bold=True, gap=8)
    text(_("Service: {method}").format(method=shipping_method_name(t, order.shipping_method)), 11)
    weight = f"{t.decimal(order.weight_g / 1000)} kg"
    text(_("Weight: {weight}").format(weight=weight), 11)
    local = at.astimezone(ZoneInfo(shop.settings.store_timezone))
    text(_("Date: {date}").format(date=t.date(local)), 11)
    if details.shipment:
        text(details.shipment.carrier_name, 11, bold=True)

    barcode = code128.Code128(barcode_value, barHeight=0.9 * inch, barWidth=1.3)
    barcode_x = max(MARGIN, (WIDTH - barcode.width) / 2)
    barcode.drawOn(pdf, barcode_x, MARGIN + 0.3 * inch)
    pdf.setFont("Helvetica", 10)
    pdf.drawCentredString(WIDTH / 2, MARGIN + 0.1 * inch, barcode_value)
    pdf.showPage()
    pdf.save()
    return Document(f"etiqueta-{order.code}.pdf", buffer.getvalue(), "application/pdf")


def _recipient_lines(t: Translator, address: dict) -> list[tuple[int, bool, str]]:
    """The address in lines of (size, bold, text), each part with its own room so the
    postal code and the city are always there, whatever the length of the rest: the
    barcode below leaves room for about eight lines."""
    lines = [(11, False, part) for part in _wrap(_part(address, "street"), 45, 2)]
    lines += [(11, False, part) for part in _wrap(_part(address, "neighbourhood"), 45, 1)]
    place = ", ".join(p for p in (_part(address, "city"), _part(address, "state")) if p)
    postal_town = " ".join(p for p in (_part(address, "postal_code"), place) if p)
    lines += [(11, True, part) for part in _wrap(postal_town, 45, 2)]
    lines += [(8, False, part) for part in _wrap(_part(address, "references"), 70, 2)]
    link = pin_link(address)
    if link:
        latitude, longitude = float(address["latitude"]), float(address["longitude"])
        where = f"{latitude:.6f}, {longitude:.6f}"
        lines.append((8, False, t.gettext("Location: {link}").format(link=where)))
        lines.append((7, False, link))
    return lines


def _part(address: dict, key: str) -> str:
    return " ".join(str(address.get(key) or "").split())


def _wrap(value: str, width: int, most: int = 4) -> list[str]:
    """At most `most` lines of about `width` characters; "…" when some was left out."""
    words, lines, line = value.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    if line:
        lines.append(line)
    if len(lines) > most:
        lines = lines[:most]
        lines[-1] = lines[-1][: width - 1] + "…"
    return lines
