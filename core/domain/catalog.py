"""Catalog: categories and products with their stock levels."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from core.domain.errors import DomainError
from core.domain.money import Money


@dataclass
class Category:
    id: int
    name: str
    position: int = 0


@dataclass(frozen=True, slots=True)
class StockLevel:
    """A product's units: on the shelf, held for open orders, and the merchant's
    low-stock threshold (LOW_STOCK_THRESHOLD when the product was created)."""

    on_hand: int
    reserved: int
    threshold: int

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved

    @property
    def low(self) -> bool:
        """At or below the threshold: the admins are alerted when it gets there, and
        customers read "only N left"."""
        return self.available <= self.threshold


@dataclass
class Product:
    id: int
    sku: str
    name: str
    description: str
    price: Money
    category_id: int | None
    image_url: str
    weight_g: int
    active: bool
    on_hand: int
    reserved: int
    low_stock_threshold: int

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved

    @property
    def stock(self) -> StockLevel:
        return StockLevel(self.on_hand, self.reserved, self.low_stock_threshold)

    @property
    def is_low_on_stock(self) -> bool:
        return self.stock.low

    @property
    def sold_out(self) -> bool:
        """Customers read "out of stock": withdrawn from sale, or nothing left to sell
        (what is on hand is all held for open orders)."""
        return not self.active or self.available <= 0


@dataclass(frozen=True)
class StockLow:
    """A product's available stock fell to its low-stock threshold (once per crossing)."""

    product_id: int
    sku: str
    name: str
    available: int
    threshold: int


MAX_IMAGE_URL = 500  # products.image_url


class InvalidImageUrl(DomainError):
    code = "invalid_image_url"


def check_image_url(text: str) -> str:
    """A product's photo as the chats send it: "" (no photo) or an absolute http(s) URL
    the platforms fetch themselves, at most 500 characters. Anything else (a file path,
    "javascript:", a URL with spaces) would only fail later, when a customer opens the
    product."""
    url = text.strip()
    if not url:
        return ""
    try:
        parts = urlsplit(url)
    except ValueError:
        raise InvalidImageUrl(image_url=url[:100]) from None
    if (
        len(url) > MAX_IMAGE_URL
        or parts.scheme.lower() not in ("http", "https")
        or not parts.hostname
        or any(ch.isspace() or ord(ch) < 32 for ch in url)
    ):
        raise InvalidImageUrl(image_url=url[:100])
    return url
