"""`pedidos customer export|forget`, run as the merchant runs it: a customer named by
number or order code, a JSON copy of their data, and forgetting them only when asked
twice (or --yes), never while an order of theirs is in progress."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.services import orders, shipping
from core.services.catalog import get_product
from tests.conftest import MERCHANT, Clock, buy, new_buyer, open_shop
from tests.integration.test_cli import db_url, demo_shop, demo_template, ok, pedidos  # noqa: F401

NAME, PHONE = "Ana López", "+52 951 123 4567"  # as tests.conftest.details() checks out


async def place(folder: Path, *, delivered: bool) -> str:
    shop = await open_shop(db_url(folder), Clock(datetime(2026, 11, 2, 15, 0, tzinfo=UTC)))
    try:
        mug = await get_product(shop, sku="TAZA-TAL")
        order = await buy(shop, await new_buyer(shop, "ana", "Ana"), {mug.id: 1})
        if delivered:
            for step in (orders.confirm_order, orders.start_preparing, orders.mark_packed):
                await step(shop, MERCHANT, order.code)
            await shipping.ship_order(shop, MERCHANT, order.code, "dhl", "JD014600003")
            await orders.mark_delivered(shop, MERCHANT, order.code)
        return order.code
    finally:
        await shop.db.dispose()


@pytest.mark.slow
async def test_the_merchant_exports_a_customer_by_order_code_and_forgets_them(demo_shop):  # noqa: F811
    code = await place(demo_shop, delivered=True)

    ok(pedidos(demo_shop, "customer", "export", code, "ana.json"))
    copy = json.loads((demo_shop / "ana.json").read_text(encoding="utf-8"))
    assert [o["code"] for o in copy["orders"]] == [code]
    assert (copy["orders"][0]["name"], copy["orders"][0]["phone"]) == (NAME, PHONE)

    unanswered = pedidos(demo_shop, "customer", "forget", code)  # no "yes" on stdin
    assert unanswered.returncode == 1
    assert NAME in ok(pedidos(demo_shop, "orders", "export"))

    ok(pedidos(demo_shop, "customer", "forget", code, "--yes"))

    exported = ok(pedidos(demo_shop, "orders", "export"))
    assert code in exported and NAME not in exported and PHONE not in exported
    again = json.loads(ok(pedidos(demo_shop, "customer", "export", str(copy["customer"]["id"]))))
    assert again["customer"]["forgotten"] is True
    assert NAME not in json.dumps(again, ensure_ascii=False)
    assert again["orders"][0]["total"] == copy["orders"][0]["total"]


async def test_forgetting_a_customer_with_an_order_in_progress_is_refused(demo_shop):  # noqa: F811
    code = await place(demo_shop, delivered=False)

    refused = pedidos(demo_shop, "customer", "forget", code, "--yes")

    assert refused.returncode == 1
    assert code in refused.stderr
    assert NAME in ok(pedidos(demo_shop, "orders", "export"))


def test_an_unknown_customer_is_named_in_the_answer(demo_shop):  # noqa: F811
    result = pedidos(demo_shop, "customer", "export", "PED-22222")

    assert result.returncode == 1
    assert "PED-22222" in result.stderr
