"""What the `pedidos` command shows a person (issue #13): one line per setup step, no
log lines inside a terminal conversation, a second demo that says it was there."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def pedidos(folder: Path, *args: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess:
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONIOENCODING": "utf-8",
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'shop.db'}",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        input=stdin,
        cwd=folder,
        env=environment,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )


def test_migrating_a_new_database_prints_one_line_and_no_log(tmp_path):
    result = pedidos(tmp_path, "db", "upgrade", DEFAULT_LOCALE="en")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Database is up to date.\n"
    assert result.stderr == ""  # no "INFO alembic.runtime.migration: Running upgrade …"


def test_the_second_demo_says_the_demo_shop_is_already_there(tmp_path):
    pedidos(tmp_path, "db", "upgrade")
    first = pedidos(tmp_path, "demo", DEFAULT_LOCALE="en")
    again = pedidos(tmp_path, "demo", DEFAULT_LOCALE="en")
    assert first.stdout == "Demo shop ready: 12 products added.\n"
    assert again.stdout == "The demo shop is already there; nothing was changed.\n"
    assert first.stderr == again.stderr == ""


def test_the_demo_leaves_a_shop_with_its_own_catalog_alone(tmp_path):
    pedidos(tmp_path, "db", "upgrade")
    (tmp_path / "mine.csv").write_text("sku,name,price,stock\nMINE-1,Mine,10.00,1\n")
    assert pedidos(tmp_path, "catalog", "import", "mine.csv").returncode == 0
    result = pedidos(tmp_path, "demo", DEFAULT_LOCALE="en")
    assert "demo products were not added" in result.stdout
    exported = pedidos(tmp_path, "catalog", "export").stdout
    # its own columns, then no supplier terms: the demo's suppliers were not added either
    assert exported.splitlines()[1:] == ["MINE-1,Mine,,,10.00,1,0,,,,,,"]


def test_the_terminal_chat_keeps_log_lines_out_of_the_conversation(tmp_path):
    pedidos(tmp_path, "db", "upgrade")
    # A customer trying an admin command is refused, and the refusal is logged.
    chat = pedidos(tmp_path, "chat", "--locale", "en", stdin="/stock\n/quit\n")
    assert chat.returncode == 0, chat.stderr
    assert "only for the shop's team" in chat.stdout
    assert "WARNING" not in chat.stdout and "refused" not in chat.stdout
    assert chat.stderr == ""
    log = (tmp_path / "pedidos.log").read_text(encoding="utf-8")
    assert "WARNING" in log and "refused" in log


def test_a_chat_on_a_database_never_set_up_says_how_to_set_it_up(tmp_path):
    result = pedidos(tmp_path, "chat", "--user", "ana", stdin="hola\n", DEFAULT_LOCALE="en")
    assert result.returncode == 1
    assert "pedidos db upgrade" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
