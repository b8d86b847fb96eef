"""The Stripe adapter (bot/payments/stripe.py) with the real `stripe` package, over real HTTP,
against the strict double of Stripe's API (tests/stripe_double.py): links, payments as
the API reports them, refunds once per key, and webhook signatures as Stripe makes them."""

from __future__ import annotations

import socket
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from aiohttp import web

from bot.payments.stripe import Stripe
from bot.payments.webhooks import BadSignature
from core.domain.money import Money
from core.domain.payment_links import (
    LinkRequest,
    ProviderPaymentStatus,
    ProviderRefused,
    ProviderUnavailable,
)
from tests.stripe_double import StripeApiDouble

ORDER = "PED-7K3F"
PRICE = Money(19990, "MXN")  # MX$199.90


class Now:
    """The double's and the adapter's clock (Unix seconds), moved by the test."""

    def __init__(self) -> None:
        self.t = float(int(time.time()))

    def __call__(self) -> float:
        return self.t

    def dt(self) -> datetime:
        return datetime.fromtimestamp(self.t, UTC)

    def advance(self, seconds: float) -> None:
        self.t += seconds


@pytest.fixture
def now() -> Now:
    return Now()


@pytest.fixture
async def stripe_api(now: Now) -> AsyncIterator[StripeApiDouble]:
    async with StripeApiDouble(clock=now) as double:
        yield double


def adapter_for(double: StripeApiDouble, now: Now, **overrides: str) -> Stripe:
    options = {
        "secret_key": double.secret_key,
        "webhook_secret": double.webhook_secret,
        "api_url": double.base_url,
        "public_url": "https://tienda.example",
        **overrides,
    }
    return Stripe(**options, timeout=5.0, clock=now.dt)  # type: ignore[arg-type]


@pytest.fixture
async def adapter(stripe_api: StripeApiDouble, now: Now) -> AsyncIterator[Stripe]:
    client = adapter_for(stripe_api, now)
    yield client
    await client.close()


def link_request(
    now: Now,
    *,
    amount: Money = PRICE,
    expires_in: timedelta = timedelta(hours=2),
    key: str = "link-PED-7K3F-1",
    order: str = ORDER,
) -> LinkRequest:
    return LinkRequest(
        order_code=order,
        amount=amount,
        title=f"Tienda Demo · {order}",
        expires_at=now.dt() + expires_in,
        idempotency_key=key,
    )


# ---- links -------------------------------------------------------------------------


async def test_a_link_is_a_checkout_session_for_the_order_amount_and_expiry(
    adapter: Stripe, stripe_api: StripeApiDouble, now: Now
) -> None:
    request = link_request(now)
    link = await adapter.create_link(request)

    session = stripe_api.session(link.provider_ref)
    assert link.provider_ref.startswith("cs_")
    assert link.url == session["url"]
    assert session["amount_total"] == 19990 and session["currency"] == "mxn"
    assert session["client_reference_id"] == ORDER
    assert session["metadata"] == {"order_code": ORDER}
    assert session["success_url"].startswith("https://tienda.example/payments/return")
    # Within Stripe's window the order's own expiry is sent, to the second.
    assert link.expires_at == request.expires_at.replace(microsecond=0)
    assert session["expires_at"] == int(request.expires_at.timestamp())
    assert stripe_api.rejected == []


async def test_the_same_idempotency_key_gives_back_the_same_session(
    adapter: Stripe, stripe_api: StripeApiDouble, now: Now
) -> None:
    first = await adapter.create_link(link_request(now))
    now.advance(5)  # a retry a little later sends the same parameters
    again = await adapter.create_link(link_request(now, expires_in=timedelta(hours=2, seconds=-5)))

    assert again == first
    assert len(stripe_api.sessions) == 1
    assert [c.replayed for c in stripe_api.calls] == [False, True]


async def test_the_same_key_with_another_amount_is_refused(
    adapter: Stripe, stripe_api: StripeApiDouble, now: Now
) -> None:
    await adapter.create_link(link_request(now))
    with pytest.raises(ProviderRefused) as refused:
        await adapter.create_link(link_request(now, amount=Money(25000, "MXN")))

    assert refused.value.data["code"] == "idempotency_error"
    assert len(stripe_api.sessions) == 1


async def test_an_order_expiring_within_30_minutes_gets_a_link_open_at_least_30(
    adapter: Stripe, stripe_api: StripeApiDouble, now: Now
) -> None:
    link = await adapter.create_link(link_request(now, expires_in=timedelta(minutes=5)))

    assert now.dt() + timedelta(minutes=30) < link.expires_at <= now.dt() + timedelta(minutes=41)
    assert stripe_api.session(link.provider_ref)["expires_at"] == link.expires_at.timestamp()
    assert stripe_api.rejected == []


