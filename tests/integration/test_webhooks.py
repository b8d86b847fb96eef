"""Outgoing webhooks end to end: the shop's changes write their events in the same
transaction, the sender (bot/webhooks_out.py) POSTs them over real HTTP to a local
receiver, and the receiver checks every message with the Standard Webhooks reference
code (`standardwebhooks.Webhook(secret).verify`). Retries follow the shop's clock, which
the tests move instead of sleeping."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import socket
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from aiohttp import web
from sqlalchemy import func, select
from sqlalchemy.exc import DataError

from bot.webhooks_out import WebhookSender
from core.domain.actors import customer
from core.domain.errors import NotAllowed
from core.domain.orders import PaymentMethod
from core.domain.outbox import ADMIN
from core.domain.phone_orders import PhoneOrderRequest
from core.domain.returns import ReturnResolution
from core.domain.webhooks import (
    DISABLE_AFTER,
    MAX_ATTEMPTS,
    RETRY_DELAYS,
    DeliveryStatus,
    InvalidWebhook,
)
from core.services import expiry, orders, outbox, phone_orders, returns, shipping, webhooks
from core.services.context import Shop
from core.store.database import Database
from core.store.tables import webhook_deliveries, webhook_events
from core.store.webhooks_repo import SqlWebhookRepository
from tests.conftest import (
    ADDRESS,
    MERCHANT,
    Clock,
    add_product,
    buy,
    new_buyer,
    open_shop,
    test_settings,
)
from tests.webhook_receiver import WebhookReceiver

CARD = PaymentMethod.CARD
ORDER_TYPES = "order.created,order.paid,order.confirmed,order.shipped,order.delivered"
# The receivers here listen on 127.0.0.1, which a shop refuses unless told to.
LOCAL_RECEIVERS = {"webhooks_allow_private_addresses": True}


@pytest.fixture
async def shop(database_url: str, clock: Clock) -> AsyncIterator[Shop]:
    shop = await open_shop(database_url, clock)
    shop.settings = test_settings(database_url, **LOCAL_RECEIVERS)
    yield shop
    await shop.db.dispose()


def strict(shop: Shop) -> Shop:
    """The same shop with the default setting: public addresses only."""
    settings = shop.settings.model_copy(update={"webhooks_allow_private_addresses": False})
    return dataclasses.replace(shop, settings=settings)


@pytest.fixture
async def receiver() -> AsyncIterator[WebhookReceiver]:
    async with WebhookReceiver() as server:
        yield server


async def send_all(shop: Shop) -> int:
    """What a sender sends now, until nothing is due; how many attempts."""
    attempts = 0
    async with WebhookSender(shop) as sender:
        while claimed := await sender.run_once():
            attempts += claimed
    return attempts


async def register(shop: Shop, receiver: WebhookReceiver, events: str, path: str = "/hooks"):
    made = await webhooks.register(shop, MERCHANT, receiver.url(path), events)
    receiver.secrets.append(made.secret)
    return made


async def delivered_order(shop: Shop) -> str:
    """Cash on delivery from checkout to the customer's door (the cash recorded then)."""
    shirt = await add_product(shop, "CAM-M", price="349.00", stock=10)
    order = await buy(shop, await new_buyer(shop), {shirt: 2})
    for step in (orders.confirm_order, orders.start_preparing, orders.mark_packed):
        await step(shop, MERCHANT, order.code)
    await shipping.ship_order(shop, MERCHANT, order.code, "estafeta", "1234567890")
    await orders.mark_delivered(shop, MERCHANT, order.code)
    return order.code


