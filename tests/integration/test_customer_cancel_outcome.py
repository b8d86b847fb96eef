"""A customer cancelling their own order: whether they may, and whether money goes
back. The chat words it; the service decides it."""

from __future__ import annotations

import pytest

from core.domain.errors import OrderNotFound
from core.domain.orders import OrderStatus, PaymentMethod
from core.domain.payments import PaymentStatus
from core.services import orders, payments
from core.services.catalog import get_product
from tests.conftest import MERCHANT, add_product, buy, new_buyer


async def test_an_unpaid_order_is_cancelled_and_nothing_is_refunded(shop):
    mug = await add_product(shop, "TAZA-1", stock=5)
    ana = await new_buyer(shop)
    order = await buy(shop, ana, {mug: 2}, PaymentMethod.CASH_ON_DELIVERY)

    outcome = await orders.cancel_by_customer(shop, ana.actor, order.code, "Ya no")

    assert isinstance(outcome, orders.CancelOutcome)
    assert outcome.order.status is OrderStatus.CANCELLED
    assert not outcome.refunds and outcome.refunded.amount == 0
    assert (await get_product(shop, product_id=mug)).reserved == 0
    # the payment that was to come on delivery never will
    details = await orders.order_details(shop, order.code, MERCHANT)
    assert [p.status for p in details.payments] == [PaymentStatus.FAILED]


async def test_a_paid_order_cancelled_by_the_customer_is_refunded_in_full(shop):
    mug = await add_product(shop, "TAZA-1", price="50.00", stock=5)
    ana = await new_buyer(shop)
    order = await buy(shop, ana, {mug: 1}, PaymentMethod.CARD)
    await payments.record_payment(
        shop, order.code, order.total, provider="telegram", provider_charge_id="ch_1"
    )

    outcome = await orders.cancel_by_customer(shop, ana.actor, order.code, "Ya no")

    assert isinstance(outcome, orders.CancelOutcome)
    assert outcome.refunds and outcome.refunded == order.total
    details = await orders.order_details(shop, order.code, MERCHANT)
    assert [p.status for p in details.payments] == [PaymentStatus.REFUNDED]


async def test_an_order_the_shop_is_preparing_is_not_cancellable_and_stays(shop):
    mug = await add_product(shop, "TAZA-1", stock=5)
    ana = await new_buyer(shop)
    order = await buy(shop, ana, {mug: 1}, PaymentMethod.CASH_ON_DELIVERY)
    await orders.confirm_order(shop, MERCHANT, order.code)
    await orders.start_preparing(shop, MERCHANT, order.code)

    outcome = await orders.cancel_by_customer(shop, ana.actor, order.code, "Ya no")

    assert isinstance(outcome, orders.NotCancellable)
    assert outcome.order.status is OrderStatus.PREPARING
    details = await orders.order_details(shop, order.code, MERCHANT)
    assert details.order.status is OrderStatus.PREPARING
    assert "cancelled" not in [e.kind for e in details.timeline]
    assert (await get_product(shop, product_id=mug)).reserved == 1


async def test_someone_elses_order_is_not_found(shop):
    mug = await add_product(shop, "TAZA-1", stock=5)
    ana = await new_buyer(shop)
    luis = await new_buyer(shop, "2002", "Luis")
    order = await buy(shop, ana, {mug: 1})

    with pytest.raises(OrderNotFound):
        await orders.cancel_by_customer(shop, luis.actor, order.code, "Ya no")
    assert (await orders.order_details(shop, order.code, MERCHANT)).order.is_open
