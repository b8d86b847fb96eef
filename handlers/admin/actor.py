"""Who an admin's message acts as: the merchant claim every admin service checks."""

from __future__ import annotations

from core.domain.actors import Actor, merchant
from handlers.turn import Turn


def actor(turn: Turn) -> Actor:
    return merchant(f"{turn.incoming.channel}:{turn.incoming.user_id}")
