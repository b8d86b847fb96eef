"""The codes an order taken through the API may use, read from the shop's settings."""

from __future__ import annotations

from tests.api import bearer


async def test_the_options_list_the_codes_an_order_takes_and_they_are_accepted(
    api_shop, api_client, api_key
) -> None:
    key = await api_key("orders:read,orders:write")
    answer = await api_client.get("/api/v1/orders/options", headers=bearer(key))
    assert answer.status_code == 200
    options = answer.json()
    assert options["currency"] == api_shop.currency
    codes = {m["code"]: m for m in options["shipping_methods"]}
    assert set(codes) == set(api_shop.settings.shipping_methods)
    standard = api_shop.settings.shipping_methods["standard"]
    assert codes["standard"]["fee"]["amount"] == int(standard.fee * 100)
    assert options["payment_methods"] == ["cash_on_delivery", "bank_transfer"]  # no provider

    order = {
        "phone": "+52 55 1111 2222",
        "name": "Ana López",
        "lines": [{"sku": "TAZA-TAL", "quantity": 1}],
        "shipping_method": "standard",
        "payment_method": options["payment_methods"][0],
        "address": {"street": "Calle 5 #12", "city": "Monterrey", "postal_code": "64000"},
    }
    placed = await api_client.post("/api/v1/orders", json=order, headers=bearer(key))
    assert placed.status_code == 201, placed.text
