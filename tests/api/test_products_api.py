"""Products through the REST API: the merchant's catalog a page at a time (filters,
search), the photo URL checked by the same core rule as the admin chat's /foto, and
(de)activation as the chat's buttons do it."""

from __future__ import annotations

import pytest

from core.domain.catalog import InvalidImageUrl
from core.services import catalog
from tests.api import bearer
from tests.conftest import MERCHANT, add_product

pytestmark = pytest.mark.sqlite_only

DEMO_SKUS = 12


async def all_pages(client, query: str = "", limit: int = 5) -> list[str]:
    skus, cursor, pages = [], None, 0
    while True:
        url = f"/api/v1/products?limit={limit}{query}" + (f"&cursor={cursor}" if cursor else "")
        answer = await client.get(url)
        assert answer.status_code == 200, answer.text
        page = answer.json()
        assert len(page["items"]) <= limit
        skus += [p["sku"] for p in page["items"]]
        cursor, pages = page["next_cursor"], pages + 1
        if cursor is None:
            return skus
        assert pages < 50, "the cursor never ends"


async def test_pages_never_repeat_or_skip_even_when_products_are_added(api_shop, api_as):
    client = await api_as("products:read")
    first = (await client.get("/api/v1/products?limit=5")).json()
    assert len(first["items"]) == 5 and first["next_cursor"]
    await add_product(api_shop, "NUEVO-1")  # added while the caller pages
    rest = await all_pages(client, f"&cursor={first['next_cursor']}")
    skus = [p["sku"] for p in first["items"]] + rest
    assert len(skus) == len(set(skus)) == DEMO_SKUS + 1
    assert skus[-1] == "NUEVO-1"
    assert sorted(await all_pages(client, limit=100)) == sorted(skus)


async def test_filters_by_state_category_and_a_piece_of_name_or_sku(api_shop, api_as):
    client = await api_as("products:read")
    await catalog.update_product(api_shop, MERCHANT, "GOR-ROJA", active=False)
    assert await all_pages(client, "&active=false") == ["GOR-ROJA"]
    assert "GOR-ROJA" not in await all_pages(client, "&active=true")
    home = next(c for c in await catalog.list_categories(api_shop) if c.name == "Hogar")
    assert sorted(await all_pages(client, f"&category_id={home.id}")) == [
        "COJ-BORD",
        "TAZA-TAL",
        "VELA-LAV",
    ]
    assert sorted(await all_pages(client, "&q=CAMISA", limit=1)) == ["CAM-AZUL-M", "CAM-BLANCA-M"]
    assert await all_pages(client, "&q=taza-t") == ["TAZA-TAL"]  # a piece of the SKU
    assert await all_pages(client, "&q=%25") == []  # % is a character, not a wildcard
    assert await all_pages(client, "&q=camisa&active=false") == []


async def test_a_cursor_that_is_not_ours_is_the_callers_error(api_as):
    client = await api_as("products:read")
    for cursor in ("nonsense", "eyJpZCI6ICJ4In0", "eyJpZCI6IDk5OTk5OTk5OTk5OTk5fQ"):
        answer = await client.get(f"/api/v1/products?cursor={cursor}")
        assert answer.status_code == 422, cursor
        assert answer.json()["code"] == "invalid_request"


async def test_photo_url_is_checked_by_the_core_rule(api_shop, api_as):
    client = await api_as("products:read,products:write")
    before = (await client.get("/api/v1/products/TAZA-TAL")).json()["image_url"]
    for bad in ("javascript:alert(1)", "/fotos/taza.jpg", "https://", "https://a b.mx/x.jpg"):
        answer = await client.patch("/api/v1/products/TAZA-TAL", json={"image_url": bad})
        assert answer.status_code == 422, bad
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["code"] == "invalid_image_url"
    assert (await client.get("/api/v1/products/TAZA-TAL")).json()["image_url"] == before

    good = "https://fotos.example.mx/taza.jpg"
    answer = await client.patch("/api/v1/products/TAZA-TAL", json={"image_url": good})
    assert answer.status_code == 200 and answer.json()["image_url"] == good
    answer = await client.patch("/api/v1/products/TAZA-TAL", json={"image_url": ""})
    assert answer.json()["image_url"] == ""  # no photo

    # The admin chat's /foto goes through the same service: the rule is core's.
    with pytest.raises(InvalidImageUrl):
        await catalog.update_product(api_shop, MERCHANT, "TAZA-TAL", image_url="taza.jpg")

    made = await client.post(
        "/api/v1/products",
        json={"sku": "NUEVO", "name": "Nuevo", "price": 1000, "image_url": "ftp://x.mx/a.jpg"},
    )
    assert made.status_code == 422 and made.json()["code"] == "invalid_image_url"
    assert (await client.get("/api/v1/products/NUEVO")).status_code == 404


async def test_deactivate_and_activate_as_the_chat_does(api_shop, api_as):
    client = await api_as("products:read,products:write")
    answer = await client.post("/api/v1/products/lent-sol/deactivate")  # any case of SKU
    assert answer.status_code == 200
    assert answer.json()["sku"] == "LENT-SOL" and answer.json()["active"] is False
    shelf = await catalog.shelf(api_shop)  # what customers can ask for
    assert "LENT-SOL" not in {p.sku for p in shelf.products}

    answer = await client.post("/api/v1/products/LENT-SOL/activate")
    assert answer.json()["active"] is True
    assert "LENT-SOL" in {p.sku for p in (await catalog.shelf(api_shop)).products}

    answer = await client.patch("/api/v1/products/LENT-SOL", json={"active": False})
    assert answer.json()["active"] is False  # PATCH still does it too

    answer = await client.post("/api/v1/products/NO-EXISTE/activate")
    assert answer.status_code == 404 and answer.json()["code"] == "product_not_found"


async def test_a_read_key_may_not_change_products(api_key, api_client):
    key = await api_key("products:read")
    answer = await api_client.post("/api/v1/products/GOR-ROJA/deactivate", headers=bearer(key))
    assert answer.status_code == 403 and answer.json()["code"] == "missing_scope"
    answer = await api_client.patch(
        "/api/v1/products/GOR-ROJA", json={"price": 1}, headers=bearer(key)
    )
    assert answer.status_code == 403
    other = await api_key("stock:read")
    answer = await api_client.get("/api/v1/products", headers=bearer(other))
    assert answer.status_code == 403


async def test_a_product_names_its_category(api_as) -> None:
    client = await api_as("products:read,products:write")
    made = await client.post(
        "/api/v1/products",
        json={"sku": "TERMO-9", "name": "Termo", "price": 25900, "category": "Cocina"},
    )
    assert made.status_code == 201, made.text
    assert made.json()["category"] == "Cocina" and made.json()["category_id"] is not None
    listed = await client.get("/api/v1/products", params={"q": "TERMO-9"})
    assert [p["category"] for p in listed.json()["items"]] == ["Cocina"]
