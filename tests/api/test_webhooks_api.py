"""Outgoing webhooks through the REST API: an integrator registers an endpoint, keeps
the secret the answer shows once, and the shop's messages then verify with it (the
Standard Webhooks reference code, on a real local receiver); the delivery log pages,
a rotation signs with both secrets, disabling and removing stop the messages."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.webhooks_out import WebhookSender
from core.domain.errors import StoreUnavailable
from core.services import inventory
from core.services.context import Shop
from core.store.webhooks_repo import SqlWebhookRepository
from tests.api import bearer
from tests.api.conftest import client_for, make_key, open_api_shop
from tests.conftest import MERCHANT, Clock
from tests.webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.sqlite_only


@pytest.fixture
async def api_shop(api_database_url: str, clock: Clock) -> AsyncIterator[Shop]:
    """The receivers here listen on 127.0.0.1: a developer's setting lets them."""
    shop = await open_api_shop(api_database_url, clock, webhooks_allow_private_addresses=True)
    yield shop
    await shop.db.dispose()


@pytest.fixture
async def receiver() -> AsyncIterator[WebhookReceiver]:
    async with WebhookReceiver() as server:
        yield server


async def send_all(shop) -> None:
    async with WebhookSender(shop) as sender:
        while await sender.run_once():
            pass


async def run_low(shop, sku: str) -> None:
    """A product falls to its threshold (a stock.low event), as a count in the chat."""
    await inventory.set_stock(shop, MERCHANT, sku, 0, "conteo")


@pytest.fixture
async def hooks(api_shop, api_as):
    # The demo catalog's low products wrote stock.low events when it was seeded: fanned
    # out now, to nobody, as a running sender would have done long before.
    await send_all(api_shop)
    return await api_as("webhooks:read,webhooks:write")


async def test_register_keep_the_secret_and_verify_what_arrives(api_shop, hooks, receiver):
    answer = await hooks.post(
        "/api/v1/webhooks",
        json={"url": receiver.url(), "events": ["stock.low"], "description": "ERP"},
    )
    assert answer.status_code == 201, answer.text
    made = answer.json()
    secret = made["secret"]
    assert secret.startswith("whsec_")
    assert made["events"] == ["stock.low"] and made["enabled"] is True

    one = await hooks.get(f"/api/v1/webhooks/{made['id']}")
    listed = await hooks.get("/api/v1/webhooks")
    assert secret not in one.text and secret not in listed.text  # shown once only
    assert [e["id"] for e in listed.json()["items"]] == [made["id"]]

    await run_low(api_shop, "GOR-ROJA")
    await send_all(api_shop)
    (got,) = receiver.received
    assert got.type == "stock.low" and got.data["sku"] == "GOR-ROJA"
    assert got.verifies_with(secret)

    log = (await hooks.get(f"/api/v1/webhooks/{made['id']}/deliveries")).json()
    (delivery,) = log["items"]
    assert delivery["status"] == "delivered" and delivery["last_status_code"] == 204
    assert delivery["message_id"] == got.msg_id and delivery["event_type"] == "stock.low"


