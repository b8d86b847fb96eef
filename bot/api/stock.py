"""Stock: levels (the low ones first), counting and adjusting, and each product's ledger.

The same services as the admin chat's /stock: a change never takes on hand below what
open orders have reserved, and crossing the low-stock threshold alerts the admins."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from bot.api.auth import Caller, scoped
from bot.api.pagination import MAX_LIMIT, Page, cursor_ints, encode_cursor
from bot.api.products import SKU
from bot.api.schemas import Strict
from core.domain.catalog import Product
from core.services import inventory
from core.store.stock_repo import StockMove

router = APIRouter(prefix="/stock", tags=["stock"])
MOST = 1_000_000  # the services' own bound on a count or a change


class StockOut(BaseModel):
    sku: str
    name: str
    active: bool
    on_hand: int = Field(description="Units on the shelf, reserved ones included.")
    reserved: int = Field(description="Units held for open orders.")
    available: int = Field(description="on_hand - reserved: what customers can order.")
    low_stock_threshold: int
    low_stock: bool = Field(description="available <= low_stock_threshold.")

    @classmethod
    def of(cls, p: Product) -> StockOut:
        return cls(
            sku=p.sku,
            name=p.name,
            active=p.active,
            on_hand=p.on_hand,
            reserved=p.reserved,
            available=p.available,
            low_stock_threshold=p.low_stock_threshold,
            low_stock=p.is_low_on_stock,
        )


class StockSet(Strict):
    on_hand: int = Field(ge=0, le=MOST, description="The units counted on the shelf.")
    reason: str | None = Field(None, min_length=1, max_length=200, description="A note.")


class StockAdjust(Strict):
    delta: int = Field(
        ge=-MOST, le=MOST, description="Units received (+) or written off (-); not 0."
    )
    reason: str | None = Field(None, min_length=1, max_length=200, description="A note.")


class StockMoveOut(BaseModel):
    id: int
    at: datetime
    on_hand_delta: int
    reserved_delta: int
    reason: str = Field(
        description="reserve, release, ship (an order's), adjustment (a count or a "
        "change), import (a catalog file), ..."
    )
    actor: str = Field(description='Who: "merchant:api:<key id>", "merchant:telegram:<id>"...')
    note: str
    order_code: str | None = Field(description="The order it was for, if any.")

    @classmethod
    def of(cls, m: StockMove) -> StockMoveOut:
        return cls(
            id=m.id,
            at=m.at,
            on_hand_delta=m.on_hand_delta,
            reserved_delta=m.reserved_delta,
            reason=m.reason,
            actor=m.actor,
            note=m.note,
            order_code=m.order_code,
        )


@router.get("", response_model=Page[StockOut], summary="Stock levels, the low ones first")
async def list_stock(
    caller: Caller = Depends(scoped("stock:read")),
    low: bool = Query(False, description="Only products at or below their threshold."),
    limit: int = Query(50, ge=1, le=MAX_LIMIT),
    cursor: str | None = Query(None, max_length=200),
) -> Page[StockOut]:
    """Every product, active or not, by what is left above its low-stock threshold,
    least first. A product whose stock changes while you page may move."""
    after = cursor_ints(cursor, "headroom", "id")
    found = await inventory.stock_levels(
        caller.shop,
        caller.actor,
        after=(after[0], after[1]) if after else None,
        limit=limit + 1,
        low_only=low,
    )
    page = found[:limit]
    more = len(found) > limit
    last = page[-1] if page else None
    return Page[StockOut](
        items=[StockOut.of(p) for p in page],
        next_cursor=(
            encode_cursor({"headroom": inventory.headroom(last), "id": last.id})
            if more and last
            else None
        ),
    )


@router.get("/{sku}", response_model=StockOut, summary="One product's stock")
async def get_stock(sku: str = SKU, caller: Caller = Depends(scoped("stock:read"))) -> StockOut:
    return StockOut.of(await inventory.product_for_admin(caller.shop, caller.actor, sku))


@router.put("/{sku}", response_model=StockOut, summary="Set the units on hand (a count)")
async def set_stock(
    body: StockSet, sku: str = SKU, caller: Caller = Depends(scoped("stock:write"))
) -> StockOut:
    """Refused (`invalid_quantity`, with `minimum`) below what open orders reserved."""
    note = {"reason": body.reason} if body.reason else {}
    product = await inventory.set_stock(caller.shop, caller.actor, sku, body.on_hand, **note)
    return StockOut.of(product)


@router.post("/{sku}/adjust", response_model=StockOut, summary="Receive or write off units")
async def adjust_stock(
    body: StockAdjust, sku: str = SKU, caller: Caller = Depends(scoped("stock:write"))
) -> StockOut:
    """Refused (`invalid_quantity`) when it would take on hand below what open orders
    reserved, or for a change of 0."""
    note = {"reason": body.reason} if body.reason else {}
    product = await inventory.adjust_stock(caller.shop, caller.actor, sku, body.delta, **note)
    return StockOut.of(product)


@router.get("/{sku}/moves", response_model=Page[StockMoveOut], summary="A product's stock ledger")
async def stock_moves(
    sku: str = SKU,
    caller: Caller = Depends(scoped("stock:read")),
    limit: int = Query(50, ge=1, le=MAX_LIMIT),
    cursor: str | None = Query(None, max_length=200),
) -> Page[StockMoveOut]:
    """Every change of the product's stock, newest first."""
    (before,) = cursor_ints(cursor, "before") or (None,)
    found = await inventory.stock_moves(
        caller.shop, caller.actor, sku, before_id=before, limit=limit + 1
    )
    page = found[:limit]
    return Page[StockMoveOut](
        items=[StockMoveOut.of(m) for m in page],
        next_cursor=encode_cursor({"before": page[-1].id}) if len(found) > limit else None,
    )
