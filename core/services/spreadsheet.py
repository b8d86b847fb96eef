"""CSV files that are safe to open in a spreadsheet.

Excel, LibreOffice and Google Sheets run a cell that starts with = + - @ (or a tab or a
carriage return) as a formula: a customer who checks out as `=HYPERLINK("http://…")`
would plant a live link in the merchant's orders export. As OWASP's CSV injection advice
says, such a cell is written behind a single quote, which spreadsheets show as text.
Reading our own files back (the catalog import) takes that quote off again, so export →
import stays a round trip.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(value: object) -> str:
    """The cell as written: text that a spreadsheet would run is quoted."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def restored(cell: str) -> str:
    """A cell as read back: the quote that `neutralised` added is taken off."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS) else cell


def csv_text(header: Iterable[str], rows: Iterable[Iterable[object]]) -> str:
    """A CSV document whose every cell is neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([neutralised(cell) for cell in row] for row in rows)
    return out.getvalue()