async def test_an_order_journey_reaches_a_subscribed_endpoint_signed_and_in_order(shop, receiver):
    orders_hook = await register(shop, receiver, ORDER_TYPES, "/orders")
    await register(shop, receiver, "return.*", "/returns")  # hears nothing of this

    code = await delivered_order(shop)
    await send_all(shop)

    got = receiver.of_path("/orders")
    assert [r.type for r in got] == [
        "order.created",
        "order.confirmed",
        "order.shipped",
        "order.delivered",
        "order.paid",  # the cash, recorded when the parcel was handed over
    ]
    assert receiver.of_path("/returns") == []
    for message in got:
        assert message.verified_with == [orders_hook.secret]
        assert message.data["code"] == code
        assert message.headers["content-type"] == "application/json"
    assert len({r.msg_id for r in got}) == len(got)  # one webhook-id per event
    created, confirmed, shipped, delivered, paid = (r.data for r in got)
    assert created["status"] == "awaiting_confirmation"
    assert created["payment_method"] == "cash_on_delivery"
    assert created["total"] == 2 * 34900 + created["shipping_fee"]  # prices include tax
    assert [(line["sku"], line["quantity"]) for line in created["lines"]] == [("CAM-M", 2)]
    assert (confirmed["previous_status"], confirmed["status"]) == (
        "awaiting_confirmation",
        "confirmed",
    )
    assert (shipped["carrier"], shipped["tracking_number"]) == ("estafeta", "1234567890")
    assert delivered["status"] == "delivered"
    assert paid["paid"] is True and paid["amount"] == created["total"]
    # Nothing more to send, and the log says each went at the first try.
    assert await send_all(shop) == 0
    log = await webhooks.delivery_log(shop, MERCHANT, orders_hook.endpoint.id)
    assert [(a.ok, a.status_code, a.attempt) for a in log] == [(True, 204, 1)] * 5


async def test_an_endpoint_for_everything_hears_returns_and_low_stock_too(shop, receiver):
    hook = await register(shop, receiver, "*")
    mug = await add_product(shop, "TAZA", stock=3)  # threshold 2: one sold makes it low
    code = await delivered_order(shop)
    await buy(shop, await new_buyer(shop, "1002", "Beto"), {mug: 1})
    request = await returns.request_return(
        shop, customer(1), code, {"CAM-M": 1}, "Me quedó chica", ReturnResolution.REFUND
    )
    await returns.approve_return(shop, MERCHANT, request.id)
    await returns.receive_return(shop, MERCHANT, request.id)
    await returns.refund_return(shop, MERCHANT, request.id)
    await send_all(shop)

    types = [r.type for r in receiver.received]
    assert "stock.low" in types
    low = next(r.data for r in receiver.received if r.type == "stock.low")
    assert (low["sku"], low["available"], low["threshold"]) == ("TAZA", 2, 2)
    assert [t for t in types if t.startswith("return.")] == [
        "return.requested",
        "return.approved",
        "return.received",
        "return.refunded",
    ]
    refunded = receiver.received[-1].data
    assert refunded["order_code"] == code and refunded["previous_status"] == "received"
    assert refunded["refund_amount"] == 34900
    assert not any("Me quedó chica" in r.body for r in receiver.received)
    assert all(r.verified_with == [hook.secret] for r in receiver.received)


async def test_cancelled_and_expired_orders_say_who_and_why_without_anyones_words(
    shop, clock: Clock, receiver
):
    hook = await register(shop, receiver, "order.cancelled,order.expired")
    product = await add_product(shop, "CAM-M")
    ana = await new_buyer(shop)
    cancelled = await buy(shop, ana, {product: 1})
    await orders.cancel_by_customer(shop, ana.actor, cancelled.code, "Me equivoqué de talla")
    unpaid = await buy(shop, await new_buyer(shop, "1002", "Beto"), {product: 1}, CARD)
    clock.advance(hours=3)  # past the card order's reservation
    await expiry.run_expiry(shop)
    await send_all(shop)

    got = {r.data["code"]: r for r in receiver.received}
    assert got[cancelled.code].type == "order.cancelled"
    assert got[cancelled.code].data["cancelled_by"] == "customer"
    assert "Me equivoqué" not in got[cancelled.code].body  # the customer's words stay home
    assert got[unpaid.code].type == "order.expired"
    assert (got[unpaid.code].data["previous_status"], got[unpaid.code].data["reason"]) == (
        "pending_payment",
        "unpaid",
    )
    assert all(r.verified_with == [hook.secret] for r in receiver.received)


async def test_an_order_taken_by_phone_is_order_created_too(shop, receiver):
    hook = await register(shop, receiver, "order.created")
    await add_product(shop, "VELA")
    request = PhoneOrderRequest(
        "951 123 4567", "Ana", (("VELA", 2),), "standard", PaymentMethod.BANK_TRANSFER, ADDRESS
    )
    taken = await phone_orders.place_order_for_customer(shop, MERCHANT, request)
    await send_all(shop)
    (created,) = receiver.received
    assert created.data["code"] == taken.code
    assert [(line["sku"], line["quantity"]) for line in created.data["lines"]] == [("VELA", 2)]
    assert created.verified_with == [hook.secret]


