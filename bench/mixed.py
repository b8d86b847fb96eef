"""Mixed customer workload through the Telegram webhook, against a bare aiogram echo bot.

    .venv/bin/python bench/mixed.py                        # throughput, cost vs the echo
    .venv/bin/python bench/mixed.py --rate 300             # latency: 300 updates/s offered
    .venv/bin/python bench/mixed.py --profile /tmp/shop.prof   # where the shop's CPU goes
    .venv/bin/python bench/mixed.py --database postgres \\
        --postgres-url postgresql+asyncpg://pedidos@127.0.0.1:55432/postgres
    .venv/bin/python scripts/with_postgres.py -- \\
        .venv/bin/python bench/mixed.py --postgres-from-env

The shop runs as `pedidos serve` runs it (bot.runner.serve: the FastAPI web app on
uvicorn, one worker, the outbox dispatcher, the expiry job) in a process of its own, on
a fresh, migrated database with the demo catalog (plenty of stock) and a Telegram admin
who hears about every new order. This process is Telegram: a strict Bot API double
(tests/telegram_double.py) that the shop's aiogram Bot talks to over HTTP, and N people
who POST their updates to the shop's webhook as Telegram does (JSON body,
X-Telegram-Bot-Api-Secret-Token, at most the webhook's max_connections at once). Each
person loops over /start, catalog -> category -> product (inline buttons), add to cart,
a typed search ("camisa azl"), add, a full checkout paying cash on delivery, and
"¿dónde está mi pedido?", sending the next update only when the bot has answered the
last one: at once (closed loop, the default), or at their next turn with --rate. Before
the clock starts, person n walks through the first n mod 10 steps of the script, so at
any moment people are at every step, as in a shop's day; with --lockstep they all start
at /start together and each step comes as a burst (all 100 confirm an order within one
turn, a flash sale: bench/scarce.py measures checkouts racing for the same stock).

Latency of an update: from the moment its webhook POST is sent to the moment the double
received the bot's reply call for that chat (sendMessage, editMessageText, sendPhoto,
...: ApiCall.at, time.monotonic): the first one, and the last one of the answer. The
shop's process says over a socket when it finished handling each update (a wrapper
around TelegramChannel.handle_raw, one small write per update): that is how a person
knows the answer is complete before going on.

Then the same people send the same number and kinds of updates (texts, button presses)
to a bare aiogram bot (Dispatcher + Router: message -> message.answer(text), callback ->
callback.answer() and a message), served the same way (FastAPI on uvicorn, answer the
webhook, handle in a background task) in its own process against a second double. Cost
per update is given two ways: wall time / updates at the same concurrency (closed loop),
and the bot process's CPU time (time.process_time, all threads) / updates. The echo runs
twice: as it comes (Python's garbage collector defaults), and with the settings the
shop's process uses (bot/gc_tuning.py), which take about 45 % off the echo's cost: the
second is the like-for-like comparison of our code with aiogram's.

The targets are checked where they mean something: updates per second in the closed
loop (each person as fast as the bot answers); p99 latency with --rate, people who wait
for each answer and then for their turn (in a closed loop, latency is just people /
throughput); cost against the echo in both. This process's clock stamps the replies, so
its own garbage collector is off while the people are at it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import gc
import json
import logging
import os
import random
import re
import socket
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp
from fastapi import Request, Response  # module level: FastAPI resolves the echo's annotations

from bench.common import (
    add_database_options,
    code_version,
    database_choice,
    fresh_database,
    migrate,
    open_shop,
    percentile,
    rss_mb,
    seed_demo_with_stock,
)

if TYPE_CHECKING:  # the served processes never load the double
    from tests.telegram_double import ApiCall, BotApiDouble

ROOT = Path(__file__).resolve().parent.parent
ADMIN_ID = 9001  # the shop's admin on Telegram: new orders are announced to this chat
FIRST_USER_ID = 100_001
WARM_UP_ID = 99_999  # one session before the clock starts (imports, caches, connections)
STOCK = 1_000_000  # every demo product: the run is about the conversation, not sell-outs
ANSWER_TIMEOUT = 30.0  # seconds a person waits for an answer before giving up on it
SEARCHES = [
    "camisa azl",
    "gorra roja",
    "taza de talavera",
    "vela de lavanda",
    "mochila",
    "jeans clasicos",
    "cartera de piel",
    "playera negra",
]
STEP_NAMES = {
    "cat": "catalog",
    r"c:\d+:0": "category",
    r"p:\d+": "product card (photo)",
    r"a:\d+:1": "add to cart",
    "co": "check out",
    "ck:name": "checkout: use my name",
    "ck:phone": "checkout: use my phone",
    r"ck:addr:\d+": "checkout: saved address",
    "ck:skip": "checkout: no references",
    "ck:ship:standard": "checkout: shipping",
    "ck:pay:cash_on_delivery": "checkout: cash on delivery",
    "ck:ok": "confirm order",
    "echo": "press",
}
NAMES = ["Ana", "Luis", "María", "José", "Sofía", "Diego", "Lucía", "Mateo"]
TRACK = "¿dónde está mi pedido?"
ADDRESS = ["Calle Morelos 12", "Centro", "Oaxaca", "Oaxaca", "68000"]
PHONE = "+52 951 123 4567"
ORDER_CODE = re.compile(r"PED-\w{5}")


# --------------------------------------------------------------------------------------
# The bots' side: `--role bot` (the shop, as `pedidos serve`) and `--role echo`
# --------------------------------------------------------------------------------------


class ReportLink:
    """The served process's line to the driver: 'done <update_id>' after each update;
    answers 'cpu' with its CPU seconds, RSS, the garbage collector's pauses since the
    last 'cpu' (full collections, their longest and total time) and the database
    statements run so far; 'stop' ends it."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.stop = asyncio.Event()
        self.listening: asyncio.Task | None = None
        self.gc_started = 0.0
        self.gc_full, self.gc_longest, self.gc_total = 0, 0.0, 0.0
        gc.callbacks.append(self._gc)
        self.statements = 0  # database statements executed (the shop's process)
        self.profile_path = ""  # --profile: cProfile the measured run, stats to this file
        self.profiler: cProfile.Profile | None = None

    def count_statement(self, *_args: object) -> None:
        self.statements += 1

    def _toggle_profile(self) -> None:
        """The first 'cpu' starts the profiler, the second (the run is over) stops it."""
        if not self.profile_path:
            return
        if self.profiler is None:
            self.profiler = cProfile.Profile()
            self.profiler.enable()
        else:
            self.profiler.disable()
            self.profiler.dump_stats(self.profile_path)

    def _gc(self, phase: str, info: dict) -> None:
        if phase == "start":
            self.gc_started = time.perf_counter()
            return
        pause = time.perf_counter() - self.gc_started
        self.gc_total += pause
        if info["generation"] == 2:
            self.gc_full += 1
            self.gc_longest = max(self.gc_longest, pause)

    @classmethod
    async def connect(cls, port: int) -> ReportLink:
        link = cls(*await asyncio.open_connection("127.0.0.1", port))
        link.listening = asyncio.create_task(link._listen())
        return link

    def done(self, update_id: object) -> None:
        self.writer.write(f"done {update_id}\n".encode())

    async def _listen(self) -> None:
        while line := await self.reader.readline():
            command = line.decode().strip()
            if command == "cpu":
                self._toggle_profile()
                figures = (time.process_time(), rss_mb(), self.gc_full, self.gc_longest)
                line = " ".join(str(f) for f in (*figures, self.gc_total, self.statements))
                self.writer.write(f"cpu {line}\n".encode())
                self.gc_full, self.gc_longest, self.gc_total = 0, 0.0, 0.0
            elif command == "stop":
                break
        self.stop.set()


