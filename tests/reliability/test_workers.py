"""Two `pedidos serve` workers on one PostgreSQL database take Telegram's webhooks at
the same time, some updates delivered twice (to both), and one worker is SIGKILLed in the
middle and started again: no stock oversold, no order placed twice, no update handled
twice, every admin notice sent exactly once, and every conversation goes on."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from bot.telegram.settings import TelegramSettings
from core.services import inventory
from core.services.demo import seed_demo
from core.store.tables import inbox, orders, outbox, products
from tests import postgres
from tests.conftest import MERCHANT, Clock, open_shop
from tests.e2e.telegram_driver import SECONDS_BETWEEN_ACTIONS, ProcessLog, TelegramUser
from tests.telegram_double import BotApiDouble

pytestmark = pytest.mark.skipif(not postgres.server_url(), reason="needs PostgreSQL")

ROOT = Path(__file__).resolve().parents[2]
ADMIN = 9001
UNITS = 5
BUYERS = 10


class Worker:
    def __init__(self, env: dict) -> None:
        # PORT=0: each start listens where the system says (read back from its log). The
        # webhook URL is the load balancer's, which this test plays.
        self.env = {
            **env,
            "PORT": "0",
            "TELEGRAM_WEBHOOK_URL": "http://127.0.0.1:8443/telegram/webhook",
        }
        self.url = ""
        self.process: asyncio.subprocess.Process | None = None

    async def start(self, double: BotApiDouble) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "serve",
            cwd=self.env["HOME"],
            env=self.env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        self.log = ProcessLog(self.process)  # kept: it reads the pipe to the end
        self.url = f"http://127.0.0.1:{await self.log.port()}"
        async with httpx.AsyncClient() as client:

            async def up() -> bool:
                try:
                    return (await client.get(self.url + "/healthz")).status_code == 200
                except httpx.HTTPError:
                    return False

            await double.until(up, timeout=60)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(self.process.wait(), timeout=30)


class PeoplesClock:
    """The double's clock here: the bot runs in other processes on the real clock, and
    this test's people act at machine speed; a person reads before acting again, so each
    update delivered moves the double's time a second further than the real one."""

    def __init__(self) -> None:
        self.ahead = 0.0

    def __call__(self) -> float:
        return time.monotonic() + self.ahead

    def person_acted(self) -> None:
        self.ahead += SECONDS_BETWEEN_ACTIONS


class Workers:
    """Telegram as it is with several workers behind a load balancer: each update goes
    to one of them, sometimes (a retry) to both."""

    def __init__(self, shop, double: BotApiDouble, workers: list[Worker], secret: str) -> None:
        self.shop, self.double, self.workers, self.secret = shop, double, workers, secret
        self.sent = 0
        self.alive = list(workers)
        self.kill_at: int | None = None  # SIGKILL the first worker at this update

    async def deliver(self, update: dict) -> None:
        self.double.clock.person_acted()
        self.sent += 1
        if self.kill_at is not None and self.sent >= self.kill_at and self.workers[0] in self.alive:
            self.workers[0].kill()  # whatever it was doing: handling, sending
            self.alive.remove(self.workers[0])
        targets = [self.alive[self.sent % len(self.alive)]]
        if self.sent % 3 == 0 and len(self.alive) > 1:
            targets = list(self.alive)  # the same update reaches both workers
        accepted = False
        async with httpx.AsyncClient() as client:
            for worker in targets + [w for w in self.alive if w not in targets]:
                if accepted and worker not in targets:
                    break
                try:
                    answer = await client.post(
                        worker.url + "/telegram/webhook",
                        json=update,
                        headers={"X-Telegram-Bot-Api-Secret-Token": self.secret},
                    )
                except httpx.HTTPError:
                    continue  # no answer: Telegram tries again, here at another worker
                accepted = accepted or answer.status_code == 200
        assert accepted
        await self.double.until(lambda: self.handled(update["update_id"]), timeout=30)

    async def handled(self, update_id: int) -> bool:
        async with self.shop.uow(write=False) as uow:
            row = (
                await uow.conn.execute(
                    select(inbox.c.handled_at).where(inbox.c.update_key == str(update_id))
                )
            ).first()
        return row is not None and row.handled_at is not None