async def test_a_paid_order_cancelled_is_refunded_too(shop, receiver):
    from core.services import payments

    hook = await register(shop, receiver, "order.paid,order.cancelled,order.refunded")
    order = await buy(
        shop,
        await new_buyer(shop),
        {await add_product(shop, "CAM-M"): 1},
        PaymentMethod.BANK_TRANSFER,
    )
    await payments.record_manual_payment(shop, MERCHANT, order.code)
    await orders.cancel_order(shop, MERCHANT, order.code, "Sin existencias")
    await send_all(shop)
    assert [r.type for r in receiver.received] == [
        "order.paid",
        "order.cancelled",
        "order.refunded",
    ]
    paid, cancelled, refunded = (r.data for r in receiver.received)
    assert refunded["amount"] == paid["amount"] == paid["total"]
    assert cancelled["cancelled_by"] == "merchant"
    assert all(r.verified_with == [hook.secret] for r in receiver.received)


async def test_the_sender_that_serve_runs_sends_on_its_own(shop, receiver):
    """The loop `pedidos serve` starts beside the dispatcher (bot/runner.py)."""
    hook = await register(shop, receiver, "order.created")
    async with WebhookSender(shop) as sender:
        running = asyncio.create_task(sender.run_forever(idle_seconds=0.01))
        try:
            order = await buy(shop, await new_buyer(shop), {await add_product(shop, "CAM-M"): 1})
            (got,) = await receiver.wait_for(1)
        finally:
            running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await running
    assert got.data["code"] == order.code and got.verified_with == [hook.secret]


async def test_a_change_that_rolls_back_leaves_no_event(shop, receiver):
    await register(shop, receiver, "*")
    order = await buy(shop, await new_buyer(shop), {await add_product(shop, "CAM-M"): 1})
    await send_all(shop)
    receiver.received.clear()
    with pytest.raises(NotAllowed):  # a customer cannot confirm: the unit rolls back
        await orders.confirm_order(shop, customer(1), order.code)
    assert await send_all(shop) == 0
    assert receiver.received == []


async def test_a_failing_receiver_gets_retries_with_backoff_then_is_disabled_and_admins_told(
    shop, clock: Clock, receiver
):
    receiver.answers = [500]
    hook = await register(shop, receiver, "order.created")
    await buy(shop, await new_buyer(shop), {await add_product(shop, "CAM-M"): 1})

    assert await send_all(shop) == 1
    for number, delay in enumerate(RETRY_DELAYS, start=2):
        clock.advance(seconds=delay.total_seconds() - 1)
        assert await send_all(shop) == 0, f"attempt {number} came before its time"
        clock.advance(seconds=1)
        assert await send_all(shop) == 1, f"attempt {number} did not come after {delay}"

    assert len(receiver.received) == MAX_ATTEMPTS == 8
    assert len({r.msg_id for r in receiver.received}) == 1  # the same webhook-id each time
    assert all(r.verified_with == [hook.secret] for r in receiver.received)
    endpoint = await webhooks.get_endpoint(shop, MERCHANT, hook.endpoint.id)
    assert not endpoint.enabled and endpoint.failure_streak == 8
    alerts = [
        m
        for m in await outbox.messages(shop, recipient=ADMIN)
        if m.kind == "webhook_endpoint_disabled"
    ]
    assert len(alerts) == 1
    assert alerts[0].payload["endpoint_id"] == hook.endpoint.id
    assert alerts[0].payload["last_error"] == "receiver is down"
    log = await webhooks.delivery_log(shop, MERCHANT, hook.endpoint.id)
    assert [(a.attempt, a.ok, a.status_code) for a in reversed(log)] == [
        (n, False, 500) for n in range(1, 9)
    ]
    (delivery,) = await webhooks.deliveries(shop, MERCHANT, hook.endpoint.id)
    assert delivery.status is DeliveryStatus.FAILED

    # Disabled: new events are not kept for it, nothing is sent.
    await buy(shop, await new_buyer(shop, "1002", "Beto"), {await add_product(shop, "TAZA"): 1})
    clock.advance(days=1)
    assert await send_all(shop) == 0
    # Enabled again: its failures are forgotten and the next events go out.
    receiver.answers = [204]
    again = await webhooks.set_enabled(shop, MERCHANT, hook.endpoint.id, True)
    assert again.enabled and again.failure_streak == 0 and again.failing_since is None
    await buy(shop, await new_buyer(shop, "1003", "Carla"), {await add_product(shop, "VELA"): 1})
    assert await send_all(shop) == 1
    assert receiver.received[-1].type == "order.created"


