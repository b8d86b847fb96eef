"""Starting the configured channels, the web app, the outbox dispatcher, the expiry and
inbox jobs, and stopping them together."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable
from datetime import timedelta

import uvicorn

from bot import gc_tuning
from bot.channels import Channel, Live, served
from bot.dispatcher import OutboxDispatcher
from bot.payments.web import payments_router
from bot.tracking.settings import TrackingSettings
from bot.tracking.web import tracking_router
from bot.web import create_app
from bot.webhooks_out import send_webhooks_forever
from core.services import api_keys, expiry, inbox, payment_links, retention
from core.services.context import Shop
from core.settings import Settings
from handlers.understanding import load_all as load_understanding

log = logging.getLogger("pedidos")

EXPIRY_EVERY_SECONDS = 60
RECONCILE_EVERY_SECONDS = 120
FORGET_EVERY_SECONDS = 3600


async def expire_forever(shop: Shop) -> None:
    while True:
        try:
            run = await expiry.run_expiry(shop)
            if run.expired_unpaid:
                log.info("expired unpaid orders: %s", ", ".join(run.expired_unpaid))
            if run.reminded:
                log.info("reminded of unconfirmed orders: %s", ", ".join(run.reminded))
            if run.released_unconfirmed:
                log.info("released unconfirmed orders: %s", ", ".join(run.released_unconfirmed))
        except Exception:
            log.exception("expiry job failed; trying again later")
        await asyncio.sleep(EXPIRY_EVERY_SECONDS)


async def reconcile_forever(shop: Shop) -> None:
    """Every two minutes: the open payment links read from their provider (a webhook
    that never came loses no payment) and the refunds due sent."""
    while True:
        try:
            run = await payment_links.reconcile(shop)
            found = {code: what for code, what in run.outcomes.items() if what != "ignored"}
            if found:
                log.info("payments found by reconciliation: %s", found)
        except Exception:
            log.exception("payment reconciliation failed; trying again later")
        await asyncio.sleep(RECONCILE_EVERY_SECONDS)


async def forget_forever(shop: Shop) -> None:
    """Every hour: handled updates older than INBOX_KEEP_DAYS are deleted, and so are
    abandoned conversations, updates never handled and the web chat's messages and
    files older than ABANDONED_DATA_KEEP_DAYS."""
    while True:
        try:
            forgotten = await inbox.forget_handled(shop)
            if forgotten:
                log.info("deleted %d handled updates", forgotten)
        except Exception:
            log.exception("deleting old updates failed; trying again later")
        try:
            abandoned = await retention.forget_abandoned(shop)
            await api_keys.forget_old_answers(shop)  # Idempotency-Key answers past a day
            if abandoned.total:
                log.info(
                    "deleted abandoned data: %d conversations, %d menus, %d unhandled "
                    "updates, %d web chat messages, %d web chat files",
                    abandoned.conversations,
                    abandoned.menus,
                    abandoned.updates,
                    abandoned.web_messages,
                    abandoned.web_files,
                )
        except Exception:
            log.exception("deleting abandoned data failed; trying again later")
        await asyncio.sleep(FORGET_EVERY_SECONDS)


async def recover_forever(
    shop: Shop, channels: list[Live], sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
) -> None:
    """Updates a dead worker accepted but never handled are handled here, after a while."""
    every = max(1.0, shop.settings.inbox_retry_seconds / 2)
    while True:
        await sleep(every)
        await recover_once(shop, channels)


async def recover_once(shop: Shop, channels: list[Live]) -> None:
    """Handle the updates waiting longer than INBOX_RETRY_SECONDS (younger ones may still
    be in a live worker's hands)."""
    age = timedelta(seconds=shop.settings.inbox_retry_seconds)
    for channel in channels:
        try:
            await channel.resume_unhandled(older_than=age)
        except Exception:
            log.exception("recovering %s updates failed; trying again later", channel.channel)


async def serve(
    shop: Shop,
    channels: list[Channel],
    *,
    poll: bool,
    stop: asyncio.Event | None = None,
    on_listening: Callable[[str | None], None] | None = None,
) -> None:
    """Web app + dispatcher + jobs, and every channel the settings turn on; with poll, a
    channel that can poll (Telegram without a webhook URL) does. Runs until stop is set
    (or SIGINT / SIGTERM). on_listening is told the web app's address once it listens,
    or None when it could not (the port is taken): the rest runs on."""
    stop = stop or _stop_on_signals()
    settings = shop.settings
    await shop.db.open_connections()
    running = [(channel, channel.open(shop)) for channel in served(channels)]
    live = {channel.name: sender for channel, sender in running}
    senders = list(live.values())
    routers = [r for c in channels if (r := c.router(live.get(c.name))) is not None]
    if shop.payment_providers:
        routers.append(payments_router(shop))
    if (carriers := tracking_router(shop, TrackingSettings.load())) is not None:
        routers.append(carriers)
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(shop, routers),
            host=settings.host,
            port=settings.port,
            log_level="warning",
            lifespan="off",
            # LOG_FORMAT=json: uvicorn's lines go through the same JSON handlers (its own
            # configuration would write them as text).
            **({"log_config": None} if settings.log_format == "json" else {}),
        )
    )
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    tasks = [
        asyncio.create_task(_serve_web(server), name="web"),
        asyncio.create_task(
            OutboxDispatcher(
                shop, senders, lease=timedelta(seconds=settings.outbox_lease_seconds)
            ).run_forever(),
            name="outbox",
        ),
        asyncio.create_task(expire_forever(shop), name="expiry"),
        asyncio.create_task(recover_forever(shop, senders), name="inbox-recovery"),
        asyncio.create_task(forget_forever(shop), name="inbox-housekeeping"),
        asyncio.create_task(send_webhooks_forever(shop), name="webhooks"),
    ]
    if shop.payment_providers:
        tasks.append(asyncio.create_task(reconcile_forever(shop), name="payments"))
    for channel, sender in running:
        tasks += await channel.start(sender, poll=poll, stop=stop)
    load_understanding()
    gc_tuning.tune_for_serving()
    for name in settings.placeholders_in_use():
        log.warning("%s is still the demo placeholder: customers would read it", name)
    address = await _address(server, tasks[0], settings)
    if server.started and settings.port == 0:
        # PORT=0: links the shop writes (tracking pages) name the port it got.
        port = int(address.rsplit(":", 1)[1])
        shop.settings = settings.model_copy(update={"port": port})
    if on_listening is not None:
        on_listening(address if server.started else None)
    log.info("Pedidos is running (%s)", address)
    try:
        await stop.wait()
    finally:
        server.should_exit = True
        for task in tasks:
            if task.get_name() != "web":
                task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        for sender in senders:
            await sender.close()


async def _serve_web(server: uvicorn.Server) -> None:
    """uvicorn exits the process when it cannot listen (SystemExit); here that ends the
    web app alone, logged, and the jobs and channels go on."""
    try:
        await server.serve()
    except SystemExit:
        log.error("the web app could not start (is the port taken? see PORT)")


async def _address(server: uvicorn.Server, serving: asyncio.Task, settings: Settings) -> str:
    """Where the web app listens, once it does: with PORT=0 the port the system chose."""
    while not server.started and not serving.done():
        await asyncio.sleep(0.01)
    for listening in server.servers:
        for sock in listening.sockets:
            host, port = sock.getsockname()[:2]
            return f"http://{host}:{port}"
    return f"http://{settings.host}:{settings.port}"


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    return stop
