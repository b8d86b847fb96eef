"""Customers: one per channel identity, with their saved addresses."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Address:
    street: str  # street and number
    neighbourhood: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""
    country: str = ""
    references: str = ""
    # A shared location (a pin), kept beside the written address: the courier gets both.
    latitude: float | None = None  # coordinates, not money
    longitude: float | None = None
    typed: str = ""  # the whole address as the customer typed it, when it was read apart
    id: int | None = None

    def missing_for_label(self) -> list[str]:
        """The parts a shipping label needs that are blank: the street, the city and the
        postal code (a shared location goes with them, never instead of them)."""
        parts = (("street", self.street), ("city", self.city), ("postal_code", self.postal_code))
        return [name for name, value in parts if not (value or "").strip()]

    def as_dict(self) -> dict[str, object]:
        return {
            "street": self.street,
            "neighbourhood": self.neighbourhood,
            "city": self.city,
            "state": self.state,
            "postal_code": self.postal_code,
            "country": self.country,
            "references": self.references,
            "latitude": self.latitude,
            "longitude": self.longitude,
            "typed": self.typed,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Address:
        return cls(**{k: data.get(k) for k in cls.__dataclass_fields__ if k != "id" and k in data})


# A forgotten customer keeps only its id (its orders still point at it) under this
# channel, so nobody's channel identity finds it again: whoever writes next is new.
FORGOTTEN_CHANNEL = "forgotten"
# Customers known only by a phone number: an order the merchant took by phone or at the
# counter for someone who never wrote to the shop (core/domain/phone_orders.py). No
# message is ever sent to them; their first message from a chat whose ids are phone
# numbers makes the record theirs (core/services/customers.py `identify`).
PHONE_CHANNEL = "phone"


@dataclass
class Customer:
    id: int
    channel: str
    external_id: str
    name: str = ""
    phone: str = ""
    locale: str = ""
    unreachable: bool = False
    addresses: list[Address] = field(default_factory=list)

    @property
    def forgotten(self) -> bool:
        return self.channel == FORGOTTEN_CHANNEL

    @property
    def offline(self) -> bool:
        """Known only by phone: no chat to write to (yet)."""
        return self.channel == PHONE_CHANNEL
