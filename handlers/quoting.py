"""Text a customer wrote, as the shop's team sees it.

Admins read customers' words next to the bot's own lines. A name such as "✅ Pago
verificado" or a message with a line break followed by "✅ Pedido confirmado" could pass
for the bot. So a customer's one-line fields (name, phone, address) lose their line
breaks and invisible characters (bidi overrides, zero-width marks) and stand in quotes,
and longer text stands behind a bar on every line.
"""

from __future__ import annotations

import re
import unicodedata

BAR = "┃ "
_SPACES = re.compile(r"\s+")


def _visible(text: str, keep_newlines: bool = False) -> str:
    out = []
    for ch in text:
        if keep_newlines and ch == "\n":
            out.append(ch)
        elif unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp"):
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


def one_line(text: str | None, limit: int = 200) -> str:
    """A field a customer typed, kept to one line of visible characters; "-" when empty."""
    return _SPACES.sub(" ", _visible(text or "")).strip()[:limit] or "-"


def inline(text: str | None, limit: int = 200) -> str:
    """A field a customer typed, on one line and in quotes: “Ana López”."""
    cleaned = one_line(text, limit)
    return f"“{cleaned}”" if cleaned != "-" else cleaned


def quoted(text: str | None) -> str:
    """A customer's message, every line behind a bar, so no line of it starts like ours."""
    lines = _visible((text or "").replace("\r\n", "\n").replace("\r", "\n"), True).split("\n")
    return "\n".join(BAR + line.strip() for line in lines)
