"""Orders through the REST API: real orders placed through checkout, driven by HTTP
(no server: httpx on the ASGI app) against a migrated SQLite file."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pypdfium2
import pytest

from core.domain.orders import Order, OrderStatus, PaymentMethod
from core.services import api_keys, cart, checkout, orders, shipping
from core.services.admins import admin_names
from core.services.catalog import get_product
from handlers.admin.cards import timeline_text
from handlers.i18n import Translator
from tests.api import bearer
from tests.conftest import MERCHANT, Buyer, add_product, details, new_buyer

pytestmark = pytest.mark.sqlite_only


async def place(
    shop,
    buyer: Buyer,
    items: dict[int, int],
    payment: PaymentMethod = PaymentMethod.CASH_ON_DELIVERY,
    phone: str = "+52 951 123 4567",
) -> Order:
    for product_id, quantity in items.items():
        await cart.add_to_cart(shop, buyer.customer_id, product_id, quantity)
    return await checkout.place_order(
        shop, buyer.customer_id, dataclasses.replace(details(payment), phone=phone)
    )


async def customer_news(shop, customer_id: int) -> list[tuple[str, dict]]:
    """The customer's outbox rows: (kind, payload without the order's code)."""
    async with shop.uow(write=False) as uow:
        rows = await uow.outbox.list(customer_id=customer_id, recipient="customer")
    return [(m.kind, {k: v for k, v in m.payload.items() if k != "code"}) for m in rows]


async def all_pages(client, query: str, limit: int) -> list[str]:
    codes, cursor = [], None
    while True:
        url = f"/api/v1/orders?limit={limit}{query}" + (f"&cursor={cursor}" if cursor else "")
        answer = await client.get(url)
        assert answer.status_code == 200, answer.text
        page = answer.json()
        codes += [o["code"] for o in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return codes


async def test_list_filters_and_pages_never_repeat_or_skip(api_shop, api_as, clock):
    client = await api_as("orders:read")
    mug = await add_product(api_shop, "TAZA-API", price="100.00", stock=100)
    ana, luis = await new_buyer(api_shop, "2001", "Ana"), await new_buyer(api_shop, "2002", "Luis")
    placed: list[Order] = []
    for i in range(5):
        buyer = ana if i % 2 == 0 else luis
        phone = "+52 55 1234 5678" if buyer is ana else "+52 33 8765 4321"
        placed.append(await place(api_shop, buyer, {mug: 1}, phone=phone))
        if i == 1:
            await orders.confirm_order(api_shop, MERCHANT, placed[-1].code)
        if i < 3:
            clock.advance(minutes=5)  # the last two share a moment: id breaks the tie
    newest_first = [o.code for o in reversed(placed)]

    first = (await client.get("/api/v1/orders?limit=2")).json()
    assert [o["code"] for o in first["items"]] == newest_first[:2]
    assert first["items"][0]["total"] == {"amount": placed[-1].total.amount, "currency": "MXN"}
    # An order placed between two pages comes before the first: the rest is unchanged.
    clock.advance(minutes=1)
    late = await place(api_shop, luis, {mug: 1})
    rest = await all_pages(client, "", 2)  # from the top again: the late one first
    assert rest == [late.code, *newest_first]
    second = (await client.get(f"/api/v1/orders?limit=2&cursor={first['next_cursor']}")).json()
    assert [o["code"] for o in second["items"]] == newest_first[2:4]

    confirmed = (await client.get("/api/v1/orders?status=confirmed")).json()["items"]
    assert [o["code"] for o in confirmed] == [placed[1].code]
    assert confirmed[0]["status"] == "confirmed"
    both = await all_pages(client, "&status=confirmed&status=awaiting_confirmation", 1)
    assert len(both) == 6
    assert await all_pages(client, f"&customer_id={ana.customer_id}", 1) == [
        placed[4].code,
        placed[2].code,
        placed[0].code,
    ]
    by_code = (await client.get(f"/api/v1/orders?q={placed[3].code[4:].lower()}")).json()
    assert [o["code"] for o in by_code["items"]] == [placed[3].code]
    by_phone = await all_pages(client, "&q=33 8765 4321", 10)
    assert by_phone == [placed[3].code, placed[1].code]
    since = (placed[2].created_at).isoformat().replace("+00:00", "Z")
    until = (placed[3].created_at).isoformat().replace("+00:00", "Z")
    window = await all_pages(client, f"&created_from={since}&created_to={until}", 10)
    assert window == [placed[2].code]


@pytest.mark.parametrize(
    "query",
    [
        "status=lost",
        "limit=0",
        "limit=101",
        "customer_id=-1",
        "created_from=2026-11-02T10:00:00",  # no offset
        "created_from=2026-11-03T00:00:00Z&created_to=2026-11-02T00:00:00Z",
        "cursor=not-a-cursor",
        "cursor=eyJpZCI6IDF9",  # {"id": 1}: not one of ours
        "q=%00",
    ],
)
async def test_invalid_filters_are_a_422_problem(api_as, query):
    client = await api_as("orders:read")
    answer = await client.get(f"/api/v1/orders?{query}")
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["code"] == "invalid_request"


async def test_one_order_with_lines_totals_customer_and_timeline(api_shop, api_as, clock):
    client = await api_as("orders:read")
    shirt = await add_product(api_shop, "CAM-API", price="349.00", stock=5)
    buyer = await new_buyer(api_shop, "2003", "Ana")
    order = await place(api_shop, buyer, {shirt: 2}, phone="+52 55 1111 2222")
    clock.advance(minutes=3)
    await orders.confirm_order(api_shop, MERCHANT, order.code)

    answer = await client.get(f"/api/v1/orders/{order.code[4:].lower()}")
    assert answer.status_code == 200
    got = answer.json()
    assert got["code"] == order.code
    assert got["status"] == "confirmed"
    assert got["customer"] == {"id": buyer.customer_id, "name": "Ana López", "phone": order.phone}
    assert got["lines"] == [
        {
            "sku": "CAM-API",
            "name": "Product CAM-API",
            "quantity": 2,
            "unit_price": {"amount": 34900, "currency": "MXN"},
            "total": {"amount": 69800, "currency": "MXN"},
            "weight_g": 500,
        }
    ]
    assert got["totals"]["total"]["amount"] == order.total.amount
    assert got["totals"]["subtotal"]["amount"] == 69800
    assert got["address"]["postal_code"] == "68000"
    assert (got["payment_method"], got["paid"], got["shipment"]) == (
        "cash_on_delivery",
        False,
        None,
    )
    assert [(e["kind"], e["from_status"], e["to_status"]) for e in got["timeline"]] == [
        ("placed", None, "awaiting_confirmation"),
        ("confirmed", "awaiting_confirmation", "confirmed"),
    ]
    assert got["timeline"][1]["actor"] == str(MERCHANT)

    missing = await client.get("/api/v1/orders/PED-ZZZZZ")
    assert (missing.status_code, missing.json()["code"]) == (404, "order_not_found")


async def test_the_whole_journey_tells_the_customer_what_the_admin_chat_would(
    api_shop, api_as, clock
):
    """Order A goes through the API, order B through the services the admin chat calls:
    each customer's outbox gets the same messages."""
    client = await api_as("orders:read,orders:write")
    shirt = await add_product(api_shop, "CAM-VIAJE", price="200.00", stock=10)
    by_api, by_chat = await new_buyer(api_shop, "2004"), await new_buyer(api_shop, "2005")
    a = await place(api_shop, by_api, {shirt: 3})
    b = await place(api_shop, by_chat, {shirt: 3})

    statuses = []
    for step in ("confirm", "prepare", "pack"):
        clock.advance(minutes=10)
        answer = await client.post(f"/api/v1/orders/{a.code}/{step}")
        assert answer.status_code == 200, answer.text
        statuses.append(answer.json()["status"])
    shipped = await client.post(
        f"/api/v1/orders/{a.code}/ship",
        json={"carrier": "Estafeta", "tracking_number": "12345 67890"},
    )
    assert shipped.status_code == 200, shipped.text
    assert shipped.json()["shipment"]["tracking_url"].endswith("guia=1234567890")
    assert (await get_product(api_shop, product_id=shirt)).on_hand == 7
    clock.advance(days=1)
    delivered = (await client.post(f"/api/v1/orders/{a.code}/deliver")).json()
    statuses += [shipped.json()["status"], delivered["status"]]
    assert statuses == ["confirmed", "preparing", "packed", "shipped", "delivered"]
    assert delivered["paid"] is True  # the cash collected on delivery
    api_actor = delivered["timeline"][1]["actor"]
    assert api_actor.startswith("merchant:api:")
    assert [e["kind"] for e in delivered["timeline"]] == [
        "placed",
        "confirmed",
        "preparing",
        "packed",
        "shipped",
        "delivered",
        "paid",
    ]

    await orders.confirm_order(api_shop, MERCHANT, b.code)
    await orders.start_preparing(api_shop, MERCHANT, b.code)
    await orders.mark_packed(api_shop, MERCHANT, b.code)
    await shipping.ship_order(api_shop, MERCHANT, b.code, "estafeta", "1234567890")
    await orders.mark_delivered(api_shop, MERCHANT, b.code)
    told = await customer_news(api_shop, by_api.customer_id)
    assert told == await customer_news(api_shop, by_chat.customer_id)
    assert [kind for kind, _ in told] == [
        "order_confirmed",
        "order_preparing",
        "order_shipped",
        "order_delivered",
    ]


