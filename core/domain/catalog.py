"""Catalog: categories and products with their stock levels."""

from __future__ import annotations

from dataclasses import dataclass

from core.domain.money import Money


@dataclass
class Category:
    id: int
    name: str
    position: int = 0


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
    def is_low_on_stock(self) -> bool:
        return self.available <= self.low_stock_threshold


@dataclass(frozen=True)
class StockLow:
    """A product's available stock fell to its low-stock threshold (once per crossing)."""

    product_id: int
    sku: str
    name: str
    available: int
    threshold: int