def quiet_logging(level: int = logging.WARNING) -> None:
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


def count_statements(link: ReportLink) -> None:
    """Every statement SQLAlchemy sends, in all engines, counted where the dialect hands
    it to the driver. Not with a before_cursor_execute listener: any engine event makes
    SQLAlchemy dispatch four events around every statement, which the shop does not pay
    when it is not measured."""
    from sqlalchemy.engine.default import DefaultDialect

    for name in ("do_execute", "do_executemany", "do_execute_no_params"):
        send = getattr(DefaultDialect, name)

        def counted(*args: object, _send=send) -> object:
            link.count_statement()
            return _send(*args)

        setattr(DefaultDialect, name, counted)


async def serve_shop(args: argparse.Namespace) -> None:
    """The shop as `pedidos serve` runs it, reporting each handled update."""
    from bot import runner
    from bot.app import build_shop
    from bot.telegram import Telegram, models
    from bot.telegram.settings import TelegramSettings
    from core.settings import load_settings

    models.load_aiogram()  # as the channel loads it when it starts, before the import below
    from bot.telegram.channel import TelegramChannel

    quiet_logging()
    link = await ReportLink.connect(args.report_port)
    handle_raw = TelegramChannel.handle_raw

    async def handle_and_report(self: TelegramChannel, raw: dict) -> None:
        try:
            await handle_raw(self, raw)
        finally:
            link.done(raw.get("update_id"))

    TelegramChannel.handle_raw = handle_and_report  # type: ignore[method-assign]
    overrides: dict[str, object] = {
        "database_url": args.database_url,
        "telegram_bot_token": args.token,
        "telegram_api_url": args.api_url,
        "telegram_webhook_url": f"http://127.0.0.1:{args.port}/telegram/webhook",
        "host": "127.0.0.1",
        "port": args.port,
        "admin_telegram_ids": str(ADMIN_ID),
        # People check out round after round and the admin confirms nothing: the cap on
        # open unpaid orders (protection against hoarding) would turn them away at 3.
        # The incoming-message limit stays at its default: it must not throttle anyone.
        "max_open_unpaid_orders": 10_000,
    }
    if args.global_per_second:
        overrides["telegram_global_per_second"] = args.global_per_second
    own = {k: overrides.pop(k) for k in list(overrides) if k in TelegramSettings.model_fields}
    telegram = Telegram.from_environment(_env_file=None, **own)
    shop = build_shop(load_settings(_env_file=None, **overrides), [telegram])
    count_statements(link)
    link.profile_path = args.profile or ""
    try:
        await runner.serve(shop, [telegram], poll=False, stop=link.stop)
    finally:
        await shop.db.dispose()


