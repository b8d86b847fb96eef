"""The garbage collector's settings for a long-running bot process."""

from __future__ import annotations

import gc

# Collections of the youngest generation after this many new objects (Python's default
# is 700): an update makes thousands of short-lived objects (aiogram's models, rows).
YOUNG_THRESHOLD = 10_000


def tune_for_serving() -> None:
    """Call once everything is loaded. What exists by then (modules, aiogram's and
    pydantic's hundreds of thousands of model objects) lives as long as the process:
    frozen, full collections no longer walk it; without that they stopped the bot every
    few seconds under load. Rarer young collections save CPU too. bench/mixed.py reports
    the collector's pauses (the figures: docs/benchmarks.md)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, 20, 20)