async def test_an_endpoint_failing_for_a_day_under_traffic_is_disabled_once(
    shop, clock: Clock, receiver
):
    receiver.answers = [503]
    hook = await register(shop, receiver, "order.created")
    product = await add_product(shop, "CAM-M", stock=100)
    for hour in range(0, 32, 4):  # a new order every four hours; every attempt fails
        await buy(shop, await new_buyer(shop, str(2000 + hour)), {product: 1})
        await send_all(shop)
        clock.advance(hours=4)
        endpoint = await webhooks.get_endpoint(shop, MERCHANT, hook.endpoint.id)
        if not endpoint.enabled:
            break
    assert not endpoint.enabled
    assert endpoint.disabled_at is not None and endpoint.failing_since is not None
    assert endpoint.disabled_at - endpoint.failing_since >= DISABLE_AFTER
    alerts = [
        m
        for m in await outbox.messages(shop, recipient=ADMIN)
        if m.kind == "webhook_endpoint_disabled"
    ]
    assert len(alerts) == 1


async def test_a_success_between_failures_keeps_the_endpoint_and_the_webhook_id(
    shop, clock: Clock, receiver
):
    receiver.answers = [500, 502, 200]
    hook = await register(shop, receiver, "order.created")
    await buy(shop, await new_buyer(shop), {await add_product(shop, "CAM-M"): 1})
    await send_all(shop)
    clock.advance(minutes=1)
    await send_all(shop)
    clock.advance(minutes=5)
    await send_all(shop)

    assert [r.msg_id for r in receiver.received] == [receiver.received[0].msg_id] * 3
    endpoint = await webhooks.get_endpoint(shop, MERCHANT, hook.endpoint.id)
    assert endpoint.enabled and endpoint.failure_streak == 0 and endpoint.failing_since is None
    (delivery,) = await webhooks.deliveries(shop, MERCHANT, hook.endpoint.id)
    assert delivery.status is DeliveryStatus.DELIVERED and delivery.attempts == 3

    # Sent again on the merchant's word: the same webhook-id, so the receiver can drop it.
    assert await webhooks.redeliver(shop, MERCHANT, hook.endpoint.id, delivery.id)
    await send_all(shop)
    assert len(receiver.received) == 4
    assert receiver.received[-1].msg_id == receiver.received[0].msg_id
    assert receiver.received[-1].verified_with == [hook.secret]


async def test_a_sender_that_died_mid_send_leaves_the_delivery_to_another_with_its_id(
    shop, clock: Clock, receiver
):
    hook = await register(shop, receiver, "order.created")
    await buy(shop, await new_buyer(shop), {await add_product(shop, "CAM-M"): 1})
    await webhooks.fan_out(shop)
    (claimed,) = await webhooks.claim_due(shop)  # ... and the sender dies here
    assert await send_all(shop) == 0  # its lease holds: nobody else sends it meanwhile
    clock.advance(seconds=webhooks.LEASE.total_seconds() + 1)
    assert await send_all(shop) == 1
    assert [r.msg_id for r in receiver.received] == [claimed.msg_id]
    assert receiver.received[0].verified_with == [hook.secret]


async def test_redirects_are_not_followed_and_count_as_failures(shop, receiver):
    receiver.answers = [302]
    receiver.redirect_to = receiver.url("/elsewhere")
    hook = await register(shop, receiver, "order.created")
    await buy(shop, await new_buyer(shop), {await add_product(shop, "CAM-M"): 1})
    await send_all(shop)
    assert [r.path for r in receiver.received] == ["/hooks"]
    (attempt,) = await webhooks.delivery_log(shop, MERCHANT, hook.endpoint.id)
    assert (attempt.ok, attempt.status_code) == (False, 302)