async def test_an_illegal_move_is_a_409_naming_the_order_status(api_shop, api_as):
    client = await api_as("orders:write,orders:read")
    shirt = await add_product(api_shop, "CAM-MAL", stock=5)
    buyer = await new_buyer(api_shop, "2006")
    order = await place(api_shop, buyer, {shirt: 1})

    answer = await client.post(f"/api/v1/orders/{order.code}/pack")
    assert answer.status_code == 409
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert (
        problem["code"],
        problem["from_status"],
        problem["to_status"],
        problem["order_code"],
    ) == (
        "invalid_transition",
        "awaiting_confirmation",
        "packed",
        order.code,
    )
    english = await client.post(
        f"/api/v1/orders/{order.code}/pack", headers={"Accept-Language": "en"}
    )
    assert english.json()["title"] == "That move can't be made from its current status."
    got = (await client.get(f"/api/v1/orders/{order.code}")).json()
    assert got["status"] == "awaiting_confirmation"
    assert [e["kind"] for e in got["timeline"]] == ["placed"]

    transfer = await place(api_shop, buyer, {shirt: 1}, PaymentMethod.BANK_TRANSFER)
    unpaid = await client.post(f"/api/v1/orders/{transfer.code}/confirm")
    assert (unpaid.status_code, unpaid.json()["code"]) == (409, "payment_required")
    waived = await client.post(f"/api/v1/orders/{transfer.code}/confirm-without-payment")
    assert waived.json()["status"] == "confirmed"
    assert waived.json()["timeline"][-1]["kind"] == "confirmed_without_payment"


