"""Whatever path says an order was paid (the merchant's delivery of cash on delivery,
/pagado or its button, a provider's charge), the payments table holds at most one
paid row for it; a second "it's paid" answers "already paid" and records nothing,
even when two arrive at once (issue #13)."""

from __future__ import annotations

import asyncio

import pytest
from alembic import command
from sqlalchemy import insert, select, text
from sqlalchemy.exc import IntegrityError

from core.domain.events import SecondCharge
from core.domain.orders import OrderStatus, PaymentMethod
from core.domain.payments import PaymentStatus
from core.services import orders, payments, shipping
from core.services.context import Shop
from core.store.database import Database
from core.store.migrate import alembic_config, upgrade
from core.store.payments_repo import SqlPaymentRepository
from core.store.tables import outbox
from core.store.tables import payments as payments_table
from handlers.i18n import Translator
from handlers.notifications import render_event
from tests.conftest import MERCHANT, add_product, buy, new_buyer, test_settings


async def paid_rows(shop, order_id: int) -> list:
    async with shop.uow(write=False) as uow:
        rows = await uow.conn.execute(
            select(payments_table.c.status, payments_table.c.amount)
            .where(payments_table.c.order_id == order_id)
            .order_by(payments_table.c.id)
        )
        return [row for row in rows if row.status != "pending"]


async def paid_events(shop, code: str) -> list:
    details = await orders.order_details(shop, code, MERCHANT)
    return [e for e in details.timeline if e.kind == "paid"]


async def shipped_cash_order(shop, buyer_id: str = "1001"):
    mug = await add_product(shop, "TAZA-1", price="150.00", stock=20)
    order = await buy(shop, await new_buyer(shop, buyer_id), {mug: 1})
    for step in (orders.confirm_order, orders.start_preparing, orders.mark_packed):
        await step(shop, MERCHANT, order.code)
    await shipping.ship_order(shop, MERCHANT, order.code, "estafeta", "1234567890")
    return order


async def test_cash_recorded_on_delivery_is_not_recorded_again_by_pagado(shop):
    order = await shipped_cash_order(shop)
    await orders.mark_delivered(shop, MERCHANT, order.code)  # the cash is in hand

    again = await payments.record_manual_payment(shop, MERCHANT, order.code)

    assert again.recorded is False
    assert [(r.status, r.amount) for r in await paid_rows(shop, order.id)] == [
        ("paid", order.total.amount)
    ]
    assert len(await paid_events(shop, order.code)) == 1


async def test_the_customers_word_then_mark_paid_twice_records_the_cash_once(shop):
    order = await shipped_cash_order(shop)
    buyer_actor = (await new_buyer(shop, "1001")).actor
    await orders.mark_delivered(shop, buyer_actor, order.code)  # no cash recorded
    assert await paid_rows(shop, order.id) == []

    first = await payments.record_manual_payment(shop, MERCHANT, order.code)
    second = await payments.record_manual_payment(shop, MERCHANT, order.code)

    assert (first.recorded, second.recorded) == (True, False)
    assert len(await paid_rows(shop, order.id)) == 1
    events = await paid_events(shop, order.code)
    assert [e.actor for e in events] == [str(MERCHANT)]  # who recorded the cash


async def test_pagado_before_delivery_then_delivered_records_the_cash_once(shop):
    order = await shipped_cash_order(shop)
    await payments.record_manual_payment(shop, MERCHANT, order.code)

    delivered = await orders.mark_delivered(shop, MERCHANT, order.code)

    assert delivered.status is OrderStatus.DELIVERED
    assert len(await paid_rows(shop, order.id)) == 1
    assert len(await paid_events(shop, order.code)) == 1


async def test_pagado_on_a_card_order_paid_by_the_provider_records_nothing(shop):
    mug = await add_product(shop, "TAZA-1", price="50.00", stock=5)
    order = await buy(shop, await new_buyer(shop), {mug: 1}, PaymentMethod.CARD)
    await payments.record_payment(
        shop, order.code, order.total, provider="telegram", provider_charge_id="ch_1"
    )

    again = await payments.record_manual_payment(shop, MERCHANT, order.code)

    assert again.recorded is False
    assert len(await paid_rows(shop, order.id)) == 1


async def test_two_admins_marking_paid_at_once_record_one_payment(shop):
    order = await shipped_cash_order(shop)
    outcomes = await asyncio.gather(
        *(payments.record_manual_payment(shop, MERCHANT, order.code) for _ in range(2))
    )
    assert sorted(o.recorded for o in outcomes) == [False, True]
    assert len(await paid_rows(shop, order.id)) == 1


async def test_two_workers_marking_paid_at_once_record_one_payment(shop, database_url, clock):
    order = await shipped_cash_order(shop)
    other = Shop(Database(database_url), test_settings(database_url), clock=clock)
    try:
        outcomes = await asyncio.gather(
            payments.record_manual_payment(shop, MERCHANT, order.code),
            orders.mark_delivered(other, MERCHANT, order.code),
        )
    finally:
        await other.db.dispose()
    assert outcomes[1].status is OrderStatus.DELIVERED
    assert len(await paid_rows(shop, order.id)) == 1
    assert len(await paid_events(shop, order.code)) == 1


async def test_the_database_refuses_a_second_paid_row_for_one_order(shop):
    order = await shipped_cash_order(shop)
    await orders.mark_delivered(shop, MERCHANT, order.code)
    with pytest.raises(IntegrityError):
        async with shop.uow() as uow:
            await uow.conn.execute(
                insert(payments_table).values(
                    order_id=order.id,
                    method="cash_on_delivery",
                    status="paid",
                    amount=order.total.amount,
                    refunded=0,
                    currency=order.currency,
                    provider="manual",
                    created_at=shop.now(),
                    updated_at=shop.now(),
                )
            )
            await uow.commit(shop.now())
    assert len(await paid_rows(shop, order.id)) == 1


