"""A page writer for documents that flow over as many pages as they need: lines go
down the page, a row that does not fit starts the next page (repeating its table's
header), and every page is numbered "page n of N" at its foot."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_time
from reportlab.graphics.barcode import code128
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.units import inch, mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

from handlers.i18n import Translator

MARGIN = 15 * mm
FOOT = 10 * mm  # room kept at the bottom for the page number
REGULAR, BOLD = "Helvetica", "Helvetica-Bold"
BOX = 3.2 * mm  # a checkbox's side
# Letter where it is the paper sold (the Americas that use it), A4 elsewhere.
LETTER_COUNTRIES = frozenset({"MX", "US", "CA", "CO", "CL", "VE", "PH", "GT", "CR"})


def page_size(country: str) -> tuple[float, float]:
    return LETTER if country.upper() in LETTER_COUNTRIES else A4


def wrap(value: str, font: str, size: float, width: float) -> list[str]:
    """The lines value takes in that width: at spaces, and inside a word (a long SKU)
    too wide for the width on its own, so nothing runs off the page."""
    lines: list[str] = []
    for line in simpleSplit(" ".join(value.split()), font, size, width):
        while stringWidth(line, font, size) > width and len(line) > 1:
            cut = len(line) - 1
            while cut > 1 and stringWidth(line[:cut], font, size) > width:
                cut -= 1
            lines.append(line[:cut])
            line = line[cut:]
        lines.append(line)
    return lines


def local_time(t: Translator, at: datetime, zone: str) -> str:
    """ "3 dic 2026, 14:05" on the shop's clock."""
    local = at.astimezone(ZoneInfo(zone))
    return f"{t.date(local)}, {format_time(local, 'HH:mm', locale=t.format_locale)}"


@dataclass(frozen=True)
class Column:
    """A table column: where it starts, how wide it is, how it is aligned."""

    x: float
    width: float
    align: str = "left"  # "left", "right" or "box" (an empty checkbox, no text)


class _NumberedCanvas(canvas.Canvas):
    """Keeps each page until the end, so each can say how many pages there are."""

    def __init__(self, *args, footer: Callable[[int, int], str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict] = []
        self._footer = footer

    def showPage(self) -> None:  # reportlab's name
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            self.setFont(REGULAR, 8)
            width = self._pagesize[0]
            self.drawRightString(width - MARGIN, FOOT - 2 * mm, self._footer(number, total))
            super().showPage()
        super().save()


class Sheet:
    """The document being written, top to bottom."""

    def __init__(self, title: str, country: str, footer: Callable[[int, int], str]) -> None:
        self.buffer = io.BytesIO()
        self.width, self.height = page_size(country)
        self.pdf = _NumberedCanvas(
            self.buffer, pagesize=(self.width, self.height), footer=footer, pageCompression=1
        )
        self.pdf.setTitle(title)
        self.right = self.width - MARGIN
        self.y = self.height - MARGIN
        self.on_new_page: Callable[[], None] | None = None  # e.g. repeat a table's header

    # -- flow ----------------------------------------------------------------------------

    def new_page(self) -> None:
        self.pdf.showPage()
        self.y = self.height - MARGIN
        if self.on_new_page is not None:
            self.on_new_page()

    def need(self, height: float) -> None:
        """Room for this much on the page, or a new page."""
        if self.y - height < MARGIN + FOOT:
            self.new_page()

    def space(self, height: float) -> None:
        self.y -= height

    # -- drawing -------------------------------------------------------------------------

    def text(self, value: str, size: float = 10, bold: bool = False, x: float = MARGIN) -> None:
        """A paragraph wrapped to the page's width, each line on the page it fits."""
        font = BOLD if bold else REGULAR
        for line in wrap(value, font, size, self.right - x) or [""]:
            self.need(size * 1.3)
            self.y -= size * 1.3
            self.pdf.setFont(font, size)
            self.pdf.drawString(x, self.y, line)

    def rule(self, gap: float = 2 * mm) -> None:
        self.need(gap * 2)
        self.y -= gap
        self.pdf.setLineWidth(0.5)
        self.pdf.line(MARGIN, self.y, self.right, self.y)
        self.y -= gap

    def row(
        self,
        columns: Sequence[Column],
        cells: Sequence[str],
        size: float = 10,
        bold: bool = False,
    ) -> None:
        """One table row: each cell wrapped to its column, the row as tall as its
        tallest cell, and on the next page when it does not fit on this one."""
        font = BOLD if bold else REGULAR
        wrapped = [
            [] if column.align == "box" else wrap(cell, font, size, column.width) or [""]
            for column, cell in zip(columns, cells, strict=True)
        ]
        leading = size * 1.3
        height = max(max((len(lines) for lines in wrapped), default=1), 1) * leading + 1.5 * mm
        self.need(height)
        top = self.y
        self.pdf.setFont(font, size)
        for column, lines in zip(columns, wrapped, strict=True):
            if column.align == "box":
                self.pdf.setLineWidth(0.8)
                self.pdf.rect(column.x, top - leading + 0.5, BOX, BOX, stroke=1, fill=0)
                continue
            for index, line in enumerate(lines):
                baseline = top - leading * (index + 1) + 2
                if column.align == "right":
                    self.pdf.drawRightString(column.x + column.width, baseline, line)
                else:
                    self.pdf.drawString(column.x, baseline, line)
        self.y = top - height

    def barcode(self, value: str, top: float, height: float = 0.5 * inch) -> None:
        """A Code128 barcode of value in the top right corner of a block that starts at
        top (the text beside it is short: a title, the order code); what follows the
        block starts below it."""
        code = code128.Code128(value, barHeight=height, barWidth=1.1)
        code.drawOn(self.pdf, self.right - code.width, top - height)
        self.pdf.setFont(REGULAR, 8)
        self.pdf.drawCentredString(self.right - code.width / 2, top - height - 9, value)
        self.y = min(self.y, top - height - 12)

    def finish(self) -> bytes:
        self.pdf.showPage()
        self.pdf.save()
        return self.buffer.getvalue()