async def test_reject_and_cancel_release_the_stock_and_tell_why(api_shop, api_as):
    client = await api_as("orders:write,orders:read")
    shirt = await add_product(api_shop, "CAM-NO", stock=5)
    buyer = await new_buyer(api_shop, "2007")
    first = await place(api_shop, buyer, {shirt: 2})
    second = await place(api_shop, buyer, {shirt: 1})
    assert (await get_product(api_shop, product_id=shirt)).reserved == 3

    rejected = await client.post(
        f"/api/v1/orders/{first.code}/reject", json={"reason": "Sin envíos a esa zona"}
    )
    assert rejected.status_code == 200
    assert (rejected.json()["status"], rejected.json()["cancel_reason"]) == (
        "cancelled",
        "Sin envíos a esa zona",
    )
    no_reason = await client.post(f"/api/v1/orders/{second.code}/cancel", json={})
    assert no_reason.status_code == 422
    extra = await client.post(
        f"/api/v1/orders/{second.code}/cancel", json={"reason": "x", "notify": False}
    )
    assert extra.status_code == 422  # unknown fields are refused, not dropped
    await client.post(f"/api/v1/orders/{second.code}/confirm")
    cancelled = await client.post(
        f"/api/v1/orders/{second.code}/cancel", json={"reason": "Se agotó"}
    )
    assert cancelled.json()["status"] == "cancelled"
    assert (await get_product(api_shop, product_id=shirt)).reserved == 0
    kinds = [kind for kind, _ in await customer_news(api_shop, buyer.customer_id)]
    assert kinds.count("order_rejected") == 1 and kinds.count("order_cancelled") == 1
    again = await client.post(f"/api/v1/orders/{second.code}/cancel", json={"reason": "otra"})
    assert (again.status_code, again.json()["from_status"]) == (409, "cancelled")