async def test_the_delivery_log_pages_newest_first(api_shop, hooks, receiver):
    made = (
        await hooks.post("/api/v1/webhooks", json={"url": receiver.url(), "events": ["stock.*"]})
    ).json()
    for sku in ("GOR-ROJA", "TAZA-TAL", "VELA-LAV", "CART-PIEL", "JEAN-32"):
        await run_low(api_shop, sku)
    await send_all(api_shop)
    sent = [r.data["sku"] for r in receiver.received]
    seen, cursor = [], None
    while True:
        url = f"/api/v1/webhooks/{made['id']}/deliveries?limit=2"
        page = (await hooks.get(url + (f"&cursor={cursor}" if cursor else ""))).json()
        seen += [d["message_id"] for d in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [r.msg_id for r in reversed(receiver.received)]
    assert len(sent) == 5
    failed = await hooks.get(f"/api/v1/webhooks/{made['id']}/deliveries?status=failed")
    assert failed.json()["items"] == []


async def test_rotation_signs_with_both_secrets_then_the_old_one_is_dropped(
    api_shop, hooks, receiver, clock
):
    made = (
        await hooks.post("/api/v1/webhooks", json={"url": receiver.url(), "events": ["*"]})
    ).json()
    rotated = (await hooks.post(f"/api/v1/webhooks/{made['id']}/rotate-secret")).json()
    assert rotated["secret"] != made["secret"] and rotated["previous_secret_until"]
    await run_low(api_shop, "GOR-ROJA")
    await send_all(api_shop)
    (got,) = receiver.received
    assert got.verifies_with(made["secret"]) and got.verifies_with(rotated["secret"])

    clock.advance(hours=25)  # the grace is over
    assert (await hooks.get(f"/api/v1/webhooks/{made['id']}")).json()[
        "previous_secret_until"
    ] is None
    await run_low(api_shop, "TAZA-TAL")
    await send_all(api_shop)
    latest = receiver.received[-1]
    assert latest.verifies_with(rotated["secret"]) and not latest.verifies_with(made["secret"])


async def test_change_disable_enable_and_remove(api_shop, hooks, receiver):
    made = (
        await hooks.post(
            "/api/v1/webhooks", json={"url": receiver.url(), "events": ["order.created"]}
        )
    ).json()
    url = f"/api/v1/webhooks/{made['id']}"
    answer = await hooks.patch(url, json={"events": ["stock.low", "order.*"]})
    assert answer.status_code == 200 and answer.json()["events"] == ["stock.low", "order.*"]

    answer = await hooks.patch(url, json={"enabled": False})
    assert answer.json()["enabled"] is False and answer.json()["disabled_at"]
    await run_low(api_shop, "GOR-ROJA")
    await send_all(api_shop)
    assert receiver.received == []  # nothing goes to a disabled endpoint

    assert (await hooks.patch(url, json={"enabled": True})).json()["enabled"] is True
    await run_low(api_shop, "TAZA-TAL")
    await send_all(api_shop)
    assert [r.data["sku"] for r in receiver.received] == ["TAZA-TAL"]

    assert (await hooks.delete(url)).status_code == 204
    assert (await hooks.get(url)).json()["code"] == "webhook_not_found"
    assert (await hooks.delete(url)).status_code == 404
    assert (await hooks.get("/api/v1/webhooks")).json()["items"] == []


async def test_what_does_not_fit_is_refused(hooks, receiver):
    for body in (
        {"url": "ftp://example.com/hooks", "events": ["stock.low"]},
        {"url": receiver.url(), "events": ["order.teleported"]},
    ):
        answer = await hooks.post("/api/v1/webhooks", json=body)
        assert answer.status_code == 422 and answer.json()["code"] == "invalid_webhook", body
    for body in (
        {"url": receiver.url(), "events": []},
        {"url": receiver.url(), "events": ["stock.low"], "secret": "mine"},
    ):
        answer = await hooks.post("/api/v1/webhooks", json=body)
        assert answer.status_code == 422 and answer.json()["code"] == "invalid_request", body
    assert (await hooks.get("/api/v1/webhooks")).json()["items"] == []
    assert (await hooks.patch("/api/v1/webhooks/1", json={})).status_code == 422
    assert (await hooks.get("/api/v1/webhooks/77")).status_code == 404


async def test_scopes_read_and_write(api_key, api_client, receiver):
    reader = await api_key("webhooks:read")
    body = {"url": receiver.url(), "events": ["stock.low"]}
    answer = await api_client.post("/api/v1/webhooks", json=body, headers=bearer(reader))
    assert answer.status_code == 403 and answer.json()["scope"] == "webhooks:write"
    assert (await api_client.get("/api/v1/webhooks", headers=bearer(reader))).status_code == 200
    others = await api_key("orders:read,orders:write,stock:read,stock:write")
    answer = await api_client.get("/api/v1/webhooks", headers=bearer(others))
    assert answer.status_code == 403 and answer.json()["scope"] == "webhooks:read"


async def test_a_change_is_all_or_nothing(api_shop, hooks, receiver, monkeypatch):
    """New events and "off" in one PATCH: one transaction. When the database fails
    half-way, nothing changed (not the events without the "off")."""
    made = (
        await hooks.post("/api/v1/webhooks", json={"url": receiver.url(), "events": ["*"]})
    ).json()
    url = f"/api/v1/webhooks/{made['id']}"

    async def database_gone(self, *args, **kwargs):
        raise StoreUnavailable(reason="ConnectionRefusedError")

    with monkeypatch.context() as patched:
        patched.setattr(SqlWebhookRepository, "disable", database_gone)
        answer = await hooks.patch(url, json={"events": ["stock.low"], "enabled": False})
    assert answer.status_code == 503, answer.text
    kept = (await hooks.get(url)).json()
    assert (kept["events"], kept["enabled"]) == (["*"], True)

    answer = await hooks.patch(url, json={"events": ["stock.low"], "enabled": False})
    assert answer.status_code == 200, answer.text
    assert (answer.json()["events"], answer.json()["enabled"]) == (["stock.low"], False)
    assert answer.json()["disabled_reason"] == "disabled by the merchant"


async def test_an_address_on_this_machine_or_a_private_network_is_refused(api_database_url, clock):
    shop = await open_api_shop(api_database_url, clock)  # the default: public addresses only
    try:
        async with client_for(shop, bearer(await make_key(shop, "webhooks:write"))) as client:
            for url in ("http://127.0.0.1:8080/h", "http://169.254.169.254/", "http://[::1]/"):
                answer = await client.post(
                    "/api/v1/webhooks", json={"url": url, "events": ["stock.low"]}
                )
                assert answer.status_code == 422, answer.text
                problem = answer.json()
                assert (problem["code"], problem["problem"]) == (
                    "invalid_webhook",
                    "private_address",
                )
                assert problem["host"] in url
            made = await client.post(
                "/api/v1/webhooks", json={"url": "https://erp.example.com/h", "events": ["*"]}
            )
            assert made.status_code == 201, made.text
            answer = await client.patch(
                f"/api/v1/webhooks/{made.json()['id']}", json={"url": "http://10.0.0.5/h"}
            )
            assert answer.status_code == 422 and answer.json()["problem"] == "private_address"
    finally:
        await shop.db.dispose()
