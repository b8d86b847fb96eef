"""What the providers' webhook checks share."""

from __future__ import annotations

from collections.abc import Mapping


class BadSignature(Exception):
    """A webhook call that is unsigned, or signed with another secret or over other
    data: it is refused and changes nothing."""


def header(headers: Mapping[str, str], name: str) -> str | None:
    """A header's value whatever the case of its name (a plain dict in tests, the web
    framework's headers in the app)."""
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None