async def test_scopes_and_revoked_keys(api_shop, api_key, api_client):
    shirt = await add_product(api_shop, "CAM-LLAVE", stock=5)
    buyer = await new_buyer(api_shop, "2008")
    order = await place(api_shop, buyer, {shirt: 1})
    reader = await api_key("orders:read")

    refused = await api_client.post(f"/api/v1/orders/{order.code}/confirm", headers=bearer(reader))
    assert refused.status_code == 403
    assert refused.json()["code"] == "missing_scope"
    products_only = await api_key("products:read")
    listing = await api_client.get("/api/v1/orders", headers=bearer(products_only))
    assert listing.status_code == 403
    nobody = await api_client.get("/api/v1/orders")
    assert nobody.status_code == 401

    writer = await api_key("orders:write,orders:read")
    [made] = [
        k
        for k in await api_keys.list_keys(api_shop, MERCHANT)
        if k.scopes == {"orders:write", "orders:read"}
    ]
    assert await api_keys.revoke_key(api_shop, MERCHANT, made.id)
    revoked = await api_client.post(f"/api/v1/orders/{order.code}/confirm", headers=bearer(writer))
    assert revoked.status_code == 401
    got = await api_client.get(f"/api/v1/orders/{order.code}", headers=bearer(reader))
    assert got.json()["status"] == "awaiting_confirmation"


async def test_the_label_is_a_pdf_of_the_order(api_shop, api_as):
    client = await api_as("orders:read")
    shirt = await add_product(api_shop, "CAM-ETQ", stock=5)
    buyer = await new_buyer(api_shop, "2009")
    order = await place(api_shop, buyer, {shirt: 1})

    answer = await client.get(f"/api/v1/orders/{order.code}/label.pdf")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.content.startswith(b"%PDF")
    document = pypdfium2.PdfDocument(answer.content)
    text = " ".join(document[0].get_textpage().get_text_range().split())
    assert len(document) == 1
    assert f"Pedido {order.code}" in text and "68000 Oaxaca" in text
    english = await client.get(
        f"/api/v1/orders/{order.code}/label.pdf", headers={"Accept-Language": "en"}
    )
    english_text = pypdfium2.PdfDocument(english.content)[0].get_textpage().get_text_range()
    assert f"Order {order.code}" in " ".join(english_text.split())


async def test_refunds_partial_then_the_rest_then_nothing_left(api_shop, api_as, clock):
    client = await api_as("orders:write,orders:read")
    shirt = await add_product(api_shop, "CAM-REEMB", price="500.00", stock=5)
    buyer = await new_buyer(api_shop, "2010")
    order = await place(api_shop, buyer, {shirt: 1}, PaymentMethod.BANK_TRANSFER)

    unpaid = await client.post(f"/api/v1/orders/{order.code}/refund", json={"amount": 100})
    assert (unpaid.status_code, unpaid.json()["code"]) == (409, "nothing_to_refund")
    paid = await client.post(f"/api/v1/orders/{order.code}/mark-paid")
    assert paid.json()["paid"] is True
    assert paid.json()["payments"][0]["status"] == "paid"

    part = await client.post(f"/api/v1/orders/{order.code}/refund", json={"amount": 15000})
    assert part.status_code == 200, part.text
    assert part.json()["payments"][0]["refunded"]["amount"] == 15000
    assert part.json()["payments"][0]["status"] == "partially_refunded"
    clock.advance(minutes=1)
    rest = await client.post(f"/api/v1/orders/{order.code}/refund")
    assert rest.json()["payments"][0]["refunded"]["amount"] == order.total.amount
    assert rest.json()["payments"][0]["status"] == "refunded"
    assert [e["data"]["amount"] for e in rest.json()["timeline"] if e["kind"] == "refunded"] == [
        15000,
        order.total.amount - 15000,
    ]
    nothing = await client.post(f"/api/v1/orders/{order.code}/refund", json={"amount": 1})
    assert (nothing.status_code, nothing.json()["code"]) == (409, "refund_too_large")
    refunds = [
        p for k, p in await customer_news(api_shop, buyer.customer_id) if k == "order_refunded"
    ]
    assert [p["amount"] for p in refunds] == [15000, order.total.amount - 15000]


