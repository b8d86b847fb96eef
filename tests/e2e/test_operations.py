"""What an operator sees (docs/operations.md): /metrics after people ordered through each
channel, read with Prometheus' own parser; /readyz on a database that is ready, behind,
empty or away; METRICS_TOKEN."""

from __future__ import annotations

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from bot.web import create_app
from core.services import orders, outbox
from core.services.context import Shop
from core.settings import SettingsError
from core.store.database import Database
from core.store.migrate import upgrade
from core.store.tables import inbox
from tests.conftest import MERCHANT, test_settings
from tests.e2e.chat_driver import ChatDriver
from tests.e2e.telegram_driver import TelegramHarness, TelegramUser, telegram_shop
from tests.e2e.test_whatsapp import place_cod_order
from tests.e2e.whatsapp_driver import WhatsAppUser, whatsapp_shop

ANA_TG, ANA_WA = 5001, "5215512345678"
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def parse(text: str) -> Samples:
    """Every sample of a scrape, by name and labels."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    """A sample's value; 0 when the scrape has no such sample."""
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def labelled(samples: Samples, name: str, **labels: str) -> dict[tuple, float]:
    """The samples of this name whose labels include these."""
    wanted = set(labels.items())
    return {lab: v for (n, lab), v in samples.items() if n == name and wanted <= set(lab)}


