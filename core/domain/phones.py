"""The phone number the courier calls, in the shop's country, written one way.

Mexico: ten digits (the area code and the number), typed with or without +52, the old
mobile "1" after it, or the 044/045 dialling prefixes. Spain: nine digits, with or
without +34 / 0034. The courier calls within the country, so other numbers are refused
(and the customer is told what is expected).
"""

from __future__ import annotations

import re

# Area codes of two digits (Mexico City, Guadalajara, Monterrey); all others have three.
_TWO_DIGIT_AREAS = {"55", "56", "33", "81"}
_SEPARATORS = re.compile(r"[\s().\-/]")


def clean_phone(text: str, country: str = "MX") -> str | None:
    """The number as "+52 55 1234 5678" (or "+34 612 345 678"); None if it isn't one."""
    compact = _SEPARATORS.sub("", text or "")
    plus = compact.startswith("+")
    digits = compact[1:] if plus else compact
    if not digits.isascii() or not digits.isdigit():
        return None
    if country.upper() == "ES":
        return _spanish(digits, plus)
    if country.upper() == "MX":
        return _mexican(digits, plus)
    if 7 <= len(digits) <= 15:  # elsewhere: as before, digits in a plausible number
        return ("+" if plus else "") + digits
    return None


# Digits with the separators people type between them ("55-1234-5678", "(55) 1234 5678").
_NUMBER_RUN = re.compile(r"\+?\d[\d\s().\-/]*\d")


def phones_in(text: str, country: str = "MX") -> list[str]:
    """The phone numbers a sentence holds ("mi cel es 55 1234 5678", "my number is
    +52 33 1234 5678"), cleaned, each once, in the order written. Digits side by side
    ("5512345678 3312345678") are cut into the longest numbers they make."""
    found: list[str] = []
    for run in _NUMBER_RUN.finditer(text or ""):
        pieces = run.group(0).split()
        start = 0
        while start < len(pieces):
            for end in range(len(pieces), start, -1):
                phone = clean_phone(" ".join(pieces[start:end]), country)
                if phone is not None:
                    if phone not in found:
                        found.append(phone)
                    start = end
                    break
            else:
                start += 1
    return found


def _mexican(digits: str, plus: bool) -> str | None:
    if plus:  # an international number must be a Mexican one
        if not digits.startswith("52"):
            return None
        digits = digits[2:]
        if len(digits) == 11 and digits.startswith("1"):
            digits = digits[1:]
    elif len(digits) == 13 and digits[:3] in ("044", "045", "521"):
        digits = digits[3:]
    elif len(digits) == 12 and digits.startswith("52"):
        digits = digits[2:]
    elif len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if not re.fullmatch(r"[2-9]\d{9}", digits):
        return None
    if digits[:2] in _TWO_DIGIT_AREAS:
        return f"+52 {digits[:2]} {digits[2:6]} {digits[6:]}"
    return f"+52 {digits[:3]} {digits[3:6]} {digits[6:]}"


def _spanish(digits: str, plus: bool) -> str | None:
    if plus:
        if not digits.startswith("34"):
            return None
        digits = digits[2:]
    elif len(digits) == 13 and digits.startswith("0034"):
        digits = digits[4:]
    elif len(digits) == 11 and digits.startswith("34"):
        digits = digits[2:]
    if not re.fullmatch(r"[6-9]\d{8}", digits):
        return None
    return f"+34 {digits[:3]} {digits[3:6]} {digits[6:]}"


def international_ids(phone: str) -> list[str]:
    """The ways a chat that names people by phone number (WhatsApp) may write this
    cleaned number: its digits with the country code and no "+", and for Mexico also
    with the old mobile "1" after 52 ("+52 55 1234 5678" -> "525512345678",
    "5215512345678")."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if not digits:
        return []
    if digits.startswith("52") and len(digits) == 12:
        return [digits, "521" + digits[2:]]
    return [digits]


def phone_of_id(user_id: str, country: str = "MX") -> str | None:
    """The cleaned phone number a chat id that is a phone number stands for
    ("5215512345678" -> "+52 55 1234 5678"); None when it is not one of the country."""
    if not user_id.isascii() or not user_id.isdigit():
        return None
    return clean_phone("+" + user_id, country)
