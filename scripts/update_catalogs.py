"""Refresh the gettext catalogs after changing texts in code.

    .venv/bin/python scripts/update_catalogs.py

Extracts every _() / gettext / ngettext message from handlers/ and bot/ into
locales/messages.pot, merges it into each locales/<lang>/LC_MESSAGES/messages.po
(new entries empty, so the catalog test lists them until translated), and fills the
English catalog, whose msgids are the English texts themselves.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PYBABEL = str(Path(sys.executable).with_name("pybabel"))


def run(*args: str) -> None:
    subprocess.run([PYBABEL, *args], cwd=ROOT, check=True)


def fill_english(path: Path) -> None:
    with path.open("rb") as handle:
        catalog = read_po(handle, locale="en")
    for message in catalog:
        if message.id:
            message.string = tuple(message.id) if isinstance(message.id, tuple) else message.id
            message.flags.discard("fuzzy")
    with path.open("wb") as handle:
        write_po(handle, catalog, width=76, sort_output=True, no_location=True)


EXTRACT = ["extract", "-F", "babel.cfg", "-k", "_", "-k", "gettext", "-k", "ngettext:1,2",
           "-k", "N_", "--no-location", "--sort-output", "--project=pedidos",
           "-o", "locales/messages.pot", "."]  # fmt: skip
UPDATE = ["update", "-i", "locales/messages.pot", "-d", "locales",
          "--no-fuzzy-matching", "--ignore-obsolete"]  # fmt: skip


def main() -> None:
    run(*EXTRACT)
    run(*UPDATE)
    fill_english(ROOT / "locales/en/LC_MESSAGES/messages.po")


if __name__ == "__main__":
    main()