async def test_a_repeated_post_with_its_idempotency_key_moves_the_order_once(api_shop, api_as):
    client = await api_as("orders:write,orders:read")
    shirt = await add_product(api_shop, "CAM-IDEM", stock=5)
    buyer = await new_buyer(api_shop, "2011")
    order = await place(api_shop, buyer, {shirt: 1})
    headers = {"Idempotency-Key": "confirm-1"}

    first = await client.post(f"/api/v1/orders/{order.code}/confirm", headers=headers)
    again = await client.post(f"/api/v1/orders/{order.code}/confirm", headers=headers)
    assert first.status_code == again.status_code == 200
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    kinds = [k for k, _ in await customer_news(api_shop, buyer.customer_id)]
    assert kinds.count("order_confirmed") == 1


async def test_the_late_order_of_a_past_moment_is_still_found_once(api_shop, api_as, clock):
    """Pages are positions, not offsets: an order whose clock stands between two pages'
    orders (another worker's, a slow one) never makes a later page repeat one."""
    client = await api_as("orders:read")
    mug = await add_product(api_shop, "TAZA-POS", stock=50)
    buyer = await new_buyer(api_shop, "2012")
    made = []
    for _ in range(3):
        made.append(await place(api_shop, buyer, {mug: 1}))
        await orders.confirm_order(api_shop, MERCHANT, made[-1].code)
        clock.advance(minutes=10)
    first = (await client.get("/api/v1/orders?limit=2")).json()
    clock.now = made[1].created_at - timedelta(minutes=5)  # between the 2nd and 3rd newest
    wedged = await place(api_shop, buyer, {mug: 1})
    second = (await client.get(f"/api/v1/orders?limit=2&cursor={first['next_cursor']}")).json()
    seen = [o["code"] for o in first["items"] + second["items"]]
    assert seen == [made[2].code, made[1].code, wedged.code, made[0].code]
    assert len(set(seen)) == len(seen)
    assert OrderStatus(first["items"][0]["status"]) is OrderStatus.CONFIRMED


ORDER_BODY = {
    "phone": "55 4444 3333",
    "name": "Rosa Díaz",
    "shipping_method": "standard",
    "payment_method": "cash_on_delivery",
    "address": {"street": "Av. Juárez 10", "city": "Puebla", "postal_code": "72000"},
    "note": "Pedido por teléfono",
}


