"""What the understanding step returns: labels and values, no texts (the conversation
words its answers through gettext)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class CatalogEntry:
    """One product of the live catalog, as the caller hands it in (handlers convert their
    products to these; no store types cross into this package)."""

    key: str  # what the caller finds the product by again: a SKU or an id
    name: str
    description: str = ""
    category: str = ""


@dataclass(frozen=True)
class Entity:
    type: str  # product, category, quantity, order_code, place, payment_method
    value: str | int  # normalised: 6, "PED-7K3FQ", "card"; the customer's words for product/place
    text: str  # the customer's words, as typed
    start: int  # offsets into the message
    end: int
    matches: tuple[str, ...] = ()  # product/category: keys of the catalog entries it names


@dataclass(frozen=True)
class Understanding:
    text: str
    intents: list[tuple[str, float]]  # best first; intents[0] is the primary
    found: list[str]  # the distinct intents of the message in the order they were said
    entities: list[Entity] = field(default_factory=list)
    threshold: float = 0.0  # below it the primary is a guess: ask, don't act

    @property
    def primary(self) -> str:
        return self.intents[0][0]

    @property
    def confidence(self) -> float:
        return self.intents[0][1]

    @property
    def confident(self) -> bool:
        return self.confidence >= self.threshold

    @property
    def secondary(self) -> list[str]:
        """The other things said: answer the primary, then acknowledge these."""
        return [intent for intent in self.found if intent != self.primary]

    def alternatives(self, count: int = 2) -> list[str]:
        """The likeliest intents, for "did you mean A or B?" when not confident."""
        return [intent for intent, _ in self.intents[:count]]

    def entity(self, type_: str) -> Entity | None:
        return next((e for e in self.entities if e.type == type_), None)

    def all(self, type_: str) -> list[Entity]:
        return [e for e in self.entities if e.type == type_]
