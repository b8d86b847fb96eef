"""Returns through the REST API: real orders delivered through the services, returns
asked for by their customers, then decided over HTTP."""

from __future__ import annotations

import pytest

from core.domain.orders import Order, PaymentMethod
from core.domain.returns import ReturnResolution
from core.services import orders, payments, returns, shipping
from core.services.catalog import get_product
from tests.api import bearer
from tests.conftest import MERCHANT, Buyer, add_product, buy, new_buyer

pytestmark = pytest.mark.sqlite_only


async def delivered(shop, buyer: Buyer, items: dict[int, int]) -> Order:
    order = await buy(shop, buyer, items, PaymentMethod.BANK_TRANSFER)
    await payments.record_manual_payment(shop, MERCHANT, order.code)
    for move in (orders.confirm_order, orders.start_preparing, orders.mark_packed):
        await move(shop, MERCHANT, order.code)
    await shipping.ship_order(shop, MERCHANT, order.code, "dhl", "ABC123456")
    return await orders.mark_delivered(shop, MERCHANT, order.code)


async def customer_kinds(shop, customer_id: int) -> list[str]:
    async with shop.uow(write=False) as uow:
        rows = await uow.outbox.list(customer_id=customer_id, recipient="customer")
    return [m.kind for m in rows]


async def test_a_refund_return_approved_received_and_refunded(api_shop, api_as, clock):
    client = await api_as("returns:read,returns:write,orders:read")
    shirt = await add_product(api_shop, "CAM-DEV", price="300.00", stock=10)
    cap = await add_product(api_shop, "GOR-DEV", price="150.00", stock=10)
    buyer = await new_buyer(api_shop, "3001")
    order = await delivered(api_shop, buyer, {shirt: 2, cap: 1})
    clock.advance(days=2)
    asked = await returns.request_return(
        api_shop, buyer.actor, order.code, {"CAM-DEV": 2, "GOR-DEV": 1}, "No me quedó"
    )

    listed = (await client.get("/api/v1/returns?status=requested")).json()
    assert [(r["id"], r["order_code"], r["status"]) for r in listed["items"]] == [
        (asked.id, order.code, "requested")
    ]
    one = (await client.get(f"/api/v1/returns/{asked.id}")).json()
    assert one["value"] == {"amount": 75000, "currency": "MXN"}
    assert [(li["sku"], li["quantity"], li["sellable"]) for li in one["lines"]] == [
        ("CAM-DEV", 2, None),
        ("GOR-DEV", 1, None),
    ]
    early = await client.post(f"/api/v1/returns/{asked.id}/refund")
    assert (early.status_code, early.json()["code"]) == (409, "invalid_transition")
    assert early.json()["from_status"] == "requested"

    approved = await client.post(f"/api/v1/returns/{asked.id}/approve")
    assert approved.json()["status"] == "approved"
    received = await client.post(
        f"/api/v1/returns/{asked.id}/receive", json={"damaged": ["GOR-DEV"]}
    )
    assert received.status_code == 200, received.text
    assert [li["sellable"] for li in received.json()["lines"]] == [True, False]
    assert (await get_product(api_shop, product_id=shirt)).on_hand == 10  # back on the shelf
    assert (await get_product(api_shop, product_id=cap)).on_hand == 9  # damaged: not
    refunded = await client.post(f"/api/v1/returns/{asked.id}/refund")
    assert refunded.json()["status"] == "refunded"
    assert refunded.json()["refund_amount"]["amount"] == 75000
    assert (await customer_kinds(api_shop, buyer.customer_id))[-3:] == [
        "return_approved",
        "return_received",
        "return_refunded",
    ]
    the_order = (await client.get(f"/api/v1/orders/{order.code}")).json()
    assert the_order["return_ids"] == [asked.id]
    assert the_order["payments"][0]["refunded"]["amount"] == 75000
    assert (await client.get("/api/v1/returns?status=requested")).json()["items"] == []