async def serve_echo(args: argparse.Namespace) -> None:
    """A bare aiogram bot on its own FastAPI webhook: it answers before handling, like
    the shop's, and handles in a background task."""
    import hmac

    import uvicorn
    from aiogram import Bot, Dispatcher, Router
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
    from fastapi import FastAPI

    quiet_logging()
    link = await ReportLink.connect(args.report_port)
    bot = Bot(args.token, session=AiohttpSession(api=TelegramAPIServer.from_base(args.api_url)))
    again = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Otra vez", callback_data="echo")]]
    )
    router = Router()

    @router.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "…", reply_markup=again)

    @router.callback_query()
    async def pressed(query: CallbackQuery) -> None:
        await query.answer()
        if isinstance(query.message, Message):
            await query.message.answer(query.data or "…", reply_markup=again)

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    secret = "echo-bench-secret"
    tasks: set[asyncio.Task] = set()

    async def feed(update: dict) -> None:
        try:
            await dispatcher.feed_raw_update(bot, update)
        finally:
            link.done(update.get("update_id"))

    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/healthz")
    async def healthz() -> dict:
        return {"status": "ok"}

    @app.post("/telegram/webhook")
    async def webhook(request: Request) -> Response:
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return Response(status_code=403)
        task = asyncio.create_task(feed(await request.json()))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        return Response(status_code=200)

    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=args.port, log_level="warning", lifespan="off")
    )
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    serving = asyncio.create_task(server.serve())
    try:
        await bot.set_webhook(
            f"http://127.0.0.1:{args.port}/telegram/webhook",
            secret_token=secret,
            allowed_updates=["message", "callback_query"],
        )
        if args.role == "echo-tuned":  # like for like: the shop's process does the same
            from bot.gc_tuning import tune_for_serving

            tune_for_serving()
        await link.stop.wait()
    finally:
        server.should_exit = True
        await serving
        await bot.session.close()


# --------------------------------------------------------------------------------------
# The driver's side: Telegram (the double) and the people
# --------------------------------------------------------------------------------------


class Reports:
    """The driver's end of the ReportLink."""

    def __init__(self) -> None:
        self.waiting: dict[int, asyncio.Future[float]] = {}
        self.cpu: asyncio.Future[list[float]] | None = None
        self.connected: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.writer: asyncio.StreamWriter | None = None
        self.server: asyncio.Server | None = None
        self.port = 0

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.writer = writer
        self.connected.set_result(None)
        while line := await reader.readline():
            kind, *values = line.decode().split()
            if kind == "done":
                future = self.waiting.pop(int(values[0]), None)
                if future is not None and not future.done():
                    future.set_result(time.monotonic())
            elif kind == "cpu" and self.cpu is not None and not self.cpu.done():
                self.cpu.set_result([float(v) for v in values])

    def expect(self, update_id: int) -> asyncio.Future[float]:
        future = asyncio.get_running_loop().create_future()
        self.waiting[update_id] = future
        return future

    async def cpu_and_rss(self) -> list[float]:
        """[CPU seconds, RSS MiB, full collections, longest and total GC pause (s),
        database statements so far]"""
        assert self.writer is not None
        self.cpu = asyncio.get_running_loop().create_future()
        self.writer.write(b"cpu\n")
        return await asyncio.wait_for(self.cpu, 30)

    async def close(self) -> None:
        if self.writer is not None:
            with contextlib.suppress(ConnectionError):
                self.writer.write(b"stop\n")
                await self.writer.drain()
            self.writer.close()
        if self.server is not None:
            self.server.close()


