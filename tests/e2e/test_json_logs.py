"""LOG_FORMAT=json: every log line is one JSON object, and a line written while an update
is handled names the channel, the update and the order it is about."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.logs import JsonFormatter
from bot.web import create_app
from handlers.customer import orders as customer_orders
from tests.e2e.chat_driver import ChatDriver
from tests.e2e.telegram_driver import ProcessLog
from tests.e2e.test_terminal_after_sales import place_cod_order
from tests.telegram_double import BotApiDouble

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.expects_error("conversation error")
async def test_a_crash_while_showing_an_order_is_logged_with_its_update_and_order(
    demo_shop, monkeypatch
):
    lines = io.StringIO()
    handler = logging.StreamHandler(lines)
    handler.setFormatter(JsonFormatter())
    logging.getLogger().addHandler(handler)
    try:
        chat = ChatDriver(demo_shop, "ana")
        await chat.open()
        code = await place_cod_order(chat)

        def broken(*_args: object) -> str:
            raise RuntimeError("the tracking text broke")

        monkeypatch.setattr(customer_orders, "tracking_text", broken)
        await chat.type("where is my order?")
        crashed_line = len(chat.answers)  # the chat's opening was line 1
    finally:
        logging.getLogger().removeHandler(handler)

    written = [json.loads(line) for line in lines.getvalue().splitlines()]
    [crash] = [entry for entry in written if entry["message"].startswith("conversation error")]
    assert crash["level"] == "ERROR"
    assert crash["logger"] == "handlers.conversation"
    assert crash["channel"] == "terminal"
    assert crash["update_id"] == f"ana:{crashed_line}"
    assert crash["order_code"] == code
    assert "RuntimeError: the tracking text broke" in crash["exc_info"]
    assert crash["time"].endswith("+00:00")
    # That update is counted as an error on /metrics, the others as answered.
    transport = httpx.ASGITransport(app=create_app(demo_shop))
    async with httpx.AsyncClient(transport=transport, base_url="http://shop") as client:
        scrape = (await client.get("/metrics")).text
    outcomes = {
        sample.labels["outcome"]: sample.value
        for family in text_string_to_metric_families(scrape)
        for sample in family.samples
        if sample.name == "pedidos_updates_handled_total"
    }
    assert outcomes == {"answered": crashed_line - 1, "error": 1}


@pytest.mark.slow  # three processes start
def test_pedidos_chat_writes_json_lines_naming_the_update(tmp_path):
    """A real `pedidos chat` with LOG_FORMAT=json: over the incoming limit, the warning
    it logs is one JSON line naming the terminal and the line that was refused."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'shop.db'}",
    }

    def pedidos(*args: str, stdin: str = "", **more: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "bot.cli", *args],
            input=stdin,
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env={**env, **more},
            timeout=120,
        )

    assert pedidos("db", "upgrade").returncode == 0
    chat = pedidos(
        "chat",
        "--user",
        "marta",
        stdin="hola\nhola\n/quit\n",
        LOG_FORMAT="json",
        INCOMING_BURST="1",
        INCOMING_PER_MINUTE="1",
    )
    assert chat.returncode == 0, chat.stderr
    assert "very fast" in chat.stdout or "muy rápido" in chat.stdout
    written = [json.loads(line) for line in (tmp_path / "pedidos.log").read_text().splitlines()]
    [too_fast] = [entry for entry in written if "writes too fast" in entry["message"]]
    assert too_fast["level"] == "WARNING"
    assert too_fast["channel"] == "terminal"
    assert too_fast["update_id"] == "marta:2"  # the chat's opening was line 1
    assert "order_code" not in too_fast  # this update named no order


@pytest.mark.slow
async def test_pedidos_run_with_json_logs_and_a_metrics_token(tmp_path):
    """The server as an operator runs it: LOG_FORMAT=json on standard error (its start
    line too), /metrics behind METRICS_TOKEN counting the update it answered, /readyz."""
    async with BotApiDouble() as double:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'shop.db'}",
            "TELEGRAM_BOT_TOKEN": double.token,
            "TELEGRAM_API_URL": double.base_url,
            "PORT": "0",
            "LOG_FORMAT": "json",
            "METRICS_TOKEN": "operator-token",
        }
        for setup in (("db", "upgrade"), ("demo",)):
            done = subprocess.run(
                [sys.executable, "-m", "bot.cli", *setup], cwd=tmp_path, env=env, timeout=120
            )
            assert done.returncode == 0
        shop = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "run",
            cwd=tmp_path,
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        log = ProcessLog(shop)
        try:
            base = f"http://127.0.0.1:{await log.port()}"
            await double.until(lambda: double.calls_to("getUpdates"), timeout=60)
            double.user_says(5001, "/start", first_name="Ana")
            await double.until(lambda: double.texts(5001), timeout=30)
            async with httpx.AsyncClient(base_url=base) as client:
                refused = await client.get("/metrics")
                bearer = {"Authorization": "Bearer operator-token"}
                scrape = await client.get("/metrics", headers=bearer)
                ready = await client.get("/readyz")
        finally:
            shop.send_signal(signal.SIGTERM)
            await asyncio.wait_for(shop.wait(), timeout=30)
            err = await log.finished()
        assert shop.returncode == 0, err[-2000:]
        double.check_at_close()
    assert refused.status_code == 401
    assert ready.json() == {"status": "ready"}
    answered = [
        sample.value
        for family in text_string_to_metric_families(scrape.text)
        for sample in family.samples
        if sample.name == "pedidos_updates_handled_total"
        and sample.labels == {"channel": "telegram", "outcome": "answered"}
    ]
    assert answered == [1]
    written = [json.loads(line) for line in err.splitlines()]  # every line is JSON
    assert any(entry["message"].startswith("Pedidos is running") for entry in written)
    assert {entry["level"] for entry in written} <= {"INFO", "WARNING"}
