"""Carriers through the REST API: listed, added or changed by the same service as
`pedidos carrier add`, and used when an order ships."""

from __future__ import annotations

import pytest

from core.domain.orders import PaymentMethod
from core.services import orders, payments, shipping
from core.services.catalog import get_product
from tests.api import bearer
from tests.conftest import MERCHANT, buy, new_buyer

pytestmark = pytest.mark.sqlite_only


async def test_list_then_add_a_carrier_an_order_ships_with(api_shop, api_as):
    client = await api_as("carriers:read,carriers:write")
    listed = (await client.get("/api/v1/carriers")).json()
    assert listed["next_cursor"] is None
    dhl = next(c for c in listed["items"] if c["code"] == "dhl")
    assert dhl["name"] == "DHL" and "{tracking}" in dhl["tracking_url"]

    answer = await client.put(
        "/api/v1/carriers/99min",
        json={"name": "99 Minutos", "tracking_url": "https://99minutos.com/track/{tracking}"},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "code": "99min",
        "name": "99 Minutos",
        "tracking_url": "https://99minutos.com/track/{tracking}",
    }
    assert (await client.get("/api/v1/carriers/99min")).json()["name"] == "99 Minutos"

    buyer = await new_buyer(api_shop)
    mug = await get_product(api_shop, sku="TAZA-TAL")
    order = await buy(api_shop, buyer, {mug.id: 1}, PaymentMethod.BANK_TRANSFER)
    await payments.record_manual_payment(api_shop, MERCHANT, order.code)
    for move in (orders.confirm_order, orders.start_preparing, orders.mark_packed):
        await move(api_shop, MERCHANT, order.code)
    _, shipment = await shipping.ship_order(api_shop, MERCHANT, order.code, "99min", "AB123456")
    assert shipment.tracking_url == "https://99minutos.com/track/AB123456"

    answer = await client.put(  # changed: the same code, a new link
        "/api/v1/carriers/99min",
        json={"name": "99minutos", "tracking_url": "https://www.99minutos.com/r?g={tracking}"},
    )
    assert answer.json()["name"] == "99minutos"
    assert len((await client.get("/api/v1/carriers")).json()["items"]) == len(listed["items"]) + 1


async def test_a_carrier_that_does_not_fit_is_refused_and_nothing_changes(api_as):
    client = await api_as("carriers:read,carriers:write")
    before = (await client.get("/api/v1/carriers")).json()
    for code, body in (
        ("99min", {"name": "99", "tracking_url": "https://99minutos.com/track/"}),
        ("99min", {"name": "99", "tracking_url": "javascript:alert('{tracking}')"}),
        ("Bad-Code", {"name": "X", "tracking_url": "https://x.mx/{tracking}"}),
        ("x", {"name": "X", "tracking_url": "https://x.mx/{tracking}"}),
        ("okcode", {"name": "   ", "tracking_url": "https://x.mx/{tracking}"}),
    ):
        answer = await client.put(f"/api/v1/carriers/{code}", json=body)
        assert answer.status_code == 422, (code, body)
        assert answer.json()["code"] == "invalid_carrier"
    answer = await client.put(
        "/api/v1/carriers/okcode",
        json={"name": "X", "tracking_url": "https://x.mx/{tracking}", "x": 1},
    )
    assert answer.status_code == 422 and answer.json()["code"] == "invalid_request"
    assert (await client.get("/api/v1/carriers")).json() == before
    answer = await client.get("/api/v1/carriers/nadie")
    assert answer.status_code == 404 and answer.json()["code"] == "carrier_not_found"


async def test_a_read_key_may_not_change_carriers(api_key, api_client):
    key = await api_key("carriers:read")
    body = {"name": "DHL Express", "tracking_url": "https://dhl.example/{tracking}"}
    answer = await api_client.put("/api/v1/carriers/dhl", json=body, headers=bearer(key))
    assert answer.status_code == 403 and answer.json()["scope"] == "carriers:write"
    dhl = await api_client.get("/api/v1/carriers/dhl", headers=bearer(key))
    assert dhl.json()["name"] == "DHL"
    other = await api_key("orders:read")
    assert (await api_client.get("/api/v1/carriers", headers=bearer(other))).status_code == 403
