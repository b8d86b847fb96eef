"""Numbers in button payloads and typed menus, and the payloads' size limit. Payloads
themselves are packed and read by the action classes (handlers/actions.py).
"""

from __future__ import annotations

MAX_PAYLOAD_BYTES = 64


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
