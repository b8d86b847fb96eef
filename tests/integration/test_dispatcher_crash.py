"""SIGKILL after the commit and in the middle of sending: after a restart every message
is delivered exactly once."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from core.services import outbox

ROOT = Path(__file__).resolve().parents[2]


def worker(database_url: str, out: Path, mode: str, *extra: str) -> int:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.integration.dispatch_worker",
            database_url,
            str(out),
            mode,
            *extra,
        ],
        cwd=ROOT,
        timeout=120,
    ).returncode


async def test_messages_survive_a_killed_writer_and_a_killed_dispatcher(
    shop, database_url, tmp_path
):
    out = tmp_path / "delivered.txt"
    assert worker(database_url, out, "write-and-die") == -signal.SIGKILL
    assert [m.status for m in await outbox.messages(shop)] == ["pending"] * 5
    assert not out.exists()

    # Dies when handed the third message: two delivered, the third leased, not sent.
    assert worker(database_url, out, "dispatch", "3") == -signal.SIGKILL
    assert len(out.read_text().splitlines()) == 2

    # A restart, once the dead dispatcher's lease has run out (the clock is 2 min on).
    assert worker(database_url, out, "dispatch", "0", "120") == 0
    lines = out.read_text().splitlines()
    assert sorted(lines) == sorted(
        f"ana|📦 We are preparing your order PED-AAAA{n}." for n in range(5)
    )
    assert [m.status for m in await outbox.messages(shop)] == ["sent"] * 5
