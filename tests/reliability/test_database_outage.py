"""The database unreachable for a few seconds: customers are told to try again in a
moment, nothing crashes, nothing is lost, and the bot recovers by itself."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.engine import make_url

from core.services.demo import seed_demo
from tests import postgres
from tests.conftest import Clock, open_shop
from tests.e2e.telegram_driver import TelegramUser, telegram_shop
from tests.reliability.tcp_proxy import TcpProxy

pytestmark = pytest.mark.skipif(not postgres.server_url(), reason="needs PostgreSQL")


async def test_a_database_outage_is_answered_politely_and_survived(tmp_path):
    direct = await postgres.create_database()
    target = make_url(direct)
    proxy = TcpProxy(target.host or "127.0.0.1", target.port or 5432)
    await proxy.start()
    through_proxy = target.set(host="127.0.0.1", port=proxy.port).render_as_string(
        hide_password=False
    )
    clock = Clock()
    shop = await open_shop(through_proxy, clock)
    await seed_demo(shop)
    try:
        async with telegram_shop(shop, "webhook") as tg:
            ana = TelegramUser(tg, 5001)
            assert "Te damos la bienvenida" in await ana.says("/start")
            health = tg.double.webhook["url"].replace("/telegram/webhook", "/healthz")

            await proxy.cut()
            update = tg.double.user_says(5001, "¿dónde está mi pedido?")
            assert await tg.double.post_update(update) == 503  # not lost: sent again later
            async with httpx.AsyncClient() as client:
                assert (await client.get(health)).status_code == 503

            await proxy.restore()
            assert await tg.double.post_update(update) == 200  # Telegram's retry
            await tg.channel.drain()
            assert "En este momento no tienes pedidos en camino." in ana.screen()
            async with httpx.AsyncClient() as client:
                assert (await client.get(health)).status_code == 200
            assert (await ana.says("hola")).endswith("¿Qué te gustaría hacer?")
            assert tg.double.rejected == []
    finally:
        await shop.db.dispose()
        await proxy.cut()
        await postgres.drop_database(direct)


async def test_a_conversation_whose_database_vanishes_mid_turn_is_told_to_try_again(tmp_path):
    direct = await postgres.create_database()
    target = make_url(direct)
    proxy = TcpProxy(target.host or "127.0.0.1", target.port or 5432)
    await proxy.start()
    url = target.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    shop = await open_shop(url, Clock())
    from handlers.conversation import Conversation
    from handlers.types import Incoming

    try:
        conversation = Conversation(shop)
        await proxy.cut()
        replies = await conversation.handle(Incoming("telegram", "77", "77", "en", text="hi"))
        assert [r.text for r in replies] == [
            "We are having a moment of trouble. Please try again in a minute."
        ]
        assert replies[0].locale == "en"  # a channel can't read the person's language now
        await proxy.restore()
        replies = await conversation.handle(Incoming("telegram", "77", "77", "en", text="hi"))
        assert "Welcome to Tienda Demo" in replies[0].text
    finally:
        await shop.db.dispose()
        await proxy.cut()
        await postgres.drop_database(direct)
