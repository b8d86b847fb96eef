"""`pedidos run` with no messaging platform set up (make run's last step): the terminal
chat in the foreground, and the web app (web chat, tracking pages) beside it."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]


def _env(tmp_path: Path, port: int) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'shop.db'}",
        "PORT": str(port),
    }


async def _pedidos(tmp_path: Path, env: dict[str, str], *args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        *args,
        cwd=tmp_path,
        env=env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def _set_up(tmp_path: Path, env: dict[str, str]) -> None:
    for step in (("db", "upgrade"), ("demo",)):
        process = await _pedidos(tmp_path, env, *step)
        assert await asyncio.wait_for(process.wait(), 120) == 0


@pytest.mark.slow  # three processes start
async def test_make_run_opens_the_terminal_chat_and_serves_the_web_chat(tmp_path):
    env = _env(tmp_path, 0)  # any free port: the first line says which
    await _set_up(tmp_path, env)
    shop = await _pedidos(tmp_path, env, "run")
    assert shop.stdout is not None and shop.stdin is not None
    first = (await asyncio.wait_for(shop.stdout.readline(), 60)).decode()
    assert first.startswith("Chat web: http://127.0.0.1:"), first
    chat_address = first.split()[2]
    async with httpx.AsyncClient() as client:
        assert (await client.get(chat_address.replace("/chat", "/healthz"))).json() == {
            "status": "ok"
        }
        page = await client.get(chat_address)
    assert page.status_code == 200
    assert "Tienda Demo" in page.text
    greeting = (await asyncio.wait_for(shop.stdout.readline(), 60)).decode()
    assert greeting.startswith("¡Hola!")  # the terminal chat is open too
    shop.stdin.write(b"/quit\n")
    await shop.stdin.drain()
    assert await asyncio.wait_for(shop.wait(), 60) == 0


@pytest.mark.slow
async def test_a_taken_port_leaves_the_terminal_chat_working(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        env = _env(tmp_path, taken.getsockname()[1])
        await _set_up(tmp_path, env)
        shop = await _pedidos(tmp_path, env, "run")
        out, _ = await asyncio.wait_for(shop.communicate(b"hola\n/quit\n"), 60)
    text = out.decode()
    assert text.startswith("La aplicación web no pudo arrancar (revisa pedidos.log)")
    assert "¡Hola!" in text
    assert shop.returncode == 0
    assert "could not start" in (tmp_path / "pedidos.log").read_text()
