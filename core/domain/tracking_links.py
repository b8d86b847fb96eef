"""Tracking links: /t/<token>, where the token is the order's own random key signed with
the shop's secret. Nobody can make one without the secret, nor learn from it the order
code or how many orders the shop has had; a finished order's link stops answering
after TRACKING_LINK_DAYS."""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta

from itsdangerous import BadSignature, Signer

from core.domain.orders import OPEN_STATUSES, OrderStatus

_SALT = "pedidos.tracking-link"  # a value signed for anything else is no tracking link
_KEY = re.compile(r"[A-Za-z0-9_-]{16}")


def new_tracking_key() -> str:
    """An order's key: 96 random bits, made the first time its link is needed."""
    return secrets.token_urlsafe(12)


def tracking_token(secret: str, key: str) -> str:
    return Signer(secret, salt=_SALT).sign(key).decode()


def key_of(secret: str, token: str) -> str | None:
    """The order key a token carries, or None for one the secret did not sign."""
    if len(token) > 200:
        return None
    try:
        key = Signer(secret, salt=_SALT).unsign(token).decode()
    except (BadSignature, UnicodeError):
        return None
    return key if _KEY.fullmatch(key) else None


def link_expired(status: OrderStatus, last_change: datetime, now: datetime, days: int) -> bool:
    """An open order's link always answers; a finished one's for `days` after."""
    return status not in OPEN_STATUSES and now - last_change > timedelta(days=days)
