"""Products: read, create, change (price, photo URL, description...), (de)activate."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Query
from pydantic import Field

from bot.api.auth import Caller, scoped
from bot.api.pagination import MAX_LIMIT, Page, cursor_ints, encode_cursor
from bot.api.problems import Problem
from bot.api.schemas import MoneyOut, Strict
from core.domain.catalog import Product
from core.domain.money import Money
from core.services import catalog, inventory

router = APIRouter(prefix="/products", tags=["products"])
SKU = Path(min_length=1, max_length=64, description="The product's SKU.")


class ProductOut(Strict):
    sku: str
    name: str
    description: str
    price: MoneyOut
    category_id: int | None
    category: str | None = Field(description="The category's name (null: none).")
    image_url: str
    weight_g: int
    active: bool
    on_hand: int
    reserved: int
    available: int
    low_stock: bool

    @classmethod
    def of(cls, p: Product, categories: dict[int, str]) -> ProductOut:
        return cls(
            sku=p.sku,
            name=p.name,
            description=p.description,
            price=MoneyOut.of(p.price),
            category_id=p.category_id,
            category=categories.get(p.category_id) if p.category_id is not None else None,
            image_url=p.image_url,
            weight_g=p.weight_g,
            active=p.active,
            on_hand=p.on_hand,
            reserved=p.reserved,
            available=p.available,
            low_stock=p.is_low_on_stock,
        )


class ProductCreate(Strict):
    sku: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    price: int = Field(ge=0, le=10**12, description="Integer minor units.")
    stock: int = Field(0, ge=0, le=1_000_000, description="Units on hand.")
    category: str = Field("", max_length=100, description="Made if it does not exist.")
    description: str = Field("", max_length=2000)
    image_url: str = Field(
        "", max_length=500, description="The photo: an http(s) URL, or empty for none."
    )
    weight_g: int = Field(0, ge=0, le=1_000_000)


class ProductChange(Strict):
    name: str | None = Field(None, min_length=1, max_length=200)
    price: int | None = Field(None, ge=0, le=10**12, description="Integer minor units.")
    description: str | None = Field(None, max_length=2000)
    image_url: str | None = Field(
        None, max_length=500, description="The photo: an http(s) URL, or empty for none."
    )
    weight_g: int | None = Field(None, ge=0, le=1_000_000)
    active: bool | None = Field(None, description="false: withdrawn from sale.")


async def _out(caller: Caller, product: Product) -> ProductOut:
    return ProductOut.of(product, await _category_names(caller))


async def _category_names(caller: Caller) -> dict[int, str]:
    return {c.id: c.name for c in await catalog.list_categories(caller.shop)}


@router.get("", response_model=Page[ProductOut], summary="List products (active or not)")
async def list_products(
    caller: Caller = Depends(scoped("products:read")),
    active: bool | None = Query(None, description="Only active (true) or inactive (false)."),
    category_id: int | None = Query(None, ge=1, le=2**31 - 1, description="Of one category."),
    q: str | None = Query(
        None, min_length=1, max_length=100, description="A piece of the name or SKU."
    ),
    limit: int = Query(50, ge=1, le=MAX_LIMIT),
    cursor: str | None = Query(None, max_length=200),
) -> Page[ProductOut]:
    """In the order they were created. A page never repeats or skips a product, even
    when products are added meanwhile."""
    (after,) = cursor_ints(cursor, "id") or (0,)
    found = await catalog.browse_products(
        caller.shop,
        caller.actor,
        after_id=after,
        limit=limit + 1,  # one more: is there a next page?
        active=active,
        category_id=category_id,
        text=q or "",
    )
    page = found[:limit]
    names = await _category_names(caller)
    return Page[ProductOut](
        items=[ProductOut.of(p, names) for p in page],
        next_cursor=encode_cursor({"id": page[-1].id}) if len(found) > limit else None,
    )


@router.get("/{sku}", response_model=ProductOut, summary="One product")
async def get_product(
    sku: str = SKU, caller: Caller = Depends(scoped("products:read"))
) -> ProductOut:
    return await _out(caller, await inventory.product_for_admin(caller.shop, caller.actor, sku))


@router.post("", response_model=ProductOut, status_code=201, summary="Create a product")
async def create_product(
    body: ProductCreate, caller: Caller = Depends(scoped("products:write"))
) -> ProductOut:
    price = Money(body.price, caller.shop.currency)
    made = await catalog.create_product(
        caller.shop,
        caller.actor,
        body.sku,
        body.name,
        price.format_plain(),
        str(body.stock),
        body.category,
        description=body.description,
        weight_g=str(body.weight_g),
        image_url=body.image_url,
    )
    return await _out(caller, made)


@router.patch("/{sku}", response_model=ProductOut, summary="Change a product")
async def change_product(
    body: ProductChange,
    sku: str = SKU,
    caller: Caller = Depends(scoped("products:write")),
) -> ProductOut:
    changes: dict[str, object] = body.model_dump(exclude_none=True)
    if "price" in changes:
        changes["price"] = Money(body.price or 0, caller.shop.currency)
    if not changes:
        raise Problem("invalid_request", detail="nothing to change")
    changed = await catalog.update_product(caller.shop, caller.actor, sku, **changes)
    return await _out(caller, changed)


@router.post("/{sku}/activate", response_model=ProductOut, summary="Put a product on sale again")
async def activate_product(
    sku: str = SKU, caller: Caller = Depends(scoped("products:write"))
) -> ProductOut:
    """Customers see it again (`PATCH` with `{"active": true}` does the same)."""
    return await _out(
        caller, await catalog.update_product(caller.shop, caller.actor, sku, active=True)
    )


@router.post("/{sku}/deactivate", response_model=ProductOut, summary="Withdraw a product")
async def deactivate_product(
    sku: str = SKU, caller: Caller = Depends(scoped("products:write"))
) -> ProductOut:
    """Customers no longer see or order it; open orders keep it. Its stock stays."""
    changed = await catalog.update_product(caller.shop, caller.actor, sku, active=False)
    return await _out(caller, changed)
