"""SIGKILL after the commit and in the middle of sending: after a restart every message
is delivered exactly once. The worker processes run on the tests' clock (the seconds
after tests.conftest.START each is given), so the lease runs out exactly when the test
says, whatever the machine's time."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from core.services import outbox
from core.services.outbox import LEASE

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


@pytest.mark.slow
async def test_messages_survive_a_killed_writer_and_a_killed_dispatcher(
    shop, database_url, tmp_path
):
    out = tmp_path / "delivered.txt"
    assert worker(database_url, out, "write-and-die") == -signal.SIGKILL
    assert [m.status for m in await outbox.messages(shop)] == ["pending"] * 5
    assert not out.exists()

    # Dies when handed the third message: two delivered, the other three leased.
    assert worker(database_url, out, "dispatch", "3") == -signal.SIGKILL
    assert len(out.read_text().splitlines()) == 2

    # A restart while the dead dispatcher's lease still holds sends nothing...
    lease = LEASE.total_seconds()
    assert worker(database_url, out, "dispatch", "0", str(lease - 1)) == 0
    assert len(out.read_text().splitlines()) == 2
    # ...and once it has run out, the rest.
    assert worker(database_url, out, "dispatch", "0", str(lease + 1)) == 0
    lines = out.read_text().splitlines()
    assert sorted(lines) == sorted(
        f"ana|📦 We are preparing your order PED-AAAA{n}." for n in range(5)
    )
    assert [m.status for m in await outbox.messages(shop)] == ["sent"] * 5
