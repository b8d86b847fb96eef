"""A plugin (tests/conftest.py loads it): the run's last lines say where the browser
tests' screenshots are, when this run took some. Loaded in the main process too, which
under pytest-xdist collects no test and so never reads tests/browser/conftest.py."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
_started = time.time()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not SCREENSHOTS.is_dir():
        return
    taken = [path for path in SCREENSHOTS.glob("*.png") if path.stat().st_mtime >= _started]
    if taken:
        here = Path.cwd()
        where = SCREENSHOTS.relative_to(here) if SCREENSHOTS.is_relative_to(here) else SCREENSHOTS
        terminalreporter.write_line(f"browser screenshots: {len(taken)} in {where}/")