async def test_a_rejected_return_tells_why_and_pages_of_returns(api_shop, api_as):
    client = await api_as("returns:read,returns:write")
    mug = await add_product(api_shop, "TAZA-DEV", stock=10)
    buyer = await new_buyer(api_shop, "3002")
    made = []
    for _ in range(3):
        order = await delivered(api_shop, buyer, {mug: 1})
        made.append(
            await returns.request_return(api_shop, buyer.actor, order.code, {"TAZA-DEV": 1}, "x")
        )

    first = (await client.get("/api/v1/returns?limit=2")).json()
    assert [r["id"] for r in first["items"]] == [made[0].id, made[1].id]
    rejected = await client.post(
        f"/api/v1/returns/{made[0].id}/reject", json={"reason": "Fuera de política"}
    )
    assert (rejected.json()["status"], rejected.json()["decision_note"]) == (
        "rejected",
        "Fuera de política",
    )
    second = (await client.get(f"/api/v1/returns?limit=2&cursor={first['next_cursor']}")).json()
    assert [r["id"] for r in second["items"]] == [made[2].id]
    assert second["next_cursor"] is None
    assert "return_rejected" in await customer_kinds(api_shop, buyer.customer_id)
    bad = await client.get("/api/v1/returns?cursor=eyJpZCI6ICJ4In0")  # {"id": "x"}
    assert bad.status_code == 422
    missing = await client.get("/api/v1/returns/999999")
    assert (missing.status_code, missing.json()["code"]) == (404, "return_not_found")


async def test_an_exchange_ships_its_reserved_replacement(api_shop, api_as):
    client = await api_as("returns:read,returns:write")
    medium = await add_product(api_shop, "PLAY-M", price="199.00", stock=5, category="Playeras")
    large = await add_product(api_shop, "PLAY-G", price="199.00", stock=5, category="Playeras")
    buyer = await new_buyer(api_shop, "3003")
    order = await delivered(api_shop, buyer, {medium: 1})
    asked = await returns.request_return(
        api_shop,
        buyer.actor,
        order.code,
        {"PLAY-M": 1},
        "Me queda chica",
        ReturnResolution.EXCHANGE,
        {"PLAY-M": large},
    )
    assert (await get_product(api_shop, product_id=large)).reserved == 1

    early = await client.post(
        f"/api/v1/returns/{asked.id}/ship-exchange",
        json={"carrier": "dhl", "tracking_number": "EXC123456"},
    )
    assert early.status_code == 409
    await client.post(f"/api/v1/returns/{asked.id}/approve")
    await client.post(f"/api/v1/returns/{asked.id}/receive")
    shipped = await client.post(
        f"/api/v1/returns/{asked.id}/ship-exchange",
        json={"carrier": "DHL", "tracking_number": "exc 123456"},
    )
    assert shipped.status_code == 200, shipped.text
    got = shipped.json()
    assert got["status"] == "exchanged"
    assert got["lines"][0]["replacement"] == {"product_id": large, "name": "Product PLAY-G"}
    assert got["replacement_shipment"]["tracking_number"] == "EXC123456"
    replacement = await get_product(api_shop, product_id=large)
    assert (replacement.on_hand, replacement.reserved) == (4, 0)
    assert (await get_product(api_shop, product_id=medium)).on_hand == 5  # the M came back
    assert "return_exchanged" in await customer_kinds(api_shop, buyer.customer_id)


async def test_return_scopes(api_shop, api_key, api_client):
    mug = await add_product(api_shop, "TAZA-ALC", stock=5)
    buyer = await new_buyer(api_shop, "3004")
    order = await delivered(api_shop, buyer, {mug: 1})
    asked = await returns.request_return(api_shop, buyer.actor, order.code, {"TAZA-ALC": 1}, "x")
    reader = bearer(await api_key("returns:read"))
    orders_writer = bearer(await api_key("orders:write"))

    refused = await api_client.post(f"/api/v1/returns/{asked.id}/approve", headers=reader)
    assert (refused.status_code, refused.json()["code"]) == (403, "missing_scope")
    other = await api_client.post(f"/api/v1/returns/{asked.id}/approve", headers=orders_writer)
    assert other.status_code == 403
    still = await api_client.get(f"/api/v1/returns/{asked.id}", headers=reader)
    assert still.json()["status"] == "requested"