class ReplyCalls:
    """The bot's reply calls the double answered, by chat, in the order they arrived.
    A call is recorded by the double when it arrives and completed when answered, so
    unanswered ones are looked at again later."""

    def __init__(self, double: BotApiDouble) -> None:
        self.double = double
        self.seen = 0
        self.unanswered: list[ApiCall] = []
        self.by_chat: dict[int, list[ApiCall]] = defaultdict(list)

    def take(self, chat_id: int) -> list[ApiCall]:
        from tests.telegram_double import SEND_EDIT_METHODS

        calls = self.double.calls
        fresh, self.seen = calls[self.seen :], len(calls)
        still = []
        for call in [*self.unanswered, *fresh]:
            if not call.status:
                still.append(call)
            elif call.ok and call.method in SEND_EDIT_METHODS and "chat_id" in call.params:
                self.by_chat[int(call.params["chat_id"])].append(call)
        self.unanswered = still
        return sorted(self.by_chat.pop(chat_id, []), key=lambda c: c.at)


@dataclass
class Measure:
    first: list[float] = field(default_factory=list)  # POST sent -> first reply call
    last: list[float] = field(default_factory=list)  # POST sent -> last reply call
    handled: list[float] = field(default_factory=list)  # POST sent -> the shop says done
    by_step: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    updates: int = 0
    unanswered: int = 0  # handled, but no reply call (nothing changed on screen)
    timeouts: int = 0
    not_accepted: int = 0  # the webhook answered something else than 200
    flow_errors: list[str] = field(default_factory=list)
    orders: int = 0


class Telegram:
    """The double, the webhook deliveries (as Telegram makes them) and the measurements."""

    def __init__(self, double: BotApiDouble, reports: Reports, deadline: float, budget: int):
        self.double, self.reports = double, reports
        self.replies = ReplyCalls(double)
        self.measure = Measure()
        self.deadline, self.budget = deadline, budget
        self.sent = 0
        self.client: aiohttp.ClientSession | None = None
        self.interval: float | None = None  # with --rate: seconds between one person's turns

    def open(self) -> bool:
        """May one more update be sent?"""
        return self.sent < self.budget and time.monotonic() < self.deadline

    async def deliver(self, chat_id: int, update: dict, step: str) -> list[ApiCall]:
        """POST the update to the webhook; wait until it was handled; its reply calls."""
        webhook = self.double.webhook
        assert webhook is not None, "the bot never called setWebhook"
        if self.client is None:  # Telegram opens at most max_connections to a webhook
            limit = aiohttp.TCPConnector(limit=webhook["max_connections"])
            self.client = aiohttp.ClientSession(connector=limit)
        headers = {"Content-Type": "application/json"}
        if webhook.get("secret_token"):
            headers["X-Telegram-Bot-Api-Secret-Token"] = webhook["secret_token"]
        body = json.dumps(update, ensure_ascii=False)
        self.sent += 1
        handled = self.reports.expect(update["update_id"])
        sent_at = time.monotonic()
        async with self.client.post(webhook["url"], data=body, headers=headers) as answer:
            await answer.read()
            status = answer.status
        self.measure.updates += 1
        if status != 200:
            self.measure.not_accepted += 1
            self.reports.waiting.pop(update["update_id"], None)
            return []
        try:
            done_at = await asyncio.wait_for(handled, ANSWER_TIMEOUT)
        except TimeoutError:
            self.measure.timeouts += 1
            return self.replies.take(chat_id)
        self.measure.handled.append(done_at - sent_at)
        calls = self.replies.take(chat_id)
        if calls:
            self.measure.first.append(calls[0].at - sent_at)
            self.measure.last.append(calls[-1].at - sent_at)
            self.measure.by_step[step].append(calls[-1].at - sent_at)
        else:
            self.measure.unanswered += 1
        return calls

    async def close(self) -> None:
        if self.client is not None:
            await self.client.close()


