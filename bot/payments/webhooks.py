"""What the providers' webhook checks share."""

from __future__ import annotations


class BadSignature(Exception):
    """A webhook call that is unsigned, or signed with another secret or over other
    data: it is refused and changes nothing."""
