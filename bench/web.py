"""The web pages (issue #19): the tracking page, the web chat and their live streams,
served by the real `pedidos serve` in a process of its own.

    .venv/bin/python bench/web.py
    .venv/bin/python bench/web.py --seconds 10 --concurrency 8 --visitors 10 --streams 50

A fresh SQLite file in a temporary folder, migrated, with the demo shop (every product
given plenty of stock, through the catalog import's path) and --orders orders placed
through the shop's services (cart.add_to_cart + checkout.place_order, one customer of
the web chat each). Then `python -m bot.cli serve` on a free port of 127.0.0.1, with the
web chat's rate limits raised so they do not measure themselves, and httpx clients on
the loopback (the client runs on the same cores as the server):

1. tracking pages: --concurrency clients GET /t/<token> over the orders, round robin,
   for --seconds: pages/s, p50/p90/p99 of one page, the server's CPU per page, and the
   bytes of a page with its CSS and JS;
2. web chat: --visitors visitors at a time, each new (its own cookies): GET /chat, then
   the posts chat.js makes (`opened=1`, then "hola", "catálogo", "taza", "ver carrito",
   with the page's CSRF token, `Accept: application/json`), each waiting for its answer;
   a visitor done, a new one takes the place, for --seconds. Every post counts as a
   message: messages answered/s, p50/p90/p99 of one message, server CPU per message;
3. live streams: --streams tracking streams (/t/<token>/events, one order each) and as
   many web chat streams (/chat/events, one visitor each) open at once, each read to
   its first event; the server's resident memory (VmRSS) before and with them open.
   Then those orders are confirmed through the services (on the same SQLite file, as
   an admin's tool would) and the script waits for every tracking stream to send the
   new status: how many did, and the time until the last one did (the server reads
   each order every 2 seconds, bot/web_pages/tracking.py).

The server is stopped at the end, and on Ctrl-C. Nothing is faked.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import code_version, open_shop, percentile, rss_mb, seed_demo_with_stock

ROOT = Path(__file__).resolve().parent.parent
CONVERSATION = ["hola", "catálogo", "taza", "ver carrito"]
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
ASSETS = re.compile(r'(?:href|src)="(/static/[^"]+)"')
ADMIN = "web:bench-admin"  # confirms the orders (a merchant's move, not the system's)
SERVER_ENV = {
    # generous limits: the bench measures the pages, not the rate limiter
    "WEB_CHAT_PER_MINUTE": "6000",
    "WEB_CHAT_BURST": "10000",
    "WEB_CHAT_NEW_SESSIONS_PER_MINUTE": "6000",
    "INCOMING_PER_MINUTE": "60000",
    "WEB_CHAT": "true",
    "LOG_FORMAT": "text",
    "HOST": "127.0.0.1",
}


@dataclass
class Timings:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    elapsed: float = 0.0
    cpu: float = 0.0  # the server's CPU seconds over the run

    def row(self, name: str, unit: str) -> str:
        ordered = sorted(self.latencies)
        count = len(ordered)
        rate = count / self.elapsed if self.elapsed else 0.0
        cpu = self.cpu / count * 1000 if count else 0.0
        ms = [percentile(ordered, f) * 1000 for f in (0.5, 0.9, 0.99)]
        return (
            f"{name:<16} {count:>7} {rate:>8.1f} {unit:<10} {ms[0]:>7.1f} {ms[1]:>7.1f} "
            f"{ms[2]:>7.1f} {cpu:>8.2f} {self.errors:>6}"
        )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (/proc/<pid>/stat)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def prepare(folder: Path, url: str, orders: int) -> list[tuple[str, str]]:
    """Migrate, seed the demo shop, add the admin and place the orders; their tracking
    paths and codes."""
    from core.domain.customers import Address
    from core.services import cart, checkout, customers, web
    from core.store.migrate import upgrade

    shop = open_shop(url)
    try:
        await upgrade(shop.db.engine)
        await seed_demo_with_stock(shop, 1_000_000)
        # The admin as a shop adds one (the service checks the channel is configured).
        command = [sys.executable, "-m", "bot.cli", "admin", "add", *ADMIN.split(":")]
        subprocess.run(command, cwd=folder, env=server_env(url), check=True, capture_output=True)
        async with shop.uow(write=False) as uow:
            products = [p.id for p in await uow.catalog.list()]
        address = Address("Calle 5 de Mayo 10", "Centro", "Puebla", "Puebla", "72000", "MX")
        paths = []
        for n in range(orders):
            customer = await customers.identify(shop, "web", f"bench-{n}", name=f"Cliente {n}")
            await cart.add_to_cart(shop, customer.id, products[n % len(products)])
            details = checkout.CheckoutDetails(
                f"Cliente {n} Pérez", "+52 222 000 0000", address, "standard", "cash_on_delivery"
            )
            order = await checkout.place_order(shop, customer.id, details)
            link = await web.tracking_url(shop, order.code)
            assert link is not None
            paths.append((httpx.URL(link).path, order.code))
    finally:
        await shop.db.dispose()
    return paths


def server_env(url: str) -> dict[str, str]:
    return {**os.environ, **SERVER_ENV, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}


@asynccontextmanager
async def server(folder: Path, url: str) -> AsyncIterator[tuple[str, int]]:
    """`pedidos serve` on a free port; yields its address and pid, stops it afterwards."""
    port = free_port()
    env = server_env(url) | {"PORT": str(port)}
    with open(folder / "server.log", "wb") as log:  # the child keeps its own copy
        # Its own session: Ctrl-C reaches the bench only, which stops the server itself.
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve"],
            cwd=folder,  # no developer's .env is read; files land in the temp folder
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base, timeout=2) as client:
            deadline = time.monotonic() + 90
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"the server exited: see {folder / 'server.log'}")
                with suppress(httpx.HTTPError):
                    if (await client.get("/healthz")).status_code == 200:
                        break
                if time.monotonic() > deadline:
                    raise RuntimeError("the server did not answer within 90 s")
                await asyncio.sleep(0.2)
        yield base, process.pid
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.to_thread(process.wait, 15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process.returncode not in (0, -signal.SIGTERM):
            print((folder / "server.log").read_text(errors="replace")[-3000:], file=sys.stderr)


async def page_bytes(base: str, path: str) -> tuple[int, int]:
    """A tracking page's HTML bytes and those of the CSS and JS it loads (as sent)."""
    async with httpx.AsyncClient(base_url=base) as client:
        page = await client.get(path)
        assets = 0
        for asset in sorted(set(ASSETS.findall(page.text))):
            answer = await client.get(asset)
            answer.raise_for_status()
            assets += answer.num_bytes_downloaded
        return page.num_bytes_downloaded, assets


