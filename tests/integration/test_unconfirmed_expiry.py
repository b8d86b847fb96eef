"""Cash-on-delivery and transfer orders the shop never confirms give their stock back:
the customer and the admins are reminded UNCONFIRMED_ORDER_REMINDER_HOURS before (once,
however many workers run the job, also after a restart), then the order expires."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from core.domain.actors import SYSTEM
from core.domain.orders import OrderStatus, PaymentMethod
from core.services import expiry, orders, payments
from core.services.catalog import get_product
from core.services.context import Shop
from core.store.database import Database
from core.store.orders_repo import ConcurrentUpdate
from core.store.tables import outbox
from tests.conftest import MERCHANT, add_product, buy, new_buyer

S = OrderStatus


async def outbox_rows(shop: Shop, kind: str) -> list:
    async with shop.uow(write=False) as uow:
        rows = await uow.conn.execute(
            select(outbox.c.recipient, outbox.c.customer_id, outbox.c.payload)
            .where(outbox.c.kind == kind)
            .order_by(outbox.c.id)
        )
        return rows.all()


async def status_of(shop: Shop, code: str) -> OrderStatus:
    return (await orders.order_details(shop, code, MERCHANT)).order.status


async def cod_order(shop: Shop, method: PaymentMethod = PaymentMethod.CASH_ON_DELIVERY):
    mug = await add_product(shop, "MUG", stock=10)
    ana = await new_buyer(shop)
    return mug, ana, await buy(shop, ana, {mug: 2}, method)


async def test_an_unconfirmed_order_is_reminded_then_released_with_its_stock(shop, clock):
    assert shop.settings.unconfirmed_order_expiry_hours == 48
    assert shop.settings.unconfirmed_order_reminder_hours == 12
    placed_at = clock.now
    mug, ana, order = await cod_order(shop)

    clock.advance(hours=35, minutes=59)
    assert await expiry.run_expiry(shop) == expiry.ExpiryRun([], [], [])

    clock.advance(minutes=1)  # 36 h: 12 h before the release
    assert (await expiry.run_expiry(shop)).reminded == [order.code]
    release_at = placed_at + timedelta(hours=48)
    told = await outbox_rows(shop, "order_release_reminder")
    assert [(r.customer_id, r.payload) for r in told] == [
        (
            ana.customer_id,
            {
                "code": order.code,
                "release_at": release_at.isoformat(),
                "payment_method": "cash_on_delivery",
            },
        )
    ]
    admins = await outbox_rows(shop, "order_confirmation_reminder")
    assert [(r.recipient, r.payload["code"], r.payload["receipt"]) for r in admins] == [
        ("admin", order.code, False)
    ]
    assert await status_of(shop, order.code) == S.AWAITING_CONFIRMATION

    clock.advance(hours=11, minutes=59)
    assert (await expiry.run_expiry(shop)).released_unconfirmed == []
    clock.advance(minutes=1)  # 48 h
    assert (await expiry.run_expiry(shop)).released_unconfirmed == [order.code]

    details = await orders.order_details(shop, order.code, MERCHANT)
    assert details.order.status == S.EXPIRED
    assert [e.kind for e in details.timeline] == ["placed", "release_reminder", "expired"]
    assert details.timeline[-1].actor == "system"
    assert details.timeline[-1].data == {"reason": "unconfirmed"}
    assert [p.status for p in details.payments] == ["failed"]
    product = await get_product(shop, product_id=mug)
    assert (product.on_hand, product.reserved) == (10, 0)
    released = await outbox_rows(shop, "order_released")
    assert sorted((r.recipient, r.payload["code"]) for r in released) == [
        ("admin", order.code),
        ("customer", order.code),
    ]
    # Nothing more happens later: one reminder, one release.
    clock.advance(days=3)
    assert await expiry.run_expiry(shop) == expiry.ExpiryRun([], [], [])
    assert len(await outbox_rows(shop, "order_release_reminder")) == 1
    assert len(await outbox_rows(shop, "order_released")) == 2


async def test_a_reminder_sent_late_still_gives_the_customer_the_full_notice(shop, clock):
    _mug, _ana, order = await cod_order(shop)
    clock.advance(hours=60)  # the job did not run for two and a half days
    assert (await expiry.run_expiry(shop)).released_unconfirmed == []  # reminded first
    (told,) = await outbox_rows(shop, "order_release_reminder")
    assert told.payload["release_at"] == (clock.now + timedelta(hours=12)).isoformat()
    clock.advance(hours=11)
    assert (await expiry.run_expiry(shop)).released_unconfirmed == []
    clock.advance(hours=1)
    assert (await expiry.run_expiry(shop)).released_unconfirmed == [order.code]


async def test_workers_running_the_job_at_once_and_a_restart_send_one_reminder(
    shop, clock, database_url
):
    _mug, _ana, order = await cod_order(shop)
    clock.advance(hours=36)
    others = [Shop(Database(database_url), shop.settings, clock=clock) for _ in range(3)]
    try:
        runs = await asyncio.gather(
            expiry.remind_unconfirmed_orders(shop),
            *(expiry.remind_unconfirmed_orders(o) for o in others),
        )
        assert sorted(code for run in runs for code in run) == [order.code]
        restarted = Shop(Database(database_url), shop.settings, clock=clock)
        try:
            clock.advance(hours=1)
            assert await expiry.remind_unconfirmed_orders(restarted) == []
        finally:
            await restarted.db.dispose()
    finally:
        for other in others:
            await other.db.dispose()
    assert len(await outbox_rows(shop, "order_release_reminder")) == 1
    admins = await outbox_rows(shop, "order_confirmation_reminder")
    assert len(admins) == 1  # one admin in the test shop: one row
    details = await orders.order_details(shop, order.code, MERCHANT)
    assert [e.kind for e in details.timeline] == ["placed", "release_reminder"]


async def test_a_transfer_is_reminded_to_send_the_receipt(shop, clock):
    _mug, ana, order = await cod_order(shop, PaymentMethod.BANK_TRANSFER)
    clock.advance(hours=36)
    await expiry.run_expiry(shop)
    (told,) = await outbox_rows(shop, "order_release_reminder")
    assert (told.customer_id, told.payload["code"]) == (ana.customer_id, order.code)
    assert told.payload["payment_method"] == "bank_transfer"


async def test_a_transfer_whose_receipt_was_sent_waits_for_the_merchant(shop, clock):
    _mug, ana, order = await cod_order(shop, PaymentMethod.BANK_TRANSFER)
    await orders.attach_transfer_receipt(shop, ana.actor, order.code, "terminal", "receipt.jpg")
    clock.advance(hours=36)
    assert (await expiry.run_expiry(shop)).reminded == [order.code]
    assert await outbox_rows(shop, "order_release_reminder") == []  # nothing for them to do
    (admin,) = await outbox_rows(shop, "order_confirmation_reminder")
    assert admin.payload["receipt"] is True
    clock.advance(days=10)
    assert (await expiry.run_expiry(shop)).released_unconfirmed == []
    assert await status_of(shop, order.code) == S.AWAITING_CONFIRMATION


async def test_a_receipt_sent_after_the_reminder_stops_the_release(shop, clock):
    _mug, ana, order = await cod_order(shop, PaymentMethod.BANK_TRANSFER)
    clock.advance(hours=36)
    await expiry.run_expiry(shop)
    await orders.attach_transfer_receipt(shop, ana.actor, order.code, "terminal", "receipt.jpg")
    clock.advance(hours=12)
    assert (await expiry.run_expiry(shop)).released_unconfirmed == []
    assert await status_of(shop, order.code) == S.AWAITING_CONFIRMATION


@pytest.mark.parametrize("settled", ["confirmed", "paid", "cancelled"])
async def test_an_order_confirmed_paid_or_cancelled_is_never_released(shop, clock, settled):
    _mug, ana, order = await cod_order(shop, PaymentMethod.BANK_TRANSFER)
    clock.advance(hours=36)
    await expiry.run_expiry(shop)  # reminded
    if settled == "confirmed":  # unpaid: only explicitly without payment (issue #13)
        await orders.confirm_without_payment(shop, MERCHANT, order.code)
    elif settled == "paid":  # the merchant saw the transfer arrive, not confirmed yet
        await payments.record_manual_payment(shop, MERCHANT, order.code)
    else:
        await orders.cancel_order(shop, ana.actor, order.code)
    clock.advance(hours=12)
    assert await expiry.run_expiry(shop) == expiry.ExpiryRun([], [], [])
    assert await outbox_rows(shop, "order_released") == []


async def test_a_paid_order_is_not_reminded_and_a_card_order_keeps_its_own_timer(shop, clock):
    mug = await add_product(shop, "MUG", stock=10)
    transfer = await buy(shop, await new_buyer(shop, "1"), {mug: 1}, PaymentMethod.BANK_TRANSFER)
    await payments.record_manual_payment(shop, MERCHANT, transfer.code)
    card = await buy(shop, await new_buyer(shop, "2"), {mug: 1}, PaymentMethod.CARD)
    await payments.record_payment(
        shop, card.code, card.total, provider="telegram", provider_charge_id="ch_1"
    )
    clock.advance(days=5)
    assert await expiry.run_expiry(shop) == expiry.ExpiryRun([], [], [])
    assert await status_of(shop, transfer.code) == S.AWAITING_CONFIRMATION
    assert await status_of(shop, card.code) == S.CONFIRMED


async def test_a_release_that_read_the_order_before_the_receipt_came_cannot_save(shop, clock):
    """The receipt changes the order's version, so a release racing it fails and reads
    the order again (it then sees the receipt), instead of expiring it regardless."""
    _mug, ana, order = await cod_order(shop, PaymentMethod.BANK_TRANSFER)
    async with shop.uow(write=False) as uow:
        stale = await uow.orders.get(code=order.code)
    await orders.attach_transfer_receipt(shop, ana.actor, order.code, "terminal", "receipt.jpg")

    stale.move_to(S.EXPIRED, SYSTEM, shop.now(), "expired", reason="unconfirmed")
    with pytest.raises(ConcurrentUpdate):
        async with shop.uow() as uow:
            await uow.orders.save(stale)
    assert await status_of(shop, order.code) == S.AWAITING_CONFIRMATION