async def scrape_server(tg: TelegramHarness) -> Samples:
    """GET /metrics from the harness's real web server, as Prometheus does."""
    async with httpx.AsyncClient() as client:
        answer = await client.get(f"http://127.0.0.1:{tg.shop.settings.port}/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    return parse(answer.text)


async def get(shop: Shop, path: str, **headers: str) -> httpx.Response:
    """One request to a fresh web app for this shop (no server: ASGI in process)."""
    transport = httpx.ASGITransport(app=create_app(shop))
    async with httpx.AsyncClient(transport=transport, base_url="http://shop") as client:
        return await client.get(path, headers=headers)


async def handled_updates(shop: Shop, channel: str) -> int:
    async with shop.uow(write=False) as uow:
        query = select(func.count()).select_from(inbox).where(inbox.c.channel == channel)
        return (await uow.conn.execute(query)).scalar_one()


async def test_a_telegram_order_is_counted_timed_queued_and_moved(demo_shop, clock):
    async with telegram_shop(demo_shop, "webhook") as tg:
        ana = TelegramUser(tg, ANA_TG)
        await ana.says("/start")
        for label in ("Catálogo", "Accesorios", "Gorra roja", "Agregar 1", "Finalizar compra"):
            await ana.presses(label)
        code = await ana.checks_out()
        hello = tg.double.user_says(ANA_TG, "hola")
        assert await tg.double.post_update(hello) == 200
        assert await tg.double.post_update(hello) == 200  # Telegram retried it
        await tg.channel.drain()
        handled = await handled_updates(tg.shop, "telegram")
        clock.advance(seconds=90)  # the admins' news about the order wait meanwhile

        before = await scrape_server(tg)
        counted = labelled(before, "pedidos_updates_handled_total", channel="telegram")
        assert counted == {
            (("channel", "telegram"), ("outcome", "answered")): handled,
            (("channel", "telegram"), ("outcome", "duplicate")): 1,
        }
        timed = "pedidos_update_handling_seconds"
        assert value(before, f"{timed}_count", channel="telegram") == handled
        assert value(before, f"{timed}_bucket", channel="telegram", le="+Inf") == handled
        assert value(before, f"{timed}_sum", channel="telegram") > 0
        assert value(before, "pedidos_database_up") == 1
        # The new order's alert to the Telegram admin is written and not sent yet.
        waiting = value(before, "pedidos_outbox_pending", channel="telegram", recipient="admin")
        assert waiting >= 1
        age = "pedidos_outbox_oldest_pending_age_seconds"
        assert value(before, age, channel="telegram", recipient="admin") == 90
        moves = labelled(before, "pedidos_order_transitions_total")
        assert moves == {
            (("from_status", "cart"), ("to_status", "awaiting_confirmation")): 1,
        }

        await orders.confirm_order(demo_shop, MERCHANT, code)
        tg.double.expect_rejections("chat not found", count=1)  # the admin never wrote
        await tg.outbox()
        after = await scrape_server(tg)
        # Sent on Telegram; the test merchant's alerts wait for their terminal chat.
        assert labelled(after, "pedidos_outbox_pending", channel="telegram") == {}
        assert labelled(after, age, channel="telegram") == {}
        terminal = value(after, "pedidos_outbox_pending", channel="terminal", recipient="admin")
        assert terminal == len(
            [m for m in await outbox.messages(tg.shop) if m.channel == "terminal"]
        )
        assert value(after, age, channel="terminal", recipient="admin") == 90
        # Ana's confirmation went; the admin who never opened the bot can't be written to.
        deliveries = labelled(after, "pedidos_outbox_deliveries")
        assert deliveries == {
            (("channel", "telegram"), ("result", "failed")): 1,
            (("channel", "telegram"), ("result", "sent")): 1,
        }
        rows = await outbox.messages(tg.shop)
        assert [(m.recipient, m.status) for m in rows if m.channel == "telegram"] == [
            ("admin", "failed"),
            ("customer", "sent"),
        ]
        moved = ("pedidos_order_transitions_total", "awaiting_confirmation", "confirmed")
        assert value(after, moved[0], from_status=moved[1], to_status=moved[2]) == 1
        # Scraping is not an update: the counts stand as they were.
        assert labelled(after, "pedidos_updates_handled_total", channel="telegram") == counted


async def test_whatsapp_updates_receipts_and_a_silent_reaction(demo_shop):
    async with whatsapp_shop(demo_shop) as wa:
        ana = WhatsAppUser(wa, ANA_WA)
        code = await place_cod_order(ana)
        hello = wa.double.user_text(ANA_WA, "hola")
        assert await wa.deliver(hello) == 200
        assert await wa.deliver(hello) == 200  # Meta delivered it again
        answer = wa.double.last_sent(ANA_WA)
        assert await wa.deliver(wa.double.user_reacts(ANA_WA, answer["_wamid"])) == 200
        await orders.confirm_order(demo_shop, MERCHANT, code)
        await wa.outbox()
        notice = wa.double.last_sent(ANA_WA)
        await wa.deliver(wa.double.status_update(notice["_wamid"], "delivered"))
        await wa.deliver(wa.double.status_update(notice["_wamid"], "read"))
        handled = await handled_updates(wa.shop, "whatsapp")

        answer = await get(wa.shop, "/metrics")
        assert answer.status_code == 200
        samples = parse(answer.text)
        counted = labelled(samples, "pedidos_updates_handled_total", channel="whatsapp")
        assert counted == {
            (("channel", "whatsapp"), ("outcome", "answered")): handled - 1,
            (("channel", "whatsapp"), ("outcome", "silent")): 1,  # the 👍 asks for nothing
            (("channel", "whatsapp"), ("outcome", "duplicate")): 1,
        }
        timed = "pedidos_update_handling_seconds_count"
        assert value(samples, timed, channel="whatsapp") == handled
        # Only Ana's confirmation had receipts: its latest is "read".
        receipts = labelled(samples, "pedidos_outbox_receipts")
        assert receipts == {(("channel", "whatsapp"), ("status", "read")): 1}
        sent = [m for m in await outbox.messages(wa.shop) if m.status == "sent"]
        assert value(
            samples, "pedidos_outbox_deliveries", channel="whatsapp", result="sent"
        ) == len(sent)


async def test_terminal_lines_over_the_limit_are_counted_as_refused_per_shop(demo_shop):
    url = str(demo_shop.db.url)
    limited = Shop(
        demo_shop.db,
        test_settings(url, incoming_burst=2, incoming_per_minute=1),
        clock=demo_shop.clock,
    )
    chat = ChatDriver(limited, "marta")
    await chat.open()
    await chat.type("hola")
    assert "very fast" in await chat.type("hola")  # over the limit: told once
    assert await chat.type("hola") == ""  # then silence

    samples = parse((await get(limited, "/metrics")).text)
    counted = labelled(samples, "pedidos_updates_handled_total", channel="terminal")
    assert counted == {
        (("channel", "terminal"), ("outcome", "answered")): 2,
        (("channel", "terminal"), ("outcome", "refused")): 2,
    }
    assert value(samples, "pedidos_update_handling_seconds_count", channel="terminal") == 4
    # Another shop's web app in the same process counts its own updates only.
    other = parse((await get(demo_shop, "/metrics")).text)
    assert labelled(other, "pedidos_updates_handled_total") == {}
    assert value(other, "pedidos_database_up") == 1


async def test_metrics_token_guards_metrics_only(demo_shop):
    guarded = Shop(
        demo_shop.db,
        test_settings(str(demo_shop.db.url), metrics_token="s3cret-token"),
        clock=demo_shop.clock,
    )
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "s3cret-token"}):
        refused = await get(guarded, "/metrics", **headers)
        assert refused.status_code == 401
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.headers["www-authenticate"].startswith("Bearer")
        assert refused.json()["status"] == 401
        assert "pedidos_" not in refused.text
    allowed = await get(guarded, "/metrics", Authorization="Bearer s3cret-token")
    assert allowed.status_code == 200
    assert value(parse(allowed.text), "pedidos_database_up") == 1
    assert (await get(guarded, "/readyz")).status_code == 200
    assert (await get(guarded, "/healthz")).status_code == 200


