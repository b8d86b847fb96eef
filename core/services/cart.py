"""The customer's cart."""

from __future__ import annotations

from dataclasses import dataclass

from core.domain.cart import MAX_LINE_QUANTITY, CartLine, check_quantity
from core.domain.errors import (
    InvalidQuantity,
    OutOfStock,
    PriceChange,
    ProductInactive,
    ProductNotFound,
    StockShortage,
)
from core.domain.money import Money
from core.domain.pricing import Totals, compute_totals
from core.domain.stockouts import StockoutSource
from core.services import stockouts
from core.services.context import Shop
from core.store.uow import SqlUnitOfWork


@dataclass(frozen=True)
class CartView:
    lines: list[CartLine]
    totals: Totals  # without shipping: that is chosen at checkout

    @property
    def is_empty(self) -> bool:
        return not self.lines

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines)


async def view_cart(shop: Shop, customer_id: int) -> CartView:
    async with shop.uow(write=False) as uow:
        return await _view(shop, uow, customer_id)


async def _view(shop: Shop, uow: SqlUnitOfWork, customer_id: int) -> CartView:
    lines = await uow.carts.lines(customer_id)
    return CartView(lines, compute_totals([line.total for line in lines], shop.policy, None))


async def add_to_cart(shop: Shop, customer_id: int, product_id: int, quantity: int = 1) -> CartView:
    """Add units of a product; refuses more than is available right now (a stockout)."""
    check_quantity(quantity)
    try:
        return await _add_to_cart(shop, customer_id, product_id, quantity)
    except OutOfStock as refused:  # rolled back: the stockout is written on its own
        await stockouts.record(shop, StockoutSource.CART, refused.shortages)
        raise


async def _add_to_cart(shop: Shop, customer_id: int, product_id: int, quantity: int) -> CartView:
    async with shop.uow() as uow:
        found = await uow.carts.product_and_quantity(customer_id, product_id)
        if found is None:
            raise ProductNotFound(product_id=product_id)
        product, in_cart = found
        if not product.active:
            raise ProductInactive(sku=product.sku, name=product.name)
        new_quantity = in_cart + quantity
        if new_quantity > MAX_LINE_QUANTITY:
            raise InvalidQuantity(quantity=new_quantity, maximum=MAX_LINE_QUANTITY)
        if new_quantity > product.available:
            raise OutOfStock(
                [StockShortage(product.sku, product.name, new_quantity, max(product.available, 0))]
            )
        await uow.carts.put(customer_id, product_id, new_quantity, product.price.amount, shop.now())
        view = await _view(shop, uow, customer_id)
        await uow.commit(shop.now())
    return view


async def set_quantity(shop: Shop, customer_id: int, product_id: int, quantity: int) -> CartView:
    """Change a line's quantity; 0 removes it. More than is available is refused (a
    stockout)."""
    check_quantity(quantity, allow_zero=True)
    try:
        await _set_quantity(shop, customer_id, product_id, quantity)
    except OutOfStock as refused:  # rolled back: the stockout is written on its own
        await stockouts.record(shop, StockoutSource.CART, refused.shortages)
        raise
    return await view_cart(shop, customer_id)


async def _set_quantity(shop: Shop, customer_id: int, product_id: int, quantity: int) -> None:
    async with shop.uow() as uow:
        if quantity == 0:
            await uow.carts.remove(customer_id, product_id)
        else:
            product = await uow.catalog.get(product_id)
            if product is None or not product.active:
                raise ProductNotFound(product_id=product_id)
            if quantity > product.available:
                raise OutOfStock(
                    [StockShortage(product.sku, product.name, quantity, max(product.available, 0))]
                )
            await uow.carts.put(customer_id, product_id, quantity, product.price.amount, shop.now())
        await uow.commit(shop.now())


async def clear_cart(shop: Shop, customer_id: int) -> None:
    async with shop.uow() as uow:
        await uow.carts.clear(customer_id)
        await uow.commit(shop.now())


@dataclass(frozen=True)
class CatalogOrderResult:
    view: CartView
    unknown: list[str]  # SKUs the shop doesn't sell (any more)
    price_changes: list[PriceChange]  # the catalog showed another price than ours
    shortages: list[StockShortage]  # fewer available than asked: the cart has what there is


async def cart_from_catalog_order(
    shop: Shop, customer_id: int, items: list[tuple[str, int, Money]]
) -> CatalogOrderResult:
    """A WhatsApp catalog order (SKU, quantity, the price the catalog showed) becomes the
    customer's cart, at our prices and within our stock; what differs is reported."""
    unknown, changes, shortages = [], [], []
    now = shop.now()
    async with shop.uow() as uow:
        await uow.carts.clear(customer_id)
        for sku, quantity, shown in items:
            product = await uow.catalog.get_by_sku(sku)
            if product is None or not product.active:
                unknown.append(sku)
                continue
            quantity = min(max(quantity, 1), MAX_LINE_QUANTITY)
            if shown != product.price:
                changes.append(PriceChange(sku, product.name, shown.amount, product.price.amount))
            if product.available < quantity:
                shortages.append(
                    StockShortage(sku, product.name, quantity, max(product.available, 0))
                )
                quantity = product.available
            if quantity > 0:
                await uow.carts.put(customer_id, product.id, quantity, product.price.amount, now)
        view = await _view(shop, uow, customer_id)
        await uow.commit(now)
    await stockouts.record(shop, StockoutSource.CART, shortages)  # told: only what there is
    return CatalogOrderResult(view, unknown, changes, shortages)
