"""Exchanges in the service layer (issue 13): the replacement is one of the offered ones,
reserved once (the last unit goes to one customer only), and shipped only when the
items are back, once."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from core.domain.errors import InvalidReturn, InvalidTransition
from core.domain.returns import ReturnResolution, ReturnStatus
from core.services import catalog, orders, returns, shipping
from core.store.tables import stock_moves
from tests.conftest import MERCHANT, add_product, buy, new_buyer

EXCHANGE = ReturnResolution.EXCHANGE


async def delivered(shop, buyer, product_id: int) -> str:
    order = await buy(shop, buyer, {product_id: 1})
    for step in (orders.confirm_order, orders.start_preparing, orders.mark_packed):
        await step(shop, MERCHANT, order.code)
    await shipping.ship_order(shop, MERCHANT, order.code, "estafeta", "1234567890")
    await orders.mark_delivered(shop, MERCHANT, order.code)
    return order.code


async def ledger_matches(shop, product_id: int) -> bool:
    async with shop.uow(write=False) as uow:
        on_hand, reserved = (
            await uow.conn.execute(
                select(
                    func.sum(stock_moves.c.on_hand_delta), func.sum(stock_moves.c.reserved_delta)
                ).where(stock_moves.c.product_id == product_id)
            )
        ).one()
    product = await catalog.get_product(shop, product_id=product_id)
    return (on_hand, reserved) == (product.on_hand, product.reserved)


@pytest.fixture
async def sizes(shop):
    return {
        "M": await add_product(shop, "CAM-M", price="349.00", stock=5, category="Ropa"),
        "L": await add_product(shop, "CAM-L", price="349.00", stock=1, category="Ropa"),
        "XL": await add_product(shop, "CAM-XL", price="399.00", stock=5, category="Ropa"),
        "MUG": await add_product(shop, "TAZA", price="349.00", stock=5, category="Hogar"),
    }


async def test_the_last_unit_goes_to_one_exchange_only(shop, sizes):
    ana, beto = await new_buyer(shop, "1"), await new_buyer(shop, "2", "Beto")
    codes = [await delivered(shop, buyer, sizes["M"]) for buyer in (ana, beto)]

    outcomes = await asyncio.gather(
        *[
            returns.request_return(
                shop, b.actor, c, {"CAM-M": 1}, "Chica", EXCHANGE, {"CAM-M": sizes["L"]}
            )
            for b, c in ((ana, codes[0]), (beto, codes[1]))
        ],
        return_exceptions=True,
    )

    refused = [o for o in outcomes if isinstance(o, InvalidReturn)]
    assert len(refused) == 1 and refused[0].data["problem"] == "replacement_unavailable"
    product = await catalog.get_product(shop, sku="CAM-L")
    assert (product.on_hand, product.reserved) == (1, 1)
    assert await ledger_matches(shop, sizes["L"])


@pytest.mark.parametrize("other", ["XL", "MUG"])
async def test_another_price_or_category_is_not_a_replacement(shop, sizes, other):
    ana = await new_buyer(shop)
    code = await delivered(shop, ana, sizes["M"])
    options = await returns.exchange_options(shop, ana.actor, code, "CAM-M", 1)
    assert [p.sku for p in options] == ["CAM-M", "CAM-L"]
    with pytest.raises(InvalidReturn):
        await returns.request_return(
            shop, ana.actor, code, {"CAM-M": 1}, "Chica", EXCHANGE, {"CAM-M": sizes[other]}
        )
    assert (await catalog.get_product(shop, product_id=sizes[other])).reserved == 0


async def test_the_replacement_ships_once_and_only_after_the_items_are_back(shop, sizes):
    ana = await new_buyer(shop)
    code = await delivered(shop, ana, sizes["M"])
    exchange = await returns.request_return(
        shop, ana.actor, code, {"CAM-M": 1}, "Chica", EXCHANGE, {"CAM-M": sizes["L"]}
    )
    await returns.approve_return(shop, MERCHANT, exchange.id)
    with pytest.raises(InvalidTransition):  # approved: the items are not back yet
        await returns.ship_exchange(shop, MERCHANT, exchange.id, "dhl", "JD014600003")
    with pytest.raises(InvalidReturn):
        await returns.send_return_address(shop, MERCHANT, exchange.id, "   ")
    await returns.receive_return(shop, MERCHANT, exchange.id)

    done = await returns.ship_exchange(shop, MERCHANT, exchange.id, "dhl", "JD014600003")
    assert done.status is ReturnStatus.EXCHANGED
    with pytest.raises(InvalidTransition):
        await returns.ship_exchange(shop, MERCHANT, exchange.id, "dhl", "JD014600004")
    with pytest.raises(InvalidTransition):  # nothing is on its way back any more
        await returns.send_return_address(shop, MERCHANT, exchange.id, "Calle 1")
    product = await catalog.get_product(shop, sku="CAM-L")
    assert (product.on_hand, product.reserved) == (0, 0)
    assert await ledger_matches(shop, sizes["L"])


async def test_a_refund_request_has_no_replacement_to_ship(shop, sizes):
    ana = await new_buyer(shop)
    code = await delivered(shop, ana, sizes["M"])
    refund = await returns.request_return(shop, ana.actor, code, {"CAM-M": 1}, "Chica")
    await returns.approve_return(shop, MERCHANT, refund.id)
    await returns.receive_return(shop, MERCHANT, refund.id)
    with pytest.raises(InvalidReturn):
        await returns.ship_exchange(shop, MERCHANT, refund.id, "dhl", "JD014600003")
