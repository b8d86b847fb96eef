"""What every REST API caller can count on, whatever the resource: API keys (made by
`pedidos apikey`, shown once, stored as a digest, revocable), scopes, RFC 9457 problem
documents in the caller's language, Idempotency-Key on POSTs, the per-key rate limit,
cursor pagination, and the published OpenAPI document itself."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from sqlalchemy import func, select

from bot import runner
from bot.api import create_api
from bot.web import create_app
from core.domain.errors import StoreUnavailable
from core.services import api_keys, catalog
from core.services.context import Shop
from core.store import tables
from core.store.database import Database
from tests.api import bearer
from tests.api.conftest import client_for, make_key, open_api_shop
from tests.conftest import MERCHANT, Clock, test_settings
from tests.integration.test_cli import db_url, pedidos

pytestmark = pytest.mark.sqlite_only  # the API layer; the store's race is in test_api_races

PROBLEM = "application/problem+json"
KEY_TEXT = re.compile(r"\bpdk_[0-9a-f]{8}_[A-Za-z0-9_-]{20,}\b")
NEW_PRODUCT = {"sku": "API-1", "name": "Termo", "price": 25900, "stock": 4}


def is_problem(answer: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == PROBLEM
    body = answer.json()
    assert body["status"] == status and body["code"] == code, body
    assert body["type"] and body["title"]
    return body


async def count(shop: Shop, table: Any, *where: Any) -> int:
    async with shop.uow(write=False) as uow:
        return (
            await uow.conn.execute(select(func.count()).select_from(table).where(*where))
        ).scalar_one()


# --- API keys -------------------------------------------------------------------------


@pytest.mark.slow  # three runs of the command
async def test_the_cli_shows_a_key_once_keeps_its_digest_lists_and_revokes_it(
    tmp_path: Path, clock: Clock
) -> None:
    shop = await open_api_shop(db_url(tmp_path), clock)
    try:
        made = pedidos(tmp_path, "apikey", "create", "inventario", "--scopes", "products:read")
        assert made.returncode == 0, made.stderr
        (key,) = KEY_TEXT.findall(made.stdout)
        secret = key.split("_", 2)[2]

        listed = pedidos(tmp_path, "apikey", "list")
        assert listed.returncode == 0 and "inventario" in listed.stdout
        assert secret not in listed.stdout and not KEY_TEXT.search(listed.stdout)

        async with shop.uow(write=False) as uow:
            (row,) = (await uow.conn.execute(select(tables.api_keys))).all()
        assert row.key_digest == hashlib.sha256(key.encode()).hexdigest()
        assert not any(secret in str(value) for value in row), "the secret itself is stored"

        async with client_for(shop, bearer(key)) as client:
            assert (await client.get("/api/v1/products")).status_code == 200
            revoked = pedidos(tmp_path, "apikey", "revoke", str(row.id))
            assert revoked.returncode == 0, revoked.stderr
            is_problem(await client.get("/api/v1/products"), 401, "unauthorized")
    finally:
        await shop.db.dispose()


@pytest.mark.slow  # a run of the command
async def test_the_cli_refuses_unknown_scopes_and_makes_no_key(
    tmp_path: Path, clock: Clock
) -> None:
    shop = await open_api_shop(db_url(tmp_path), clock)
    try:
        refused = pedidos(
            tmp_path, "apikey", "create", "x", "--scopes", "orders:read,orders:delete"
        )
        assert refused.returncode == 2 and not KEY_TEXT.search(refused.stdout + refused.stderr)
        assert "orders:write" in refused.stderr  # the scopes it takes are named
        assert await count(shop, tables.api_keys) == 0
    finally:
        await shop.db.dispose()


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer",
        "Bearer nonsense",
        "Basic dXNlcjpwYXNz",
        "Bearer pdk_00000000_someonesguessatasecretthatislongenough",
    ],
)
async def test_no_valid_key_is_a_401_problem(api_client, authorization) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    answer = await api_client.get("/api/v1/products", headers=headers)
    is_problem(answer, 401, "unauthorized")
    assert answer.headers["www-authenticate"] == "Bearer"


async def test_a_real_keys_prefix_with_a_wrong_secret_is_a_401(api_client, api_key) -> None:
    key = await api_key()
    forged = key[:-4] + ("aaaa" if not key.endswith("aaaa") else "bbbb")
    is_problem(
        await api_client.get("/api/v1/products", headers=bearer(forged)), 401, "unauthorized"
    )


async def test_a_missing_scope_is_a_403_naming_it_and_changes_nothing(
    api_shop, api_client, api_key
) -> None:
    reader = await api_key("products:read")
    answer = await api_client.post("/api/v1/products", json=NEW_PRODUCT, headers=bearer(reader))
    assert is_problem(answer, 403, "missing_scope")["scope"] == "products:write"
    assert await count(api_shop, tables.products, tables.products.c.sku == "API-1") == 0


def _document() -> dict[str, Any]:
    url = "sqlite+aiosqlite:///unused.db"  # the document needs no database
    return create_api(Shop(Database(url), test_settings(url))).openapi()


DOCUMENT = _document()


def _operations() -> list[tuple[str, str]]:
    return [(m.upper(), p) for p, ops in DOCUMENT["paths"].items() for m in ops]


def _resource(path: str) -> str:
    return path.split("/")[2]  # /v1/<resource>/...


@pytest.mark.parametrize(("method", "path"), _operations())
async def test_every_operation_needs_a_key_and_its_resources_scope(
    api_client, api_key, method, path
) -> None:
    """No key: 401. A key for another resource only: 403 naming a scope of this one."""
    url = "/api" + re.sub(r"\{[^}]+\}", "1", path)
    body = {"json": {}} if method in ("POST", "PUT", "PATCH") else {}
    is_problem(await api_client.request(method, url, **body), 401, "unauthorized")
    other = "reports:read" if _resource(path) != "reports" else "products:read"
    answer = await api_client.request(method, url, headers=bearer(await api_key(other)), **body)
    scope = is_problem(answer, 403, "missing_scope")["scope"]
    assert scope.split(":")[0] == _resource(path), f"{method} {path} asks for {scope}"


# --- Problem documents ----------------------------------------------------------------


async def test_problems_speak_the_callers_language(api_client, api_key) -> None:
    key = await api_key()
    titles = {}
    for language in ("es-MX,es;q=0.9", "en-US", "fr, en;q=0.5"):
        answer = await api_client.get(
            "/api/v1/products/NO-EXISTE",
            headers=bearer(key, **{"Accept-Language": language}),
        )
        body = is_problem(answer, 404, "product_not_found")
        titles[language] = (body["title"], answer.headers["content-language"])
    assert titles["en-US"] == ("There is no product with that SKU.", "en")
    assert titles["fr, en;q=0.5"] == titles["en-US"]  # the best one we speak
    assert titles["es-MX,es;q=0.9"][1] == "es"
    assert titles["es-MX,es;q=0.9"][0] != titles["en-US"][0]


async def test_invalid_input_says_where(api_as) -> None:
    client = await api_as("products:write")
    answer = await client.post(
        "/api/v1/products", json={**NEW_PRODUCT, "price": -1, "colour": "rojo"}
    )
    errors = is_problem(answer, 422, "invalid_request")["errors"]
    assert {e["where"] for e in errors} == {"body.price", "body.colour"}
    assert all(e["message"] for e in errors)
    not_json = await client.post(
        "/api/v1/products", content=b"\xff\xfe", headers={"Content-Type": "application/json"}
    )
    assert is_problem(not_json, 422, "invalid_request")["errors"][0]["where"].startswith("body")


async def test_unknown_addresses_and_methods_are_problems_too(api_as) -> None:
    client = await api_as()
    is_problem(await client.get("/api/v1/nothing-here"), 404, "not_found")
    is_problem(await client.get("/api/v1/products/a%0Ab"), 404, "not_found")  # outside the mount
    is_problem(await client.delete("/api/v1/products"), 405, "method_not_allowed")


async def test_a_crash_is_a_500_problem(api_shop, api_key, monkeypatch) -> None:
    async def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(catalog, "create_product", crash)
    transport = httpx.ASGITransport(app=create_app(api_shop), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        answer = await client.post(
            "/api/v1/products", json=NEW_PRODUCT, headers=bearer(await api_key())
        )
    is_problem(answer, 500, "internal_error")


# --- Idempotency-Key ------------------------------------------------------------------


def idem(key: str, idempotency_key: str) -> dict[str, str]:
    return bearer(key, **{"Idempotency-Key": idempotency_key})


async def test_a_repeated_post_gets_the_first_answer_and_changes_once(
    api_shop, api_client, api_key
) -> None:
    key = await api_key()
    first = await api_client.post("/api/v1/products", json=NEW_PRODUCT, headers=idem(key, "k1"))
    again = await api_client.post("/api/v1/products", json=NEW_PRODUCT, headers=idem(key, "k1"))
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert await count(api_shop, tables.products, tables.products.c.sku == "API-1") == 1

    moves = await count(api_shop, tables.stock_moves)
    for _ in range(3):
        adjusted = await api_client.post(
            "/api/v1/stock/API-1/adjust", json={"delta": 5}, headers=idem(key, "k2")
        )
        assert adjusted.status_code == 200 and adjusted.json()["on_hand"] == 9
    assert await count(api_shop, tables.stock_moves) == moves + 1


async def test_the_same_key_with_another_body_is_refused(api_shop, api_client, api_key) -> None:
    key = await api_key()
    await api_client.post("/api/v1/products", json=NEW_PRODUCT, headers=idem(key, "k1"))
    other = {**NEW_PRODUCT, "sku": "API-2"}
    answer = await api_client.post("/api/v1/products", json=other, headers=idem(key, "k1"))
    is_problem(answer, 422, "idempotency_key_reused")
    elsewhere = await api_client.post("/api/v1/products/API-1/deactivate", headers=idem(key, "k1"))
    is_problem(elsewhere, 422, "idempotency_key_reused")  # the same key for another address
    assert await count(api_shop, tables.products, tables.products.c.sku == "API-2") == 0


async def test_keys_are_per_api_key(api_shop, api_client, api_key) -> None:
    one, two = await api_key(), await api_key()
    first = await api_client.post("/api/v1/products", json=NEW_PRODUCT, headers=idem(one, "k"))
    other = {**NEW_PRODUCT, "sku": "API-2"}
    second = await api_client.post("/api/v1/products", json=other, headers=idem(two, "k"))
    assert first.status_code == second.status_code == 201
    assert "idempotent-replayed" not in second.headers
    assert (
        await count(api_shop, tables.products, tables.products.c.sku.in_(["API-1", "API-2"])) == 2
    )


async def test_a_request_still_running_makes_a_repeat_wait_with_409(
    api_shop, api_client, api_key, monkeypatch
) -> None:
    inside, go_on = asyncio.Event(), asyncio.Event()
    create = catalog.create_product

    async def slow(*args: Any, **kwargs: Any) -> Any:
        inside.set()
        await go_on.wait()
        return await create(*args, **kwargs)

    monkeypatch.setattr(catalog, "create_product", slow)
    key = await api_key()
    first = asyncio.create_task(
        api_client.post("/api/v1/products", json=NEW_PRODUCT, headers=idem(key, "k"))
    )
    await inside.wait()
    meanwhile = await api_client.post("/api/v1/products", json=NEW_PRODUCT, headers=idem(key, "k"))
    is_problem(meanwhile, 409, "idempotency_key_in_use")
    go_on.set()
    assert (await first).status_code == 201
    after = await api_client.post("/api/v1/products", json=NEW_PRODUCT, headers=idem(key, "k"))
    assert after.status_code == 201 and after.headers["idempotent-replayed"] == "true"
    assert await count(api_shop, tables.products, tables.products.c.sku == "API-1") == 1


async def test_a_request_abandoned_by_a_dead_process_can_be_repeated(
    api_shop, api_client, api_key, clock
) -> None:
    key = await api_key()
    held = await api_client.post("/api/v1/products", json=NEW_PRODUCT, headers=idem(key, "k"))
    assert held.status_code == 201
    # A process that claimed another key died before answering: its claim stays open.
    api_key_id = (await api_keys.authenticate(api_shop, key)).id
    body = json.dumps({**NEW_PRODUCT, "sku": "API-2"}).encode()
    fingerprint = hashlib.sha256(b"\n".join([b"/api/v1/products", b"", body])).hexdigest()
    assert await api_keys.claim(api_shop, api_key_id, "dead", fingerprint)

    headers = {**idem(key, "dead"), "Content-Type": "application/json"}
    soon = await api_client.post("/api/v1/products", content=body, headers=headers)
    is_problem(soon, 409, "idempotency_key_in_use")
    clock.advance(minutes=3)
    other = await api_client.post("/api/v1/products", json=NEW_PRODUCT, headers=idem(key, "dead"))
    is_problem(other, 422, "idempotency_key_reused")  # another request: still refused
    again = await api_client.post("/api/v1/products", content=body, headers=headers)
    assert again.status_code == 201 and "idempotent-replayed" not in again.headers
    replay = await api_client.post("/api/v1/products", content=body, headers=headers)
    assert replay.headers["idempotent-replayed"] == "true"


async def test_an_answer_asking_for_a_retry_is_not_kept(
    api_shop, api_client, api_key, monkeypatch
) -> None:
    """A 5xx (the database away) or a crash: the retry with the same key really runs."""
    create = catalog.create_product
    failures = [StoreUnavailable(), RuntimeError("a bug")]

    async def flaky(*args: Any, **kwargs: Any) -> Any:
        if failures:
            raise failures.pop(0)
        return await create(*args, **kwargs)

    monkeypatch.setattr(catalog, "create_product", flaky)
    key = await api_key()
    away = await api_client.post("/api/v1/products", json=NEW_PRODUCT, headers=idem(key, "k"))
    is_problem(away, 503, "store_unavailable")
    with pytest.raises(RuntimeError):  # the test client passes the crash on
        await api_client.post("/api/v1/products", json=NEW_PRODUCT, headers=idem(key, "k"))
    retried = await api_client.post("/api/v1/products", json=NEW_PRODUCT, headers=idem(key, "k"))
    assert retried.status_code == 201 and "idempotent-replayed" not in retried.headers
    assert await count(api_shop, tables.products, tables.products.c.sku == "API-1") == 1


async def test_answers_are_forgotten_after_a_day(api_shop, api_client, api_key, clock) -> None:
    key = await api_key()
    await api_client.post("/api/v1/products", json=NEW_PRODUCT, headers=idem(key, "k"))
    clock.advance(hours=23)
    assert await api_keys.forget_old_answers(api_shop) == 0
    replayed = await api_client.post("/api/v1/products", json=NEW_PRODUCT, headers=idem(key, "k"))
    assert replayed.headers["idempotent-replayed"] == "true"
    clock.advance(hours=2)
    assert await api_keys.forget_old_answers(api_shop) == 1
    anew = await api_client.post("/api/v1/products", json=NEW_PRODUCT, headers=idem(key, "k"))
    is_problem(anew, 409, "product_exists")  # run again: the product is there already
    assert "idempotent-replayed" not in anew.headers


async def test_the_running_shop_forgets_old_answers_in_its_housekeeping(
    api_shop, api_client, api_key, clock
) -> None:
    key = await api_key()
    await api_client.post("/api/v1/products", json=NEW_PRODUCT, headers=idem(key, "k"))
    clock.advance(hours=25)
    housekeeping = asyncio.create_task(runner.forget_forever(api_shop))
    try:
        async with asyncio.timeout(10):
            while await count(api_shop, tables.api_idempotency):
                await asyncio.sleep(0.01)
    finally:
        housekeeping.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await housekeeping


async def test_a_revoked_key_gets_no_replay(api_shop, api_client, api_key) -> None:
    key = await api_key()
    await api_client.post("/api/v1/products", json=NEW_PRODUCT, headers=idem(key, "k"))
    (made,) = await api_keys.list_keys(api_shop, MERCHANT)
    await api_keys.revoke_key(api_shop, MERCHANT, made.id)
    answer = await api_client.post("/api/v1/products", json=NEW_PRODUCT, headers=idem(key, "k"))
    is_problem(answer, 401, "unauthorized")


@pytest.mark.parametrize("idempotency_key", ["", "x" * 256])
async def test_an_idempotency_key_that_does_not_fit_is_refused(
    api_shop, api_client, api_key, idempotency_key
) -> None:
    answer = await api_client.post(
        "/api/v1/products", json=NEW_PRODUCT, headers=idem(await api_key(), idempotency_key)
    )
    is_problem(answer, 422, "invalid_request")
    assert await count(api_shop, tables.products, tables.products.c.sku == "API-1") == 0


# --- Rate limit -----------------------------------------------------------------------


class Seconds:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_over_the_limit_a_key_gets_429_with_retry_after_and_others_do_not(
    tmp_path: Path, clock: Clock
) -> None:
    shop = await open_api_shop(
        f"sqlite+aiosqlite:///{tmp_path / 'limited.db'}",
        clock,
        api_burst=2,
        api_requests_per_minute=6,
    )
    try:
        app = create_app(shop)
        (api,) = [route.app for route in app.routes if getattr(route, "path", "") == "/api"]
        seconds = Seconds()
        api.state.limiter.clock = seconds  # the limit's own clock, so no test waits
        busy, calm = await make_key(shop), await make_key(shop)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            for _ in range(2):
                assert (await client.get("/api/v1/products", headers=bearer(busy))).is_success
            over = await client.post("/api/v1/products", json=NEW_PRODUCT, headers=idem(busy, "k"))
            is_problem(over, 429, "too_many_requests")
            assert over.headers["retry-after"] == "10"  # one request every 10 s
            assert (await client.get("/api/v1/products", headers=bearer(calm))).is_success

            seconds.now += 10
            retried = await client.post(
                "/api/v1/products", json=NEW_PRODUCT, headers=idem(busy, "k")
            )
            assert retried.status_code == 201, retried.text  # the 429 was not kept
    finally:
        await shop.db.dispose()


# --- Pagination -----------------------------------------------------------------------


async def test_a_cursor_walks_every_product_once(api_shop, api_as) -> None:
    client = await api_as("products:read")
    whole = (await client.get("/api/v1/products", params={"limit": 100})).json()
    assert whole["next_cursor"] is None and len(whole["items"]) > 5
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 5, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/api/v1/products", params=params)).json()
        assert len(page["items"]) <= 5
        seen += [p["sku"] for p in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [p["sku"] for p in whole["items"]]


def _list_operations() -> list[str]:
    """Every list that pages with a cursor (and needs no path parameter)."""
    return sorted(
        path
        for path, operations in DOCUMENT["paths"].items()
        if "{" not in path
        and any(p["name"] == "cursor" for p in operations.get("get", {}).get("parameters", []))
    )


GARBAGE_CURSORS = [
    "not-a-cursor",
    base64.urlsafe_b64encode(b"[1, 2]").decode(),
    base64.urlsafe_b64encode(json.dumps({"id": "1; DROP TABLE"}).encode()).decode(),
    base64.urlsafe_b64encode(json.dumps({"id": 10**30}).encode()).decode(),
]


@pytest.mark.parametrize("path", _list_operations())
@pytest.mark.parametrize("cursor", GARBAGE_CURSORS)
async def test_a_cursor_that_is_not_ours_is_a_422_problem(api_as, path, cursor) -> None:
    client = await api_as()
    answer = await client.get(f"/api{path}", params={"cursor": cursor})
    is_problem(answer, 422, "invalid_request")


# --- The document ---------------------------------------------------------------------


async def test_the_openapi_document_is_valid_31_and_its_docs_page_loads(api_client) -> None:
    answer = await api_client.get("/api/openapi.json")
    assert answer.status_code == 200
    doc = answer.json()
    assert doc["openapi"].startswith("3.1")
    schemathesis.openapi.from_dict(doc).validate()  # against the OpenAPI 3.1 schema
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            assert operation.get("security"), f"{method} {path} takes no key"
            names = {p["name"] for p in operation.get("parameters", [])}
            assert (method == "post") == ("Idempotency-Key" in names), f"{method} {path}"
    docs = await api_client.get("/api/docs")
    assert docs.status_code == 200 and "/api/openapi.json" in docs.text
