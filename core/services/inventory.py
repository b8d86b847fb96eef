"""Stock levels as the merchant sees and corrects them."""

from __future__ import annotations

from core.domain.actors import Actor
from core.domain.catalog import Product
from core.domain.errors import InvalidQuantity, ProductNotFound
from core.services.context import Shop, require_admin
from core.store.stock_repo import StockMove


async def stock_list(shop: Shop, actor: Actor) -> list[Product]:
    """Every product, the ones at or below their threshold first."""
    async with shop.uow(write=False) as uow:
        await require_admin(uow, actor, "stock_list")
        products = await uow.catalog.list(active_only=False)
    return sorted(products, key=lambda p: (not p.is_low_on_stock, p.available, p.name))


async def set_stock(
    shop: Shop, actor: Actor, sku: str, on_hand: int, reason: str = "count"
) -> Product:
    """Set the counted units on hand (never below what open orders have reserved)."""
    if not isinstance(on_hand, int) or on_hand < 0 or on_hand > 1_000_000:
        raise InvalidQuantity(quantity=on_hand, maximum=1_000_000)
    now = shop.now()
    async with shop.uow() as uow:
        await require_admin(uow, actor, "set_stock")
        product = await uow.catalog.get_by_sku(sku)
        if product is None:
            raise ProductNotFound(sku=sku)
        if not await uow.stock.set_on_hand(
            product.id, on_hand, "adjustment", actor=actor, at=now, note=reason
        ):
            raise InvalidQuantity(quantity=on_hand, minimum=product.reserved)
        await uow.commit(now)
    return await _product(shop, sku)


async def adjust_stock(
    shop: Shop, actor: Actor, sku: str, delta: int, reason: str = "adjustment"
) -> Product:
    """Receive (+) or write off (-) units."""
    if not isinstance(delta, int) or delta == 0 or abs(delta) > 1_000_000:
        raise InvalidQuantity(quantity=delta, maximum=1_000_000)
    now = shop.now()
    async with shop.uow() as uow:
        await require_admin(uow, actor, "adjust_stock")
        product = await uow.catalog.get_by_sku(sku)
        if product is None:
            raise ProductNotFound(sku=sku)
        if not await uow.stock.adjust(
            product.id, delta, "adjustment", actor=actor, at=now, note=reason
        ):
            raise InvalidQuantity(quantity=delta, minimum=product.reserved - product.on_hand)
        await uow.commit(now)
    return await _product(shop, sku)


async def _product(shop: Shop, sku: str) -> Product:
    async with shop.uow(write=False) as uow:
        product = await uow.catalog.get_by_sku(sku)
    assert product is not None
    return product


async def product_for_admin(shop: Shop, actor: Actor, sku: str) -> Product:
    """A product as the merchant sees it, active or not."""
    async with shop.uow(write=False) as uow:
        await require_admin(uow, actor, "product")
        product = await uow.catalog.get_by_sku(sku)
    if product is None:
        raise ProductNotFound(sku=sku)
    return product


async def stock_levels(
    shop: Shop,
    actor: Actor,
    *,
    after: tuple[int, int] | None = None,
    limit: int = 50,
    low_only: bool = False,
) -> list[Product]:
    """A page of every product's stock, least headroom over its low-stock threshold
    first (the low ones lead), after the (headroom, id) of the previous page's last."""
    async with shop.uow(write=False) as uow:
        await require_admin(uow, actor, "stock_list")
        return await uow.catalog.stock_page(after=after, limit=limit, low_only=low_only)


def headroom(product: Product) -> int:
    """Where a product stands in stock_levels' order (its page position)."""
    return product.available - product.low_stock_threshold


async def stock_moves(
    shop: Shop, actor: Actor, sku: str, *, before_id: int | None = None, limit: int = 50
) -> list[StockMove]:
    """A product's stock ledger, newest first: every reservation, release, shipment,
    count and adjustment, who made it and for which order."""
    async with shop.uow(write=False) as uow:
        await require_admin(uow, actor, "stock_moves")
        product = await uow.catalog.get_by_sku(sku)
        if product is None:
            raise ProductNotFound(sku=sku)
        return await uow.stock.moves(product.id, before_id=before_id, limit=limit)
