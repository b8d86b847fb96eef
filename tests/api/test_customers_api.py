"""Customers through the REST API, read only: found by a piece of their name or phone,
one's card with what they ordered and paid, and a forgotten customer revealing nothing."""

from __future__ import annotations

import dataclasses

import pytest

from core.domain.orders import PaymentMethod
from core.services import cart, checkout, orders, payments, privacy
from core.services.catalog import get_product
from tests.api import bearer
from tests.conftest import MERCHANT, details, new_buyer

pytestmark = pytest.mark.sqlite_only


async def order_for(shop, buyer, name: str, phone: str, sku: str = "TAZA-TAL"):
    product = await get_product(shop, sku=sku)
    await cart.add_to_cart(shop, buyer.customer_id, product.id, 1)
    how = dataclasses.replace(details(PaymentMethod.BANK_TRANSFER), name=name, phone=phone)
    return await checkout.place_order(shop, buyer.customer_id, how)


async def found(client, query: str, limit: int = 50) -> list[int]:
    ids, cursor = [], None
    while True:
        url = f"/api/v1/customers?limit={limit}{query}" + (f"&cursor={cursor}" if cursor else "")
        answer = await client.get(url)
        assert answer.status_code == 200, answer.text
        ids += [c["id"] for c in answer.json()["items"]]
        cursor = answer.json()["next_cursor"]
        if cursor is None:
            return ids


@pytest.fixture
async def people(api_shop):
    ana = await new_buyer(api_shop, "3001", "Ana")
    luis = await new_buyer(api_shop, "3002", "Luis")
    nadie = await new_buyer(api_shop, "3003", "")
    await order_for(api_shop, ana, "Ana López", "+52 951 123 4567")
    paid = await order_for(api_shop, luis, "Luis Pérez", "951-765-4321", sku="GOR-ROJA")
    await payments.record_manual_payment(api_shop, MERCHANT, paid.code)
    return ana, luis, nadie


async def test_find_by_a_piece_of_name_or_phone(api_as, people):
    ana, luis, nadie = people
    client = await api_as("customers:read")
    assert await found(client, "") == [ana.customer_id, luis.customer_id, nadie.customer_id]
    assert await found(client, "", limit=1) == [
        ana.customer_id,
        luis.customer_id,
        nadie.customer_id,
    ]
    assert await found(client, "&q=ANA") == [ana.customer_id]
    assert await found(client, "&q=l%C3%B3pez") == [ana.customer_id]  # as the order has it
    assert await found(client, "&q=9511234567") == [ana.customer_id]  # typed without marks
    assert await found(client, "&q=765 43") == [luis.customer_id]
    assert await found(client, "&q=951") == [ana.customer_id, luis.customer_id]
    assert await found(client, "&q=Marta") == []


async def test_one_customers_card(api_shop, api_as, people):
    ana, luis, _ = people
    client = await api_as("customers:read")
    card = (await client.get(f"/api/v1/customers/{luis.customer_id}")).json()
    assert card["forgotten"] is False
    assert (card["channel"], card["name"], card["phone"], card["locale"]) == (
        "terminal",
        "Luis Pérez",
        "951-765-4321",
        "es",
    )
    assert card["orders"] == 1 and len(card["in_progress"]) == 1
    (paid,) = await orders.customer_orders(api_shop, luis.customer_id)
    assert card["spent"] == {"amount": paid.total.amount, "currency": "MXN"}
    unpaid = (await client.get(f"/api/v1/customers/{ana.customer_id}")).json()
    assert unpaid["spent"] == {"amount": 0, "currency": "MXN"}  # a transfer not yet seen
    assert card["addresses"][0]["city"] == "Oaxaca"
    assert card["addresses"][0]["postal_code"] == "68000"

    answer = await client.get("/api/v1/customers/999999")
    assert answer.status_code == 404 and answer.json()["code"] == "customer_not_found"


async def test_a_forgotten_customer_reveals_nothing(api_shop, api_as, people):
    _ana, _luis, nadie = people
    await privacy.forget_customer(api_shop, MERCHANT, nadie.customer_id)  # never ordered
    client = await api_as("customers:read")
    answer = await client.get(f"/api/v1/customers/{nadie.customer_id}")
    assert answer.status_code == 200
    card = answer.json()
    assert card["forgotten"] is True
    assert [card[k] for k in ("channel", "name", "phone", "locale")] == [None] * 4
    assert card["addresses"] == []
    listed = (await client.get("/api/v1/customers")).json()["items"]
    assert listed[-1] == {
        "id": nadie.customer_id,
        "forgotten": True,
        "channel": None,
        "name": None,
        "phone": None,
        "locale": None,
    }
    assert "3003" not in (await client.get("/api/v1/customers")).text


async def test_a_forgotten_customer_with_past_orders_is_found_by_nothing(api_shop, api_as, people):
    ana, _, _ = people
    client = await api_as("customers:read")
    (placed,) = await orders.customer_orders(api_shop, ana.customer_id)
    await orders.cancel_order(api_shop, MERCHANT, placed.code, "sin pago")
    await privacy.forget_customer(api_shop, MERCHANT, ana.customer_id)
    for query in ("&q=Ana", "&q=L%C3%B3pez", "&q=9511234567"):
        assert await found(client, query) == []
    answer = await client.get(f"/api/v1/customers/{ana.customer_id}")
    assert "Ana" not in answer.text and "4567" not in answer.text and "Oaxaca" not in answer.text
    assert answer.json()["orders"] == 1  # the books keep the order


async def test_customers_need_their_scope(api_key, api_client, people):
    ana, _, _ = people
    key = await api_key("orders:read,orders:write,products:read")
    for url in ("/api/v1/customers", f"/api/v1/customers/{ana.customer_id}"):
        answer = await api_client.get(url, headers=bearer(key))
        assert answer.status_code == 403 and answer.json()["scope"] == "customers:read"
    assert (await api_client.get("/api/v1/customers")).status_code == 401