async def test_an_order_reserved_for_days_gets_a_link_of_at_most_24_hours(
    adapter: Stripe, stripe_api: StripeApiDouble, now: Now
) -> None:
    link = await adapter.create_link(link_request(now, expires_in=timedelta(days=3)))

    assert now.dt() + timedelta(hours=23, minutes=45) <= link.expires_at
    assert link.expires_at < now.dt() + timedelta(hours=24)
    assert stripe_api.rejected == []


async def test_the_double_refuses_what_stripe_refuses_in_a_session(
    stripe_api: StripeApiDouble, now: Now
) -> None:
    """The double is strict where the adapter could go wrong: an expiry outside the window,
    an amount over Stripe's maximum or under its minimum, an unknown currency."""
    headers = {"Authorization": f"Bearer {stripe_api.secret_key}"}
    base = {
        "mode": "payment",
        "line_items[0][price_data][currency]": "mxn",
        "line_items[0][price_data][unit_amount]": "19990",
        "line_items[0][price_data][product_data][name]": "Pedido",
        "line_items[0][quantity]": "1",
    }
    cases = {
        "expires_at": {"expires_at": str(int(now() + 600))},
        "line_items[0][price_data][unit_amount]": {
            "line_items[0][price_data][unit_amount]": "100000000"
        },
        "line_items[0][price_data][currency]": {"line_items[0][price_data][currency]": "xyz"},
    }
    async with httpx.AsyncClient(base_url=stripe_api.base_url) as client:
        for param, change in cases.items():
            reply = await client.post("/v1/checkout/sessions", data=base | change, headers=headers)
            assert reply.status_code == 400, param
            assert reply.json()["error"]["param"] == param
        too_small = base | {"line_items[0][price_data][unit_amount]": "999"}  # MX$9.99
        reply = await client.post("/v1/checkout/sessions", data=too_small, headers=headers)
        assert reply.json()["error"]["code"] == "amount_too_small"
        reply = await client.post("/v1/checkout/sessions", data=base)
        assert reply.status_code == 401
    assert stripe_api.sessions == {}


# ---- payments ----------------------------------------------------------------------


async def test_there_is_no_payment_until_the_customer_submits_the_page(
    adapter: Stripe, now: Now
) -> None:
    link = await adapter.create_link(link_request(now))

    assert await adapter.payments_for_link(ORDER, link.provider_ref) == []


async def test_a_card_payment_reads_as_approved_for_its_order(
    adapter: Stripe, stripe_api: StripeApiDouble, now: Now
) -> None:
    link = await adapter.create_link(link_request(now))
    intent_id = stripe_api.customer_pays(link.provider_ref, "card", brand="visa")

    [payment] = await adapter.payments_for_link(ORDER, link.provider_ref)
    assert payment.status is ProviderPaymentStatus.APPROVED
    assert payment.payment_id == intent_id
    assert payment.charge_id == f"stripe:{intent_id}"
    assert payment.order_code == ORDER  # from the PaymentIntent's own metadata
    assert payment.amount == PRICE
    assert payment.method == "visa"
    assert await adapter.read_payment(intent_id) == payment


async def test_an_oxxo_payment_is_pending_with_its_voucher_then_approved_when_paid(
    adapter: Stripe, stripe_api: StripeApiDouble, now: Now
) -> None:
    link = await adapter.create_link(link_request(now))
    intent_id = stripe_api.customer_pays(link.provider_ref, "oxxo")
    voucher = stripe_api.intents[intent_id]["next_action"]["oxxo_display_details"]

    pending = await adapter.read_payment(intent_id)
    assert pending.status is ProviderPaymentStatus.PENDING
    assert pending.method == "oxxo"
    assert pending.reference == voucher["number"] and pending.reference
    assert pending.voucher_url == voucher["hosted_voucher_url"]
    assert pending.pay_by == datetime.fromtimestamp(voucher["expires_after"], UTC)

    stripe_api.async_payment_succeeds(link.provider_ref)
    [paid] = await adapter.payments_for_link(ORDER, link.provider_ref)
    assert paid.status is ProviderPaymentStatus.APPROVED
    assert (paid.method, paid.amount, paid.reference) == ("oxxo", PRICE, "")


async def test_an_oxxo_voucher_left_unpaid_reads_as_rejected(
    adapter: Stripe, stripe_api: StripeApiDouble, now: Now
) -> None:
    link = await adapter.create_link(link_request(now))
    intent_id = stripe_api.customer_pays(link.provider_ref, "oxxo")
    stripe_api.async_payment_fails(link.provider_ref)

    assert (await adapter.read_payment(intent_id)).status is ProviderPaymentStatus.REJECTED


