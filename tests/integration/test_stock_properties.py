"""Property: whatever customers and the merchant do, in any order, stock stays sane.

Random sequences of checkout / cancel / expire / ship / deliver / return and the
merchant's stock count and adjustment (/stock SKU N, /stock SKU +N/-N) run through the
real services on a fresh SQLite file; after every step available stock is never
negative and the stock moves sum exactly to on_hand and reserved. A refusal (out of
stock, a move the order's status forbids) is a fine outcome, but each step's outcome is
recorded, and the run must have made enough of each kind of step succeed: a property
that only ever saw refusals would prove nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from core.domain.errors import DomainError
from core.domain.orders import OrderStatus as S
from core.domain.orders import PaymentMethod
from core.services import expiry, inventory, orders, returns, shipping
from core.services.context import Shop
from core.store.tables import orders as orders_table
from core.store.tables import products, stock_moves
from tests.conftest import MERCHANT, Clock, add_product, buy, new_buyer, open_shop

SKUS = ["A", "B", "C"]

operation = st.one_of(
    st.tuples(st.just("checkout"), st.sampled_from(SKUS), st.integers(1, 4), st.booleans()),
    st.tuples(st.just("cancel"), st.integers(0, 20), st.booleans()),
    st.tuples(st.just("expire"), st.integers(10, 40)),
    st.tuples(st.just("ship"), st.integers(0, 20)),
    st.tuples(st.just("return"), st.integers(0, 20), st.integers(1, 3), st.booleans()),
    st.tuples(st.just("set"), st.sampled_from(SKUS), st.integers(0, 12)),
    st.tuples(
        st.just("adjust"), st.sampled_from(SKUS), st.integers(-6, 6).filter(lambda n: n != 0)
    ),
)
KINDS = ["checkout", "cancel", "expire", "ship", "return", "set", "adjust"]
# Successes each kind of step must reach over the run's histories (the histories are
# the same each run; the rarest to succeed, a return, does about 12 times).
ENOUGH = 5


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


# Orders the merchant can ship (a card order waiting for its payment cannot be).
SHIPPABLE = {"awaiting_confirmation", "confirmed", "preparing", "packed"}


async def _codes(shop: Shop, statuses: set[str]) -> list[str]:
    async with shop.uow(write=False) as uow:
        query = select(orders_table.c.code).where(orders_table.c.status.in_(statuses))
        return list((await uow.conn.execute(query.order_by(orders_table.c.id))).scalars())


async def _ship(shop: Shop, code: str) -> None:
    for step in (orders.confirm_order, orders.start_preparing, orders.mark_packed):
        with contextlib.suppress(DomainError):  # already past that step
            await step(shop, MERCHANT, code)
    await shipping.ship_order(shop, MERCHANT, code, "dhl", "JD0123456789")


async def _step(shop: Shop, clock: Clock, state: dict, op: tuple) -> bool:
    """Run one step; False when it had nothing to act on: cancel picks among all the
    orders, ship among those it can ship, return among those and the shipped ones (an
    order not shipped yet is shipped and delivered first)."""
    kind = op[0]
    codes = state["codes"]
    among = codes
    if kind == "ship":
        among = await _codes(shop, SHIPPABLE)
    elif kind == "return":
        among = await _codes(shop, SHIPPABLE | {"shipped", "delivered"})
    if kind in ("cancel", "ship", "return") and not among:
        return False
    pick = lambda i: among[i % len(among)]  # noqa: E731
    if kind == "checkout":
        _, sku, qty, card = op
        buyer = await new_buyer(shop, f"c{len(codes)}")
        method = PaymentMethod.CARD if card else PaymentMethod.CASH_ON_DELIVERY
        order = await buy(shop, buyer, {state["ids"][sku]: qty}, method)
        codes.append(order.code)
        state["owner"][order.code] = buyer
    elif kind == "cancel":
        _, index, by_customer = op
        code = pick(index)
        actor = state["owner"][code].actor if by_customer else MERCHANT
        await orders.cancel_order(shop, actor, code, "test")
    elif kind == "expire":
        clock.advance(minutes=op[1])
        await expiry.expire_overdue_orders(shop)
    elif kind == "ship":
        await _ship(shop, pick(op[1]))
    elif kind == "return":
        _, index, qty, sellable = op
        code = pick(index)
        details = await orders.order_details(shop, code, MERCHANT)
        if details.order.status in SHIPPABLE:
            await _ship(shop, code)
            details.order.status = S.SHIPPED
        if details.order.status == "shipped":
            await orders.mark_delivered(shop, MERCHANT, code)
        buyer = state["owner"][code]
        line = details.order.lines[0]
        sku, qty = line.sku, min(qty, line.quantity)  # at most what was bought
        request = await returns.request_return(shop, buyer.actor, code, {sku: qty}, "talla")
        await returns.approve_return(shop, MERCHANT, request.id)
        await returns.receive_return(shop, MERCHANT, request.id, {sku: sellable})
    elif kind == "set":
        _, sku, on_hand = op
        product = await inventory.set_stock(shop, MERCHANT, sku, on_hand)
        assert product.on_hand == on_hand
    elif kind == "adjust":
        _, sku, delta = op
        before = await inventory.product_for_admin(shop, MERCHANT, sku)
        product = await inventory.adjust_stock(shop, MERCHANT, sku, delta)
        assert product.on_hand == before.on_hand + delta
    return True


async def _scenario(ops: list[tuple], outcomes: Counter) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'p.db'}"
        clock = Clock()
        shop = await open_shop(url, clock)
        try:
            state = {"ids": {}, "codes": [], "owner": {}}
            for sku in SKUS:
                state["ids"][sku] = await add_product(shop, sku, stock=5)
            for op in ops:
                try:
                    acted = await _step(shop, clock, state, op)
                except DomainError as refused:  # out of stock, an illegal move: fine
                    outcomes[op[0], f"refused ({type(refused).__name__})"] += 1
                else:
                    outcomes[op[0], "succeeded" if acted else "nothing to do"] += 1
                await _check_invariants(shop)
        finally:
            await shop.db.dispose()


@pytest.mark.slow
def test_random_order_histories_never_make_stock_negative_and_the_ledger_always_adds_up():
    outcomes: Counter = Counter()

    @settings(
        max_examples=60,
        deadline=None,
        derandomize=True,  # the same histories each run: the count of successes is stable
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(st.lists(operation, min_size=5, max_size=30))
    def histories(ops):
        asyncio.run(_scenario(ops, outcomes))

    histories()
    succeeded = {kind: outcomes[kind, "succeeded"] for kind in KINDS}
    assert min(succeeded.values()) >= ENOUGH, outcomes
