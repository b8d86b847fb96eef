"""The Mercado Pago adapter against the strict double, over real HTTP: links, payments
(card and OXXO), refunds, outages and refusals, and the webhook notices' signatures."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest
from aiohttp import web

from bot.payments.mercadopago import MercadoPago, verify_notice
from bot.payments.webhooks import BadSignature
from core.domain.money import Money
from core.domain.payment_links import (
    LinkRequest,
    ProviderPaymentStatus,
    ProviderRefused,
    ProviderUnavailable,
)
from tests.mercadopago_double import MercadoPagoDouble, PreferenceExpired

TOKEN = "APP_USR-8814357208291440-120311-token"
SECRET = "a9f3c0e1b2d4webhooksecret"


class Now:
    """The double's clock, moved by the test."""

    def __init__(self) -> None:
        self.t = datetime(2026, 12, 3, 16, 30, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.t


class Receiver:
    """The app's webhook route, as small as it can be: the adapter's notice() decides."""

    def __init__(self, provider: MercadoPago) -> None:
        self.provider = provider
        self.payment_ids: list[str | None] = []
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def _post(self, request: web.Request) -> web.Response:
        try:
            payment_id = self.provider.notice(request.query, request.headers, await request.read())
        except BadSignature:
            return web.Response(status=401)
        self.payment_ids.append(payment_id)
        return web.Response(status=200)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/payments/mercadopago/webhook", self._post)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


@pytest.fixture
def now() -> Now:
    return Now()


@pytest.fixture
async def mp(now: Now) -> AsyncIterator[MercadoPagoDouble]:
    async with MercadoPagoDouble(access_token=TOKEN, webhook_secret=SECRET, clock=now) as double:
        yield double


@pytest.fixture
async def app() -> AsyncIterator[Receiver]:
    receiver = Receiver(MercadoPago(TOKEN, SECRET))
    await receiver.start()
    yield receiver
    await receiver.stop()


@pytest.fixture
async def provider(mp: MercadoPagoDouble, app: Receiver) -> AsyncIterator[MercadoPago]:
    adapter = MercadoPago(TOKEN, SECRET, api_url=mp.base_url, public_url=app.url)
    yield adapter
    await adapter.close()


def request_for(now: Now, amount: int = 129950, key: str = "link:PED-7K3F:1") -> LinkRequest:
    return LinkRequest(
        order_code="PED-7K3F",
        amount=Money(amount, "MXN"),
        title="Tienda Demo · PED-7K3F",
        expires_at=now.t + timedelta(minutes=30),
        idempotency_key=key,
    )


# ---- links ---------------------------------------------------------------------------


async def test_a_link_is_a_preference_for_the_order_with_its_exact_amount_expiry_and_webhook(
    mp: MercadoPagoDouble, provider: MercadoPago, app: Receiver, now: Now
) -> None:
    link = await provider.create_link(request_for(now))

    pref = mp.preferences[link.provider_ref]
    assert link.url == pref["init_point"]
    assert pref["items"] == [
        {
            "id": "PED-7K3F",
            "title": "Tienda Demo · PED-7K3F",
            "quantity": 1,
            "unit_price": Decimal("1299.50"),
            "currency_id": "MXN",
        }
    ]
    assert pref["external_reference"] == "PED-7K3F"
    assert pref["notification_url"] == f"{app.url}/payments/mercadopago/webhook"
    assert pref["auto_return"] == "approved"
    assert pref["back_urls"]["success"] == f"{app.url}/payments/return"
    assert pref["expires"] is True
    assert datetime.fromisoformat(pref["expiration_date_to"]) == now.t + timedelta(minutes=30)
    assert link.expires_at == now.t + timedelta(minutes=30)


async def test_the_same_idempotency_key_gives_back_the_same_link_and_makes_one_preference(
    mp: MercadoPagoDouble, provider: MercadoPago, now: Now
) -> None:
    first = await provider.create_link(request_for(now))
    again = await provider.create_link(request_for(now))

    assert again == first
    assert len(mp.preferences) == 1


async def test_the_same_key_with_another_amount_is_refused_and_makes_no_second_preference(
    mp: MercadoPagoDouble, provider: MercadoPago, now: Now
) -> None:
    mp.expect_rejections("X-Idempotency-Key already used")
    await provider.create_link(request_for(now))

    with pytest.raises(ProviderRefused) as refused:
        await provider.create_link(request_for(now, amount=99900))

    assert refused.value.data["status"] == 400
    assert "Idempotency" in str(refused.value.data["detail"])
    assert len(mp.preferences) == 1
    mp.check_at_close()


async def test_a_currency_mercado_pago_does_not_charge_in_is_refused(
    mp: MercadoPagoDouble, provider: MercadoPago, now: Now
) -> None:
    request = request_for(now)
    request = LinkRequest(
        request.order_code, Money(5000, "EUR"), request.title, request.expires_at, "k-eur"
    )

    with pytest.raises(ProviderRefused) as refused:
        await provider.create_link(request)

    assert "currency_id invalid" in str(refused.value.data["detail"])
    assert mp.preferences == {}


async def test_the_double_refuses_a_price_with_more_decimals_than_the_currency_has(
    mp: MercadoPagoDouble,
) -> None:
    async def post(price: str, currency: str) -> httpx.Response:
        item = f'{{"title":"Gorra","quantity":1,"unit_price":{price},"currency_id":"{currency}"}}'
        async with httpx.AsyncClient() as client:
            return await client.post(
                f"{mp.base_url}/checkout/preferences",
                content=f'{{"items":[{item}]}}',
                headers={"Authorization": f"Bearer {TOKEN}"},
            )

    assert (await post("10.005", "MXN")).status_code == 400
    assert (await post("1500.5", "CLP")).status_code == 400
    assert (await post("0", "MXN")).status_code == 400
    assert (await post("10.50", "MXN")).status_code == 201
    assert (await post("1500", "CLP")).status_code == 201


async def test_a_wrong_access_token_is_refused_without_the_token_in_the_error(
    mp: MercadoPagoDouble, now: Now
) -> None:
    adapter = MercadoPago("APP_USR-wrong-token", SECRET, api_url=mp.base_url)
    try:
        with pytest.raises(ProviderRefused) as refused:
            await adapter.create_link(request_for(now))
    finally:
        await adapter.close()

    assert refused.value.data["status"] == 401
    assert "APP_USR" not in repr(refused.value) and "APP_USR" not in repr(adapter)


# ---- reading payments ----------------------------------------------------------------


async def test_an_approved_card_payment_reads_approved_for_the_order_and_amount(
    mp: MercadoPagoDouble, provider: MercadoPago, now: Now
) -> None:
    link = await provider.create_link(request_for(now))
    payment_id = mp.customer_pays(link.provider_ref, method="visa")

    payment = await provider.read_payment(payment_id)

    assert payment.status is ProviderPaymentStatus.APPROVED
    assert payment.order_code == "PED-7K3F"
    assert payment.amount == Money(129950, "MXN")
    assert payment.method == "visa"
    assert payment.charge_id == f"mercadopago:{payment_id}"
    assert (payment.reference, payment.voucher_url, payment.pay_by) == ("", "", None)


async def test_a_pending_oxxo_payment_carries_the_reference_voucher_and_pay_by_until_paid(
    mp: MercadoPagoDouble, provider: MercadoPago, now: Now
) -> None:
    link = await provider.create_link(request_for(now))
    payment_id = mp.customer_pays(link.provider_ref, method="oxxo")
    ticket = mp.payment(payment_id)["transaction_details"]

    pending = await provider.read_payment(payment_id)

    assert pending.status is ProviderPaymentStatus.PENDING
    assert pending.method == "oxxo"
    assert pending.reference == ticket["payment_method_reference_id"] != ""
    assert pending.voucher_url == ticket["external_resource_url"] != ""
    assert pending.pay_by == now.t + timedelta(days=3)

    mp.approve(payment_id)  # the customer paid the cash at the store
    paid = await provider.read_payment(payment_id)
    assert paid.status is ProviderPaymentStatus.APPROVED
    assert paid.reference == ""


async def test_a_declined_card_and_an_expired_voucher_read_as_rejected(
    mp: MercadoPagoDouble, provider: MercadoPago, now: Now
) -> None:
    link = await provider.create_link(request_for(now))
    declined = mp.customer_pays(link.provider_ref, method="master", declined=True)
    voucher = mp.customer_pays(link.provider_ref, method="oxxo")
    mp.expire_voucher(voucher)

    assert (await provider.read_payment(declined)).status is ProviderPaymentStatus.REJECTED
    assert (await provider.read_payment(voucher)).status is ProviderPaymentStatus.REJECTED


async def test_a_link_past_its_expiry_takes_no_payment(
    mp: MercadoPagoDouble, provider: MercadoPago, now: Now
) -> None:
    link = await provider.create_link(request_for(now))
    now.t += timedelta(minutes=31)

    with pytest.raises(PreferenceExpired):
        mp.customer_pays(link.provider_ref)
    assert mp.payments == {}


async def test_an_unknown_payment_id_is_refused(
    mp: MercadoPagoDouble, provider: MercadoPago
) -> None:
    with pytest.raises(ProviderRefused) as refused:
        await provider.read_payment("99999999999")
    assert refused.value.data["status"] == 404
    assert "Payment not found" in str(refused.value.data["detail"])

    calls = len(mp.calls)
    with pytest.raises(ProviderRefused):
        await provider.read_payment("../checkout/preferences")
    assert len(mp.calls) == calls  # never sent: not a payment id


async def test_payments_for_a_link_are_the_orders_payments_newest_first(
    mp: MercadoPagoDouble, provider: MercadoPago, now: Now
) -> None:
    link = await provider.create_link(request_for(now))
    declined = mp.customer_pays(link.provider_ref, declined=True)
    now.t += timedelta(minutes=2)
    approved = mp.customer_pays(link.provider_ref)
    other = await provider.create_link(
        LinkRequest("PED-OTRO", Money(5000, "MXN"), "Otro", now.t + timedelta(hours=1), "k2")
    )
    mp.customer_pays(other.provider_ref)

    payments = await provider.payments_for_link("PED-7K3F", link.provider_ref)

    assert [p.payment_id for p in payments] == [approved, declined]
    assert [p.status for p in payments] == [
        ProviderPaymentStatus.APPROVED,
        ProviderPaymentStatus.REJECTED,
    ]


# ---- outages -------------------------------------------------------------------------


@pytest.mark.parametrize("status", [503, 500, 429])
async def test_a_5xx_or_429_is_unavailable_and_the_next_call_works(
    mp: MercadoPagoDouble, provider: MercadoPago, now: Now, status: int
) -> None:
    mp.fail_next(status)

    with pytest.raises(ProviderUnavailable) as unavailable:
        await provider.create_link(request_for(now))
    assert unavailable.value.data["status"] == status

    link = await provider.create_link(request_for(now))
    assert list(mp.preferences) == [link.provider_ref]


async def test_no_answer_at_all_is_unavailable(now: Now) -> None:
    listener = web.AppRunner(web.Application())  # a port that is closed again at once
    await listener.setup()
    site = web.TCPSite(listener, "127.0.0.1", 0)
    await site.start()
    host, port = listener.addresses[0][:2]
    await listener.cleanup()
    adapter = MercadoPago(TOKEN, SECRET, api_url=f"http://{host}:{port}")
    try:
        with pytest.raises(ProviderUnavailable) as unavailable:
            await adapter.read_payment("123")
    finally:
        await adapter.close()
    assert TOKEN not in repr(unavailable.value)


# ---- refunds -------------------------------------------------------------------------


async def test_a_partial_then_a_full_refund_leave_the_payment_refunded(
    mp: MercadoPagoDouble, provider: MercadoPago, now: Now
) -> None:
    link = await provider.create_link(request_for(now))
    payment_id = mp.customer_pays(link.provider_ref)

    first = await provider.refund(payment_id, Money(29950, "MXN"), "refund:R1")
    partly = await provider.read_payment(payment_id)
    assert partly.status is ProviderPaymentStatus.APPROVED
    assert mp.payment(payment_id)["transaction_amount_refunded"] == 299.5

    second = await provider.refund(payment_id, Money(100000, "MXN"), "refund:R2")
    assert (await provider.read_payment(payment_id)).status is ProviderPaymentStatus.REFUNDED
    assert first != second
    assert [r["amount"] for r in mp.refunds] == [Decimal("299.50"), Decimal("1000.00")]


async def test_the_same_refund_key_twice_refunds_once(
    mp: MercadoPagoDouble, provider: MercadoPago, now: Now
) -> None:
    link = await provider.create_link(request_for(now))
    payment_id = mp.customer_pays(link.provider_ref)

    first = await provider.refund(payment_id, Money(10000, "MXN"), "refund:R1")
    again = await provider.refund(payment_id, Money(10000, "MXN"), "refund:R1")

    assert again == first
    assert len(mp.refunds) == 1
    assert mp.payment(payment_id)["transaction_amount_refunded"] == 100


async def test_a_refund_above_what_is_left_or_of_an_unpaid_payment_is_refused(
    mp: MercadoPagoDouble, provider: MercadoPago, now: Now
) -> None:
    mp.expect_rejections("greater than the available amount|does not allow refunds")
    link = await provider.create_link(request_for(now))
    paid = mp.customer_pays(link.provider_ref)
    await provider.refund(paid, Money(100000, "MXN"), "refund:R1")
    voucher = mp.customer_pays(link.provider_ref, method="oxxo")

    with pytest.raises(ProviderRefused) as too_much:
        await provider.refund(paid, Money(30000, "MXN"), "refund:R2")  # 299.50 left
    with pytest.raises(ProviderRefused) as unpaid:
        await provider.refund(voucher, Money(100, "MXN"), "refund:R3")

    assert "greater than the available amount" in str(too_much.value.data["detail"])
    assert "does not allow refunds" in str(unpaid.value.data["detail"])
    assert len(mp.refunds) == 1
    mp.check_at_close()


# ---- notices -------------------------------------------------------------------------


async def test_the_signed_notice_mercado_pago_sends_names_the_payment(
    mp: MercadoPagoDouble, provider: MercadoPago, app: Receiver, now: Now
) -> None:
    link = await provider.create_link(request_for(now))
    payment_id = mp.customer_pays(link.provider_ref)

    assert await mp.notify(payment_id) == 200
    assert await mp.notify(payment_id) == 200  # delivered twice: both name it
    assert app.payment_ids == [payment_id, payment_id]


async def test_an_unsigned_notice_or_one_signed_with_another_secret_is_refused(
    mp: MercadoPagoDouble, provider: MercadoPago, app: Receiver, now: Now
) -> None:
    link = await provider.create_link(request_for(now))
    payment_id = mp.customer_pays(link.provider_ref)

    assert await mp.notify(payment_id, signed=False) == 401
    assert await mp.notify(payment_id, secret="not-the-secret") == 401
    assert app.payment_ids == []


async def test_a_signed_notice_about_a_merchant_order_names_no_payment(
    mp: MercadoPagoDouble,
) -> None:
    provider = MercadoPago(TOKEN, SECRET, api_url=mp.base_url)
    headers = {"x-request-id": "req-1", "x-signature": mp.signature("3607377642", "req-1")}
    body = b'{"resource":"https://api.mercadolibre.com/merchant_orders/3607377642","topic":"merchant_order"}'
    try:
        query = {"data.id": "3607377642", "type": "topic_merchant_order_wh"}
        assert provider.notice(query, headers, body) is None
        with pytest.raises(BadSignature):
            provider.notice({"data.id": "3607377643", "type": "payment"}, headers, body)
    finally:
        await provider.close()


def test_verify_notice_follows_mercado_pagos_manifest() -> None:
    double = MercadoPagoDouble(webhook_secret=SECRET)
    signature = double.signature("1234567890", "f7b2a1d4-0b1c")
    ts = signature.split(",")[0].removeprefix("ts=")

    assert verify_notice(SECRET, signature, "f7b2a1d4-0b1c", "1234567890")
    assert not verify_notice(SECRET, signature, "f7b2a1d4-0b1c", "1234567891")  # other id
    assert not verify_notice(SECRET, signature, "another-request", "1234567890")
    flipped = signature[:-1] + ("1" if signature.endswith("0") else "0")  # one hex digit off
    assert not verify_notice(SECRET, flipped, "f7b2a1d4-0b1c", "1234567890")
    later = f"ts={int(ts) + 1},v1=" + signature.split("v1=")[1]  # the same hex, another ts
    assert not verify_notice(SECRET, later, "f7b2a1d4-0b1c", "1234567890")
    assert not verify_notice(SECRET, None, "f7b2a1d4-0b1c", "1234567890")
    assert not verify_notice(SECRET, "", "f7b2a1d4-0b1c", "1234567890")
    assert not verify_notice("", signature, "f7b2a1d4-0b1c", "1234567890")
    assert not verify_notice("", MercadoPagoDouble(webhook_secret="").signature("1", "r"), "r", "1")


def test_verify_notice_lowercases_an_alphanumeric_id_and_leaves_out_missing_parts() -> None:
    double = MercadoPagoDouble(webhook_secret=SECRET)

    upper = double.signature("ord01jq4s4ky8hwq6na5pxb65b3d3", "r-1")
    assert verify_notice(SECRET, upper, "r-1", "ORD01JQ4S4KY8HWQ6NA5PXB65B3D3")

    no_request_id = double.signature("1234567890", None)
    assert verify_notice(SECRET, no_request_id, None, "1234567890")
    assert not verify_notice(SECRET, no_request_id, "r-1", "1234567890")
