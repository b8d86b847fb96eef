"""A merchant's whole order lifecycle through the services, on a real SQLite file."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.domain.actors import SYSTEM
from core.domain.errors import InvalidTransition, NotAllowed, OrderNotFound
from core.domain.orders import OrderStatus, PaymentMethod
from core.domain.returns import ReturnStatus
from core.services import orders, payments, returns, shipping
from core.services.catalog import get_product
from core.store.tables import outbox, stock_moves
from tests.conftest import MERCHANT, add_product, buy, new_buyer


async def outbox_kinds(shop, customer_id=None) -> list[str]:
    async with shop.uow(write=False) as uow:
        return [m.kind for m in await uow.outbox.list(customer_id=customer_id)]


async def ledger_matches_stock(shop, product_id: int) -> bool:
    async with shop.uow(write=False) as uow:
        on_hand_sum, reserved_sum = (
            await uow.conn.execute(
                select(
                    func.sum(stock_moves.c.on_hand_delta), func.sum(stock_moves.c.reserved_delta)
                ).where(stock_moves.c.product_id == product_id)
            )
        ).one()
        product = await uow.catalog.get(product_id)
    return (on_hand_sum, reserved_sum) == (product.on_hand, product.reserved)


async def test_cash_on_delivery_order_goes_from_checkout_to_refunded_return(shop, clock):
    shirt = await add_product(shop, "CAM-1", price="349.00", stock=5)
    buyer = await new_buyer(shop)

    order = await buy(shop, buyer, {shirt: 2})
    assert order.status is OrderStatus.AWAITING_CONFIRMATION
    assert order.code.startswith("PED-")
    assert (await get_product(shop, product_id=shirt)).reserved == 2

    clock.advance(minutes=10)
    await orders.confirm_order(shop, MERCHANT, order.code)
    clock.advance(hours=1)
    await orders.start_preparing(shop, MERCHANT, order.code)
    await orders.mark_packed(shop, MERCHANT, order.code)
    clock.advance(hours=2)
    _, shipment = await shipping.ship_order(
        shop, MERCHANT, order.code, "estafeta", "  12345 67890 "
    )
    assert shipment.tracking_number == "1234567890"
    assert shipment.tracking_url.endswith("guia=1234567890")
    product = await get_product(shop, product_id=shirt)
    assert (product.on_hand, product.reserved) == (3, 0)

    clock.advance(days=2)
    await orders.mark_delivered(shop, buyer.actor, order.code)
    await orders.rate_order(shop, buyer.actor, order.code, 5, "¡Excelente!")
    clock.advance(hours=3)
    await payments.record_manual_payment(shop, MERCHANT, order.code)  # the courier's cash

    request = await returns.request_return(
        shop, buyer.actor, order.code, {"CAM-1": 1}, "Me quedó chica"
    )
    await returns.approve_return(shop, MERCHANT, request.id)
    await returns.receive_return(shop, MERCHANT, request.id, {"CAM-1": True})
    done = await returns.refund_return(shop, MERCHANT, request.id)
    assert done.status is ReturnStatus.REFUNDED
    assert done.refund_amount == 34900
    assert (await get_product(shop, product_id=shirt)).on_hand == 4

    details = await orders.order_details(shop, order.code, buyer.actor)
    assert [e.kind for e in details.timeline] == [
        "placed",
        "confirmed",
        "preparing",
        "packed",
        "shipped",
        "delivered",
        "rated",
        "paid",
        "return_requested",
        "return_approved",
        "return_received",
        "return_refunded",
    ]
    assert details.order.rating == 5
    assert await ledger_matches_stock(shop, shirt)
    assert await outbox_kinds(shop, buyer.customer_id) == [
        "order_confirmed",
        "order_preparing",
        "order_shipped",
        "order_delivered",
        "return_approved",
        "return_received",  # the customer hears their items arrived
        "return_refunded",
    ]


async def test_an_illegal_move_is_refused_and_changes_nothing(shop):
    product = await add_product(shop, "X", stock=3)
    buyer = await new_buyer(shop)
    order = await buy(shop, buyer, {product: 1})
    with pytest.raises(InvalidTransition):
        await shipping.ship_order(shop, MERCHANT, order.code, "dhl", "ABC123456")
    details = await orders.order_details(shop, order.code, MERCHANT)
    assert details.order.status is OrderStatus.AWAITING_CONFIRMATION
    assert details.shipment is None
    assert (await get_product(shop, product_id=product)).reserved == 1


async def test_a_customer_cannot_confirm_or_see_someone_elses_order(shop):
    product = await add_product(shop, "X", stock=3)
    ana = await new_buyer(shop, "1")
    luis = await new_buyer(shop, "2", "Luis")
    order = await buy(shop, ana, {product: 1})
    with pytest.raises(NotAllowed):
        await orders.confirm_order(shop, ana.actor, order.code)
    with pytest.raises(OrderNotFound):
        await orders.order_details(shop, order.code, luis.actor)
    with pytest.raises(OrderNotFound):
        await orders.cancel_order(shop, luis.actor, order.code)


async def test_cancelling_a_paid_order_releases_stock_and_records_the_refund(shop):
    product = await add_product(shop, "X", price="50.00", stock=3)
    buyer = await new_buyer(shop)
    order = await buy(shop, buyer, {product: 2}, PaymentMethod.CARD)
    assert order.status is OrderStatus.PENDING_PAYMENT
    await payments.record_payment(
        shop, order.code, order.total, provider="telegram", provider_charge_id="ch_1"
    )
    cancelled = await orders.cancel_order(shop, buyer.actor, order.code, "Ya no lo necesito")
    assert cancelled.status is OrderStatus.CANCELLED
    details = await orders.order_details(shop, order.code, MERCHANT)
    assert details.payments[0].status == "refunded"
    assert details.payments[0].refunded == order.total
    assert (await get_product(shop, product_id=product)).reserved == 0
    assert await ledger_matches_stock(shop, product)


async def test_a_customer_cannot_cancel_once_preparation_started(shop):
    product = await add_product(shop, "X", stock=3)
    buyer = await new_buyer(shop)
    order = await buy(shop, buyer, {product: 1})
    await orders.confirm_order(shop, MERCHANT, order.code)
    await orders.start_preparing(shop, MERCHANT, order.code)
    with pytest.raises(NotAllowed):
        await orders.cancel_order(shop, buyer.actor, order.code)
    await orders.cancel_order(shop, MERCHANT, order.code, "Sin existencias reales")
    async with shop.uow(write=False) as uow:
        rows = (await uow.conn.execute(select(outbox.c.kind, outbox.c.payload))).all()
    cancelled = [payload for kind, payload in rows if kind == "order_cancelled"]
    assert cancelled and cancelled[0]["reason"] == "Sin existencias reales"


async def test_system_actor_can_mark_delivered_for_a_carrier_webhook(shop):
    product = await add_product(shop, "X", stock=3)
    buyer = await new_buyer(shop)
    order = await buy(shop, buyer, {product: 1})
    for step in (orders.confirm_order, orders.start_preparing, orders.mark_packed):
        await step(shop, MERCHANT, order.code)
    await shipping.ship_order(shop, MERCHANT, order.code, "dhl", "JD0123456789")
    delivered = await orders.mark_delivered(shop, SYSTEM, order.code)
    assert delivered.status is OrderStatus.DELIVERED


async def test_an_order_code_clash_is_drawn_again_instead_of_failing_the_checkout(
    shop, monkeypatch
):
    from core.services import checkout

    product = await add_product(shop, "X", stock=5)
    codes = iter(["PED-AAAAA", "PED-AAAAA", "PED-BBBBB"])
    monkeypatch.setattr(checkout, "new_order_code", lambda: next(codes))
    first = await buy(shop, await new_buyer(shop, "1"), {product: 1})
    second = await buy(shop, await new_buyer(shop, "2"), {product: 1})
    assert (first.code, second.code) == ("PED-AAAAA", "PED-BBBBB")
    assert (await get_product(shop, product_id=product)).reserved == 2


async def test_a_customers_orders_come_newest_first_each_with_its_own_lines(shop, clock):
    mug = await add_product(shop, "MUG", stock=50)
    cap = await add_product(shop, "CAP", stock=50)
    buyer = await new_buyer(shop)
    placed = []
    for qty in (1, 2, 3):
        placed.append(await buy(shop, buyer, {mug: qty, cap: qty + 10}))
        clock.advance(minutes=5)

    listed = await orders.customer_orders(shop, buyer.customer_id)

    assert [o.code for o in listed] == [o.code for o in reversed(placed)]
    assert [sorted((line.sku, line.quantity) for line in o.lines) for o in listed] == [
        [("CAP", 13), ("MUG", 3)],
        [("CAP", 12), ("MUG", 2)],
        [("CAP", 11), ("MUG", 1)],
    ]
    latest = await orders.customer_orders(shop, buyer.customer_id, limit=1)
    assert [o.code for o in latest] == [placed[-1].code]
    assert latest[0].lines == listed[0].lines


async def delivered_order(shop, buyer, product_id: int) -> str:
    order = await buy(shop, buyer, {product_id: 1})
    for step in (orders.confirm_order, orders.start_preparing, orders.mark_packed):
        await step(shop, MERCHANT, order.code)
    await shipping.ship_order(shop, MERCHANT, order.code, "estafeta", "1234567890")
    await orders.mark_delivered(shop, buyer.actor, order.code)
    return order.code


async def test_the_returns_queue_names_each_returns_own_order(shop, clock):
    shirt = await add_product(shop, "CAM-1", stock=5)
    buyer = await new_buyer(shop)
    first, second = [await delivered_order(shop, buyer, shirt) for _ in range(2)]
    for code in (second, first):
        clock.advance(minutes=1)
        await returns.request_return(shop, buyer.actor, code, {"CAM-1": 1}, "No me quedó")

    queue = await returns.list_returns(shop, MERCHANT)

    assert [code for code, _request in queue] == [second, first]  # oldest request first
    card_code, request = await returns.get_return(shop, MERCHANT, queue[1][1].id)
    assert (card_code, request.id) == (first, queue[1][1].id)


async def test_a_customer_saying_cash_on_delivery_arrived_records_no_cash(shop):
    """Only the merchant (or a carrier) says the cash was received; the customer's word
    records the delivery, and the admins are asked to record the cash."""
    mug = await add_product(shop, "TAZA-1", price="150.00")
    buyer = await new_buyer(shop)
    order = await buy(shop, buyer, {mug: 1})
    await orders.confirm_order(shop, MERCHANT, order.code)
    await orders.start_preparing(shop, MERCHANT, order.code)
    await orders.mark_packed(shop, MERCHANT, order.code)
    await shipping.ship_order(shop, MERCHANT, order.code, "estafeta", "1234567890")

    await orders.mark_delivered(shop, buyer.actor, order.code)

    details = await orders.order_details(shop, order.code, MERCHANT)
    assert details.order.status is OrderStatus.DELIVERED
    assert not details.paid
    assert "paid" not in [e.kind for e in details.timeline]
    assert "cash_not_recorded" in await outbox_kinds(shop)

    await payments.record_manual_payment(shop, MERCHANT, order.code)
    assert (await orders.order_details(shop, order.code, MERCHANT)).paid


async def test_the_merchant_marking_cash_on_delivery_delivered_records_the_cash(shop):
    mug = await add_product(shop, "TAZA-1", price="150.00")
    order = await buy(shop, await new_buyer(shop), {mug: 1})
    for step in (orders.confirm_order, orders.start_preparing, orders.mark_packed):
        await step(shop, MERCHANT, order.code)
    await shipping.ship_order(shop, MERCHANT, order.code, "estafeta", "1234567890")
    await orders.mark_delivered(shop, MERCHANT, order.code)
    assert (await orders.order_details(shop, order.code, MERCHANT)).paid