async def tracking_pages(
    base: str, pid: int, paths: list[str], concurrency: int, seconds: float
) -> Timings:
    timings = Timings()
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        started, cpu = time.perf_counter(), cpu_seconds(pid)
        ends = started + seconds

        async def reader(n: int) -> None:
            while time.perf_counter() < ends:
                path = paths[n % len(paths)]
                n += concurrency
                began = time.perf_counter()
                answer = await client.get(path)
                if answer.status_code == 200 and b'id="status"' in answer.content:
                    timings.latencies.append(time.perf_counter() - began)
                else:
                    timings.errors += 1

        await asyncio.gather(*(reader(n) for n in range(concurrency)))
        timings.elapsed = time.perf_counter() - started
        timings.cpu = cpu_seconds(pid) - cpu
    return timings


async def chat_visitor(base: str, timings: Timings, ends: float) -> int:
    """One new visitor's conversation, as chat.js posts it; the visitors started."""
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        page = await client.get("/chat")
        found = CSRF_META.search(page.text)
        if page.status_code != 200 or found is None:
            timings.errors += 1
            return 1
        csrf, after = found.group(1), 0
        for fields in [{"opened": "1"}, *({"text": words} for words in CONVERSATION)]:
            if time.perf_counter() >= ends:
                break
            form = fields | {"client_id": uuid.uuid4().hex, "csrf": csrf, "after": str(after)}
            headers = {"Accept": "application/json", "X-CSRF-Token": csrf, "Origin": base}
            began = time.perf_counter()
            answer = await client.post("/chat/send", data=form, headers=headers)
            took = time.perf_counter() - began
            messages = answer.json().get("messages", []) if answer.status_code == 200 else []
            if not messages:  # every post here is answered by the shop
                timings.errors += 1
                continue
            timings.latencies.append(took)
            after = max(after, *(message["id"] for message in messages))
    return 1


async def web_chat(base: str, pid: int, visitors: int, seconds: float) -> tuple[Timings, int]:
    timings = Timings()
    started, cpu = time.perf_counter(), cpu_seconds(pid)
    ends = started + seconds

    async def place() -> int:
        done = 0
        while time.perf_counter() < ends:
            done += await chat_visitor(base, timings, ends)
        return done

    counts = await asyncio.gather(*(place() for _ in range(visitors)))
    timings.elapsed = time.perf_counter() - started
    timings.cpu = cpu_seconds(pid) - cpu
    return timings, sum(counts)


async def first_event(lines: AsyncIterator[str]) -> list[str]:
    """The lines of the next Server-Sent Event (up to its blank line; pings skipped)."""
    event: list[str] = []
    async for line in lines:
        if line:
            if not line.startswith(":"):
                event.append(line)
        elif event:
            return event
    raise EOFError("the stream ended")


@dataclass
class Streams:
    rss_before: float = 0.0
    rss_open: float = 0.0
    opened: int = 0
    changed: int = 0
    change_seconds: float = 0.0  # until the last stream saw the new status
    write_seconds: float = 0.0  # the confirmations themselves