class Person:
    """One Telegram user: types, presses the inline buttons of the bot's latest answer."""

    def __init__(self, telegram: Telegram, user_id: int, seed: int) -> None:
        self.tg, self.user_id = telegram, user_id
        self.rng = random.Random(seed)
        self.name = self.rng.choice(NAMES)
        self.screen: list[dict] = []  # the messages of the bot's latest answer
        self.plan: list[str | None] = []  # what was sent: a text, or None for a press
        self.next_turn: float | None = None

    def start(self, offset: float) -> None:
        """With --rate: this person's first turn, offset seconds from now."""
        if self.tg.interval is not None:
            self.next_turn = time.monotonic() + offset

    async def _wait_turn(self) -> None:
        """With --rate, a person reads the answer and takes their time: the next update
        goes at their next turn (or at once, when the answer came after it)."""
        if self.next_turn is None or self.tg.interval is None:
            return
        await asyncio.sleep(max(0.0, self.next_turn - time.monotonic()))
        self.next_turn += self.tg.interval

    async def says(self, text: str, step: str = "") -> str:
        await self._wait_turn()
        update = self.tg.double.user_says(self.user_id, text, first_name=self.name)
        self.plan.append(text)
        return self._see(await self.tg.deliver(self.user_id, update, step or text))

    async def presses(self, pattern: str, pick: str = "first") -> str | None:
        """Press a button of the latest answer whose callback_data matches."""
        choices = [
            (message["message_id"], button["callback_data"])
            for message in self.screen
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])
            for button in row
            if re.fullmatch(pattern, button.get("callback_data", ""))
        ]
        if not choices:
            self.tg.measure.flow_errors.append(f"no button {pattern!r} on {self._texts()!r}")
            return None
        message_id, data = choices[0] if pick == "first" else self.rng.choice(choices)
        await self._wait_turn()
        update = self.tg.double.user_presses(self.user_id, message_id, data, first_name=self.name)
        self.plan.append(None)
        step = STEP_NAMES.get(pattern, pattern)
        return self._see(await self.tg.deliver(self.user_id, update, step))

    def has(self, pattern: str) -> bool:
        return any(
            re.fullmatch(pattern, button.get("callback_data", ""))
            for message in self.screen
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])
            for button in row
        )

    def _see(self, calls: list[ApiCall]) -> str:
        self.screen = [c.result for c in calls if isinstance(c.result, dict)]
        return self._texts()

    def _texts(self) -> str:
        return "\n".join(m.get("text") or m.get("caption") or "" for m in self.screen)

    def script(self) -> list[Callable[[], Awaitable[str | None]]]:
        """One round of the mixed workload, a step each (the checkout is one step)."""
        return [
            lambda: self.says("/start"),
            lambda: self.presses("cat"),
            lambda: self.presses(r"c:\d+:0", "any"),
            lambda: self.presses(r"p:\d+", "any"),
            lambda: self.presses(r"a:\d+:1"),
            lambda: self.says(self.rng.choice(SEARCHES), "search (typed)"),
            lambda: self.presses(r"p:\d+", "any"),
            lambda: self.presses(r"a:\d+:1"),
            self.checkout,
            lambda: self.says(TRACK),
        ]

    async def take_steps(self, steps: list[Callable[[], Awaitable[str | None]]]) -> bool:
        """False when the run ended or something unexpected came up."""
        for step in steps:
            if not self.tg.open() or await step() is None:
                return False
        return True

    async def shop_around(self, rounds: int | None = None, resume_at: int = 0) -> None:
        """The mixed workload, over and over until the run is over; the first round from
        step resume_at (the steps before it done by get_ahead)."""
        done = 0
        while self.tg.open() and (rounds is None or done < rounds):
            done += 1
            # Something unexpected: start over with /start.
            await self.take_steps(self.script()[resume_at:])
            resume_at = 0

    async def get_ahead(self, steps: int) -> int:
        """Before the clock starts: the script's first steps; the step to resume at."""
        ahead = await self.take_steps(self.script()[:steps])
        self.plan = []
        return steps if ahead else 0

    async def checkout(self) -> str | None:
        """Check out paying cash on delivery, answering whatever is asked."""
        answer = await self.presses("co")
        typed = iter([self.name + " López", PHONE, *ADDRESS])
        for _ in range(16):
            if answer is None or not self.tg.open():
                return None
            if self.has("ck:ok"):
                answer = await self.presses("ck:ok")
                if answer is not None and ORDER_CODE.search(answer):
                    self.tg.measure.orders += 1
                    return answer
                self.tg.measure.flow_errors.append(f"no order placed: {answer!r}")
                return None
            for pattern in (
                "ck:pay:cash_on_delivery",
                "ck:ship:standard",
                "ck:skip",
                r"ck:addr:\d+",
                "ck:name",
                "ck:phone",
            ):
                if self.has(pattern):
                    answer = await self.presses(pattern)
                    break
            else:
                text = next(typed, None)
                if text is None:
                    self.tg.measure.flow_errors.append(f"checkout stuck at {answer!r}")
                    return None
                answer = await self.says(text, "checkout: typed answer")
        self.tg.measure.flow_errors.append(f"checkout did not finish: {answer!r}")
        return None

    async def replay(self, plan: list[str | None]) -> None:
        """The same number and kinds of updates, to the echo bot."""
        for text in plan:
            if text is not None:
                await self.says(text, "text")
            else:
                await self.presses("echo")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Phase:
    name: str
    measure: Measure
    seconds: float
    cpu: float
    rss: float
    driver_cpu: float
    rejected: list[ApiCall]
    plans: list[list[str | None]]
    log: str
    warm_up_orders: int = 0  # placed before the clock started
    gc: tuple[float, float, float] = (0, 0.0, 0.0)  # full collections, longest, total (s)
    statements: float = 0  # database statements the bot process ran


