"""Mercado Pago payment links: a Checkout Pro preference per order, read back through the
Payments API, refunded through it, and its webhook notices checked.

Why httpx and not the official ``mercadopago`` package: that SDK is blocking (built on
requests), so every call would need a thread to keep the bot's event loop running, and it
has no setting for the API's base URL, so the tests could not point it at the double
(tests/mercadopago_double.py). The four calls used here are plain JSON over HTTPS with a
bearer token, done with httpx's AsyncClient.

Amounts: Mercado Pago speaks decimal major units (``"unit_price": 1299.5``). Ours are
integer minor units (`Money`); they cross as `Decimal`, written into the JSON as the exact
digits and read back with ``parse_float=Decimal``: no float ever holds an amount.

Webhooks (``verify_notice`` and ``MercadoPago.notice``): Mercado Pago signs a notice with
the header ``x-signature: ts=<ts>,v1=<hex>``, the hex being HMAC-SHA256, keyed with the
application's secret signature, of the manifest ``id:<data.id>;request-id:<x-request-id>;
ts:<ts>;`` where data.id is the query string's (lowercased when alphanumeric) and a part
whose value the notice lacks is left out. The body is not signed: only the id is taken
from a notice, and the payment is then read from the API.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx

from bot.payments.webhooks import BadSignature, header
from core.domain.errors import InvalidAmount
from core.domain.money import Money
from core.domain.payment_links import (
    CreatedLink,
    LinkRequest,
    ProviderPayment,
    ProviderPaymentStatus,
    ProviderRefused,
    ProviderUnavailable,
)

log = logging.getLogger("pedidos.payments.mercadopago")

NAME = "mercadopago"
WEBHOOK_PATH = "/payments/mercadopago/webhook"
RETURN_PATH = "/payments/return"

# Mercado Pago's payment statuses (Payments API, "status").
_STATUSES = {
    "approved": ProviderPaymentStatus.APPROVED,
    # Authorized: a card hold not yet captured (two-step capture). The money is not
    # taken until it becomes "approved", and the hold may be released: an order is not
    # paid by it. Checkout Pro captures at once, so it is rarely seen.
    "authorized": ProviderPaymentStatus.PENDING,
    "pending": ProviderPaymentStatus.PENDING,
    "in_process": ProviderPaymentStatus.PENDING,  # under review
    "in_mediation": ProviderPaymentStatus.PENDING,  # a dispute: the money is held
    "rejected": ProviderPaymentStatus.REJECTED,
    "cancelled": ProviderPaymentStatus.REJECTED,  # also an OXXO voucher that expired unpaid
    "refunded": ProviderPaymentStatus.REFUNDED,
    "charged_back": ProviderPaymentStatus.REFUNDED,
}
# Payment types paid outside the checkout, later: the customer needs a reference.
_OFFLINE_TYPES = {"ticket", "bank_transfer", "atm"}
_PAYMENT_ID = re.compile(r"[0-9]{1,20}")  # Mercado Pago payment ids are numbers


def manifest(data_id: str | None, x_request_id: str | None, ts: str) -> str:
    """The text Mercado Pago signs for a notice, parts it lacks left out."""
    parts = []
    if data_id:
        parts.append(f"id:{data_id.lower() if data_id.isalnum() else data_id};")
    if x_request_id:
        parts.append(f"request-id:{x_request_id};")
    parts.append(f"ts:{ts};")
    return "".join(parts)


def _signature_parts(x_signature: str) -> dict[str, str]:
    parts = {}
    for piece in x_signature.split(","):
        key, sep, value = piece.partition("=")
        if sep:
            parts[key.strip()] = value.strip()
    return parts


def verify_notice(
    secret: str, x_signature: str | None, x_request_id: str | None, data_id: str | None
) -> bool:
    """Whether a notice's ``x-signature`` is Mercado Pago's over its data.id (from the
    query string) and ``x-request-id``. An empty secret never verifies."""
    if not secret or not x_signature:
        return False
    parts = _signature_parts(x_signature)
    ts, given = parts.get("ts"), parts.get("v1")
    if not ts or not given:
        return False
    expected = hmac.new(
        secret.encode(), manifest(data_id, x_request_id, ts).encode(), hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(given.lower().encode(), expected.encode())


def _decimal_json(payload: Any) -> bytes:
    """JSON with every Decimal written as its exact digits (json would need a float)."""
    nonce = secrets.token_hex(8)
    numbers: list[str] = []

    def mark(value: Any) -> Any:
        if isinstance(value, Decimal):
            numbers.append(format(value, "f"))
            return f"{nonce}#{len(numbers) - 1}"
        if isinstance(value, dict):
            return {k: mark(v) for k, v in value.items()}
        if isinstance(value, list):
            return [mark(v) for v in value]
        return value

    text = json.dumps(mark(payload), ensure_ascii=False, separators=(",", ":"))
    text = re.sub(f'"{nonce}#([0-9]+)"', lambda m: numbers[int(m[1])], text)
    return text.encode()


def _mp_time(moment: datetime) -> str:
    """Mercado Pago's date format: milliseconds and an offset, "2026-12-03T10:30:00.000-06:00"."""
    if moment.tzinfo is None:  # the shop's clock is UTC (core.services.context.utc_now)
        moment = moment.replace(tzinfo=UTC)
    return moment.isoformat(timespec="milliseconds")


