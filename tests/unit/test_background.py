"""Work started after a webhook was answered: a crash in it is logged when it happens,
not lost until the task is garbage-collected."""

from __future__ import annotations

import logging

import pytest

from bot.background import Background


async def _crash() -> None:
    raise RuntimeError("handler bug")


@pytest.mark.expects_error("background work failed")
async def test_a_crash_in_background_work_is_logged_as_it_ends(caplog):
    background = Background()
    with caplog.at_level(logging.ERROR, logger="pedidos.background"):
        background.spawn(_crash())
        await background.drain()
    [record] = [r for r in caplog.records if r.name == "pedidos.background"]
    assert record.exc_info is not None and "handler bug" in str(record.exc_info[1])
