"""README claims that no test failed for when the code behind them
was broken: each test here was first shown failing on such a broken build."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.engine import make_url

from core.services import customers
from core.services.demo import seed_demo
from tests import postgres
from tests.conftest import Clock, open_shop
from tests.e2e.telegram_driver import TelegramUser, telegram_shop
from tests.e2e.test_telegram import ANA, buy_by_card
from tests.e2e.test_telegram_webhook_and_flood import notify_many, telegram_rows
from tests.e2e.whatsapp_driver import WhatsAppUser, whatsapp_shop
from tests.reliability.tcp_proxy import TcpProxy

WA_ANA = "5215512345678"


# -- On Telegram: "pre-checkout (answered at once: only an order still awaiting payment,
# with the same total ...)" ---------------------------------------------------------------


@pytest.mark.sqlite_only  # a channel's behaviour: the store's own tests run on both
async def test_a_pre_checkout_for_another_total_is_refused_with_the_reason(demo_shop):
    async with telegram_shop(demo_shop, "polling") as tg:
        ana = TelegramUser(tg, ANA)
        code = await buy_by_card(ana)
        # An invoice for another total (an older one, say) is paid: not this order's.
        await tg.deliver(tg.double.pre_checkout(ANA, code, 32700, "MXN", require_invoice=False))
        ok, reason, _seconds = next(iter(tg.double.pre_checkout_answers.values()))
        assert ok is False
        assert reason == "El total de este pedido cambió. Vuelve a finalizar la compra, por favor."
        assert tg.double.rejected == []


@pytest.mark.sqlite_only  # a channel's behaviour: the store's own tests run on both
async def test_a_pre_checkout_for_an_order_already_paid_is_refused(demo_shop):
    async with telegram_shop(demo_shop, "webhook") as tg:
        ana = TelegramUser(tg, ANA)
        code = await buy_by_card(ana)
        await tg.deliver(tg.double.pre_checkout(ANA, code, 32800, "MXN"))
        paid = tg.double.successful_payment(ANA, code, 32800, "MXN", "tg-1", "prov-1")
        await tg.deliver(paid)
        # The same invoice, still in the chat, is paid a second time.
        await tg.deliver(tg.double.pre_checkout(ANA, code, 32800, "MXN"))
        ok, reason, _seconds = list(tg.double.pre_checkout_answers.values())[-1]
        assert ok is False
        assert reason == "Este pedido ya no se puede pagar."
        assert tg.double.rejected == []


# -- On Telegram: "the phone and the location can be shared with one tap" ----------------


def share_buttons(tg, user_id: int) -> list[dict]:
    """The buttons of the reply keyboards (not inline) the bot showed this user."""
    rows = [
        row
        for m in tg.double.messages(user_id)
        for row in ((m.reply_markup or {}).get("keyboard") or [])
    ]
    return [b for row in rows for b in row if isinstance(b, dict)]


@pytest.mark.sqlite_only  # a channel's behaviour: the store's own tests run on both
async def test_the_phone_and_the_location_are_asked_with_one_tap_share_buttons(demo_shop):
    async with telegram_shop(demo_shop, "polling") as tg:
        ana = TelegramUser(tg, ANA)
        await ana.says("/start p_VELA-LAV")
        await ana.presses("Agregar 1")
        await ana.presses("Finalizar compra")
        await ana.says("Ana López")  # next: the phone
        phone = {"text": "Compartir mi número", "request_contact": True}
        assert any(phone.items() <= b.items() for b in share_buttons(tg, ANA))
        await ana.shares_contact("+52 55 1234 5678")  # next: the address
        place = {"text": "Compartir mi ubicación", "request_location": True}
        assert any(place.items() <= b.items() for b in share_buttons(tg, ANA))
        assert tg.double.rejected == []


# -- On Telegram: "the webhook ... answers before handling"; "Notifications keep to ...
# 30/s overall, wait out 429s (`retry_after`)" -------------------------------------------


@pytest.mark.sqlite_only  # a channel's behaviour: the store's own tests run on both
async def test_the_telegram_webhook_answers_before_the_update_is_handled(demo_shop):
    async with telegram_shop(demo_shop, "webhook") as tg:
        release = asyncio.Event()
        handled: list[dict] = []

        async def slow_handling(raw: dict) -> None:  # handling that takes its time
            await release.wait()
            handled.append(raw)

        tg.channel.handle_raw = slow_handling
        update = tg.double.user_says(5001, "/start")
        posted = asyncio.create_task(tg.double.post_update(update))
        # A hang guard, not a timing measure: the answer must not wait for the handling.
        done, _pending = await asyncio.wait({posted}, timeout=5)
        release.set()
        assert posted in done and posted.result() == 200
        await tg.channel.drain()
        assert handled == [update]


@pytest.mark.sqlite_only  # a channel's behaviour: the store's own tests run on both
@pytest.mark.slow
async def test_one_notice_to_each_of_100_chats_keeps_to_30_a_second_overall(demo_shop):
    async with telegram_shop(demo_shop, "webhook") as tg:
        users = [7000 + n for n in range(100)]
        for user_id in users:
            tg.double.user_says(user_id, "hola")  # they all opened the bot once
            await customers.identify(tg.shop, "telegram", str(user_id), locale="en")
        await notify_many(tg.shop, users, 1)
        await tg.outbox()
        assert all(len(tg.double.messages(u)) == 1 for u in users)
        assert tg.double.rejected == []  # never over Telegram's 30/s overall


@pytest.mark.sqlite_only  # a channel's behaviour: the store's own tests run on both
async def test_a_429_is_waited_out_for_its_retry_after_before_sending_again(demo_shop, clock):
    async with telegram_shop(demo_shop, "webhook") as tg:
        tg.double.user_says(5001, "hola")
        await customers.identify(tg.shop, "telegram", "5001", locale="en")
        await notify_many(tg.shop, [5001], 1)
        tg.double.fail_next(1, status=429, retry_after=30)
        await tg.outbox()
        clock.advance(seconds=10)
        await tg.outbox()  # Telegram said 30 s: not yet
        assert tg.double.texts(5001) == []
        clock.advance(seconds=25)
        await tg.outbox()
        assert tg.double.texts(5001) == ["📦 We are preparing your order PED-00000."]
        assert [m.status for m in await telegram_rows(tg.shop)] == ["sent"]


# -- On WhatsApp: "a shared location ... answers the address ... question" ------------------


@pytest.mark.sqlite_only  # a channel's behaviour: the store's own tests run on both
async def test_a_location_shared_on_whatsapp_at_the_address_question_is_kept(demo_shop):
    from tests.e2e.test_whatsapp import start_checkout

    async with whatsapp_shop(demo_shop) as wa:
        ana = WhatsAppUser(wa, WA_ANA)
        await start_checkout(ana)
        await ana.says("Ana López")
        await ana.says("55 1234 5678")  # next: the address
        answer = await ana.shares_location(20.97, -89.62)
        assert "Ya tengo tu ubicación" in answer  # the street is asked next, knowing it
        assert wa.double.rejected == []


# -- On WhatsApp: the Cloud API's "throughput (80 messages/s)" kept by the bot ------------


@pytest.mark.sqlite_only  # a channel's behaviour: the store's own tests run on both
@pytest.mark.slow
async def test_one_notice_to_each_of_100_whatsapp_customers_keeps_to_80_a_second(demo_shop):
    from core.domain.events import OrderPreparing
    from core.domain.outbox import OutboxMessage

    async with whatsapp_shop(demo_shop) as wa:
        people = [f"52155{n:08d}" for n in range(100)]
        for wa_id in people:  # each wrote once: inside the 24-hour window
            assert await wa.deliver(wa.double.user_text(wa_id, "Hola")) == 200
        sent_before = {p: len(wa.double.sent(p)) for p in people}
        async with wa.shop.uow() as uow:
            for n, wa_id in enumerate(people):
                person = await uow.customers.find("whatsapp", wa_id)
                uow.notify(
                    OutboxMessage.to_customer(
                        person.id, OrderPreparing(f"PED-{n:05d}"), f"{wa_id}:0"
                    )
                )
            await uow.commit(wa.shop.now())
        await wa.outbox()
        assert all(len(wa.double.sent(p)) == sent_before[p] + 1 for p in people)
        assert wa.double.rejected == []  # never over the Cloud API's throughput


# -- PostgreSQL and several workers ---------------------------------------------------------


@pytest.mark.skipif(not postgres.server_url(), reason="needs PostgreSQL")
async def test_a_whatsapp_webhook_during_a_database_outage_is_answered_503_and_not_lost():
    """ "when the database is unreachable, webhooks answer 503 (Telegram and Meta send
    the update again)": Meta's side of it."""
    direct = await postgres.create_database()
    target = make_url(direct)
    proxy = TcpProxy(target.host or "127.0.0.1", target.port or 5432)
    await proxy.start()
    url = target.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    shop = await open_shop(url, Clock())
    await seed_demo(shop)
    try:
        async with whatsapp_shop(shop) as wa:
            ana = WhatsAppUser(wa, WA_ANA)
            await ana.says("Hola")
            await proxy.cut()
            message = wa.double.user_text(WA_ANA, "¿dónde está mi pedido?")
            assert await wa.deliver(message) == 503  # not written down: Meta sends it again
            await proxy.restore()
            assert await wa.deliver(message) == 200  # Meta's retry
            assert "En este momento no tienes pedidos en camino." in ana.screen()
    finally:
        await shop.db.dispose()
        await proxy.cut()
        await postgres.drop_database(direct)


async def test_a_worker_keeps_at_most_40_connections_30_and_10_more_at_a_peak(shop):
    """ "Each worker keeps up to 40 connections open (30, and 10 more at a peak):
    PostgreSQL's default max_connections of 100 fits two workers"."""
    if shop.db.is_sqlite:
        pytest.skip("PostgreSQL's connection pools")
    pools = [shop.db.engine.pool, shop.db._bare_engine.pool]
    kept = sum(pool.size() for pool in pools)
    at_peak = kept + sum(pool._max_overflow for pool in pools)
    assert (kept, at_peak) == (30, 40)
    assert 2 * at_peak <= 100
