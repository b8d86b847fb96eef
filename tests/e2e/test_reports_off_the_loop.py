"""An admin's report or export does not stop the shop: a customer who writes while it is
being built is answered meanwhile (issue #15). SQLite statements otherwise run on the
event loop's own thread (core/store/sqlite_driver.py); a report's and an export's run
in a worker thread, and the report's arithmetic too. Each test holds that worker still
on an event, so the report cannot finish before the customer is answered, however fast
or slow the machine: the customer's answer proves the loop was free."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from core.services import reports
from core.store import sqlite_driver
from tests.e2e.chat_driver import ChatDriver

WAIT = 10  # seconds: only reached when the test fails


class Held:
    """A function that, called off the loop's thread, waits until released."""

    def __init__(self, loop_thread: int) -> None:
        self.loop_thread = loop_thread
        self.entered = threading.Event()
        self.released = threading.Event()

    def wrap(self, function: Callable[..., Any]) -> Callable[..., Any]:
        def held(*args: Any, **kwargs: Any) -> Any:
            if threading.get_ident() != self.loop_thread:
                self.entered.set()
                # Were this on the loop's thread, the customer could not be answered
                # before WAIT runs out, and the test fails on the order of events.
                self.released.wait(WAIT)
            return function(*args, **kwargs)

        return held


@contextmanager
def held_off_the_loop(
    monkeypatch: pytest.MonkeyPatch, *targets: tuple[object, str]
) -> Iterator[Held]:
    held = Held(threading.get_ident())
    for owner, name in targets:
        monkeypatch.setattr(owner, name, held.wrap(getattr(owner, name)))
    try:
        yield held
    finally:
        held.released.set()


async def customer_answered_while(admin_typing: asyncio.Task[str], held: Held, shop) -> None:
    customer = ChatDriver(shop, "c1", name="Bea")
    await customer.open()
    assert await asyncio.to_thread(held.entered.wait, WAIT), "nothing ran off the loop"
    assert "Catalog" in await customer.still_answers("/menu")
    assert not admin_typing.done()  # the admin's work is still held in its worker
    held.released.set()


async def test_a_customer_is_answered_while_a_report_is_built(demo_shop, tmp_path, monkeypatch):
    admin = ChatDriver(demo_shop, "owner", files=tmp_path)
    await admin.open()
    # On SQLite the report's statements are the first thing off the loop; on
    # PostgreSQL (whose statements never held the loop) its arithmetic.
    holding = (sqlite_driver, "_run") if demo_shop.db.is_sqlite else (reports, "_figures")
    with held_off_the_loop(monkeypatch, holding) as held:
        reporting = asyncio.create_task(admin.type("/reporte 30d"))
        await customer_answered_while(reporting, held, demo_shop)
    assert "Orders: 0" in await asyncio.wait_for(reporting, WAIT)


async def test_a_customer_is_answered_while_the_orders_are_exported(
    demo_shop, tmp_path, monkeypatch
):
    if not demo_shop.db.is_sqlite:
        pytest.skip("PostgreSQL's statements never run on the loop's thread")
    admin = ChatDriver(demo_shop, "owner", files=tmp_path)
    await admin.open()
    with held_off_the_loop(monkeypatch, (sqlite_driver, "_run")) as held:
        exporting = asyncio.create_task(admin.type("/exportar"))
        await customer_answered_while(exporting, held, demo_shop)
    assert "All orders, one row per product line." in await asyncio.wait_for(exporting, WAIT)
