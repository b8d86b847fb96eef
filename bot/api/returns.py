"""Returns and exchanges: the list, one return, and the admin chat's moves on it
(approve, reject, receive, refund, send the return address, ship an exchange's
replacement), each through the service the admin chat calls."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from pydantic import Field

from bot.api.auth import Caller, scoped
from bot.api.orders import MAX_ID, NO_NUL, ShipBody, ShipmentOut
from bot.api.pagination import MAX_LIMIT, Page, decode_cursor, encode_cursor
from bot.api.problems import Problem
from bot.api.schemas import MoneyOut, Strict
from core.domain.money import Money
from core.domain.returns import ReturnLine, ReturnRequest, ReturnResolution, ReturnStatus
from core.services import returns

router = APIRouter(prefix="/returns", tags=["returns"])
RETURN_ID = Path(ge=1, le=MAX_ID, description="The return's number.")


class ReplacementOut(Strict):
    product_id: int
    name: str


class ReturnLineOut(Strict):
    sku: str
    name: str
    quantity: int
    unit_price: MoneyOut = Field(description="As paid.")
    sellable: bool | None = Field(description="Known once received: false when damaged.")
    replacement: ReplacementOut | None = Field(
        description="An exchange: what is sent instead (reserved until it ships)."
    )

    @classmethod
    def of(cls, line: ReturnLine, currency: str) -> ReturnLineOut:
        return cls(
            sku=line.sku,
            name=line.name,
            quantity=line.quantity,
            unit_price=MoneyOut.of(Money(line.unit_price, currency)),
            sellable=line.sellable,
            replacement=ReplacementOut(product_id=line.replacement_id, name=line.replacement_name)
            if line.replacement_id is not None
            else None,
        )


class ReturnOut(Strict):
    id: int
    order_code: str
    status: ReturnStatus
    resolution: ReturnResolution
    reason: str = Field(description="The customer's.")
    decision_note: str = Field(description="The shop's reason when it rejected it.")
    value: MoneyOut = Field(description="The returned items as paid.")
    refund_amount: MoneyOut = Field(description="What was refunded (once refunded).")
    lines: list[ReturnLineOut]
    replacement_shipment: ShipmentOut | None = Field(
        description="An exchange's replacement, once shipped."
    )
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, code: str, r: ReturnRequest, currency: str) -> ReturnOut:
        return cls(
            id=r.id or 0,
            order_code=code,
            status=r.status,
            resolution=r.resolution,
            reason=r.reason,
            decision_note=r.decision_note,
            value=MoneyOut.of(Money(r.value, currency)),
            refund_amount=MoneyOut.of(Money(r.refund_amount, currency)),
            lines=[ReturnLineOut.of(line, currency) for line in r.lines],
            replacement_shipment=ShipmentOut.of(r.shipment) if r.shipment else None,
            created_at=r.created_at,
            updated_at=r.updated_at,
        )


class RejectBody(Strict):
    reason: str = Field(
        min_length=1, max_length=500, pattern=NO_NUL, description="The customer reads it."
    )


class ReceiveBody(Strict):
    sellable: bool = Field(True, description="false: every item arrived damaged.")
    damaged: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        default_factory=list,
        max_length=100,
        description="SKUs that arrived damaged (not restocked); the others are sellable.",
    )


class AddressBody(Strict):
    address: str = Field(min_length=1, max_length=500, pattern=NO_NUL)


@router.get("", response_model=Page[ReturnOut], summary="List returns, oldest first")
async def list_returns(
    caller: Caller = Depends(scoped("returns:read")),
    status: list[ReturnStatus] | None = Query(None, description="Any of these statuses."),
    limit: int = Query(50, ge=1, le=MAX_LIMIT),
    cursor: str | None = Query(None, max_length=200),
) -> Page[ReturnOut]:
    position = decode_cursor(cursor) or {}
    after = position.get("id", 0)
    if not isinstance(after, int) or isinstance(after, bool) or not 0 <= after <= MAX_ID:
        raise Problem("invalid_request", detail="cursor")
    found = await returns.returns_page(
        caller.shop,
        caller.actor,
        limit=limit + 1,
        after_id=after,
        statuses=frozenset(status) if status else None,
    )
    page = found[:limit]
    currency = caller.shop.currency
    return Page[ReturnOut](
        items=[ReturnOut.of(code, r, currency) for code, r in page],
        next_cursor=encode_cursor({"id": page[-1][1].id}) if len(found) > limit else None,
    )


async def _answer(caller: Caller, return_id: int) -> ReturnOut:
    code, request = await returns.get_return(caller.shop, caller.actor, return_id)
    return ReturnOut.of(code, request, caller.shop.currency)


@router.get("/{return_id}", response_model=ReturnOut, summary="One return")
async def get_return(
    return_id: int = RETURN_ID, caller: Caller = Depends(scoped("returns:read"))
) -> ReturnOut:
    return await _answer(caller, return_id)


WRITE = Depends(scoped("returns:write"))


@router.post("/{return_id}/approve", response_model=ReturnOut, summary="Approve it")
async def approve(return_id: int = RETURN_ID, caller: Caller = WRITE) -> ReturnOut:
    """The customer is told where to send the items (RETURN_ADDRESS; unset, that the
    shop will send it: POST /v1/returns/{id}/address)."""
    await returns.approve_return(caller.shop, caller.actor, return_id)
    return await _answer(caller, return_id)


@router.post("/{return_id}/reject", response_model=ReturnOut, summary="Reject it")
async def reject(body: RejectBody, return_id: int = RETURN_ID, caller: Caller = WRITE) -> ReturnOut:
    """An exchange's reserved replacement is released; the customer is told why."""
    await returns.reject_return(caller.shop, caller.actor, return_id, body.reason)
    return await _answer(caller, return_id)


