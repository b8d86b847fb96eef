"""The check every status machine shares (orders, purchase orders): a move is in its
table, and the actor is of a kind the table allows for it."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

from core.domain.actors import Actor, ActorKind
from core.domain.errors import InvalidTransition, NotAllowed

S = TypeVar("S", bound=StrEnum)
Table = Mapping[tuple[S, S], frozenset[ActorKind]]


def allowed_targets(table: Table[S], status: S, actor_kind: ActorKind) -> list[S]:
    """The moves this kind of actor can make now, in table order (for buttons)."""
    return [to for (frm, to), who in table.items() if frm == status and actor_kind in who]


def check_move(table: Table[S], entity: str, frm: S, to: S, actor: Actor, action: str) -> None:
    allowed = table.get((frm, to))
    if allowed is None:
        raise InvalidTransition(entity=entity, from_status=str(frm), to_status=str(to))
    if actor.kind not in allowed:
        raise NotAllowed(action=action, actor=str(actor))
