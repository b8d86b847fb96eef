"""Property: whatever customers and the merchant do, in any order, stock stays sane.

Random sequences of checkout / cancel / expire / ship / deliver / return run through the
real services on a fresh SQLite file; after every step available stock is never
negative and the stock moves sum exactly to on_hand and reserved.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from core.domain.errors import DomainError
from core.domain.orders import PaymentMethod
from core.services import expiry, orders, returns, shipping
from core.services.context import Shop
from core.store.tables import products, stock_moves
from tests.conftest import MERCHANT, Clock, add_product, buy, new_buyer, open_shop

SKUS = ["A", "B", "C"]

operation = st.one_of(
    st.tuples(st.just("checkout"), st.sampled_from(SKUS), st.integers(1, 4), st.booleans()),
    st.tuples(st.just("cancel"), st.integers(0, 20), st.booleans()),
    st.tuples(st.just("expire"), st.integers(10, 40)),
    st.tuples(st.just("ship"), st.integers(0, 20)),
    st.tuples(st.just("return"), st.integers(0, 20), st.integers(1, 3), st.booleans()),
)


async def _check_invariants(shop: Shop) -> None:
    async with shop.uow(write=False) as uow:
        stock = (
            await uow.conn.execute(select(products.c.id, products.c.on_hand, products.c.reserved))
        ).all()
        ledger = dict(
            (pid, (on_hand, reserved))
            for pid, on_hand, reserved in (
                await uow.conn.execute(
                    select(
                        stock_moves.c.product_id,
                        func.sum(stock_moves.c.on_hand_delta),
                        func.sum(stock_moves.c.reserved_delta),
                    ).group_by(stock_moves.c.product_id)
                )
            ).all()
        )
    for pid, on_hand, reserved in stock:
        assert 0 <= reserved <= on_hand, (pid, on_hand, reserved)
        assert ledger[pid] == (on_hand, reserved)


async def _step(shop: Shop, clock: Clock, state: dict, op: tuple) -> None:
    kind = op[0]
    codes = state["codes"]
    pick = (lambda i: codes[i % len(codes)]) if codes else None
    if kind == "checkout":
        _, sku, qty, card = op
        buyer = await new_buyer(shop, f"c{len(codes)}")
        method = PaymentMethod.CARD if card else PaymentMethod.CASH_ON_DELIVERY
        order = await buy(shop, buyer, {state["ids"][sku]: qty}, method)
        codes.append(order.code)
        state["owner"][order.code] = buyer
    elif kind == "cancel" and pick:
        _, index, by_customer = op
        code = pick(index)
        actor = state["owner"][code].actor if by_customer else MERCHANT
        await orders.cancel_order(shop, actor, code, "test")
    elif kind == "expire":
        clock.advance(minutes=op[1])
        await expiry.expire_overdue_orders(shop)
    elif kind == "ship" and pick:
        code = pick(op[1])
        for step in (orders.confirm_order, orders.start_preparing, orders.mark_packed):
            with contextlib.suppress(DomainError):  # already past that step
                await step(shop, MERCHANT, code)
        await shipping.ship_order(shop, MERCHANT, code, "dhl", "JD0123456789")
    elif kind == "return" and pick:
        _, index, qty, sellable = op
        code = pick(index)
        details = await orders.order_details(shop, code, MERCHANT)
        if details.order.status == "shipped":
            await orders.mark_delivered(shop, MERCHANT, code)
        buyer = state["owner"][code]
        sku = details.order.lines[0].sku
        request = await returns.request_return(shop, buyer.actor, code, {sku: qty}, "talla")
        await returns.approve_return(shop, MERCHANT, request.id)
        await returns.receive_return(shop, MERCHANT, request.id, {sku: sellable})


async def _scenario(ops: list[tuple]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'p.db'}"
        clock = Clock()
        shop = await open_shop(url, clock)
        try:
            state = {"ids": {}, "codes": [], "owner": {}}
            for sku in SKUS:
                state["ids"][sku] = await add_product(shop, sku, stock=5)
            for op in ops:
                # A refusal (out of stock, illegal move) is a fine outcome.
                with contextlib.suppress(DomainError):
                    await _step(shop, clock, state, op)
                await _check_invariants(shop)
        finally:
            await shop.db.dispose()


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.lists(operation, min_size=1, max_size=25))
def test_random_order_histories_never_make_stock_negative_and_the_ledger_always_adds_up(ops):
    asyncio.run(_scenario(ops))