async def run_phase(
    role: str,
    args: argparse.Namespace,
    *,
    database_url: str = "",
    plans: list[list[str | None]] | None = None,
) -> Phase:
    from tests.telegram_double import BotApiDouble

    # People here type far faster than people do: Telegram's flood limits (which the
    # double keeps by default) would measure the pacing, not the bot.
    async with BotApiDouble(
        per_chat_per_second=None, global_per_second=None, group_per_minute=None
    ) as double:
        reports = Reports()
        await reports.start()
        port = free_port()
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--role",
            role,
            "--api-url",
            double.base_url,
            "--token",
            double.token,
            "--port",
            str(port),
            "--report-port",
            str(reports.port),
            "--database-url",
            database_url,
            "--global-per-second",
            str(args.global_per_second or 0),
        ]
        if role == "bot" and args.profile:
            command += ["--profile", str(Path(args.profile).resolve())]
        with tempfile.TemporaryFile("w+") as log:
            process = await asyncio.create_subprocess_exec(
                *command, stdout=log, stderr=log, cwd=ROOT
            )
            telegram = Telegram(double, reports, deadline=float("inf"), budget=1 << 62)
            try:
                await _ready(double, reports, process, port)
                warm_up = Person(telegram, WARM_UP_ID, seed=-1)
                if role == "bot":  # the admin opened the bot once, so new orders reach them
                    admin = double.user_says(ADMIN_ID, "/start")
                    await telegram.deliver(ADMIN_ID, admin, "admin")
                    await warm_up.shop_around(rounds=1)
                else:
                    await warm_up.replay(["/start", None, "hola", None])
                people = [
                    Person(telegram, FIRST_USER_ID + n, seed=n)
                    for n in range(len(plans) if plans is not None else args.users)
                ]
                resume_at = [0] * len(people)
                if plans is None and not args.lockstep:  # spread over the script
                    steps = len(warm_up.script())
                    resume_at = await asyncio.gather(
                        *(person.get_ahead(n % steps) for n, person in enumerate(people))
                    )
                elif plans is not None:  # a plan may begin with a press: a button to press
                    await asyncio.gather(*(person.says("hola", "text") for person in people))
                warm_up_orders = telegram.measure.orders
                telegram.measure = Measure(flow_errors=telegram.measure.flow_errors)
                if args.rate:
                    telegram.interval = len(people) / args.rate
                    for n, person in enumerate(people):
                        person.start(telegram.interval * n / len(people))
                telegram.deadline = time.monotonic() + (args.seconds or float("inf"))
                telegram.budget = args.updates or 1 << 62
                telegram.sent = 0
                cpu_before, *_, statements_before = await reports.cpu_and_rss()
                driver_before = time.process_time()
                # The clock is in this process (the double stamps each reply call as it
                # arrives): its own garbage collections, over the double's growing record
                # of everything, must not show up as the bot's latency.
                gc.collect()
                gc.disable()
                started = time.monotonic()
                try:
                    if plans is None:
                        shopping = zip(people, resume_at, strict=True)
                        await asyncio.gather(*(p.shop_around(resume_at=r) for p, r in shopping))
                    else:
                        replays = zip(people, plans, strict=True)
                        await asyncio.gather(*(p.replay(plan) for p, plan in replays))
                finally:
                    gc.enable()
                seconds = time.monotonic() - started
                driver_cpu = time.process_time() - driver_before
                figures = await reports.cpu_and_rss()
                cpu_after, rss, gc_full, gc_longest, gc_total, statements = figures
            except BaseException:
                log.seek(0)
                print(f"the {role} process said:\n{log.read()[-4000:]}", file=sys.stderr)
                raise
            finally:
                await telegram.close()
                await reports.close()
                try:
                    await asyncio.wait_for(process.wait(), 30)
                except TimeoutError:
                    process.kill()
                    await process.wait()
            log.seek(0)
            output = log.read()
        return Phase(
            role,
            telegram.measure,
            seconds,
            cpu_after - cpu_before,
            rss,
            driver_cpu,
            double.rejected,
            [p.plan for p in people],
            output,
            warm_up_orders,
            (gc_full, gc_longest, gc_total),
            statements - statements_before,
        )


async def _ready(
    double: BotApiDouble, reports: Reports, process: asyncio.subprocess.Process, port: int
) -> None:
    """The served process reports to us, set its webhook and answers /healthz."""

    async def up() -> bool:
        if process.returncode is not None:
            raise RuntimeError(f"the served process exited with {process.returncode}")
        if not reports.connected.done() or double.webhook is None:
            return False
        try:
            async with (
                aiohttp.ClientSession() as client,
                client.get(f"http://127.0.0.1:{port}/healthz") as answer,
            ):
                return answer.status == 200
        except aiohttp.ClientError:
            return False

    await double.until(up, timeout=60, message="the served process did not come up")


async def prepare(url: str) -> None:
    shop = open_shop(url)
    try:
        await migrate(shop)
        await seed_demo_with_stock(shop, STOCK)
    finally:
        await shop.db.dispose()


