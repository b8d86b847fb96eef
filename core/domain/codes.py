"""Codes people read aloud and type back: an order's (PED-7K3FQ), a purchase order's
(OC-7K3F). One alphabet and one way to read a typed code, whatever the prefix."""

from __future__ import annotations

import secrets

# No 0/O, 1/I/L, so a code read aloud or typed from a label is unambiguous.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_code(prefix: str, length: int) -> str:
    """ "PED-" and 5 -> "PED-7K3FQ": `length` random characters of the alphabet."""
    return prefix + "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def normalize_code(text: str, prefix: str, length: int) -> str | None:
    """The code a person typed, with or without its prefix, in any case and with any
    separators: ("ped 7k3fq", "PED-", 5), ("PED-7K3FQ", …), ("7k3fq", …) -> "PED-7K3FQ";
    anything else -> None."""
    letters = "".join(ch for ch in prefix.upper() if ch.isalnum())  # "PED-" -> "PED"
    cleaned = "".join(ch for ch in text.upper() if ch.isalnum())
    if len(cleaned) == len(letters) + length and cleaned.startswith(letters):
        cleaned = cleaned[len(letters) :]
    if len(cleaned) == length and all(ch in CODE_ALPHABET for ch in cleaned):
        return prefix + cleaned
    return None