async def fill_cart(user: TelegramUser) -> None:
    await user.says("/start p_GOR-ROJA")
    await user.presses("Agregar 1")


async def check_out(user: TelegramUser) -> str:
    await user.presses("Finalizar compra")
    await user.says(f"Cliente {user.user_id}")
    await user.shares_contact("+52 55 1234 5678")
    await user.shares_location(19.43, -99.13)
    await user.says("Av Insurgentes Sur 1234, col del valle, benito juarez, cdmx, cp 03100")
    await user.presses("Correcto")
    await user.presses("Sin referencias")
    await user.presses("Estándar")
    await user.presses("Pago contra entrega")
    return await user.presses("Confirmar pedido")


async def count(shop, query) -> int:
    async with shop.uow(write=False) as uow:
        return (await uow.conn.execute(query)).scalar_one()


@pytest.mark.slow
async def test_two_workers_a_sigkill_and_duplicates_lose_nothing_and_do_nothing_twice(tmp_path):
    url = await postgres.create_database()
    shop = await open_shop(url, Clock())
    await seed_demo(shop)
    await inventory.set_stock(shop, MERCHANT, "GOR-ROJA", UNITS)
    workers: list[Worker] = []
    try:
        async with BotApiDouble(clock=PeoplesClock()) as double:
            env = {
                "PATH": os.environ.get("PATH", ""),
                "PYTHONPATH": str(ROOT),
                "HOME": str(tmp_path),
                "DATABASE_URL": url,
                "TELEGRAM_BOT_TOKEN": double.token,
                "TELEGRAM_API_URL": double.base_url,
                "ADMIN_TELEGRAM_IDS": str(ADMIN),
                "OUTBOX_LEASE_SECONDS": "2",
                "INBOX_RETRY_SECONDS": "2",
            }
            workers += [Worker(env), Worker(env)]
            for worker in workers:
                await worker.start(double)
            secret = TelegramSettings.load(
                _env_file=None, telegram_bot_token=double.token
            ).webhook_secret()
            cluster = Workers(shop, double, workers, secret)
            admin = TelegramUser(cluster, ADMIN, language="en")
            await admin.says("/start")

            buyers = [TelegramUser(cluster, 6000 + n) for n in range(BUYERS)]
            await asyncio.gather(*(fill_cart(b) for b in buyers))  # all want the 5 caps
            cluster.kill_at = cluster.sent + 25  # in the middle of the checkouts
            answers = await asyncio.gather(*(check_out(b) for b in buyers))
            assert workers[0] not in cluster.alive, (cluster.sent, cluster.kill_at)
            await workers[0].start(double)  # restarted
            cluster.alive = list(workers)
            where = await buyers[0].says("¿dónde está mi pedido?")

            placed = [t for t in answers if re.search(r"PED-\w{5} realizado", t)]
            assert len(placed) == UNITS
            assert "Pedido PED-" in where or "no tienes pedidos" in where

            async def outbox_settled() -> bool:
                pending = await count(
                    shop,
                    select(func.count())
                    .select_from(outbox)
                    .where(outbox.c.status != "sent", outbox.c.channel == "telegram"),
                )
                return pending == 0

            await double.until(outbox_settled, timeout=60)
            cards = [t for t in double.texts(ADMIN) if t.startswith("🆕")]
            assert len(cards) == UNITS and len(set(cards)) == UNITS  # each exactly once
            assert await count(shop, select(func.count()).select_from(orders)) == UNITS
            assert (
                await count(shop, select(products.c.reserved).where(products.c.sku == "GOR-ROJA"))
                == UNITS
            )
            assert (
                await count(
                    shop,
                    select(func.count()).select_from(inbox).where(inbox.c.handled_at.is_(None)),
                )
                == 0
            )
            double.check_at_close()  # nothing refused, every press answered, no apology
    finally:
        for worker in workers:  # also when an assertion failed: no worker outlives the test
            await worker.stop()
        await shop.db.dispose()
        await postgres.drop_database(url)