async def test_readyz_on_a_migrated_database(demo_shop):
    answer = await get(demo_shop, "/readyz")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ready"}


async def not_ready(shop: Shop) -> str:
    answer = await get(shop, "/readyz")
    assert answer.status_code == 503
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["status"] == 503 and problem["title"] == "Not ready"
    return problem["detail"]


@pytest.mark.parametrize("migrated_to", [None, "0015"])
async def test_readyz_refuses_a_database_not_at_the_newest_migration(tmp_path, migrated_to):
    url = f"sqlite+aiosqlite:///{tmp_path / 'shop.db'}"
    db = Database(url)
    try:
        if migrated_to is not None:
            await upgrade(db.engine, migrated_to)  # one migration behind this code
        shop = Shop(db, test_settings(url))
        assert "pedidos db upgrade" in await not_ready(shop)
        # Metrics still answer: the process's own figures, and the database's state.
        samples = parse((await get(shop, "/metrics")).text)
        assert value(samples, "pedidos_database_up") == (1 if migrated_to else 0)
        await upgrade(db.engine)
        assert (await get(shop, "/readyz")).json() == {"status": "ready"}
    finally:
        await db.dispose()


async def test_readyz_and_metrics_when_the_database_is_away():
    url = "postgresql+asyncpg://pedidos:x@127.0.0.1:1/pedidos"  # nothing listens there
    db = Database(url)
    try:
        shop = Shop(db, test_settings(url))
        assert "does not answer" in await not_ready(shop)
        samples = parse((await get(shop, "/metrics")).text)
        assert value(samples, "pedidos_database_up") == 0
        assert labelled(samples, "pedidos_outbox_pending") == {}
    finally:
        await db.dispose()


def test_the_operations_settings_are_checked_at_start():
    assert test_settings("sqlite+aiosqlite:///x.db", log_format=" JSON ").log_format == "json"
    with pytest.raises(SettingsError, match="LOG_FORMAT") as refused:
        test_settings("sqlite+aiosqlite:///x.db", log_format="xml", metrics_token=["no"])
    assert "METRICS_TOKEN" in str(refused.value)
    assert "'no'" not in str(refused.value)  # a token is never echoed
    assert test_settings("sqlite+aiosqlite:///x.db", metrics_token="  ").metrics_token == ""
