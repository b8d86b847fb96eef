"""Idempotency-Key tied to the change's commit, on SQLite and on PostgreSQL: a request
whose change committed is never run again with its key, whatever went wrong after (its
answer is kept, a 5xx too); one that failed before committing anything is released and
its retry runs. Also: a signing secret is not kept in the stored answer, a throttled key
makes no claim, and a NUL character is a 422, not PostgreSQL's 500."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from bot.web import create_app
from core.domain.errors import StoreUnavailable
from core.services import api_keys, orders, phone_orders
from core.store import tables
from tests.api import bearer
from tests.api.conftest import make_key, open_api_shop

ORDER = {
    "phone": "55 4444 3333",
    "name": "Rosa Díaz",
    "shipping_method": "standard",
    "payment_method": "cash_on_delivery",
    "address": {"street": "Av. Juárez 10", "city": "Puebla", "postal_code": "72000"},
    "lines": [{"sku": "IDEM-1", "quantity": 2}],
}
PRODUCT = {"sku": "IDEM-P", "name": "Termo", "price": 25900, "stock": 4}


@pytest.fixture
def api_database_url(database_url: str) -> str:
    return database_url  # SQLite, and PostgreSQL when the run has a server


def idem(key: str, idempotency_key: str) -> dict[str, str]:
    return bearer(key, **{"Idempotency-Key": idempotency_key})


async def scalar(shop, query) -> Any:
    async with shop.uow(write=False) as uow:
        return (await uow.conn.execute(query)).scalar_one()


async def orders_and_reserved(shop) -> tuple[int, int]:
    placed = await scalar(shop, select(func.count()).select_from(tables.orders))
    reserved = await scalar(
        shop, select(tables.products.c.reserved).where(tables.products.c.sku == "IDEM-1")
    )
    return placed, reserved


def fail_once(monkeypatch, module: Any, name: str, error: BaseException) -> None:
    """module.name raises `error` the first time it is called, then works."""
    real = getattr(module, name)
    failures = [error]

    async def flaky(*args: Any, **kwargs: Any) -> Any:
        if failures:
            raise failures.pop()
        return await real(*args, **kwargs)

    monkeypatch.setattr(module, name, flaky)


async def add_stocked(api_shop, api_client, key: str) -> None:
    made = await api_client.post(
        "/api/v1/products",
        json={"sku": "IDEM-1", "name": "Taza", "price": 15000, "stock": 10},
        headers=bearer(key),
    )
    assert made.status_code == 201, made.text


# --- The change committed, then the answer failed --------------------------------------


@pytest.mark.parametrize(
    ("error", "status"), [(StoreUnavailable(), 503), (RuntimeError("a bug"), 500)]
)
async def test_a_failure_after_the_order_committed_never_places_it_twice(
    api_shop, api_client, api_key, monkeypatch, error, status
) -> None:
    key = await api_key()
    await add_stocked(api_shop, api_client, key)
    before = await orders_and_reserved(api_shop)
    # The order is placed and committed; reading it back for the answer fails.
    fail_once(monkeypatch, orders, "order_details", error)
    if status == 500:
        with pytest.raises(RuntimeError):  # the test client passes the crash on
            await api_client.post("/api/v1/orders", json=ORDER, headers=idem(key, "o1"))
    else:
        first = await api_client.post("/api/v1/orders", json=ORDER, headers=idem(key, "o1"))
        assert first.status_code == 503, first.text
    placed = await orders_and_reserved(api_shop)
    assert placed == (before[0] + 1, before[1] + 2)

    retry = await api_client.post("/api/v1/orders", json=ORDER, headers=idem(key, "o1"))
    assert retry.status_code == status, retry.text
    assert retry.headers["idempotent-replayed"] == "true"
    assert await orders_and_reserved(api_shop) == placed  # no second order, no more stock


async def test_a_failure_before_anything_committed_lets_the_retry_run(
    api_shop, api_client, api_key, monkeypatch
) -> None:
    key = await api_key()
    await add_stocked(api_shop, api_client, key)
    before = await orders_and_reserved(api_shop)
    fail_once(monkeypatch, phone_orders, "place_order_for_customer", StoreUnavailable())
    away = await api_client.post("/api/v1/orders", json=ORDER, headers=idem(key, "o1"))
    assert away.status_code == 503 and away.json()["code"] == "store_unavailable"
    assert await orders_and_reserved(api_shop) == before

    retry = await api_client.post("/api/v1/orders", json=ORDER, headers=idem(key, "o1"))
    assert retry.status_code == 201, retry.text
    assert "idempotent-replayed" not in retry.headers
    assert await orders_and_reserved(api_shop) == (before[0] + 1, before[1] + 2)


async def die_after(monkeypatch, client, key: str, idempotency_key: str) -> None:
    """The request fails as its process dies: nothing after the route (no answer kept,
    no claim released) is done."""

    async def dead(*args: Any, **kwargs: Any) -> Any:
        return True

    with monkeypatch.context() as dying:
        dying.setattr(api_keys, "remember", dead)
        dying.setattr(api_keys, "release", dead)
        with pytest.raises(RuntimeError):
            await client.post("/api/v1/orders", json=ORDER, headers=idem(key, idempotency_key))


async def test_a_dead_process_claim_is_taken_over_only_if_nothing_committed(
    api_shop, api_client, api_key, clock, monkeypatch
) -> None:
    key = await api_key()
    await add_stocked(api_shop, api_client, key)
    before = await orders_and_reserved(api_shop)

    # Died after placing the order (committed), before answering.
    fail_once(monkeypatch, orders, "order_details", RuntimeError("the process dies"))
    await die_after(monkeypatch, api_client, key, "late")
    placed = (before[0] + 1, before[1] + 2)
    assert await orders_and_reserved(api_shop) == placed
    soon = await api_client.post("/api/v1/orders", json=ORDER, headers=idem(key, "late"))
    assert soon.status_code == 409 and soon.json()["code"] == "idempotency_key_in_use"
    clock.advance(minutes=3)
    lost = await api_client.post("/api/v1/orders", json=ORDER, headers=idem(key, "late"))
    assert lost.status_code == 409, lost.text
    assert lost.json()["code"] == "idempotency_answer_lost"
    assert await orders_and_reserved(api_shop) == placed  # not placed a second time

    # Died before anything was committed: taken over once abandoned, and it runs.
    fail_once(monkeypatch, phone_orders, "place_order_for_customer", RuntimeError("dies"))
    await die_after(monkeypatch, api_client, key, "early")
    assert await orders_and_reserved(api_shop) == placed
    soon = await api_client.post("/api/v1/orders", json=ORDER, headers=idem(key, "early"))
    assert soon.status_code == 409 and soon.json()["code"] == "idempotency_key_in_use"
    clock.advance(minutes=3)
    ran = await api_client.post("/api/v1/orders", json=ORDER, headers=idem(key, "early"))
    assert ran.status_code == 201 and "idempotent-replayed" not in ran.headers
    assert await orders_and_reserved(api_shop) == (placed[0] + 1, placed[1] + 2)


# --- Signing secrets are shown once -----------------------------------------------------


async def kept_bodies(shop) -> list[str]:
    async with shop.uow(write=False) as uow:
        rows = await uow.conn.execute(select(tables.api_idempotency.c.body))
        return [row.body for row in rows]


async def test_a_webhook_secret_is_not_kept_for_the_replay(api_shop, api_client, api_key) -> None:
    key = await api_key("webhooks:read,webhooks:write")
    hook = {"url": "https://erp.example.com/hook", "events": ["order.created"]}
    first = await api_client.post("/api/v1/webhooks", json=hook, headers=idem(key, "w1"))
    assert first.status_code == 201, first.text
    secret = first.json()["secret"]
    assert secret.startswith("whsec_") and first.headers["cache-control"] == "no-store"
    rotated = await api_client.post(
        f"/api/v1/webhooks/{first.json()['id']}/rotate-secret", headers=idem(key, "w2")
    )
    assert rotated.status_code == 200, rotated.text
    new_secret = rotated.json()["secret"]

    stored = await kept_bodies(api_shop)
    assert len(stored) == 2
    assert not [b for b in stored if secret in b or new_secret in b or "whsec_" in b]

    again = await api_client.post("/api/v1/webhooks", json=hook, headers=idem(key, "w1"))
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    assert again.headers["idempotent-secret-withheld"] == "true"
    assert again.headers["cache-control"] == "no-store"
    assert again.json() == {**first.json(), "secret": None}
    endpoints = await scalar(api_shop, select(func.count()).select_from(tables.webhook_endpoints))
    assert endpoints == 1  # not registered twice

    rotated_again = await api_client.post(
        f"/api/v1/webhooks/{first.json()['id']}/rotate-secret", headers=idem(key, "w2")
    )
    assert rotated_again.headers["idempotent-replayed"] == "true"
    assert rotated_again.json()["secret"] is None
    listed = (await api_client.get("/api/v1/webhooks", headers=bearer(key))).json()["items"]
    assert [h["previous_secret_until"] for h in listed] == [rotated.json()["previous_secret_until"]]


# --- NUL characters --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/products", {**PRODUCT, "name": "Ter\u0000mo"}),
        ("/api/v1/products", {**PRODUCT, "description": "\u0000"}),
        ("/api/v1/orders", {**ORDER, "lines": [{"sku": "IDEM\u0000", "quantity": 1}]}),
        ("/api/v1/webhooks", {"url": "https://erp.example.com/\u0000", "events": ["*"]}),
        ("/api/v1/webhooks", {"url": "https://erp.example.com/", "events": ["order.\u0000"]}),
    ],
)
async def test_a_nul_character_in_a_body_is_refused(
    api_shop, api_client, api_key, path, body
) -> None:
    assert "\\u0000" in json.dumps(body)  # as JSON sends it
    answer = await api_client.post(path, json=body, headers=bearer(await api_key()))
    assert answer.status_code == 422, answer.text
    assert answer.json()["code"] == "invalid_request"
    assert answer.json()["errors"][0]["where"].startswith("body.")


@pytest.mark.parametrize(
    "path", ["/api/v1/products/TER%00MO", "/api/v1/products?q=ter%00mo", "/api/v1/orders/A%00B"]
)
async def test_a_nul_character_in_the_path_or_query_is_refused(
    api_shop, api_client, api_key, path
) -> None:
    answer = await api_client.get(path, headers=bearer(await api_key()))
    assert answer.status_code == 422, answer.text
    assert answer.json()["code"] == "invalid_request"


# --- The rate limit comes before the claim ----------------------------------------------


class Seconds:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_throttled_key_makes_no_claim_and_each_request_counts_once(
    tmp_path, clock, monkeypatch
) -> None:
    shop = await open_api_shop(
        f"sqlite+aiosqlite:///{tmp_path / 'limited.db'}",
        clock,
        api_burst=3,
        api_requests_per_minute=6,
    )
    claims: list[str] = []
    claim = api_keys.claim

    async def counted(shop: Any, key_id: int, idempotency_key: str, fingerprint: str) -> bool:
        claims.append(idempotency_key)
        return await claim(shop, key_id, idempotency_key, fingerprint)

    monkeypatch.setattr(api_keys, "claim", counted)
    try:
        app = create_app(shop)
        (api,) = [route.app for route in app.routes if getattr(route, "path", "") == "/api"]
        api.state.limiter.clock = Seconds()  # the limit's own clock: it never refills here
        key = await make_key(shop)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            # Three requests, each counted once (twice, the third would be refused).
            for n in range(3):
                made = await client.post(
                    "/api/v1/products",
                    json={**PRODUCT, "sku": f"IDEM-{n}"},
                    headers=idem(key, f"p{n}"),
                )
                assert made.status_code == 201, made.text
            for n in range(3, 6):  # over the limit: refused before any claim
                over = await client.post(
                    "/api/v1/products",
                    json={**PRODUCT, "sku": f"IDEM-{n}"},
                    headers=idem(key, f"p{n}"),
                )
                assert over.status_code == 429 and over.headers["retry-after"], over.text
        assert claims == ["p0", "p1", "p2"]
        assert await scalar(shop, select(func.count()).select_from(tables.api_idempotency)) == 3
    finally:
        await shop.db.dispose()