async def test_a_declined_card_reads_as_rejected_and_the_customer_may_pay_again(
    adapter: Stripe, stripe_api: StripeApiDouble, now: Now
) -> None:
    link = await adapter.create_link(link_request(now))
    intent_id = stripe_api.card_declined(link.provider_ref)
    assert (await adapter.read_payment(intent_id)).status is ProviderPaymentStatus.REJECTED

    assert stripe_api.customer_pays(link.provider_ref) == intent_id
    assert (await adapter.read_payment(intent_id)).status is ProviderPaymentStatus.APPROVED


async def test_a_session_past_its_expiry_takes_no_payment(
    adapter: Stripe, stripe_api: StripeApiDouble, now: Now
) -> None:
    link = await adapter.create_link(link_request(now, expires_in=timedelta(hours=1)))
    now.advance(3601)

    assert stripe_api.session(link.provider_ref)["status"] == "expired"
    with pytest.raises(AssertionError, match="expired"):
        stripe_api.customer_pays(link.provider_ref)
    assert await adapter.payments_for_link(ORDER, link.provider_ref) == []


async def test_a_link_of_another_order_yields_no_payment_for_this_one(
    adapter: Stripe, stripe_api: StripeApiDouble, now: Now
) -> None:
    link = await adapter.create_link(link_request(now, order="PED-OTHER", key="other"))
    stripe_api.customer_pays(link.provider_ref)

    assert await adapter.payments_for_link(ORDER, link.provider_ref) == []


# ---- errors ------------------------------------------------------------------------


async def test_unknown_sessions_and_payments_are_refused(adapter: Stripe) -> None:
    with pytest.raises(ProviderRefused) as no_session:
        await adapter.payments_for_link(ORDER, "cs_test_doesnotexist")
    with pytest.raises(ProviderRefused) as no_payment:
        await adapter.read_payment("pi_doesnotexist")

    assert no_session.value.data["code"] == "resource_missing"
    assert no_session.value.data["status"] == 404
    assert no_payment.value.data["code"] == "resource_missing"


@pytest.mark.parametrize("status", [500, 503, 429, 409])
async def test_a_server_error_is_unavailable_and_a_retry_with_the_key_makes_one_link(
    adapter: Stripe, stripe_api: StripeApiDouble, now: Now, status: int
) -> None:
    stripe_api.fail_next(status)
    with pytest.raises(ProviderUnavailable) as unavailable:
        await adapter.create_link(link_request(now))
    assert unavailable.value.data["status"] == status

    link = await adapter.create_link(link_request(now))
    assert list(stripe_api.sessions) == [link.provider_ref]


async def test_an_unreachable_api_is_unavailable(now: Now) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = Stripe("sk_test_x", "whsec_x", api_url=f"http://127.0.0.1:{port}", clock=now.dt)
    try:
        with pytest.raises(ProviderUnavailable):
            await client.read_payment("pi_123")
    finally:
        await client.close()


async def test_a_wrong_secret_key_is_refused_without_showing_the_key(
    stripe_api: StripeApiDouble, now: Now
) -> None:
    wrong_key = "sk_test_51WrongKeyThatMustNotLeak9876"
    client = adapter_for(stripe_api, now, secret_key=wrong_key)
    try:
        with pytest.raises(ProviderRefused) as refused:
            await client.create_link(link_request(now))
    finally:
        await client.close()

    assert refused.value.data["status"] == 401
    assert wrong_key not in repr(refused.value) and wrong_key not in repr(refused.value.data)
    assert stripe_api.sessions == {}


# ---- refunds -----------------------------------------------------------------------


async def test_a_partial_then_a_full_refund_each_happen_once_per_key(
    adapter: Stripe, stripe_api: StripeApiDouble, now: Now
) -> None:
    link = await adapter.create_link(link_request(now))
    intent_id = stripe_api.customer_pays(link.provider_ref)

    first = await adapter.refund(intent_id, Money(5000, "MXN"), "refund-1")
    again = await adapter.refund(intent_id, Money(5000, "MXN"), "refund-1")
    assert first == again and first.startswith("re_")
    assert [r["amount"] for r in stripe_api.refunds_of(intent_id)] == [5000]
    assert (await adapter.read_payment(intent_id)).status is ProviderPaymentStatus.APPROVED

    rest = await adapter.refund(intent_id, Money(14990, "MXN"), "refund-2")
    assert rest != first
    assert sum(r["amount"] for r in stripe_api.refunds_of(intent_id)) == 19990
    assert (await adapter.read_payment(intent_id)).status is ProviderPaymentStatus.REFUNDED


