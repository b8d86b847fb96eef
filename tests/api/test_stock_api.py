"""Stock through the REST API: a count or an adjustment shows in the product and in its
ledger with the key as who did it, never takes stock below what open orders reserved,
and crossing the low-stock threshold alerts the admins as the chat's change does."""

from __future__ import annotations

import pytest

from core.services import api_keys, inventory
from core.services.catalog import get_product
from tests.api import bearer
from tests.api.conftest import client_for
from tests.conftest import MERCHANT, add_product, buy, new_buyer

pytestmark = pytest.mark.sqlite_only


async def admin_alerts(shop, kind: str) -> list[dict]:
    async with shop.uow(write=False) as uow:
        rows = await uow.outbox.list(recipient="admin")
    return [m.payload for m in rows if m.kind == kind]


@pytest.fixture
async def writer(api_shop, api_key):
    key = await api_key("stock:read,stock:write,products:read")
    async with client_for(api_shop, bearer(key)) as client:
        yield client


async def the_keys_actor(shop) -> str:
    """Who the test's one key acts as, as the ledger records it."""
    (key,) = await api_keys.list_keys(shop, MERCHANT)
    return str(api_keys.actor_of(key))


async def test_a_count_shows_in_the_product_and_in_the_ledger_with_the_key(api_shop, writer):
    answer = await writer.put("/api/v1/stock/taza-tal", json={"on_hand": 7, "reason": "conteo"})
    assert answer.status_code == 200, answer.text
    assert answer.json() | {"sku": "TAZA-TAL", "on_hand": 7, "available": 7} == answer.json()
    product = (await writer.get("/api/v1/products/TAZA-TAL")).json()
    assert (product["on_hand"], product["available"]) == (7, 7)

    answer = await writer.post("/api/v1/stock/TAZA-TAL/adjust", json={"delta": 5})
    assert answer.json()["on_hand"] == 12
    moves = (await writer.get("/api/v1/stock/TAZA-TAL/moves")).json()["items"]
    api_actor = await the_keys_actor(api_shop)
    assert api_actor.startswith("merchant:api:")
    assert [(m["on_hand_delta"], m["reason"], m["actor"], m["note"]) for m in moves[:2]] == [
        (5, "adjustment", api_actor, "adjustment"),
        (-13, "adjustment", api_actor, "conteo"),  # the demo's 20 counted as 7
    ]
    assert moves[-1]["reason"] == "import" and moves[-1]["actor"] == "system"


async def test_never_below_what_open_orders_reserved(api_shop, writer):
    buyer = await new_buyer(api_shop)
    mug = await get_product(api_shop, sku="TAZA-TAL")
    order = await buy(api_shop, buyer, {mug.id: 3})

    answer = await writer.put("/api/v1/stock/TAZA-TAL", json={"on_hand": 2})
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["code"] == "invalid_quantity" and problem["minimum"] == 3
    answer = await writer.post("/api/v1/stock/TAZA-TAL/adjust", json={"delta": -18})
    assert answer.status_code == 422 and answer.json()["code"] == "invalid_quantity"

    stock = (await writer.get("/api/v1/stock/TAZA-TAL")).json()
    assert (stock["on_hand"], stock["reserved"], stock["available"]) == (20, 3, 17)
    moves = (await writer.get("/api/v1/stock/TAZA-TAL/moves")).json()["items"]
    assert moves[0]["reason"] == "reserve" and moves[0]["order_code"] == order.code
    assert moves[0]["reserved_delta"] == 3

    answer = await writer.put("/api/v1/stock/TAZA-TAL", json={"on_hand": 3})  # all held
    assert answer.status_code == 200 and answer.json()["available"] == 0


