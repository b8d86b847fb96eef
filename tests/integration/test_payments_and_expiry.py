"""Card orders: paid once however often the provider tells us, expired when the
reservation runs out, and refunded no further than what was paid."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from core.domain.errors import PaymentMismatch, RefundTooLarge
from core.domain.money import Money
from core.domain.orders import OrderStatus, PaymentMethod
from core.domain.payments import PaymentStatus
from core.services import expiry, orders, payments
from core.services.catalog import get_product
from core.services.context import Shop
from core.store.database import Database
from core.store.tables import outbox
from core.store.tables import payments as payments_table
from tests.conftest import MERCHANT, add_product, buy, new_buyer, test_settings


async def outbox_rows(shop, kind: str) -> list:
    async with shop.uow(write=False) as uow:
        rows = await uow.conn.execute(
            select(outbox.c.recipient, outbox.c.customer_id, outbox.c.payload)
            .where(outbox.c.kind == kind)
            .order_by(outbox.c.id)
        )
        return rows.all()


async def payment_rows(shop, order_id: int) -> list:
    async with shop.uow(write=False) as uow:
        rows = await uow.conn.execute(
            select(payments_table).where(payments_table.c.order_id == order_id)
        )
        return rows.all()


async def timeline_kinds(shop, code: str) -> list[str]:
    details = await orders.order_details(shop, code, MERCHANT)
    return [e.kind for e in details.timeline]


async def card_order(shop, sku: str = "X", qty: int = 2, buyer_id: str = "1001"):
    product = await add_product(shop, sku, price="50.00", stock=5)
    buyer = await new_buyer(shop, buyer_id)
    order = await buy(shop, buyer, {product: qty}, PaymentMethod.CARD)
    return product, buyer, order


async def test_a_card_order_waits_for_payment_for_the_configured_minutes(shop, clock):
    product, _buyer, order = await card_order(shop)
    assert order.status is OrderStatus.PENDING_PAYMENT
    assert shop.settings.reservation_expiry_minutes == 30
    details = await orders.order_details(shop, order.code, MERCHANT)
    assert details.order.expires_at == clock.now + timedelta(minutes=30)
    assert details.order.expires_at == details.order.created_at + timedelta(minutes=30)
    assert (await get_product(shop, product_id=product)).reserved == 2


async def test_a_repeated_payment_notification_is_recorded_once(shop, clock):
    _product, buyer, order = await card_order(shop)
    clock.advance(minutes=5)
    first = await payments.record_payment(
        shop, order.code, order.total, provider="telegram", provider_charge_id="ch_1"
    )
    clock.advance(minutes=1)
    again = await payments.record_payment(
        shop, order.code, order.total, provider="telegram", provider_charge_id="ch_1"
    )
    assert first.recorded is True
    assert again.recorded is False
    assert first.order.status is again.order.status is OrderStatus.CONFIRMED

    rows = await payment_rows(shop, order.id)
    assert [(r.status, r.amount, r.provider_charge_id) for r in rows] == [
        ("paid", order.total.amount, "ch_1")
    ]
    assert (await timeline_kinds(shop, order.code)).count("paid") == 1
    received = await outbox_rows(shop, "payment_received")
    assert [(r.recipient, r.customer_id) for r in received] == [("customer", buyer.customer_id)]


async def test_two_concurrent_notifications_of_one_charge_record_one_payment(shop):
    _product, _buyer, order = await card_order(shop)
    outcomes = await asyncio.gather(
        *(
            payments.record_payment(
                shop, order.code, order.total, provider="telegram", provider_charge_id="ch_race"
            )
            for _ in range(2)
        )
    )
    assert sorted(o.recorded for o in outcomes) == [False, True]
    details = await orders.order_details(shop, order.code, MERCHANT)
    assert details.order.status is OrderStatus.CONFIRMED
    assert [p.status for p in details.payments] == [PaymentStatus.PAID]
    assert [e.kind for e in details.timeline].count("paid") == 1
    assert len(await outbox_rows(shop, "payment_received")) == 1


async def test_the_same_charge_told_to_two_workers_at_once_is_recorded_once(
    shop, database_url, clock
):
    """Two processes (two engines on one file) get the same provider notification."""
    _product, _buyer, order = await card_order(shop)
    other = Shop(Database(database_url), test_settings(database_url), clock=clock)
    try:
        outcomes = await asyncio.gather(
            *(
                payments.record_payment(
                    worker, order.code, order.total, provider="telegram", provider_charge_id="ch_2"
                )
                for worker in (shop, other)
            )
        )
    finally:
        await other.db.dispose()
    assert sorted(o.recorded for o in outcomes) == [False, True]
    rows = await payment_rows(shop, order.id)
    assert [(r.status, r.provider_charge_id) for r in rows] == [("paid", "ch_2")]
    assert (await timeline_kinds(shop, order.code)).count("paid") == 1
    assert len(await outbox_rows(shop, "payment_received")) == 1


async def test_a_payment_of_the_wrong_amount_is_refused_and_changes_nothing(shop):
    product, _buyer, order = await card_order(shop)
    with pytest.raises(PaymentMismatch):
        await payments.record_payment(
            shop,
            order.code,
            order.total - Money(1, order.currency),
            provider="telegram",
            provider_charge_id="ch_short",
        )
    details = await orders.order_details(shop, order.code, MERCHANT)
    assert details.order.status is OrderStatus.PENDING_PAYMENT
    assert [(p.status, p.provider_charge_id) for p in details.payments] == [
        (PaymentStatus.PENDING, None)
    ]
    assert "paid" not in [e.kind for e in details.timeline]
    assert await outbox_rows(shop, "payment_received") == []
    assert (await get_product(shop, product_id=product)).reserved == 2

    # The right amount under the same charge id is still accepted afterwards.
    outcome = await payments.record_payment(
        shop, order.code, order.total, provider="telegram", provider_charge_id="ch_short"
    )
    assert outcome.recorded is True


async def test_an_unpaid_order_expires_after_its_time_and_gives_its_stock_back(shop, clock):
    product, buyer, late = await card_order(shop, "X", 2, "1")
    paid = await buy(shop, await new_buyer(shop, "2"), {product: 1}, PaymentMethod.CARD)
    await payments.record_payment(
        shop, paid.code, paid.total, provider="telegram", provider_charge_id="ch_paid"
    )
    clock.advance(minutes=20)
    recent = await buy(shop, await new_buyer(shop, "3"), {product: 1}, PaymentMethod.CARD)
    assert (await get_product(shop, product_id=product)).reserved == 4

    clock.advance(minutes=11)  # 31 minutes after the first two orders, 11 after the third
    assert await expiry.expire_overdue_orders(shop) == [late.code]

    statuses = {
        code: (await orders.order_details(shop, code, MERCHANT)).order.status
        for code in (late.code, paid.code, recent.code)
    }
    assert statuses == {
        late.code: OrderStatus.EXPIRED,
        paid.code: OrderStatus.CONFIRMED,
        recent.code: OrderStatus.PENDING_PAYMENT,
    }
    assert (await get_product(shop, product_id=product)).reserved == 2  # paid + recent
    expired = await outbox_rows(shop, "order_expired")
    assert [(r.customer_id, r.payload["code"]) for r in expired] == [(buyer.customer_id, late.code)]
    assert await timeline_kinds(shop, late.code) == ["placed", "expired"]

    # Running it again finds nothing new to do.
    assert await expiry.expire_overdue_orders(shop) == []
    assert len(await outbox_rows(shop, "order_expired")) == 1

    # The last order's time runs out too, and then all that is reserved is the paid one.
    clock.advance(minutes=20)
    assert await expiry.expire_overdue_orders(shop) == [recent.code]
    product_now = await get_product(shop, product_id=product)
    assert (product_now.on_hand, product_now.reserved) == (5, 1)


async def test_a_payment_after_expiry_is_recorded_and_the_merchant_is_told(shop, clock):
    product, _buyer, order = await card_order(shop)
    clock.advance(minutes=31)
    await expiry.expire_overdue_orders(shop)

    outcome = await payments.record_payment(
        shop, order.code, order.total, provider="telegram", provider_charge_id="ch_late"
    )
    assert outcome.recorded is True
    assert outcome.order.status is OrderStatus.EXPIRED
    details = await orders.order_details(shop, order.code, MERCHANT)
    assert [p.status for p in details.payments if p.provider_charge_id == "ch_late"] == [
        PaymentStatus.PAID
    ]
    late = await outbox_rows(shop, "payment_on_closed_order")
    assert [(r.recipient, r.payload["code"], r.payload["amount"]) for r in late] == [
        ("admin", order.code, order.total.amount)
    ]
    assert await outbox_rows(shop, "payment_received") == []
    assert (await get_product(shop, product_id=product)).reserved == 0


async def test_a_paid_order_is_refunded_in_part_then_in_full(shop):
    _product, buyer, order = await card_order(shop)  # 2 x 50.00 + 99.00 = 199.00
    assert order.total == Money.from_major("199.00", "MXN")
    await payments.record_payment(
        shop, order.code, order.total, provider="telegram", provider_charge_id="ch_1"
    )
    part = Money.from_major("50.00", "MXN")
    payment = await payments.refund_order(shop, MERCHANT, order.code, part)
    assert payment.status is PaymentStatus.PARTIALLY_REFUNDED
    assert payment.refunded == part

    rest = order.total - part
    payment = await payments.refund_order(shop, MERCHANT, order.code, rest)
    assert payment.status is PaymentStatus.REFUNDED
    assert payment.refunded == order.total

    details = await orders.order_details(shop, order.code, MERCHANT)
    assert [(p.status, p.refunded) for p in details.payments] == [
        (PaymentStatus.REFUNDED, order.total)
    ]
    assert [e.data["amount"] for e in details.timeline if e.kind == "refunded"] == [
        part.amount,
        rest.amount,
    ]
    refunds = await outbox_rows(shop, "order_refunded")
    assert [(r.customer_id, r.payload["amount"]) for r in refunds] == [
        (buyer.customer_id, part.amount),
        (buyer.customer_id, rest.amount),
    ]


async def test_refunding_more_than_was_paid_is_refused_and_changes_nothing(shop):
    _product, _buyer, order = await card_order(shop)
    await payments.record_payment(
        shop, order.code, order.total, provider="telegram", provider_charge_id="ch_1"
    )
    with pytest.raises(RefundTooLarge):
        await payments.refund_order(
            shop, MERCHANT, order.code, order.total + Money(1, order.currency)
        )
    await payments.refund_order(shop, MERCHANT, order.code, Money.from_major("100.00", "MXN"))
    with pytest.raises(RefundTooLarge):
        await payments.refund_order(shop, MERCHANT, order.code, Money.from_major("99.01", "MXN"))

    details = await orders.order_details(shop, order.code, MERCHANT)
    assert [(p.status, p.refunded.amount) for p in details.payments] == [
        (PaymentStatus.PARTIALLY_REFUNDED, 10000)
    ]
    assert [e.kind for e in details.timeline].count("refunded") == 1
    assert len(await outbox_rows(shop, "order_refunded")) == 1


async def test_refunding_an_order_already_refunded_in_full_is_refused_as_too_large(shop):
    _product, _buyer, order = await card_order(shop)
    await payments.record_payment(
        shop, order.code, order.total, provider="telegram", provider_charge_id="ch_1"
    )
    await payments.refund_order(shop, MERCHANT, order.code, order.total)
    with pytest.raises(RefundTooLarge):
        await payments.refund_order(shop, MERCHANT, order.code, Money(1, order.currency))