async def live_streams(
    base: str, pid: int, url: str, tracked: list[tuple[str, str]], count: int
) -> Streams:
    from core.domain.actors import merchant
    from core.services import orders

    result = Streams(rss_before=rss_mb(pid))
    watched = tracked[:count]
    limits = httpx.Limits(max_connections=count + 1, max_keepalive_connections=0)
    timeout = httpx.Timeout(30, read=None)
    seen: list[float] = []
    opened = asyncio.Semaphore(0)

    async def tracking_stream(client: httpx.AsyncClient, path: str) -> None:
        async with client.stream("GET", path + "/events") as answer:
            answer.raise_for_status()
            lines = answer.aiter_lines()
            assert "event: status" in await first_event(lines)
            opened.release()
            while "event: status" not in await first_event(lines):
                pass
            seen.append(time.perf_counter())  # the status sent again: it changed

    async def chat_stream(stop: asyncio.Event) -> None:
        async with httpx.AsyncClient(base_url=base, timeout=timeout) as client:
            await client.get("/chat")  # the session cookie
            async with client.stream("GET", "/chat/events") as answer:
                answer.raise_for_status()
                await first_event(answer.aiter_lines())
                opened.release()
                await stop.wait()

    stop = asyncio.Event()
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=timeout) as client:
        tasks = [asyncio.create_task(tracking_stream(client, path)) for path, _ in watched]
        tasks += [asyncio.create_task(chat_stream(stop)) for _ in watched]
        try:
            async with asyncio.timeout(60):
                for _ in tasks:
                    await opened.acquire()
            result.opened = len(tasks)
            await asyncio.sleep(0.5)
            result.rss_open = rss_mb(pid)
            shop = open_shop(url)
            try:
                began = time.perf_counter()
                for _, code in watched:
                    await orders.confirm_order(shop, merchant(ADMIN), code)
                result.write_seconds = time.perf_counter() - began
            finally:
                await shop.db.dispose()
            with suppress(TimeoutError):
                async with asyncio.timeout(20):
                    await asyncio.gather(*tasks[: len(watched)])
            result.changed = len(seen)
            result.change_seconds = max(seen) - began if seen else 0.0
        finally:
            stop.set()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
    return result


async def main(args: argparse.Namespace) -> None:
    print(f"bench/web.py, {code_version()}")
    with tempfile.TemporaryDirectory(prefix="pedidos-bench-") as name:
        folder = Path(name)
        url = f"sqlite+aiosqlite:///{folder / 'bench.db'}"
        orders = max(args.orders, args.streams)
        began = time.perf_counter()
        tracked = await prepare(folder, url, orders)
        print(f"{orders} orders placed in {time.perf_counter() - began:.1f} s; starting the server")
        async with server(folder, url) as (base, pid):
            html, assets = await page_bytes(base, tracked[0][0])
            rss_ready = rss_mb(pid)
            pages = await tracking_pages(
                base, pid, [path for path, _ in tracked], args.concurrency, args.seconds
            )
            chat, visitors = await web_chat(base, pid, args.visitors, args.seconds)
            streams = await live_streams(base, pid, url, tracked, args.streams)
    print()
    print(
        f"{'':<16} {'count':>7} {'rate':>8} {'':<10} {'p50 ms':>7} {'p90 ms':>7} "
        f"{'p99 ms':>7} {'CPU ms':>8} {'errors':>6}"
    )
    print(pages.row("tracking page", "pages/s"))
    print(chat.row("web chat", "msgs/s"))
    print()
    print(
        f"tracking page: {html} bytes of HTML + {assets} of CSS/JS; "
        f"{args.concurrency} clients, {args.seconds:.0f} s, {len(tracked)} orders"
    )
    print(
        f"web chat: {visitors} visitors ({args.visitors} at a time), up to 5 posts each "
        f"(opened + {', '.join(CONVERSATION)}), {args.seconds:.0f} s"
    )
    print(
        f"server RSS: {rss_ready:.1f} MiB ready, {streams.rss_before:.1f} MiB before the "
        f"streams, {streams.rss_open:.1f} MiB with {streams.opened} open "
        f"({args.streams} tracking + {args.streams} chat): "
        f"{(streams.rss_open - streams.rss_before) * 1024 / max(streams.opened, 1):.0f} KiB each"
    )
    print(
        f"status change: {streams.changed}/{args.streams} tracking streams saw it, the last "
        f"{streams.change_seconds:.2f} s after the first confirmation "
        f"({args.streams} confirmations took {streams.write_seconds:.2f} s)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8, help="per measurement (8)")
    parser.add_argument("--concurrency", type=int, default=8, help="tracking page clients (8)")
    parser.add_argument("--visitors", type=int, default=10, help="chat visitors at a time (10)")
    parser.add_argument("--streams", type=int, default=50, help="streams of each kind (50)")
    parser.add_argument("--orders", type=int, default=200, help="orders to track (200)")
    with suppress(KeyboardInterrupt):  # the server is stopped on the way out
        asyncio.run(main(parser.parse_args()))
