"""What a channel can show: declared by each channel (bot/<name>/__init__.py) and read
by the conversation, so a turn shapes its answer for the chat it is in (a card is
offered only where the chat can take one)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Capabilities:
    """What a channel can show, for whoever shapes replies for it."""

    buttons_per_message: int | None  # None: as many as a reply has
    list_rows: int | None  # rows of a list picker; None: no list picker
    text_limit: int | None  # characters in one message; None: no limit
    payments: bool  # card payments inside the chat
    documents: bool  # files: labels, CSVs, the report chart


# A conversation built without a channel's (a script, a test): buttons and text as the
# replies have them, no card payments, no files.
BASIC = Capabilities(
    buttons_per_message=None, list_rows=None, text_limit=None, payments=False, documents=False
)
