"""Shipping zones: the fee and the days of each shipping method depend on where the
parcel goes. A zone names places (states, provinces, cities) and postal-code prefixes;
the methods it names take the place of the default ones (`SHIPPING_METHODS`) there, the
others keep their default, and a place no zone names gets the default. Matching ignores
case and accents: "Nuevo Leon" is "Nuevo León".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.domain.pricing import ShippingOption


def fold_place(text: str) -> str:
    """Lower case, no accents, single spaces: how place names are compared."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^\w\s]", " ", plain).split())


@dataclass(frozen=True)
class Destination:
    """Where a parcel goes, as far as it is known (any part may be empty)."""

    state: str = ""
    city: str = ""
    postal_code: str = ""

    @classmethod
    def of(cls, address: dict | None) -> Destination:
        address = address or {}
        return cls(
            str(address.get("state") or ""),
            str(address.get("city") or ""),
            str(address.get("postal_code") or ""),
        )


@dataclass(frozen=True)
class ShippingZone:
    name: str
    places: frozenset[str]  # folded names
    postal_prefixes: tuple[str, ...]
    options: dict[str, ShippingOption] = field(default_factory=dict)

    def prefix_match(self, postal_code: str) -> int:
        """Length of the longest prefix of ours the code starts with (0: none)."""
        code = postal_code.strip().replace(" ", "")
        return max((len(p) for p in self.postal_prefixes if code.startswith(p)), default=0)

    def names(self, place: str) -> bool:
        return bool(place) and fold_place(place) in self.places


def zone_for(zones: tuple[ShippingZone, ...], where: Destination) -> ShippingZone | None:
    """The zone of a destination: the longest postal-code prefix wins, then the city,
    then the state; None when no zone names it."""
    if where.postal_code:
        best = max(zones, key=lambda z: z.prefix_match(where.postal_code), default=None)
        if best is not None and best.prefix_match(where.postal_code):
            return best
    for place in (where.city, where.state):
        for zone in zones:
            if zone.names(place):
                return zone
    return None