def _parse_time(text: Any) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


class MercadoPago:
    """The `PaymentProvider` for Mercado Pago (Checkout Pro)."""

    name = NAME

    def __init__(
        self,
        access_token: str,
        webhook_secret: str,
        api_url: str = "https://api.mercadopago.com",
        public_url: str = "",
        timeout: float = 10.0,
    ) -> None:
        self.webhook_secret = webhook_secret
        self.public_url = public_url.rstrip("/")
        self._client = httpx.AsyncClient(
            base_url=api_url.rstrip("/"),
            timeout=timeout,
            headers={
                "Authorization": f"Bearer {access_token}",
                "Accept": "application/json",
                "Content-Type": "application/json",
            },
        )

    def __repr__(self) -> str:  # never the token
        return f"MercadoPago(api_url={str(self._client.base_url)!r})"

    # ---- the port --------------------------------------------------------------------

    async def create_link(self, request: LinkRequest) -> CreatedLink:
        body: dict[str, Any] = {
            "items": [
                {
                    "id": request.order_code,
                    "title": request.title,
                    "quantity": 1,
                    "unit_price": request.amount.to_major(),
                    "currency_id": request.amount.currency,
                }
            ],
            "external_reference": request.order_code,
            "expires": True,
            "expiration_date_to": _mp_time(request.expires_at),
        }
        # Without a public URL Mercado Pago notifies the URL set in the application's
        # panel, and the customer stays on its page after paying.
        if self.public_url:
            back = self.public_url + RETURN_PATH
            body["notification_url"] = self.public_url + WEBHOOK_PATH
            body["back_urls"] = {"success": back, "pending": back, "failure": back}
            body["auto_return"] = "approved"
        data = await self._call(
            "POST",
            "/checkout/preferences",
            body=body,
            idempotency_key=request.idempotency_key,
        )
        ref, url = data.get("id"), data.get("init_point")
        if not isinstance(ref, str) or not isinstance(url, str) or not ref or not url:
            raise ProviderUnavailable(
                provider=NAME, status=None, detail="preference without id or init_point"
            )
        return CreatedLink(
            provider_ref=ref,
            url=url,
            expires_at=_parse_time(data.get("expiration_date_to")) or request.expires_at,
        )

    async def read_payment(self, payment_id: str) -> ProviderPayment:
        data = await self._call("GET", f"/v1/payments/{self._payment_id(payment_id)}")
        return self._payment(data)

    async def payments_for_link(self, order_code: str, provider_ref: str) -> list[ProviderPayment]:
        # A payment does not name its preference; the order code (external_reference)
        # finds the payments of every link the order had, which is what is wanted.
        data = await self._call(
            "GET",
            "/v1/payments/search",
            params={
                "external_reference": order_code,
                "sort": "date_created",
                "criteria": "desc",
            },
        )
        results = data.get("results")
        if not isinstance(results, list):
            raise ProviderUnavailable(provider=NAME, status=None, detail="search without results")
        return [self._payment(item) for item in results if isinstance(item, dict)]

    async def refund(self, payment_id: str, amount: Money, idempotency_key: str) -> str:
        if amount.amount <= 0:
            raise ProviderRefused(provider=NAME, status=None, detail="refund amount must be > 0")
        data = await self._call(
            "POST",
            f"/v1/payments/{self._payment_id(payment_id)}/refunds",
            body={"amount": amount.to_major()},
            idempotency_key=idempotency_key,
        )
        refund_id = data.get("id")
        if refund_id is None or isinstance(refund_id, bool):
            raise ProviderUnavailable(provider=NAME, status=None, detail="refund without id")
        return str(refund_id)

    async def close(self) -> None:
        await self._client.aclose()

    # ---- webhooks --------------------------------------------------------------------

    def notice(
        self, query: Mapping[str, str], headers: Mapping[str, str], body: bytes
    ) -> str | None:
        """The payment id a correctly signed notice names; None when it is about
        something else (a merchant_order, a chargeback...). Raises BadSignature when the
        notice is unsigned or not signed with our secret over its data.id."""
        data_id = query.get("data.id") or None
        if not verify_notice(
            self.webhook_secret,
            header(headers, "x-signature"),
            header(headers, "x-request-id"),
            data_id,
        ):
            raise BadSignature("mercadopago")
        try:
            payload = json.loads(body) if body else {}
        except ValueError:
            payload = {}
        if not isinstance(payload, dict):
            payload = {}
        data = payload.get("data") if isinstance(payload.get("data"), dict) else {}
        kind = query.get("type") or query.get("topic") or payload.get("type") or ""
        action = payload.get("action") or ""
        if kind != "payment" and not (isinstance(action, str) and action.startswith("payment.")):
            return None
        # The id the signature covers; the body's only when the query has none (the body
        # is unsigned, but the id only leads to reading the payment from the API).
        payment_id = data_id or (str(data["id"]) if data.get("id") is not None else None)
        if not payment_id or not _PAYMENT_ID.fullmatch(payment_id):
            return None
        return payment_id

    # ---- plumbing --------------------------------------------------------------------

    @staticmethod
    def _payment_id(payment_id: str) -> str:
        # Ids reach here from webhooks: never let one be a path of its own.
        if not _PAYMENT_ID.fullmatch(str(payment_id)):
            raise ProviderRefused(provider=NAME, status=None, detail="not a payment id")
        return str(payment_id)

    async def _call(
        self,
        method: str,
        path: str,
        *,
        body: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        headers = {"X-Idempotency-Key": idempotency_key} if idempotency_key else None
        try:
            response = await self._client.request(
                method,
                path,
                content=_decimal_json(body) if body is not None else None,
                params=params,
                headers=headers,
            )
        except httpx.TimeoutException:
            raise ProviderUnavailable(
                provider=NAME, status=None, detail=f"{method} {path}: timeout"
            ) from None
        except httpx.HTTPError as exc:
            raise ProviderUnavailable(
                provider=NAME, status=None, detail=f"{method} {path}: {type(exc).__name__}"
            ) from None
        try:
            data = response.json(parse_float=Decimal)
        except ValueError:
            data = None
        status = response.status_code
        if status >= 500 or status == 429:
            raise ProviderUnavailable(provider=NAME, status=status, detail=_said(data, response))
        if status >= 400:
            raise ProviderRefused(
                provider=NAME,
                status=status,
                detail=_said(data, response),
                error=data.get("error", "") if isinstance(data, dict) else "",
            )
        if not isinstance(data, dict):
            raise ProviderUnavailable(provider=NAME, status=status, detail="answer is not JSON")
        return data

    def _payment(self, data: dict[str, Any]) -> ProviderPayment:
        raw_status = str(data.get("status") or "")
        status = _STATUSES.get(raw_status)
        if status is None:
            # Unknown to us: nothing is paid or refused on it; reconciliation looks again.
            log.warning("mercadopago payment %s has unknown status %r", data.get("id"), raw_status)
            status = ProviderPaymentStatus.PENDING
        try:
            amount = Money.from_major(
                _as_decimal(data.get("transaction_amount")), str(data.get("currency_id") or "")
            )
        except (InvalidAmount, InvalidOperation, TypeError) as exc:
            raise ProviderUnavailable(
                provider=NAME, status=None, detail=f"payment amount unreadable: {exc!r}"
            ) from None
        reference = voucher_url = ""
        pay_by = None
        offline = data.get("payment_type_id") in _OFFLINE_TYPES
        if status is ProviderPaymentStatus.PENDING and offline:
            details = data.get("transaction_details") or {}
            barcode = data.get("barcode") or {}
            reference = str(
                details.get("payment_method_reference_id") or barcode.get("content") or ""
            )
            voucher_url = str(details.get("external_resource_url") or "")
            pay_by = _parse_time(data.get("date_of_expiration"))
        return ProviderPayment(
            provider=NAME,
            payment_id=str(data.get("id")),
            order_code=str(data.get("external_reference") or ""),
            status=status,
            amount=amount,
            method=str(data.get("payment_method_id") or ""),
            reference=reference,
            voucher_url=voucher_url,
            pay_by=pay_by,
        )


def _as_decimal(value: Any) -> Decimal:
    if isinstance(value, bool) or value is None:
        raise TypeError(f"not an amount: {value!r}")
    if isinstance(value, float):  # only if a caller parsed the JSON without parse_float
        raise TypeError("amount parsed as float")
    return Decimal(str(value)) if isinstance(value, int | str) else Decimal(value)


def _said(data: Any, response: httpx.Response) -> str:
    """What Mercado Pago said, for logs and errors: its message and causes."""
    if isinstance(data, dict):
        message = str(data.get("message") or data.get("error") or "")
        causes = data.get("cause")
        if isinstance(causes, list) and causes:
            described = [
                str(c.get("description") or c.get("code")) for c in causes if isinstance(c, dict)
            ]
            message = "; ".join([message, *described]) if message else "; ".join(described)
        if message:
            return message[:500]
    return f"HTTP {response.status_code}"
