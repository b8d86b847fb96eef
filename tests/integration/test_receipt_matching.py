"""Which order a bank-transfer receipt is for, when the customer sends one without being
asked for it: their one transfer order the shop has yet to confirm; none when there is
none or several to tell apart. A card payment is never matched with a receipt."""

from __future__ import annotations

from core.domain.orders import PaymentMethod
from core.services import orders, payments, support
from tests.conftest import MERCHANT, add_product, buy, new_buyer


async def test_the_one_transfer_order_awaiting_confirmation_gets_the_receipt(shop):
    mug = await add_product(shop, "TAZA-1", stock=10)
    ana = await new_buyer(shop)
    other = await new_buyer(shop, "2002", "Luis")
    await buy(shop, ana, {mug: 1}, PaymentMethod.CASH_ON_DELIVERY)  # nothing to transfer
    transfer = await buy(shop, ana, {mug: 1}, PaymentMethod.BANK_TRANSFER)
    await buy(shop, other, {mug: 1}, PaymentMethod.BANK_TRANSFER)  # someone else's

    assert await support.order_for_receipt(shop, ana.customer_id) == transfer.code
    awaited = await support.awaited_payments(shop, ana.customer_id)
    assert [o.code for o in awaited.transfers] == [transfer.code]
    assert not awaited.card_pending


async def test_two_transfer_orders_waiting_cannot_be_told_apart(shop):
    mug = await add_product(shop, "TAZA-1", stock=10)
    ana = await new_buyer(shop)
    first = await buy(shop, ana, {mug: 1}, PaymentMethod.BANK_TRANSFER)
    second = await buy(shop, ana, {mug: 1}, PaymentMethod.BANK_TRANSFER)

    assert await support.order_for_receipt(shop, ana.customer_id) is None
    awaited = await support.awaited_payments(shop, ana.customer_id)
    assert {o.code for o in awaited.transfers} == {first.code, second.code}


async def test_a_confirmed_or_cancelled_transfer_order_takes_no_receipt(shop):
    mug = await add_product(shop, "TAZA-1", stock=10)
    ana = await new_buyer(shop)
    paid = await buy(shop, ana, {mug: 1}, PaymentMethod.BANK_TRANSFER)
    cancelled = await buy(shop, ana, {mug: 1}, PaymentMethod.BANK_TRANSFER)
    await payments.record_manual_payment(shop, MERCHANT, paid.code)
    await orders.confirm_order(shop, MERCHANT, paid.code)
    await orders.cancel_order(shop, ana.actor, cancelled.code, "Ya no")

    assert await support.order_for_receipt(shop, ana.customer_id) is None
    assert (await support.awaited_payments(shop, ana.customer_id)).transfers == []


async def test_a_card_order_waiting_for_its_payment_is_no_receipts_order(shop):
    mug = await add_product(shop, "TAZA-1", stock=10)
    ana = await new_buyer(shop)
    await buy(shop, ana, {mug: 1}, PaymentMethod.CARD)

    assert await support.order_for_receipt(shop, ana.customer_id) is None
    awaited = await support.awaited_payments(shop, ana.customer_id)
    assert awaited.transfers == [] and awaited.card_pending