@router.post("/{return_id}/address", response_model=ReturnOut, summary="Send the return address")
async def send_address(
    body: AddressBody, return_id: int = RETURN_ID, caller: Caller = WRITE
) -> ReturnOut:
    """Tell the customer of an approved return where to send the items."""
    await returns.send_return_address(caller.shop, caller.actor, return_id, body.address)
    return await _answer(caller, return_id)


@router.post("/{return_id}/receive", response_model=ReturnOut, summary="The items arrived")
async def receive(
    body: ReceiveBody | None = None, return_id: int = RETURN_ID, caller: Caller = WRITE
) -> ReturnOut:
    """Sellable items go back on the shelf, damaged ones don't; the customer is told."""
    body = body or ReceiveBody()
    _, request = await returns.get_return(caller.shop, caller.actor, return_id)
    damaged = set(body.damaged)
    sellable = {line.sku: body.sellable and line.sku not in damaged for line in request.lines}
    await returns.receive_return(caller.shop, caller.actor, return_id, sellable)
    return await _answer(caller, return_id)


@router.post("/{return_id}/refund", response_model=ReturnOut, summary="Refund the items")
async def refund(return_id: int = RETURN_ID, caller: Caller = WRITE) -> ReturnOut:
    """Once received: the items' value is refunded against the order's payment (an
    exchange refunded instead releases its replacement)."""
    await returns.refund_return(caller.shop, caller.actor, return_id)
    return await _answer(caller, return_id)


@router.post(
    "/{return_id}/ship-exchange",
    response_model=ReturnOut,
    summary="Ship an exchange's replacement",
)
async def ship_exchange(
    body: ShipBody, return_id: int = RETURN_ID, caller: Caller = WRITE
) -> ReturnOut:
    """Once received: the replacement leaves the shelf, the customer gets the link."""
    await returns.ship_exchange(
        caller.shop, caller.actor, return_id, body.carrier.lower(), body.tracking_number
    )
    return await _answer(caller, return_id)
