"""The suite's time, printed at the end of every run: the total against the 10-minute
budget, the time per folder, and the tests that took long without the `slow` marker
(so `pytest -m "not slow"` stays a quick loop)."""

from __future__ import annotations

import time
from collections import defaultdict

import pytest

BUDGET_SECONDS = 600  # make test on a 2-core machine, PostgreSQL included
SLOW_SECONDS = 5.0  # a test taking longer than this belongs under the `slow` marker

_started = time.monotonic()
_spent: dict[str, float] = defaultdict(float)  # nodeid -> seconds (setup, call, teardown)
_marked_slow: set[str] = set()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Reports reach the main process also from pytest-xdist's workers."""
    _spent[report.nodeid] += report.duration
    if "slow" in report.keywords:
        _marked_slow.add(report.nodeid)


def _folder(nodeid: str) -> str:
    parts = nodeid.split("::")[0].split("/")
    return parts[1] if len(parts) > 2 else parts[-1]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _spent:
        return
    write = terminalreporter.write_line
    total = time.monotonic() - _started
    minutes, seconds = divmod(round(total), 60)
    terminalreporter.section("suite time")
    write(
        f"{len(_spent)} tests in {minutes} min {seconds:02d} s (budget {BUDGET_SECONDS // 60} min)"
    )
    by_folder: dict[str, float] = defaultdict(float)
    for nodeid, spent in _spent.items():
        by_folder[_folder(nodeid)] += spent
    write("  " + ", ".join(f"{name} {spent:.0f} s" for name, spent in sorted(by_folder.items())))
    slow = sum(spent for nodeid, spent in _spent.items() if nodeid in _marked_slow)
    write(f"  marked slow: {len(_marked_slow & _spent.keys())} tests, {slow:.0f} s")
    unmarked = sorted(
        (spent, nodeid)
        for nodeid, spent in _spent.items()
        if spent > SLOW_SECONDS and nodeid not in _marked_slow
    )
    for spent, nodeid in reversed(unmarked):
        write(f"  over {SLOW_SECONDS:.0f} s without the slow marker: {nodeid} ({spent:.1f} s)")
    if total > BUDGET_SECONDS:
        write(f"  OVER BUDGET by {total - BUDGET_SECONDS:.0f} s", red=True)
