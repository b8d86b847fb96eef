"""`pedidos run` with a Telegram token, as a merchant starts it: a real process that
long-polls the Bot API (the double) and answers, and stops cleanly on SIGTERM. Its web
app listens on the port the system chose (PORT=0), which it says at start."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import httpx
import pytest

from tests.e2e.telegram_driver import ProcessLog
from tests.telegram_double import BotApiDouble

ROOT = Path(__file__).resolve().parents[2]


async def run(*args: str, env: dict) -> int:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        *args,
        cwd=env["CWD"],
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    return process.returncode


@pytest.mark.slow
async def test_pedidos_run_answers_on_telegram_and_stops_on_sigterm(tmp_path):
    async with BotApiDouble() as double:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": str(ROOT),
            "CWD": str(tmp_path),
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'shop.db'}",
            "TELEGRAM_BOT_TOKEN": double.token,
            "TELEGRAM_API_URL": double.base_url,
            "PORT": "0",
        }
        await run("db", "upgrade", env=env)
        await run("demo", env=env)
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
            port = await log.port()
            async with httpx.AsyncClient() as client:
                health = await client.get(f"http://127.0.0.1:{port}/healthz")
            assert health.json() == {"status": "ok"}
            await double.until(lambda: double.calls_to("getUpdates"), timeout=60)
            double.user_says(5001, "/start", first_name="Ana")
            await double.until(lambda: double.texts(5001), timeout=30)
            assert "¡Hola, Ana! Te damos la bienvenida a Tienda Demo." in double.texts(5001)[0]
        finally:
            shop.send_signal(signal.SIGTERM)
            await asyncio.wait_for(shop.wait(), timeout=30)
            err = await log.finished()
        assert shop.returncode == 0, err[-2000:]
        double.check_at_close()
