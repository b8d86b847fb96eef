"""Cursor pagination: a page of items and the opaque cursor of the next one.

The cursor is the position after the page's last item (base64url JSON), so a page
never repeats or skips an item when rows are added meanwhile, unlike an offset."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field

from bot.api.problems import Problem

MAX_LIMIT = 100
T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(
        None, description="Pass as `cursor` for the next page; null on the last page."
    )


def encode_cursor(position: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(position).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        position = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise Problem("invalid_request", detail="cursor") from None
    if not isinstance(position, dict):
        raise Problem("invalid_request", detail="cursor")
    return position


# Positions are row ids and stock figures: database integers (PostgreSQL's are 32-bit).
_DB_INT = 2**31 - 1


def cursor_ints(cursor: str | None, *names: str) -> tuple[int, ...] | None:
    """A cursor made of whole numbers (encode_cursor({"id": 7})), read back; a cursor
    that is not one of ours is the caller's error (422), never a database error."""
    position = decode_cursor(cursor)
    if position is None:
        return None
    values = tuple(position.get(name) for name in names)
    if not all(type(v) is int and -_DB_INT <= v <= _DB_INT for v in values):
        raise Problem("invalid_request", detail="cursor")
    return values  # type: ignore[return-value]