async def test_crossing_the_low_stock_threshold_alerts_the_admins_once(api_shop, writer):
    seeded = len(await admin_alerts(api_shop, "stock_low"))  # the demo's low products
    answer = await writer.post(
        "/api/v1/stock/VELA-LAV/adjust", json={"delta": -33, "reason": "merma"}
    )
    assert answer.json()["low_stock"] is True and answer.json()["available"] == 2
    alerts = (await admin_alerts(api_shop, "stock_low"))[seeded:]
    assert [(a["sku"], a["available"]) for a in alerts] == [("VELA-LAV", 2)]
    await writer.post("/api/v1/stock/VELA-LAV/adjust", json={"delta": -1})  # still low
    assert len(await admin_alerts(api_shop, "stock_low")) == seeded + 1

    # The admin chat's /stock writes the same alert the same way.
    await inventory.set_stock(api_shop, MERCHANT, "COJ-BORD", 1, "conteo")
    chat = (await admin_alerts(api_shop, "stock_low"))[-1]
    assert chat == {"sku": "COJ-BORD", "name": "Cojín bordado", "available": 1, "threshold": 3}
    assert alerts[0] == {
        "sku": "VELA-LAV",
        "name": "Vela de lavanda",
        "available": 2,
        "threshold": 3,
    }


async def test_levels_low_first_and_pages_never_repeat_or_skip(api_shop, writer):
    await add_product(api_shop, "AGOTADO", stock=0)
    everything, cursor = [], None
    while True:
        query = "/api/v1/stock?limit=4" + (f"&cursor={cursor}" if cursor else "")
        page = (await writer.get(query)).json()
        everything += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    skus = [s["sku"] for s in everything]
    assert len(skus) == len(set(skus)) == 13
    lows = [s["low_stock"] for s in everything]
    assert lows == sorted(lows, reverse=True)  # every low one before every other
    assert {"LENT-SOL", "SUD-GRIS-M", "MOCH-URB", "AGOTADO"} == {
        s["sku"] for s in everything if s["low_stock"]
    }
    low_only = (await writer.get("/api/v1/stock?low=true")).json()["items"]
    assert [s["sku"] for s in low_only] == skus[:4]


async def test_the_ledger_pages_newest_first(writer):
    for delta in range(1, 8):
        await writer.post("/api/v1/stock/GOR-ROJA/adjust", json={"delta": delta})
    seen, cursor = [], None
    while True:
        query = "/api/v1/stock/GOR-ROJA/moves?limit=3" + (f"&cursor={cursor}" if cursor else "")
        page = (await writer.get(query)).json()
        seen += [m["on_hand_delta"] for m in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [7, 6, 5, 4, 3, 2, 1, 30]  # the 30 of the demo's import last
    answer = await writer.get("/api/v1/stock/NO-EXISTE/moves")
    assert answer.status_code == 404 and answer.json()["code"] == "product_not_found"


async def test_an_adjustment_repeated_with_its_idempotency_key_is_made_once(api_shop, api_key):
    key = await api_key("stock:write")
    async with client_for(api_shop) as client:
        for _ in range(2):
            answer = await client.post(
                "/api/v1/stock/GOR-ROJA/adjust",
                json={"delta": 10},
                headers=bearer(key, **{"Idempotency-Key": "recepcion-42"}),
            )
            assert answer.status_code == 200 and answer.json()["on_hand"] == 40
    assert (await get_product(api_shop, sku="GOR-ROJA")).on_hand == 40


async def test_scopes_read_and_write(api_key, api_client):
    reader = await api_key("stock:read")
    answer = await api_client.put(
        "/api/v1/stock/GOR-ROJA", json={"on_hand": 1}, headers=bearer(reader)
    )
    assert answer.status_code == 403 and answer.json()["scope"] == "stock:write"
    products_only = await api_key("products:read,products:write")
    for url in ("/api/v1/stock", "/api/v1/stock/GOR-ROJA/moves"):
        assert (await api_client.get(url, headers=bearer(products_only))).status_code == 403


async def test_unknown_fields_and_out_of_bounds_numbers_are_refused(writer):
    for url, body in (
        ("/api/v1/stock/GOR-ROJA", {"on_hand": 1, "reserved": 0}),
        ("/api/v1/stock/GOR-ROJA", {"on_hand": -1}),
        ("/api/v1/stock/GOR-ROJA", {"on_hand": 1, "reason": ""}),
    ):
        answer = await writer.put(url, json=body)
        assert answer.status_code == 422 and answer.json()["code"] == "invalid_request", body
    answer = await writer.post("/api/v1/stock/GOR-ROJA/adjust", json={"delta": 0})
    assert answer.status_code == 422 and answer.json()["code"] == "invalid_quantity"
    assert (await writer.get("/api/v1/stock/GOR-ROJA")).json()["on_hand"] == 30
