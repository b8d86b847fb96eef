"""Stock hoarding: a customer may hold at most MAX_OPEN_UNPAID_ORDERS open orders no
money was received for; the next checkout is refused, with their codes, and nothing is
reserved; paying, cancelling or the shop confirming one makes room."""

from __future__ import annotations

import pytest

from core.domain.errors import TooManyOpenOrders
from core.domain.orders import PaymentMethod
from core.services import cart, checkout, expiry, orders, payments
from core.services.catalog import get_product
from tests.conftest import MERCHANT, add_product, buy, details, new_buyer


async def test_a_customer_with_three_unpaid_orders_cannot_place_a_fourth(shop, clock):
    assert shop.settings.max_open_unpaid_orders == 3
    mug = await add_product(shop, "MUG", stock=100)
    ana = await new_buyer(shop)
    placed = []
    for method in (PaymentMethod.CASH_ON_DELIVERY, PaymentMethod.BANK_TRANSFER):
        placed.append(await buy(shop, ana, {mug: 1}, method))
        clock.advance(minutes=1)
    placed.append(await buy(shop, ana, {mug: 1}, PaymentMethod.CARD))  # awaiting payment
    clock.advance(minutes=1)

    with pytest.raises(TooManyOpenOrders) as refused:
        await buy(shop, ana, {mug: 5})
    assert refused.value.data == {"limit": 3, "codes": [o.code for o in reversed(placed)]}
    # Nothing was reserved, and the cart is still there to check out later.
    assert (await get_product(shop, product_id=mug)).reserved == 3
    lines = (await cart.view_cart(shop, ana.customer_id)).lines
    assert [(line.product_id, line.quantity) for line in lines] == [(mug, 5)]
    assert len(await orders.customer_orders(shop, ana.customer_id)) == 3
    with pytest.raises(TooManyOpenOrders):  # asked when checkout starts, too
        await checkout.ensure_can_order(shop, ana.customer_id)


async def test_other_customers_are_not_held_back_by_one_customers_orders(shop):
    mug = await add_product(shop, "MUG", stock=100)
    ana = await new_buyer(shop, "1")
    for _ in range(3):
        await buy(shop, ana, {mug: 1})
    luis = await new_buyer(shop, "2", "Luis")
    assert (await buy(shop, luis, {mug: 1})).status == "awaiting_confirmation"


@pytest.mark.parametrize("make_room", ["pay", "cancel", "confirm", "expire"])
async def test_paying_cancelling_or_the_shop_confirming_one_makes_room(shop, clock, make_room):
    mug = await add_product(shop, "MUG", stock=100)
    ana = await new_buyer(shop)
    card = await buy(shop, ana, {mug: 1}, PaymentMethod.CARD)
    transfer = await buy(shop, ana, {mug: 1}, PaymentMethod.BANK_TRANSFER)
    await buy(shop, ana, {mug: 1}, PaymentMethod.CASH_ON_DELIVERY)
    with pytest.raises(TooManyOpenOrders):
        await checkout.ensure_can_order(shop, ana.customer_id)

    if make_room == "pay":
        await payments.record_payment(
            shop, card.code, card.total, provider="telegram", provider_charge_id="ch_1"
        )
    elif make_room == "cancel":
        await orders.cancel_order(shop, ana.actor, transfer.code)
    elif make_room == "confirm":  # the shop accepted it: holding stock is its call now
        # Unpaid, so only explicitly without payment (issue #13).
        await orders.confirm_without_payment(shop, MERCHANT, transfer.code)
    else:
        clock.advance(minutes=shop.settings.reservation_expiry_minutes + 1)
        assert await expiry.expire_overdue_orders(shop) == [card.code]

    await checkout.ensure_can_order(shop, ana.customer_id)
    assert (await buy(shop, ana, {mug: 1})).code


async def test_a_paid_transfer_the_shop_has_not_confirmed_yet_does_not_count(shop):
    mug = await add_product(shop, "MUG", stock=100)
    ana = await new_buyer(shop)
    transfers = [await buy(shop, ana, {mug: 1}, PaymentMethod.BANK_TRANSFER) for _ in range(3)]
    await payments.record_manual_payment(shop, MERCHANT, transfers[0].code)
    details_now = await orders.order_details(shop, transfers[0].code, MERCHANT)
    assert details_now.order.status == "awaiting_confirmation" and details_now.paid
    assert (await buy(shop, ana, {mug: 1})).code


async def test_the_cap_is_a_setting(shop):
    from core.services.context import Shop
    from tests.conftest import test_settings

    strict = Shop(
        shop.db, test_settings(str(shop.db.url), max_open_unpaid_orders=1), clock=shop.clock
    )
    mug = await add_product(strict, "MUG", stock=100)
    ana = await new_buyer(strict)
    first = await buy(strict, ana, {mug: 1})
    await cart.add_to_cart(strict, ana.customer_id, mug, 1)
    with pytest.raises(TooManyOpenOrders) as refused:
        await checkout.place_order(strict, ana.customer_id, details())
    assert refused.value.data == {"limit": 1, "codes": [first.code]}