async def orders_in_database(url: str) -> int:
    from sqlalchemy import func, select

    from core.store.tables import orders

    shop = open_shop(url)
    try:
        async with shop.uow(write=False) as uow:
            result = await uow.conn.execute(select(func.count()).select_from(orders))
            return result.scalar_one()
    finally:
        await shop.db.dispose()


def ms(values: list[float], fraction: float) -> str:
    return f"{percentile(values, fraction) * 1000:.1f} ms" if values else "n/a"


def latency_lines(m: Measure) -> list[str]:
    first, last, handled = sorted(m.first), sorted(m.last), sorted(m.handled)
    return [
        "  latency, webhook POST sent -> first reply call at the double: "
        f"p50={ms(first, 0.5)} p99={ms(first, 0.99)}",
        "  latency, webhook POST sent -> last reply call of the answer:  "
        f"p50={ms(last, 0.5)} p99={ms(last, 0.99)} max={ms(last, 1.0)}",
        "  (POST sent -> the bot process reports the update handled:    "
        f"p50={ms(handled, 0.5)} p99={ms(handled, 0.99)})",
    ]


def describe(phase: Phase, label: str) -> list[str]:
    m = phase.measure
    rate = m.updates / phase.seconds if phase.seconds else 0.0
    lines = [
        f"{label}: {m.updates} updates in {phase.seconds:.2f} s = {rate:.1f} updates/s",
        *latency_lines(m),
        f"  bot process: CPU {phase.cpu:.2f} s ({phase.cpu / phase.seconds:.0%} of one core), "
        f"{phase.cpu / max(m.updates, 1) * 1000:.2f} ms CPU/update, RSS {phase.rss:.0f} MiB; "
        f"driver process (double + people): {phase.driver_cpu / phase.seconds:.0%} of one core",
        f"  bot process garbage collector: {phase.gc[0]:.0f} full collections, longest "
        f"{phase.gc[1] * 1000:.0f} ms; all collections {phase.gc[2] * 1000:.0f} ms in all"
        + (
            f"; database statements: {phase.statements / max(m.updates, 1):.1f} per update"
            if phase.statements
            else ""
        ),
        f"  rejected Bot API calls: {len(phase.rejected)}"
        + (" (zero: OK)" if not phase.rejected else " (NOT zero)"),
        f"  updates without a reply call: {m.unanswered}; not handled within "
        f"{ANSWER_TIMEOUT:.0f} s: {m.timeouts}; webhook answers other than 200: "
        f"{m.not_accepted}; flow errors: {len(m.flow_errors)}",
    ]
    for call in phase.rejected[:3]:
        lines.append(f"    rejected {call.method}: {call.error}")
    for error in m.flow_errors[:3]:
        lines.append(f"    flow error: {error[:200]}")
    problems = [ln for ln in phase.log.splitlines() if ln.startswith(("ERROR", "WARNING"))]
    if problems:
        lines.append(f"  the bot process logged {len(problems)} warnings/errors, e.g.:")
        lines += [f"    {ln[:200]}" for ln in problems[:3]]
    return lines


def by_step(m: Measure) -> list[str]:
    lines = ["  by step (POST sent -> last reply call): count, p50, p99"]
    for step, values in sorted(m.by_step.items(), key=lambda item: -len(item[1])):
        ordered = sorted(values)
        p50, p99 = ms(ordered, 0.5), ms(ordered, 0.99)
        lines.append(f"    {step[:32]:32} {len(ordered):6} {p50:>9} {p99:>9}")
    return lines


