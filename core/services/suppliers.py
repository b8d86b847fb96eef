"""Suppliers and products' supply terms, as the merchant keeps them (admin chat, CSV).
Every change is the shop's team's: `require_admin`, as for stock."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import Enum

from sqlalchemy.exc import IntegrityError

from core.domain.actors import Actor
from core.domain.catalog import Product
from core.domain.errors import ProductNotFound
from core.domain.suppliers import (
    DEFAULT_LEAD_TIME_DAYS,
    DuplicateSupplier,
    ProductSupply,
    Supplier,
    SupplierNotFound,
    check_cost,
    name_key,
    parse_cost,
    supplier_from_input,
)
from core.services.context import Shop, require_admin
from core.store.uow import SqlUnitOfWork


class _Unset(Enum):
    UNSET = "unset"


UNSET = _Unset.UNSET  # "leave as it is", where None means "none"


@dataclass(frozen=True)
class SupplierListing:
    supplier: Supplier
    products: int  # how many products name it as their supplier


@dataclass(frozen=True)
class SuppliedProduct:
    product: Product
    supply: ProductSupply


@dataclass(frozen=True)
class SupplierCard:
    supplier: Supplier
    products: list[SuppliedProduct]  # by SKU


@dataclass(frozen=True)
class ProductSupplyView:
    """A product's supply terms with its supplier (None: none named), and the currency
    its cost is in (the supplier's, else the shop's)."""

    product: Product
    supply: ProductSupply
    supplier: Supplier | None
    currency: str
    # The currency of a cost this change cleared (the new supplier bills in another), so
    # the answer can ask for it in `currency`; None: no cost was cleared.
    cleared_cost_currency: str | None = None
    # The previous supplier's code for the product, cleared because the supplier
    # changed and no code was given ("": none cleared).
    cleared_supplier_sku: str = ""


@dataclass(frozen=True)
class SupplyApplied:
    """Supply terms as written; cleared_cost_currency: the currency of a cost dropped
    because the product moved to a supplier billing in another (None: none dropped)."""

    supply: ProductSupply
    cleared_cost_currency: str | None = None
    cleared_supplier_sku: str = ""  # the old supplier's code, dropped with it


@dataclass(frozen=True)
class SupplierChange:
    """A supplier as changed, and the SKUs whose cost was cleared because the supplier
    now bills in another currency (costs are kept in the supplier's currency)."""

    supplier: Supplier
    costs_cleared: list[str]
    previous_currency: str


@dataclass(frozen=True)
class SupplyChanges:
    """What to change in a product's supply terms; UNSET fields stay as they are.
    supplier: a supplier's name (None: no supplier); cost: as typed, in major units of
    the supplier's currency ("85.50"; None: no cost)."""

    supplier: str | _Unset | None = UNSET
    supplier_sku: str | _Unset = UNSET
    cost: str | _Unset | None = UNSET
    reorder_point: int | _Unset | None = UNSET
    pack_size: int | _Unset = UNSET

    @property
    def empty(self) -> bool:
        return self == SupplyChanges()


async def find_by_name(uow: SqlUnitOfWork, name: str) -> Supplier:
    """A supplier by name, in any case, spacing and accents ("textiles  del bajio" is
    Textiles del Bajío)."""
    key = name_key(name)
    for supplier in await uow.suppliers.all():
        if name_key(supplier.name) == key:
            return supplier
    raise SupplierNotFound(name=name.strip()[:120])


async def _resolve(uow: SqlUnitOfWork, supplier: int | str) -> Supplier:
    if isinstance(supplier, int):
        found = await uow.suppliers.get(supplier)
        if found is None:
            raise SupplierNotFound(supplier_id=supplier)
        return found
    return await find_by_name(uow, supplier)


async def _check_name_free(uow: SqlUnitOfWork, name: str, own_id: int = 0) -> None:
    key = name_key(name)
    for other in await uow.suppliers.all():
        if other.id != own_id and name_key(other.name) == key:
            raise DuplicateSupplier(name=other.name)


async def add_supplier(
    shop: Shop,
    actor: Actor,
    name: str,
    *,
    contact: str = "",
    phone: str = "",
    email: str = "",
    lead_time_days: int = DEFAULT_LEAD_TIME_DAYS,
    currency: str = "",
    notes: str = "",
) -> Supplier:
    """A new supplier; currency "" is the shop's."""
    supplier = supplier_from_input(
        0,
        name,
        contact=contact,
        phone=phone,
        email=email,
        lead_time_days=lead_time_days,
        currency=currency or shop.currency,
        notes=notes,
    )
    now = shop.now()
    async with shop.uow() as uow:
        await require_admin(uow, actor, "add_supplier")
        await _check_name_free(uow, supplier.name)
        try:
            supplier = replace(supplier, id=await uow.suppliers.insert(supplier, now))
        except IntegrityError:  # another admin added it meanwhile (the name is unique)
            raise DuplicateSupplier(name=supplier.name) from None
        await uow.commit(now)
    return supplier


async def change_supplier(
    shop: Shop,
    actor: Actor,
    supplier: int | str,
    *,
    name: str | _Unset = UNSET,
    contact: str | _Unset = UNSET,
    phone: str | _Unset = UNSET,
    email: str | _Unset = UNSET,
    lead_time_days: int | _Unset = UNSET,
    currency: str | _Unset = UNSET,
    notes: str | _Unset = UNSET,
    active: bool | _Unset = UNSET,
) -> SupplierChange:
    """Change a supplier (by id or name): only the fields given. A new currency clears
    the costs of its products (they were in the old one): the answer lists them, to be
    typed again in the new currency."""
    now = shop.now()
    async with shop.uow() as uow:
        await require_admin(uow, actor, "change_supplier")
        found = await _resolve(uow, supplier)
        given = {
            "name": name,
            "contact": contact,
            "phone": phone,
            "email": email,
            "lead_time_days": lead_time_days,
            "currency": currency,
            "notes": notes,
            "active": active,
        }
        fields = {
            "contact": found.contact,
            "phone": found.phone,
            "email": found.email,
            "lead_time_days": found.lead_time_days,
            "currency": found.currency,
            "notes": found.notes,
            "active": found.active,
        }
        fields.update({k: v for k, v in given.items() if k != "name" and v is not UNSET})
        new_name = found.name if name is UNSET else name
        changed = supplier_from_input(found.id, new_name, **fields)  # type: ignore[arg-type]
        if name_key(changed.name) != name_key(found.name):
            await _check_name_free(uow, changed.name, found.id)
        await uow.suppliers.update(changed, now)
        cleared: list[str] = []
        if changed.currency != found.currency:
            # 8550 was MX$85.50; read in JPY it would be ¥8,550: not kept.
            for supply in await uow.suppliers.supplied_by(found.id):
                if supply.cost is None:
                    continue
                await uow.suppliers.save_supply(replace(supply, cost=None), now)
                product = await uow.catalog.get(supply.product_id)
                cleared.append(product.sku if product else str(supply.product_id))
        await uow.commit(now)
    return SupplierChange(changed, sorted(cleared), found.currency)


async def deactivate_supplier(shop: Shop, actor: Actor, supplier: int | str) -> Supplier:
    """No longer bought from: kept for the purchase orders that name it, left out of
    reorder suggestions (its products are listed as having no supplier)."""
    return (await change_supplier(shop, actor, supplier, active=False)).supplier


async def list_suppliers(shop: Shop, actor: Actor) -> list[SupplierListing]:
    """Every supplier, active ones first, by name, with how many products they supply."""
    async with shop.uow(write=False) as uow:
        await require_admin(uow, actor, "list_suppliers")
        found = await uow.suppliers.all()
        supplies = await uow.suppliers.supplies()
    counts: dict[int, int] = {}
    for supply in supplies.values():
        if supply.supplier_id is not None:
            counts[supply.supplier_id] = counts.get(supply.supplier_id, 0) + 1
    listing = [SupplierListing(s, counts.get(s.id, 0)) for s in found]
    listing.sort(key=lambda item: (not item.supplier.active, name_key(item.supplier.name)))
    return listing


async def supplier_card(shop: Shop, actor: Actor, supplier: int | str) -> SupplierCard:
    """A supplier (by id or name) with the products bought from them."""
    async with shop.uow(write=False) as uow:
        await require_admin(uow, actor, "supplier")
        found = await _resolve(uow, supplier)
        supplied = await uow.suppliers.supplied_by(found.id)
        products = [await uow.catalog.get(s.product_id) for s in supplied]
    items = [SuppliedProduct(p, s) for p, s in zip(products, supplied, strict=True) if p]
    return SupplierCard(found, sorted(items, key=lambda item: item.product.sku))


async def product_supply(shop: Shop, actor: Actor, sku: str) -> ProductSupplyView:
    """A product's supply terms (the defaults when none were set)."""
    async with shop.uow(write=False) as uow:
        await require_admin(uow, actor, "product_supply")
        product = await uow.catalog.get_by_sku(sku)
        if product is None:
            raise ProductNotFound(sku=sku)
        return await _view(uow, product, shop.currency)


async def set_product_supply(
    shop: Shop, actor: Actor, sku: str, changes: SupplyChanges
) -> ProductSupplyView:
    """Change a product's supply terms: the fields `changes` gives."""
    now = shop.now()
    async with shop.uow() as uow:
        await require_admin(uow, actor, "set_product_supply")
        product = await uow.catalog.get_by_sku(sku)
        if product is None:
            raise ProductNotFound(sku=sku)
        applied = await apply_supply_changes(uow, product.id, changes, shop.currency, now)
        view = await _view(uow, product, shop.currency)
        await uow.commit(now)
    return replace(
        view,
        cleared_cost_currency=applied.cleared_cost_currency,
        cleared_supplier_sku=applied.cleared_supplier_sku,
    )


async def apply_supply_changes(
    uow: SqlUnitOfWork,
    product_id: int,
    changes: SupplyChanges,
    shop_currency: str,
    now: datetime,
    *,
    by_name: dict[str, Supplier] | None = None,
) -> SupplyApplied:
    """Write a product's supply terms changed by `changes` (nothing when it changes
    nothing). The cost is read in the currency of the supplier it ends up with; a cost
    kept from before is cleared when that currency is not the one it was in (a new
    supplier billing in another currency, or none: the shop's), since the figure would
    mean another amount. by_name: the suppliers by name_key, when the caller read them
    once (an import). The supplier's code belongs to the supplier: a new supplier (or
    none) with no code given clears it, so the old one's never prints on the new one's
    purchase order."""
    current = await uow.suppliers.supply(product_id) or ProductSupply(product_id)
    if changes.empty:
        return SupplyApplied(current)
    before = await uow.suppliers.get(current.supplier_id) if current.supplier_id else None
    cost_currency = before.currency if before is not None else shop_currency
    supply = current
    supplier: Supplier | None = None
    if changes.supplier is None:
        supply = replace(supply, supplier_id=None)
    elif changes.supplier is not UNSET:
        if by_name is not None:
            supplier = by_name.get(name_key(changes.supplier))
            if supplier is None:
                raise SupplierNotFound(name=changes.supplier.strip()[:120])
        else:
            supplier = await find_by_name(uow, changes.supplier)
        supply = replace(supply, supplier_id=supplier.id)
    else:
        supplier = before
    currency = supplier.currency if supplier is not None else shop_currency
    cleared: str | None = None
    if changes.cost is None:
        supply = replace(supply, cost=None)
    elif changes.cost is not UNSET:
        supply = replace(supply, cost=check_cost(parse_cost(changes.cost, currency), currency))
    elif supply.cost is not None and currency != cost_currency:
        supply, cleared = replace(supply, cost=None), cost_currency
    cleared_sku = ""
    if changes.supplier_sku is not UNSET:
        supply = replace(supply, supplier_sku=changes.supplier_sku.strip())
    elif supply.supplier_id != current.supplier_id and supply.supplier_sku:
        supply, cleared_sku = replace(supply, supplier_sku=""), supply.supplier_sku
    if changes.reorder_point is not UNSET:
        supply = replace(supply, reorder_point=changes.reorder_point)
    if changes.pack_size is not UNSET:
        supply = replace(supply, pack_size=changes.pack_size)
    await uow.suppliers.save_supply(supply, now)
    return SupplyApplied(supply, cleared, cleared_sku)


async def _view(uow: SqlUnitOfWork, product: Product, shop_currency: str) -> ProductSupplyView:
    supply = await uow.suppliers.supply(product.id) or ProductSupply(product.id)
    supplier = await uow.suppliers.get(supply.supplier_id) if supply.supplier_id else None
    currency = supplier.currency if supplier else shop_currency
    return ProductSupplyView(product, supply, supplier, currency)