async def test_a_refund_larger_than_what_remains_is_refused(
    adapter: Stripe, stripe_api: StripeApiDouble, now: Now
) -> None:
    link = await adapter.create_link(link_request(now))
    intent_id = stripe_api.customer_pays(link.provider_ref)

    with pytest.raises(ProviderRefused) as too_much:
        await adapter.refund(intent_id, Money(19991, "MXN"), "refund-too-much")
    assert too_much.value.data["code"] == "amount_too_large"

    await adapter.refund(intent_id, Money(10000, "MXN"), "refund-half")
    with pytest.raises(ProviderRefused):
        await adapter.refund(intent_id, Money(10000, "MXN"), "refund-other-half")
    await adapter.refund(intent_id, Money(9990, "MXN"), "refund-rest")
    with pytest.raises(ProviderRefused) as nothing_left:
        await adapter.refund(intent_id, Money(1, "MXN"), "refund-more")
    assert nothing_left.value.data["code"] == "charge_already_refunded"
    assert sum(r["amount"] for r in stripe_api.refunds_of(intent_id)) == 19990


async def test_an_unpaid_voucher_cannot_be_refunded(
    adapter: Stripe, stripe_api: StripeApiDouble, now: Now
) -> None:
    link = await adapter.create_link(link_request(now))
    intent_id = stripe_api.customer_pays(link.provider_ref, "oxxo")

    with pytest.raises(ProviderRefused):
        await adapter.refund(intent_id, Money(19990, "MXN"), "refund-unpaid")
    assert stripe_api.refunds == {}


# ---- webhooks ----------------------------------------------------------------------


class Receiver:
    """A webhook endpoint that asks the adapter what a call names, as the web app does."""

    def __init__(self, adapter: Stripe) -> None:
        self.adapter = adapter
        self.noticed: list[tuple[str, str] | None] = []
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def _post(self, request: web.Request) -> web.Response:
        try:
            noticed = self.adapter.notice(request.headers, await request.read())
        except BadSignature:
            return web.Response(status=400)
        self.noticed.append(noticed)
        return web.Response(status=200)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/payments/stripe/webhook", self._post)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}/payments/stripe/webhook"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


@pytest.fixture
async def receiver(adapter: Stripe) -> AsyncIterator[Receiver]:
    endpoint = Receiver(adapter)
    await endpoint.start()
    yield endpoint
    await endpoint.stop()


async def test_signed_events_name_the_session_or_the_payment_to_read(
    adapter: Stripe, stripe_api: StripeApiDouble, receiver: Receiver, now: Now
) -> None:
    link = await adapter.create_link(link_request(now))
    intent_id = stripe_api.customer_pays(link.provider_ref)
    charge_id = stripe_api.intents[intent_id]["latest_charge"]

    sent = [
        ("checkout.session.completed", link.provider_ref),
        ("payment_intent.succeeded", intent_id),
        ("charge.succeeded", charge_id),  # not followed: answered, nothing named
    ]
    for kind, object_id in sent:
        assert await stripe_api.send_event(kind, object_id, receiver.url) == 200

    assert receiver.noticed == [("session", link.provider_ref), ("payment", intent_id), None]


async def test_a_signature_made_within_the_tolerance_is_accepted(
    stripe_api: StripeApiDouble, receiver: Receiver, adapter: Stripe, now: Now
) -> None:
    link = await adapter.create_link(link_request(now))
    four_minutes_ago = int(time.time()) - 240

    status = await stripe_api.send_event(
        "checkout.session.expired", link.provider_ref, receiver.url, timestamp=four_minutes_ago
    )
    assert status == 200
    assert receiver.noticed == [("session", link.provider_ref)]


async def test_unsigned_wrongly_signed_tampered_or_stale_calls_are_refused(
    stripe_api: StripeApiDouble, receiver: Receiver, adapter: Stripe, now: Now
) -> None:
    link = await adapter.create_link(link_request(now))
    session = link.provider_ref
    kind = "checkout.session.completed"

    assert await stripe_api.send_event(kind, session, receiver.url, signed=False) == 400
    assert await stripe_api.send_event(kind, session, receiver.url, secret="whsec_other") == 400
    stale = int(time.time()) - 301  # the package's tolerance is 300 s
    assert await stripe_api.send_event(kind, session, receiver.url, timestamp=stale) == 400

    headers, body, _ = stripe_api.delivery(kind, session)
    tampered = body.replace(session.encode(), b"cs_test_someoneelse0000000000")
    async with httpx.AsyncClient() as client:
        reply = await client.post(receiver.url, content=tampered, headers=headers)
    assert reply.status_code == 400
    assert receiver.noticed == []


async def test_without_a_webhook_secret_every_call_is_refused(
    stripe_api: StripeApiDouble, now: Now
) -> None:
    client = adapter_for(stripe_api, now, webhook_secret="")
    try:
        link = await client.create_link(link_request(now))
        intent_id = stripe_api.customer_pays(link.provider_ref)
        # Signed with the same (empty) secret: still refused.
        headers, body, _ = stripe_api.delivery("payment_intent.succeeded", intent_id, secret="")
        with pytest.raises(BadSignature):
            client.notice(headers, body)
    finally:
        await client.close()
