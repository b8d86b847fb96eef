"""Compact button payloads: "verb:arg:arg", ASCII, far below Telegram's 64 bytes.

A payload names what the button does and the thing it does it to; the handler checks
that the thing still exists and the step still fits, so an old button is explained
instead of obeyed blindly.
"""

from __future__ import annotations

MAX_PAYLOAD_BYTES = 64


def pack(verb: str, *args: object) -> str:
    payload = ":".join([verb, *(str(a) for a in args)])
    if len(payload.encode()) > MAX_PAYLOAD_BYTES or not payload.isascii():
        raise ValueError(f"payload too long or not ASCII: {payload!r}")
    return payload


def unpack(payload: str) -> tuple[str, list[str]]:
    verb, *args = payload.split(":")
    return verb, args


# Ids, quantities, pages and stock counts are the databases' 32-bit INTEGERs: a larger
# number (a forged button, a typo) is nothing of ours, not a query that fails.
LARGEST_NUMBER = 2**31 - 1


def whole_number(text: str) -> int | None:
    try:
        number = int(text)
    except ValueError:
        return None
    return number if abs(number) <= LARGEST_NUMBER else None


def menu_number(typed: str) -> int | None:
    """An option of a numbered menu as a person types it: digits only ("3"; not "+3",
    and not "²", a digit to str.isdigit and no number to int)."""
    typed = typed.strip()
    return whole_number(typed) if typed.isdecimal() else None


def int_arg(args: list[str], index: int) -> int | None:
    return whole_number(args[index]) if index < len(args) else None
