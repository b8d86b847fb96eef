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
BAR_HEIGHT = 0.5 * inch  # a barcode's bars
BAR_GAP = 3 * mm  # kept clear between a barcode (its quiet zone) and the text beside it
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
        # The barcode text is beside on this page: (its left edge, its bottom).
        self._beside: tuple[float, float] | None = None
        # The lines text() drew on this page: (right end, top, bottom), so that a barcode
        # drawn after its block can tell whether the block left it room.
        self._drawn: list[tuple[float, float, float]] = []

    # -- flow ----------------------------------------------------------------------------

    def new_page(self) -> None:
        self.pdf.showPage()
        self.y = self.height - MARGIN
        self._beside = None
        self._drawn = []
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
        """A paragraph wrapped to the page's width, each line on the page it fits; the
        lines beside a barcode (barcode_beside) end before it."""
        font = BOLD if bold else REGULAR
        leading = size * 1.3
        rest = " ".join(value.split())
        while True:
            self.need(leading)
            room = self._room()
            lines = wrap(rest, font, size, room - x) or [""]
            if room < self.right and len(lines) > 1 and rest.startswith(lines[0]):
                # Beside the barcode: this line only, the next is measured where it falls.
                self._line(lines[0], x, font, size, leading)
                rest = rest[len(lines[0]) :].lstrip()
                continue
            for line in lines:
                self.need(leading)
                self._line(line, x, font, size, leading)
            return

    def _line(self, line: str, x: float, font: str, size: float, leading: float) -> None:
        self.y -= leading
        self.pdf.setFont(font, size)
        self.pdf.drawString(x, self.y, line)
        self._drawn.append((x + stringWidth(line, font, size), self.y + leading, self.y))

    def _room(self) -> float:
        """Where the next line ends: before the barcode it is beside, else at the right
        margin."""
        if self._beside is not None and self.y > self._beside[1]:
            return self._beside[0] - BAR_GAP
        return self.right

    def below_barcode(self) -> None:
        """What follows goes on below the barcode text was beside, full width."""
        if self._beside is not None:
            self.y = min(self.y, self._beside[1])
            self._beside = None

    def rule(self, gap: float = 2 * mm) -> None:
        self.below_barcode()
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
        self.below_barcode()  # a table takes the page's width
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

    def barcode_beside(self, value: str, height: float = BAR_HEIGHT) -> None:
        """A Code128 barcode of value in the top right corner of the block starting
        here: the text that follows wraps before it while beside it, then takes the
        page's width again; a rule or a table goes on below it."""
        self.need(height + 12)
        left = self._draw_barcode(value, self.y, height)
        self._beside = (left, self.y - height - 12)

    def barcode(self, value: str, top: float, height: float = BAR_HEIGHT) -> None:
        """A Code128 barcode of value in the top right corner of a block of text already
        drawn from top; what follows starts below it. When a line of the block reaches
        where the barcode would be (a long title), the barcode goes below the block
        instead, so that no text runs through it. (Drawn before its block instead,
        with barcode_beside, the block's lines wrap before it.)"""
        width = self._code(value, height).width
        left, bottom = self.right - width - BAR_GAP, top - height - 12
        if any(end > left and line_bottom < top and line_top > bottom
               for end, line_top, line_bottom in self._drawn):  # fmt: skip
            self.need(height + 12 + 2 * mm)
            top = self.y - 2 * mm
        self._draw_barcode(value, top, height)
        self.y = min(self.y, top - height - 12)

    @staticmethod
    def _code(value: str, height: float) -> code128.Code128:
        return code128.Code128(value, barHeight=height, barWidth=1.1)

    def _draw_barcode(self, value: str, top: float, height: float) -> float:
        """Draws it right-aligned from top, its value printed below; returns its left
        edge (its quiet zone's)."""
        code = self._code(value, height)
        code.drawOn(self.pdf, self.right - code.width, top - height)
        self.pdf.setFont(REGULAR, 8)
        self.pdf.drawCentredString(self.right - code.width / 2, top - height - 9, value)
        return self.right - code.width

    def finish(self) -> bytes:
        self.pdf.showPage()
        self.pdf.save()
        return self.buffer.getvalue()