async def test_an_order_from_another_system_reserves_stock_and_goes_to_the_customer_named(
    api_shop, api_as
):
    client = await api_as("orders:write,orders:read")
    shirt = await add_product(api_shop, "CAM-TEL", price="250.00", stock=5)
    buyer = await new_buyer(api_shop, "2020", "Rosa")
    before = await place(api_shop, buyer, {shirt: 1}, phone="+52 55 4444 3333")
    await orders.cancel_order(api_shop, MERCHANT, before.code, "prueba")

    # The phone alone: a number typed at a chat checkout is no proof of who it is, so
    # the order goes to a customer record with no chat, and Rosa's chat hears nothing.
    body = {**ORDER_BODY, "lines": [{"sku": "cam-tel", "quantity": 1}]}
    by_phone = await client.post("/api/v1/orders", json=body)
    assert by_phone.status_code == 201, by_phone.text
    assert by_phone.json()["customer"]["id"] != buyer.customer_id
    assert "order_taken" not in [k for k, _ in await customer_news(api_shop, buyer.customer_id)]

    unknown = await client.post("/api/v1/orders", json={**body, "customer_id": 999})
    assert (unknown.status_code, unknown.json()["code"]) == (404, "customer_not_found")

    # The integrator names her: hers, told in her chat.
    body = {**body, "lines": [{"sku": "cam-tel", "quantity": 2}], "customer_id": buyer.customer_id}
    answer = await client.post("/api/v1/orders", json=body)
    assert answer.status_code == 201, answer.text
    got = answer.json()
    assert got["status"] == "confirmed"  # cash on delivery the merchant took
    assert got["customer"]["id"] == buyer.customer_id
    assert got["lines"][0]["sku"] == "CAM-TEL" and got["lines"][0]["quantity"] == 2
    assert got["address"]["city"] == "Puebla"
    assert got["timeline"][0]["kind"] == "placed"
    product = await get_product(api_shop, product_id=shirt)
    assert (product.on_hand, product.reserved) == (5, 3)
    assert "order_taken" in [kind for kind, _ in await customer_news(api_shop, buyer.customer_id)]
    listed = (await client.get("/api/v1/orders?q=55 4444 3333")).json()["items"]
    assert [o["code"] for o in listed] == [got["code"], by_phone.json()["code"], before.code]


async def test_an_oversold_order_is_a_409_and_reserves_nothing(api_shop, api_as):
    client = await api_as("orders:write")
    shirt = await add_product(api_shop, "CAM-POCA", stock=2)
    cap = await add_product(api_shop, "GOR-POCA", stock=9)
    body = {
        **ORDER_BODY,
        "lines": [{"sku": "GOR-POCA", "quantity": 1}, {"sku": "CAM-POCA", "quantity": 3}],
    }
    answer = await client.post("/api/v1/orders", json=body)
    assert answer.status_code == 409
    problem = answer.json()
    assert problem["code"] == "out_of_stock"
    assert [(s["sku"], s["available"]) for s in problem["shortages"]] == [("CAM-POCA", 2)]
    for product_id in (shirt, cap):
        assert (await get_product(api_shop, product_id=product_id)).reserved == 0

    unknown = await client.post(
        "/api/v1/orders", json={**ORDER_BODY, "lines": [{"sku": "NADA", "quantity": 1}]}
    )
    assert (unknown.status_code, unknown.json()["code"]) == (404, "product_not_found")
    no_address = {**ORDER_BODY, "address": None, "lines": [{"sku": "GOR-POCA", "quantity": 1}]}
    missing = await client.post("/api/v1/orders", json=no_address)
    assert (missing.status_code, missing.json()["code"]) == (422, "missing_checkout_details")
    bad_phone = {**ORDER_BODY, "phone": "12", "lines": [{"sku": "GOR-POCA", "quantity": 1}]}
    refused = await client.post("/api/v1/orders", json=bad_phone)
    assert (refused.status_code, refused.json()["code"]) == (422, "invalid_phone")
    reader = await api_as("orders:read")
    scoped_out = await reader.post("/api/v1/orders", json=body)
    assert scoped_out.status_code == 403


async def test_the_admin_chat_names_the_key_that_moved_an_order(api_shop, api_key, api_client):
    mug = await add_product(api_shop, "TAZA-KEY", stock=3)
    order = await place(api_shop, await new_buyer(api_shop, "2090"), {mug: 1})
    key = await api_key("orders:write", name="almacén")
    moved = await api_client.post(f"/api/v1/orders/{order.code}/confirm", headers=bearer(key))
    assert moved.status_code == 200, moved.text

    shown = await orders.order_details(api_shop, order.code, MERCHANT)
    names = await admin_names(api_shop, [e.actor for e in shown.timeline])
    timeline = timeline_text(api_shop, Translator("es", "MX"), shown, names)
    assert "(Tienda (almacén))" in timeline
