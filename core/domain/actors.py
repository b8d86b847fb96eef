"""Who does something: recorded on every event and checked against the transition table."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ActorKind(StrEnum):
    CUSTOMER = "customer"
    MERCHANT = "merchant"
    SYSTEM = "system"


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    id: str = ""

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}" if self.id else str(self.kind)

    @classmethod
    def parse(cls, text: str) -> Actor:
        kind, _, ident = text.partition(":")
        return cls(ActorKind(kind), ident)


SYSTEM = Actor(ActorKind.SYSTEM)


def merchant(ident: str) -> Actor:
    return Actor(ActorKind.MERCHANT, ident)


def customer(ident: str | int) -> Actor:
    return Actor(ActorKind.CUSTOMER, str(ident))