async def test_a_receiver_that_never_answers_fails_the_attempt_at_the_timeout(shop, receiver):
    receiver.hang = True
    hook = await register(shop, receiver, "order.created")
    await buy(shop, await new_buyer(shop), {await add_product(shop, "CAM-M"): 1})
    async with WebhookSender(shop, timeout=0.5) as sender:
        assert await sender.run_once() == 1
    (attempt,) = await webhooks.delivery_log(shop, MERCHANT, hook.endpoint.id)
    assert (attempt.ok, attempt.status_code) == (False, None)
    assert attempt.response == "no answer within 0.5 s"
    (delivery,) = await webhooks.deliveries(shop, MERCHANT, hook.endpoint.id)
    assert delivery.status is DeliveryStatus.PENDING  # tried again in a minute


async def test_an_unreachable_endpoint_is_a_logged_failure(shop, receiver):
    hook = await register(shop, receiver, "order.created")
    await receiver.stop()  # nobody listens there any more
    await buy(shop, await new_buyer(shop), {await add_product(shop, "CAM-M"): 1})
    await send_all(shop)
    (attempt,) = await webhooks.delivery_log(shop, MERCHANT, hook.endpoint.id)
    assert not attempt.ok and attempt.status_code is None
    assert "ConnectError" in attempt.response


async def test_during_a_rotation_both_secrets_verify_and_afterwards_only_the_new(
    shop, clock: Clock, receiver
):
    hook = await register(shop, receiver, "order.created")
    old = hook.secret
    rotated = await webhooks.rotate_secret(shop, MERCHANT, hook.endpoint.id)
    new = rotated.secret
    receiver.secrets.append(new)
    assert new != old and new.startswith("whsec_")
    assert rotated.endpoint.previous_secret_until == clock.now + timedelta(hours=24)
    product = await add_product(shop, "CAM-M")

    await buy(shop, await new_buyer(shop), {product: 1})
    await send_all(shop)
    during = receiver.received[-1]
    assert during.verified_with == [old, new]
    assert len(during.headers["webhook-signature"].split(" ")) == 2

    clock.advance(hours=24)
    await buy(shop, await new_buyer(shop, "1002", "Beto"), {product: 1})
    await send_all(shop)
    after = receiver.received[-1]
    assert after.verified_with == [new]
    assert not after.verifies_with(old)


async def test_endpoints_are_refused_bad_urls_unknown_events_and_non_admins(shop):
    for url in ("ftp://example.com/hook", "example.com/hook", "http:///nohost", "javascript:x"):
        with pytest.raises(InvalidWebhook):
            await webhooks.register(shop, MERCHANT, url, "order.created")
    with pytest.raises(InvalidWebhook) as unknown:
        await webhooks.register(shop, MERCHANT, "https://example.com/h", "order.teleported")
    assert unknown.value.data["event"] == "order.teleported"
    with pytest.raises(NotAllowed):
        await webhooks.register(shop, customer(1), "https://example.com/h", "order.created")
    with pytest.raises(NotAllowed):
        await webhooks.list_endpoints(shop, customer(1))
    assert await webhooks.list_endpoints(shop, MERCHANT) == []


async def test_an_endpoint_hears_only_what_happened_after_it_was_registered(
    shop, clock: Clock, receiver
):
    product = await add_product(shop, "CAM-M")
    await buy(shop, await new_buyer(shop), {product: 1})  # before any endpoint
    clock.advance(seconds=1)
    await register(shop, receiver, "order.created")
    await buy(shop, await new_buyer(shop, "1002", "Beto"), {product: 1})
    await send_all(shop)
    assert len(receiver.received) == 1
    # The event nobody took is not kept; the one delivered is.
    async with shop.uow(write=False) as uow:
        kept = (await uow.conn.execute(select(func.count()).select_from(webhook_events))).scalar()
    assert kept == 1


