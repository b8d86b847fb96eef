"""What an order taken through the API may say: the shop's currency, its shipping
methods (with the fee and days where no zone applies) and its payment methods. Read
from the same settings and rules checkout uses, so an integrator need not guess codes."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from bot.api.auth import Caller, scoped
from bot.api.schemas import MoneyOut
from core.domain.payments import offered_methods

router = APIRouter(prefix="/orders", tags=["orders"])


class ShippingMethodOut(BaseModel):
    code: str = Field(description="What `shipping_method` takes.")
    fee: MoneyOut = Field(description="Where no shipping zone applies.")
    min_days: int
    max_days: int


class OrderOptionsOut(BaseModel):
    currency: str
    shipping_methods: list[ShippingMethodOut]
    payment_methods: list[str] = Field(
        description="What `payment_method` takes; `card` (a payment link) only when a "
        "provider is set up and the customer has a chat to pay from."
    )
    free_shipping_threshold: MoneyOut | None = Field(
        description="Orders of at least this subtotal ship free; null: never."
    )


@router.get("/options", response_model=OrderOptionsOut, summary="Shipping and payment codes")
async def order_options(caller: Caller = Depends(scoped("orders:read"))) -> OrderOptionsOut:
    policy = caller.shop.policy
    threshold = policy.free_shipping_threshold
    return OrderOptionsOut(
        currency=caller.shop.currency,
        shipping_methods=[
            ShippingMethodOut(
                code=o.code, fee=MoneyOut.of(o.fee), min_days=o.min_days, max_days=o.max_days
            )
            for o in policy.shipping.values()
        ],
        payment_methods=[
            str(m) for m in offered_methods(card_payments=caller.shop.link_provider is not None)
        ],
        free_shipping_threshold=MoneyOut.of(threshold) if threshold else None,
    )
