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

    @classmethod
    def recorded(cls, text: str) -> Actor:
        """The actor an event recorded; the system for anything unreadable (an event
        written by hand, an old kind), so a timeline always has someone to show."""
        try:
            return cls.parse(text)
        except ValueError:
            return SYSTEM

    @property
    def chat(self) -> tuple[str, str] | None:
        """(channel, user id) of a merchant acting from a chat ("telegram:42")."""
        channel, _, user_id = self.id.partition(":")
        if self.kind is not ActorKind.MERCHANT or not user_id:
            return None
        return channel, user_id


SYSTEM = Actor(ActorKind.SYSTEM)


def merchant(ident: str) -> Actor:
    return Actor(ActorKind.MERCHANT, ident)


def customer(ident: str | int) -> Actor:
    return Actor(ActorKind.CUSTOMER, str(ident))