async def main(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    kind = database_choice(parser, args)
    async with fresh_database(kind, args.postgres_url) as url:
        await prepare(url)
        ours = await run_phase("bot", args, database_url=url)
        placed = await orders_in_database(url)
    echo = await run_phase("echo", args, plans=ours.plans)
    tuned = await run_phase("echo-tuned", args, plans=ours.plans)

    database = "SQLite" if kind == "sqlite" else "PostgreSQL"
    mode = (
        f"offered {args.rate:g} updates/s in all (each person waits for the answer, then "
        "for their turn)"
        if args.rate
        else "closed loop (each person sends the next update as soon as the answer came, "
        "so latency ~ people / throughput)"
    )
    limit = args.global_per_second or "the shop's default"
    print(
        f"mixed workload through the Telegram webhook: {database}, {args.users} people at "
        f"once, {mode}"
    )
    print(
        "the shop: bot.runner.serve as `pedidos serve` runs it (uvicorn, one worker, outbox "
        f"dispatcher, expiry job) in its own process, TELEGRAM_GLOBAL_PER_SECOND={limit}; "
        "Telegram: the Bot API double and the people, in this process; "
        f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs; {code_version()}"
    )
    for line in describe(ours, "pedidos"):
        print(line)
    print(
        f"  orders placed: {ours.measure.orders} seen in the chats; {placed} in the database, "
        f"{ours.warm_up_orders} of them before the clock started (warm-up, people getting ahead)"
    )
    for line in by_step(ours.measure):
        print(line)
    for line in describe(echo, "aiogram echo (same people, same number and kinds of updates)"):
        print(line)
    for line in describe(tuned, "the same echo with the shop's garbage collector settings"):
        print(line)

    ours_rate = ours.measure.updates / ours.seconds
    ratio = cost_ratio(ours, echo, args, "aiogram echo as it comes (Python's defaults)")
    like_for_like = cost_ratio(ours, tuned, args, "the echo with bot/gc_tuning.py's settings")
    last = sorted(ours.measure.last)
    p99 = percentile(last, 0.99) * 1000 if last else float("inf")
    failed = ours.measure.unanswered + ours.measure.timeouts + ours.measure.not_accepted
    met = {True: "met", False: "NOT met"}
    if args.rate:
        # People who wait for each answer and then for their turn: the latency target.
        throughput = "measured without --rate (each person as fast as the bot answers)"
        latency = f"{met[p99 < 100 and not failed]} ({p99:.0f} ms at {args.rate:g}/s offered)"
    else:
        # As fast as the bot answers: the throughput target. Latency here is only
        # people / throughput (Little's law), so its target is measured with --rate.
        throughput = f"{met[ours_rate >= 300]} ({ours_rate:.0f}/s)"
        latency = f"measured with --rate (here {p99:.0f} ms = about people / throughput)"
    print(
        f"targets: >=300 updates/s: {throughput}; p99 < 100 ms (POST -> last reply call) at "
        f"{args.users} people: {latency}; <= 3x the echo bot's cost per update: "
        f"{met[ratio <= 3]} against the echo as it comes ({ratio:.2f}x), "
        f"{met[like_for_like <= 3]} against the echo with the same collector settings "
        f"({like_for_like:.2f}x); zero rejected calls: "
        + ("yes" if not (ours.rejected or echo.rejected or tuned.rejected) else "NO")
    )


def cost_ratio(ours: Phase, echo: Phase, args: argparse.Namespace, which: str) -> float:
    """Our cost per update over the echo's, printed; the one the target is checked on
    (CPU time with --rate, else the larger of wall and CPU time)."""
    n_ours, n_echo = max(ours.measure.updates, 1), max(echo.measure.updates, 1)
    wall_ratio = (ours.seconds / n_ours) / (echo.seconds / n_echo)
    cpu_ratio = (ours.cpu / n_ours) / (echo.cpu / n_echo)
    wall = (
        f"{wall_ratio:.2f}x in wall time per update at {args.users} people"
        if not args.rate
        else "wall time per update is set by --rate here (both ran at the offered rate)"
    )
    print(
        f"cost per update, pedidos / {which}: {wall}; {cpu_ratio:.2f}x in CPU time per "
        "update of the bot process (time.process_time, all its threads)"
    )
    return cpu_ratio if args.rate else max(wall_ratio, cpu_ratio)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100, help="concurrent people (100)")
    parser.add_argument(
        "--seconds", type=float, help="how long the people keep going (default 20 s)"
    )
    parser.add_argument("--updates", type=int, help="stop after this many updates instead")
    parser.add_argument(
        "--rate",
        type=float,
        help="updates per second the people offer together (each still waits for the "
        "answer first); without it, each sends the next update as soon as the answer came",
    )
    parser.add_argument(
        "--lockstep",
        action="store_true",
        help="everyone starts the script at /start together, so each step comes in a burst "
        "(all 100 check out within one turn); by default the people are spread over it",
    )
    parser.add_argument(
        "--global-per-second",
        type=float,
        default=1000.0,
        help="TELEGRAM_GLOBAL_PER_SECOND for the shop: every reply waits its turn under this "
        "limit; 1000 (Telegram's paid-broadcast ceiling) by default so the limiter does not "
        "decide the figures; 0 keeps the shop's own default (30)",
    )
    add_database_options(parser)
    hidden = argparse.SUPPRESS
    parser.add_argument(
        "--role", choices=["driver", "bot", "echo", "echo-tuned"], default="driver", help=hidden
    )
    parser.add_argument("--api-url", help=hidden)
    parser.add_argument("--token", help=hidden)
    parser.add_argument("--port", type=int, help=hidden)
    parser.add_argument("--report-port", type=int, help=hidden)
    parser.add_argument("--database-url", help=hidden)
    parser.add_argument(
        "--profile",
        metavar="FILE",
        help="cProfile the shop's process during the measured run and write the stats to "
        "FILE (read them with python -m pstats FILE)",
    )
    args = parser.parse_args()
    if args.role == "bot":
        asyncio.run(serve_shop(args))
    elif args.role in ("echo", "echo-tuned"):
        asyncio.run(serve_echo(args))
    else:
        if args.seconds is None and args.updates is None:
            args.seconds = 20.0
        asyncio.run(main(parser, args))