@pytest.mark.slow  # 30 orders, three workers
async def test_two_senders_on_postgresql_never_send_one_delivery_twice(
    backend: str, database_url: str, clock: Clock, receiver
):
    """Several `pedidos serve` workers: each claims deliveries with FOR UPDATE SKIP
    LOCKED, so the receiver gets every event exactly once however they interleave."""
    if backend == "sqlite":
        pytest.skip("SQLite serialises writers: only PostgreSQL can prove this claim")
    shop = await open_shop(database_url, clock)
    shop.settings = test_settings(database_url, **LOCAL_RECEIVERS)
    workers = [
        Shop(Database(database_url), test_settings(database_url, **LOCAL_RECEIVERS), clock=clock)
        for _ in range(3)
    ]
    try:
        await register(shop, receiver, "order.created,order.confirmed", "/a")
        await register(shop, receiver, "*", "/b")
        product = await add_product(shop, "CAM-M", stock=200)
        placed = []
        for n in range(30):
            order = await buy(shop, await new_buyer(shop, str(3000 + n)), {product: 1})
            await orders.confirm_order(shop, MERCHANT, order.code)
            placed.append(order.code)

        async def drain(worker: Shop) -> None:
            async with WebhookSender(worker) as sender:
                while await sender.run_once(limit=7):
                    pass

        for _ in range(3):  # the workers race for the same events and deliveries
            await asyncio.gather(*(drain(worker) for worker in workers))

        per_path = Counter((r.path, r.msg_id) for r in receiver.received)
        assert set(per_path.values()) == {1}, "a delivery was sent twice"
        assert len(receiver.of_path("/a")) == 60  # created and confirmed, 30 orders each
        assert len(receiver.of_path("/b")) == 60
        async with shop.uow(write=False) as uow:
            statuses = Counter(
                (await uow.conn.execute(select(webhook_deliveries.c.status))).scalars()
            )
        assert statuses == {"delivered": sum(per_path.values())}
    finally:
        for worker in workers:
            await worker.db.dispose()
        await shop.db.dispose()


async def test_a_transfer_the_merchant_marks_paid_is_order_paid(shop, receiver):
    """order.paid whatever path records the payment: here the merchant's /pagado."""
    from core.services import payments

    hook = await register(shop, receiver, "order.paid")
    order = await buy(
        shop,
        await new_buyer(shop),
        {await add_product(shop, "CAM-M"): 1},
        PaymentMethod.BANK_TRANSFER,
    )
    await payments.record_manual_payment(shop, MERCHANT, order.code)
    await send_all(shop)
    (paid,) = receiver.received
    assert paid.type == "order.paid" and paid.data["code"] == order.code
    assert paid.data["amount"] == paid.data["total"]
    assert paid.verified_with == [hook.secret]


class AnswersWith(WebhookReceiver):
    """A receiver whose answers carry these bytes, whatever they are."""

    def __init__(self, status: int, body: bytes) -> None:
        super().__init__(answers=[status])
        self.body = body

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        answer = await super()._handle(request)
        return web.Response(status=answer.status, body=self.body)


async def test_an_answer_with_a_nul_byte_is_one_failed_attempt_retried_on_schedule(
    shop, clock: Clock
):
    """PostgreSQL refuses a NUL in text: the answer's start is logged without it (and
    without other control characters), not left unrecorded and sent every minute."""
    async with AnswersWith(502, b"bad\x00gate\x07way\r\n\xff\x1b[31m down") as receiver:
        hook = await register(shop, receiver, "order.created")
        await buy(shop, await new_buyer(shop), {await add_product(shop, "CAM-M"): 1})
        assert await send_all(shop) == 1

        (attempt,) = await webhooks.delivery_log(shop, MERCHANT, hook.endpoint.id)
        assert (attempt.ok, attempt.status_code, attempt.attempt) == (False, 502, 1)
        assert attempt.response == "badgateway \ufffd[31m down"
        (delivery,) = await webhooks.deliveries(shop, MERCHANT, hook.endpoint.id)
        assert delivery.status is DeliveryStatus.PENDING and delivery.attempts == 1
        assert delivery.next_attempt_at == clock.now + RETRY_DELAYS[0]
        assert delivery.last_error == attempt.response
        endpoint = await webhooks.get_endpoint(shop, MERCHANT, hook.endpoint.id)
        assert endpoint.failure_streak == 1

        clock.advance(seconds=RETRY_DELAYS[0].total_seconds() - 1)
        assert await send_all(shop) == 0  # nothing before its retry
        clock.advance(seconds=1)
        assert await send_all(shop) == 1
        assert len(receiver.received) == 2
        log = await webhooks.delivery_log(shop, MERCHANT, hook.endpoint.id)
        assert [a.attempt for a in log] == [2, 1]


