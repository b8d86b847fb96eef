"""An unpaid transfer or card order waits for its money: the shop confirms, prepares or
ships it only once it is paid, or after an explicit "confirm without payment" that the
order's timeline records. Cash on delivery is paid on delivery, so it is confirmable
unpaid (issue #13)."""

from __future__ import annotations

import pytest

from core.domain.errors import InvalidTransition
from core.domain.orders import OrderStatus, PaymentMethod, PaymentRequired
from core.domain.payments import PaymentStatus
from core.services import orders, payments, shipping
from core.services.catalog import get_product
from tests.conftest import MERCHANT, add_product, buy, new_buyer


async def transfer_order(shop):
    mug = await add_product(shop, "TAZA-1", price="150.00", stock=5)
    buyer = await new_buyer(shop)
    return mug, buyer, await buy(shop, buyer, {mug: 1}, PaymentMethod.BANK_TRANSFER)


async def test_an_unpaid_transfer_order_is_not_confirmed_and_nothing_changes(shop):
    mug, _buyer, order = await transfer_order(shop)

    with pytest.raises(PaymentRequired) as refused:
        await orders.confirm_order(shop, MERCHANT, order.code)

    assert refused.value.data["code"] == order.code
    details = await orders.order_details(shop, order.code, MERCHANT)
    assert details.order.status is OrderStatus.AWAITING_CONFIRMATION
    assert details.order.awaits_payment
    assert [e.kind for e in details.timeline] == ["placed"]
    assert (await get_product(shop, product_id=mug)).reserved == 1


async def test_confirming_without_payment_is_recorded_with_who_and_when(shop, clock):
    _mug, _buyer, order = await transfer_order(shop)
    clock.advance(minutes=20)

    confirmed = await orders.confirm_without_payment(shop, MERCHANT, order.code)

    assert confirmed.status is OrderStatus.CONFIRMED
    details = await orders.order_details(shop, order.code, MERCHANT)
    event = details.timeline[-1]
    assert (event.kind, event.actor, event.at) == (
        "confirmed_without_payment",
        str(MERCHANT),
        clock.now,
    )
    assert (event.from_status, event.to_status) == ("awaiting_confirmation", "confirmed")
    assert not details.paid and not details.order.awaits_payment

    # The shop chose to go on: the next steps need no second override.
    await orders.start_preparing(shop, MERCHANT, order.code)
    await orders.mark_packed(shop, MERCHANT, order.code)
    shipped, _ = await shipping.ship_order(shop, MERCHANT, order.code, "dhl", "JD0123456789")
    assert shipped.status is OrderStatus.SHIPPED


async def test_a_transfer_order_marked_paid_is_confirmed_normally(shop):
    _mug, _buyer, order = await transfer_order(shop)
    outcome = await payments.record_manual_payment(shop, MERCHANT, order.code)
    assert outcome.recorded

    confirmed = await orders.confirm_order(shop, MERCHANT, order.code)

    assert confirmed.status is OrderStatus.CONFIRMED
    details = await orders.order_details(shop, order.code, MERCHANT)
    assert "confirmed_without_payment" not in [e.kind for e in details.timeline]


async def test_confirm_without_payment_on_an_order_paid_meanwhile_is_a_plain_confirm(shop):
    _mug, _buyer, order = await transfer_order(shop)
    await payments.record_manual_payment(shop, MERCHANT, order.code)

    await orders.confirm_without_payment(shop, MERCHANT, order.code)

    details = await orders.order_details(shop, order.code, MERCHANT)
    assert [e.kind for e in details.timeline][-1] == "confirmed"


async def test_cash_on_delivery_is_confirmed_unpaid(shop):
    mug = await add_product(shop, "TAZA-1", stock=5)
    order = await buy(shop, await new_buyer(shop), {mug: 1})

    confirmed = await orders.confirm_order(shop, MERCHANT, order.code)

    assert confirmed.status is OrderStatus.CONFIRMED
    assert not confirmed.awaits_payment


async def test_a_paid_card_order_whose_money_was_refunded_waits_again_before_preparing(shop):
    mug = await add_product(shop, "TAZA-1", price="50.00", stock=5)
    order = await buy(shop, await new_buyer(shop), {mug: 1}, PaymentMethod.CARD)
    await payments.record_payment(
        shop, order.code, order.total, provider="telegram", provider_charge_id="ch_1"
    )
    await payments.refund_order(shop, MERCHANT, order.code, order.total)

    with pytest.raises(PaymentRequired):
        await orders.start_preparing(shop, MERCHANT, order.code)

    # On an order past confirmation the override only lifts the wait, recorded.
    still = await orders.confirm_without_payment(shop, MERCHANT, order.code)
    assert still.status is OrderStatus.CONFIRMED
    await orders.start_preparing(shop, MERCHANT, order.code)
    details = await orders.order_details(shop, order.code, MERCHANT)
    assert [e.kind for e in details.timeline][-2:] == ["confirmed_without_payment", "preparing"]
    assert details.timeline[-2].to_status is None


async def test_confirm_without_payment_of_a_closed_order_is_refused(shop):
    _mug, buyer, order = await transfer_order(shop)
    await orders.cancel_order(shop, buyer.actor, order.code, "Ya no")
    with pytest.raises(InvalidTransition):
        await orders.confirm_without_payment(shop, MERCHANT, order.code)


async def test_a_customer_cannot_confirm_without_payment(shop):
    _mug, buyer, order = await transfer_order(shop)
    from core.domain.errors import NotAllowed

    with pytest.raises(NotAllowed):
        await orders.confirm_without_payment(shop, buyer.actor, order.code)
    details = await orders.order_details(shop, order.code, MERCHANT)
    assert details.order.status is OrderStatus.AWAITING_CONFIRMATION
    assert [p.status for p in details.payments] == [PaymentStatus.PENDING]