async def test_a_mark_paid_that_read_before_another_committed_says_already_paid(shop, monkeypatch):
    """The race the index closes: this mark-paid read the payments before another one
    committed (simulated: its read misses the paid row), so only the database sees the
    second paid row. The merchant is told it was already paid, not an error."""
    order = await shipped_cash_order(shop)
    await orders.mark_delivered(shop, MERCHANT, order.code)
    real = SqlPaymentRepository.for_order
    stale = {"reads": 0}

    async def before_the_other_commit(self, order_id):
        found = await real(self, order_id)
        stale["reads"] += 1
        if stale["reads"] == 1:  # the first read only: a retry sees the truth
            return [p for p in found if p.status is PaymentStatus.PENDING]
        return found

    monkeypatch.setattr(SqlPaymentRepository, "for_order", before_the_other_commit)

    outcome = await payments.record_manual_payment(shop, MERCHANT, order.code)

    assert outcome.recorded is False
    assert len(await paid_rows(shop, order.id)) == 1


async def test_a_second_provider_charge_for_a_paid_order_is_not_a_second_payment(shop):
    mug = await add_product(shop, "TAZA-1", price="50.00", stock=5)
    order = await buy(shop, await new_buyer(shop), {mug: 1}, PaymentMethod.CARD)
    await payments.record_payment(
        shop, order.code, order.total, provider="telegram", provider_charge_id="ch_1"
    )

    second = await payments.record_payment(
        shop, order.code, order.total, provider="telegram", provider_charge_id="ch_2"
    )

    assert second.recorded is False
    async with shop.uow(write=False) as uow:
        rows = (
            await uow.conn.execute(
                select(payments_table.c.status, payments_table.c.provider_charge_id)
                .where(payments_table.c.order_id == order.id)
                .order_by(payments_table.c.id)
            )
        ).all()
        told = (
            await uow.conn.execute(
                select(outbox.c.recipient, outbox.c.payload).where(outbox.c.kind == "second_charge")
            )
        ).all()
    # The charge is kept (a repeated notice of it stays a no-op) but holds no money.
    assert [tuple(r) for r in rows] == [("paid", "ch_1"), ("duplicate", "ch_2")]
    assert [(r.recipient, r.payload["amount"]) for r in told] == [("admin", order.total.amount)]
    assert len(await paid_events(shop, order.code)) == 1
    # The admins are told to give that charge back, not to /reembolso the order (that
    # would refund the real payment).
    second = SecondCharge.from_payload(told[0].payload)
    replies = await render_event(shop, Translator("es"), second)
    assert "ch_2" in replies[0].text and "/reembolso" not in replies[0].text


async def _alembic(db: Database, database_url: str, action: str, revision: str) -> None:
    def run(connection) -> None:
        config = alembic_config(database_url)
        config.attributes["connection"] = connection
        getattr(command, action)(config, revision)

    async with db.engine.begin() as conn:
        await conn.run_sync(run)


async def test_the_migration_keeps_one_paid_row_of_existing_duplicates(shop, database_url):
    order = await shipped_cash_order(shop)
    await orders.mark_delivered(shop, MERCHANT, order.code)
    db = Database(database_url)
    try:
        await _alembic(db, database_url, "downgrade", "0006")
        async with db.engine.begin() as conn:  # the old bug: the cash recorded twice
            await conn.execute(
                text(
                    "INSERT INTO payments (order_id, method, status, amount, refunded, "
                    "currency, provider, provider_charge_id, created_at, updated_at) "
                    "SELECT order_id, method, status, amount, refunded, currency, 'manual', "
                    "'manual:' || provider_charge_id, created_at, updated_at FROM payments"
                )
            )
        await upgrade(db.engine)
    finally:
        await db.dispose()

    async with shop.uow(write=False) as uow:
        rows = (
            await uow.conn.execute(
                select(payments_table.c.status, payments_table.c.provider)
                .where(payments_table.c.order_id == order.id)
                .order_by(payments_table.c.id)
            )
        ).all()
    assert [tuple(r) for r in rows] == [("paid", "cash"), ("duplicate", "manual")]
    details = await orders.order_details(shop, order.code, MERCHANT)
    assert details.paid
    assert sum(p.amount.amount for p in details.payments if p.holds_money) == order.total.amount


async def test_unpaid_transfers_confirmed_before_the_payment_rule_keep_going(shop, database_url):
    mug = await add_product(shop, "TAZA-1", price="50.00", stock=5)
    buyer = await new_buyer(shop)
    old = await buy(shop, buyer, {mug: 1}, PaymentMethod.BANK_TRANSFER)
    waiting = await buy(shop, buyer, {mug: 1}, PaymentMethod.BANK_TRANSFER)
    db = Database(database_url)
    try:
        await _alembic(db, database_url, "downgrade", "0010")
        async with db.engine.begin() as conn:  # confirmed unpaid, as the old rules allowed
            await conn.execute(
                text("UPDATE orders SET status = 'confirmed' WHERE code = :code"),
                {"code": old.code},
            )
        await upgrade(db.engine)
    finally:
        await db.dispose()

    await orders.start_preparing(shop, MERCHANT, old.code)  # not stuck
    details = await orders.order_details(shop, old.code, MERCHANT)
    assert details.order.status is OrderStatus.PREPARING
    still_waiting = await orders.order_details(shop, waiting.code, MERCHANT)
    assert still_waiting.order.awaits_payment  # not yet confirmed: the rule applies