async def test_a_binary_answer_2xx_is_delivered(shop):
    async with AnswersWith(200, bytes(range(256))) as receiver:
        hook = await register(shop, receiver, "order.created")
        await buy(shop, await new_buyer(shop), {await add_product(shop, "CAM-M"): 1})
        assert await send_all(shop) == 1
        (attempt,) = await webhooks.delivery_log(shop, MERCHANT, hook.endpoint.id)
        assert (attempt.ok, attempt.status_code) == (True, 200)
        assert "\x00" not in attempt.response and attempt.response.startswith('!"#$%&')
        (delivery,) = await webhooks.deliveries(shop, MERCHANT, hook.endpoint.id)
        assert delivery.status is DeliveryStatus.DELIVERED
        assert await send_all(shop) == 0


@pytest.mark.expects_error(r"recording webhook delivery \d+'s attempt failed")
async def test_an_attempt_the_database_refuses_to_record_is_a_failed_attempt(
    shop, clock: Clock, receiver, monkeypatch: pytest.MonkeyPatch
):
    """Whatever makes recording fail, the delivery does not stay "sending" (sent again
    at every lease's end, never counted): a failed attempt, retried on the schedule."""
    real = SqlWebhookRepository.add_attempt
    refusals = [DataError("INSERT INTO webhook_attempts", {}, Exception("refused"))]

    async def refuse_once(self, *args, **kwargs):
        if refusals:
            raise refusals.pop()
        return await real(self, *args, **kwargs)

    monkeypatch.setattr(SqlWebhookRepository, "add_attempt", refuse_once)
    hook = await register(shop, receiver, "order.created")
    await buy(shop, await new_buyer(shop), {await add_product(shop, "CAM-M"): 1})
    assert await send_all(shop) == 1

    (attempt,) = await webhooks.delivery_log(shop, MERCHANT, hook.endpoint.id)
    assert (attempt.ok, attempt.status_code) == (False, None)
    assert attempt.response == ("the attempt could not be recorded (DataError); the answer was 204")
    (delivery,) = await webhooks.deliveries(shop, MERCHANT, hook.endpoint.id)
    assert delivery.status is DeliveryStatus.PENDING
    assert delivery.next_attempt_at == clock.now + RETRY_DELAYS[0]
    clock.advance(seconds=RETRY_DELAYS[0].total_seconds() - 1)
    assert await send_all(shop) == 0
    clock.advance(seconds=1)
    assert await send_all(shop) == 1  # sent again, with the same webhook-id: at least once
    (delivery,) = await webhooks.deliveries(shop, MERCHANT, hook.endpoint.id)
    assert delivery.status is DeliveryStatus.DELIVERED
    assert [r.msg_id for r in receiver.received] == [receiver.received[0].msg_id] * 2


PRIVATE_URLS = (
    "http://127.0.0.1:8080/hooks",
    "http://127.1/hooks",  # the resolver reads these as 127.0.0.1 too
    "http://2130706433/hooks",
    "http://0x7f.0.0.1/hooks",
    "http://localhost:3000/hooks",
    "http://LOCALHOST./hooks",
    "http://app.localhost/hooks",
    "http://0.0.0.0/hooks",
    "http://10.1.2.3/hooks",
    "http://172.16.0.9/hooks",
    "https://192.168.1.10/hooks",
    "http://100.64.0.1/hooks",
    "http://169.254.169.254/latest/meta-data/",  # a cloud's metadata service
    "http://224.0.0.1/hooks",
    "http://255.255.255.255/hooks",
    "http://[::1]/hooks",
    "http://[::]/hooks",
    "http://[fc00::1]/hooks",
    "http://[fd12:3456::1]/hooks",
    "http://[fe80::1]/hooks",
    "http://[ff02::1]/hooks",
    "http://[::ffff:127.0.0.1]/hooks",
    "http://[::ffff:10.0.0.1]/hooks",
)


async def test_an_endpoint_on_this_machine_or_a_private_network_is_refused(shop):
    public_only = strict(shop)
    for url in PRIVATE_URLS:
        with pytest.raises(InvalidWebhook) as refused:
            await webhooks.register(public_only, MERCHANT, url, "order.created")
        assert refused.value.data["problem"] == "private_address", url
    made = await webhooks.register(public_only, MERCHANT, "https://8.8.8.8/h", "order.created")
    for url in ("https://erp.example.com/h", "http://[2001:4860:4860::8888]:8443/h"):
        await webhooks.update_endpoint(public_only, MERCHANT, made.endpoint.id, url=url)
    with pytest.raises(InvalidWebhook) as refused:
        await webhooks.update_endpoint(
            public_only, MERCHANT, made.endpoint.id, url="http://169.254.169.254/"
        )
    assert refused.value.data == {"problem": "private_address", "host": "169.254.169.254"}
    (kept,) = await webhooks.list_endpoints(public_only, MERCHANT)
    assert kept.url == "http://[2001:4860:4860::8888]:8443/h"
    # A developer's shop (WEBHOOKS_ALLOW_PRIVATE_ADDRESSES=true) takes them.
    assert (await webhooks.register(shop, MERCHANT, PRIVATE_URLS[0], "*")).endpoint.id


