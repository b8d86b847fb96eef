"""Tracking links: /t/<token>, where the token is the order's id signed with the shop's
secret. Nobody can make one without the secret, nor read the order code from it; a
finished order's link stops answering after TRACKING_LINK_DAYS."""

from __future__ import annotations

from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer

from core.domain.orders import OPEN_STATUSES, OrderStatus

_SALT = "pedidos.tracking-link"  # a token signed for anything else is no tracking link


def tracking_token(secret: str, order_id: int) -> str:
    return URLSafeSerializer(secret, salt=_SALT).dumps(order_id)


def order_id_of(secret: str, token: str) -> int | None:
    """The order a token names, or None for one the secret did not sign."""
    if len(token) > 200:
        return None
    try:
        value = URLSafeSerializer(secret, salt=_SALT).loads(token)
    except (BadSignature, UnicodeDecodeError, ValueError):
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def link_expired(status: OrderStatus, last_change: datetime, now: datetime, days: int) -> bool:
    """An open order's link always answers; a finished one's for `days` after."""
    return status not in OPEN_STATUSES and now - last_change > timedelta(days=days)
