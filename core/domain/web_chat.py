"""The web chat's transcript as the core keeps it: plain data the web channel renders."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

# The channel whose user ids the transcript and files are kept under (a visitor's id,
# the customer's external_id): forgetting the customer deletes them.
CHANNEL = "web"
INCOMING = "in"  # the visitor wrote it
OUTGOING = "out"  # the shop answered, or sent it later (the outbox)
# The conversation a page shows when it opens: the latest messages.
TRANSCRIPT_SIZE = 100


@dataclass(frozen=True)
class WebMessage:
    id: int
    direction: str
    body: dict  # what the web channel stored: text, buttons, image, link, file
    at: datetime


@dataclass(frozen=True)
class WebFile:
    id: str
    filename: str
    mime_type: str
    content: bytes


def new_file_id() -> str:
    """An id nobody can guess: a download needs the session too, but a leaked link
    alone must not find a file."""
    return secrets.token_urlsafe(24)