def resolves(monkeypatch: pytest.MonkeyPatch, names: dict[str, list[str]]) -> None:
    """The sender's resolver answers these names with these addresses (DNS, faked)."""
    loop = asyncio.get_running_loop()
    real = loop.getaddrinfo

    async def getaddrinfo(host, port, *args, **kwargs):
        if host not in names:
            return await real(host, port, *args, **kwargs)
        return [
            (
                socket.AF_INET6 if ":" in address else socket.AF_INET,
                socket.SOCK_STREAM,
                6,
                "",
                (address, port),
            )
            for address in names[host]
        ]

    monkeypatch.setattr(loop, "getaddrinfo", getaddrinfo)


async def test_the_sender_refuses_a_name_that_resolves_to_a_private_address_at_sending(
    shop, clock: Clock, receiver, monkeypatch: pytest.MonkeyPatch
):
    """A name public when registered and private when sent to (DNS rebinding), or an
    endpoint registered while private addresses were allowed: nothing is sent there."""
    port = receiver.url().split(":")[-1].split("/")[0]
    for name in ("rebinding.example.com", "localhost"):
        await webhooks.register(shop, MERCHANT, f"http://{name}:{port}/hooks", "order.created")
    resolves(monkeypatch, {"rebinding.example.com": ["93.184.215.14", "127.0.0.1"]})
    await register(shop, receiver, "order.created")  # http://127.0.0.1:port
    await buy(shop, await new_buyer(shop), {await add_product(shop, "CAM-M"): 1})

    assert await send_all(strict(shop)) == 3
    assert receiver.received == []
    for endpoint, refused in zip(
        await webhooks.list_endpoints(shop, MERCHANT),
        (
            "refused: rebinding.example.com (127.0.0.1) is not a public address",
            "refused: localhost (",
            "refused: 127.0.0.1 is not a public address",
        ),
        strict=True,
    ):
        (attempt,) = await webhooks.delivery_log(shop, MERCHANT, endpoint.id)
        assert (attempt.ok, attempt.status_code) == (False, None)
        assert attempt.response.startswith(refused), attempt.response
        assert attempt.response.endswith(
            "is not a public address (WEBHOOKS_ALLOW_PRIVATE_ADDRESSES)"
        )
        (delivery,) = await webhooks.deliveries(shop, MERCHANT, endpoint.id)
        assert delivery.status is DeliveryStatus.PENDING  # tried again on the schedule

    # Allowed (a developer's machine), and the name resolving here only: all three arrive.
    resolves(monkeypatch, {"rebinding.example.com": ["127.0.0.1"]})
    clock.advance(minutes=1)
    assert await send_all(shop) == 3
    assert len(receiver.received) == 3


async def test_the_sender_connects_to_the_address_it_checked_with_the_urls_host(
    shop, receiver, monkeypatch: pytest.MonkeyPatch
):
    """The name is resolved once, by the sender: the connection goes to that address
    (here the receiver, whose name no real DNS knows), the Host header is the URL's."""
    port = receiver.url().split(":")[-1].split("/")[0]
    # The first address takes no connection (nobody listens on ::1 there): the next one.
    resolves(monkeypatch, {"erp.example.com": ["::1", "127.0.0.1"]})
    hook = await webhooks.register(
        shop, MERCHANT, f"http://erp.example.com:{port}/hooks", "order.created"
    )
    receiver.secrets.append(hook.secret)
    await buy(shop, await new_buyer(shop), {await add_product(shop, "CAM-M"): 1})
    assert await send_all(shop) == 1
    (got,) = receiver.received
    assert got.headers["host"] == f"erp.example.com:{port}"
    assert got.verified_with == [hook.secret]
