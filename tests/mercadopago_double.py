"""A strict double of the Mercado Pago API that speaks real HTTP.

The real adapter (bot/payments/mercadopago.py) sends its requests over HTTP to this server
exactly as it sends them to api.mercadopago.com, and the double refuses what Mercado Pago
refuses, answering with Mercado Pago's error JSON, e.g. ``{"message": "Payment not found",
"error": "not_found", "status": 404, "cause": [{"code": 2000, "description": "Payment not
found", "data": null}]}``.

    async with MercadoPagoDouble(access_token="TEST-1", webhook_secret="s") as mp:
        provider = MercadoPago("TEST-1", "s", api_url=mp.base_url, public_url=app_url)
        link = await provider.create_link(request)
        payment_id = mp.customer_pays(link.provider_ref)            # a Visa card, approved
        status = await mp.notify(payment_id)                        # the signed webhook
        voucher = mp.customer_pays(link.provider_ref, method="oxxo")  # pending cash
        mp.approve(voucher)                                         # the cash arrived

Where the rules come from: Mercado Pago's developer documentation (Checkout Pro
"preferences" API reference: items, ``currency_id``, ``external_reference``,
``notification_url``, ``back_urls`` with ``auto_return``, ``expires`` /
``expiration_date_to``; the Payments API: ``GET /v1/payments/{id}``,
``/v1/payments/search``, ``POST /v1/payments/{id}/refunds``, with the statuses and the
``transaction_details`` of ticket payments; "Webhooks" under Your integrations ->
Notifications: the query string ``?data.id=<id>&type=payment``, the JSON body, and the
``x-signature: ts=<ts>,v1=<hex>`` header, an HMAC-SHA256 with the application's secret over
``id:<data.id>;request-id:<x-request-id>;ts:<ts>;``).

What is modelled:

* Every call needs ``Authorization: Bearer <access_token>``; else 401.
* POST /checkout/preferences: at least one item, each with a non-empty title, an integer
  quantity of at least 1, a unit_price above 0 with no more decimals than the currency has
  (MXN 2, CLP 0...) and a currency Mercado Pago sells in, the same for every item;
  ``notification_url`` and ``back_urls`` absolute URLs; ``auto_return`` needs
  ``back_urls.success`` (Mercado Pago's own answer, "auto_return invalid. back_url.success
  must be defined"); ``expiration_date_to`` / ``_from`` ISO 8601 with an offset;
  ``external_reference`` at most 256 characters.
* ``X-Idempotency-Key`` on POSTs: the same key with the same body answers the first answer
  again (the same preference, the same refund, nothing done twice); the same key with
  another body (or on another path) is refused with 400.
* GET /v1/payments/{id}, GET /v1/payments/search (``external_reference``, ``sort`` among
  Mercado Pago's sort fields, ``criteria`` asc/desc, ``limit``, ``offset``).
* POST /v1/payments/{id}/refunds: no body or no amount refunds what is left; an amount
  above 0, with the currency's decimals, at most what is left. Only an approved payment
  is refunded. A refund of everything left makes the payment "refunded"; a partial one
  keeps it "approved" ("partially_refunded") with ``transaction_amount_refunded``.
* Customers (Python, not HTTP: the checkout page is not modelled): ``customer_pays``
  with a card (approved, or declined with ``declined=True``) or OXXO (a pending ticket
  with a reference, a voucher URL and ``date_of_expiration``); ``approve`` (the OXXO cash
  arrives), ``reject``, ``expire_voucher``. Paying a preference after its
  ``expiration_date_to`` raises ``PreferenceExpired`` in the test: the page refuses it.
* Notices: ``notify`` POSTs what Mercado Pago sends to the preference's
  ``notification_url`` and returns the HTTP status the app answered.

Deliberate differences from the real service:

* ``notification_url`` / ``back_urls`` may be plain ``http://`` on 127.0.0.1 / localhost /
  [::1] so a test can receive notices; any other URL must be HTTPS.
* Mercado Pago does not publish the words of every refusal. Where the words are not
  known they are this double's, in Mercado Pago's shape (``message``, ``error``,
  ``status``, ``cause``): a reused idempotency key with another body answers 400
  ``{"error": "bad_request", "message": "X-Idempotency-Key already used with a different
  request"}`` (the rule is the one every idempotent API follows, and the one Stripe
  words as "Keys for idempotent requests can only be used with the same parameters they
  were first used with"); bad amounts answer ``"unit_price invalid"`` / ``"Invalid refund
  amount"`` with error ``bad_request``; a refund above what is left, "The amount to refund
  is greater than the available amount".
* Idempotency keys are kept for the double's life (Mercado Pago keeps them for a while).
* Amounts in answers are JSON numbers written from Decimals through float, which is exact
  for the amounts a shop has (at most 15 significant digits round-trip).
* Payment ids count up from a random 11-digit start; preference ids are
  ``<user_id>-<uuid>`` like Mercado Pago's. ``init_point`` and voucher URLs are Mercado
  Pago's page addresses (nobody opens them: a test pays with ``customer_pays``), so chat
  doubles accept them as links.
* ``fail_next(status)`` answers the next calls with that status and a JSON body (the real
  5xx page may be anything).
* ``check_at_close()`` lists refused calls the test did not declare with
  ``expect_rejections``.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import itertools
import json
import re
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from aiohttp import ClientSession, ClientTimeout, web
from yarl import URL

from tests.local_server import LocalServer

# Where Mercado Pago's pages are: the customer's checkout and the OXXO voucher.
PAGES = "https://www.mercadopago.com.mx"
SANDBOX_PAGES = "https://sandbox.mercadopago.com.mx"

# Currencies Mercado Pago charges in, with their decimals as Mercado Pago takes them.
CURRENCIES = {"ARS": 2, "BRL": 2, "CLP": 0, "COP": 2, "MXN": 2, "PEN": 2, "UYU": 2, "USD": 2}
SORT_FIELDS = {"date_approved", "date_created", "date_last_updated", "id", "money_release_date"}
CARDS = {"visa": "credit_card", "master": "credit_card", "amex": "credit_card"}
CARDS |= {"debvisa": "debit_card", "debmaster": "debit_card"}
OXXO_DAYS = 3  # how long an OXXO voucher stays payable
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


class PreferenceExpired(Exception):
    """The checkout page no longer takes payments for this preference."""


@dataclass
class MpCall:
    method: str
    path: str
    status: int = 0
    error: dict | None = None
    injected: bool = False  # answered by fail_next

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class _Refusal(Exception):
    def __init__(self, status: int, message: str, error: str = "bad_request", cause=()) -> None:
        super().__init__(message)
        self.status, self.message, self.error = status, message, error
        self.cause = list(cause)

    def body(self) -> dict:
        return {
            "message": self.message,
            "error": self.error,
            "status": self.status,
            "cause": self.cause,
        }


def _bad(message: str, code: str = "bad_request") -> _Refusal:
    return _Refusal(400, message, "bad_request", [{"code": code, "description": message}])


def _amount(value: Any, currency: str, what: str) -> Decimal:
    """A positive decimal with at most the currency's decimals, from parsed JSON."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise _bad(f"{what} invalid", "invalid_" + what)
    amount = Decimal(value)
    places = Decimal(1).scaleb(-CURRENCIES.get(currency, 2))
    try:
        exact = amount == amount.quantize(places)
    except InvalidOperation:
        exact = False
    if not amount.is_finite() or amount <= 0 or not exact:
        raise _bad(f"{what} invalid", "invalid_" + what)
    return amount


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _url_ok(url: Any) -> bool:
    if not isinstance(url, str) or len(url) > 500:
        return False
    try:
        parsed = URL(url)
    except ValueError:
        return False
    if not parsed.is_absolute() or not parsed.host:
        return False
    return parsed.scheme == "https" or (parsed.scheme == "http" and parsed.host in LOOPBACK)


def _mp_date(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds")


def _parse_date(text: Any) -> datetime:
    if not isinstance(text, str):
        raise ValueError(text)
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(text)
    return moment


class MercadoPagoDouble(LocalServer):
    """Mercado Pago's API on 127.0.0.1; see the module docstring."""

    def __init__(
        self,
        access_token: str = "TEST-8814357208291440-120311-double",
        webhook_secret: str = "mp-double-webhook-secret",
        user_id: str = "1197520450",
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.access_token = access_token
        self.webhook_secret = webhook_secret
        self.user_id = user_id
        self.clock = clock or (lambda: datetime.now(UTC))
        self.base_url = ""
        self.preferences: dict[str, dict] = {}  # id -> the preference as answered
        self.payments: dict[str, dict] = {}  # id -> the payment as GET answers it
        self.refunds: list[dict] = []  # every refund made, in order
        self.calls: list[MpCall] = []
        self.notices: list[dict] = []  # every notice sent: url, headers, body, status
        self._payment_preference: dict[str, str] = {}
        self._idempotency: dict[str, tuple[str, str, Any, int, dict]] = {}
        self._failures: list[int] = []
        self._expected_rejections: list[re.Pattern[str]] = []
        self._payment_ids = itertools.count(10_000_000_000 + secrets.randbelow(10**10))
        self._refund_ids = itertools.count(2_000_000_000 + secrets.randbelow(10**8))
        self._notice_ids = itertools.count(110_000_000_000 + secrets.randbelow(10**9))
        self._runner: web.AppRunner | None = None
        self._client: ClientSession | None = None

    # ---- test controls --------------------------------------------------------------

    def fail_next(self, status: int = 503, count: int = 1) -> None:
        """The next `count` API calls answer `status` (an outage, a 429)."""
        self._failures.extend([status] * count)

    def expect_rejections(self, pattern: str) -> None:
        """Refusals whose "status error message" matches pattern are on purpose."""
        self._expected_rejections.append(re.compile(pattern))

    @property
    def rejected(self) -> list[MpCall]:
        return [c for c in self.calls if c.status >= 400 and not c.injected]

    def check_at_close(self) -> None:
        unexpected = []
        for call in self.rejected:
            error = call.error or {}
            text = f"{call.status} {error.get('error')} {error.get('message')}"
            if not any(p.search(text) for p in self._expected_rejections):
                unexpected.append(f"{call.method} {call.path}: {text}")
        if unexpected:
            raise AssertionError("Mercado Pago double refused: " + "; ".join(unexpected))

    def customer_pays(
        self, preference_id: str, method: str = "visa", declined: bool = False
    ) -> str:
        """The customer pays on the preference's page; returns the payment id. A card
        ("visa", "master", "amex", "debvisa", "debmaster") is approved at once, or
        rejected with declined=True; "oxxo" leaves a pending cash voucher."""
        pref = self.preferences.get(preference_id)
        if pref is None:
            raise KeyError(f"no preference {preference_id}")
        now = self.clock()
        ends = pref.get("expiration_date_to") if pref.get("expires") else None
        if ends and now > _parse_date(ends):
            raise PreferenceExpired(preference_id)
        currency = pref["items"][0]["currency_id"]
        amount = sum(
            (Decimal(str(i["unit_price"])) * i["quantity"] for i in pref["items"]), Decimal(0)
        )
        payment_id = str(next(self._payment_ids))
        payment: dict[str, Any] = {
            "id": int(payment_id),
            "date_created": _mp_date(now),
            "date_approved": None,
            "date_last_updated": _mp_date(now),
            "date_of_expiration": None,
            "money_release_date": None,
            "operation_type": "regular_payment",
            "payment_method_id": method,
            "payment_type_id": "",
            "status": "",
            "status_detail": "",
            "currency_id": currency,
            "description": pref["items"][0]["title"],
            "live_mode": False,
            "collector_id": int(self.user_id),
            "payer": {"id": "1350467221", "email": "test_user_mx@testuser.com"},
            "metadata": {},
            "external_reference": pref.get("external_reference"),
            "transaction_amount": amount,
            "transaction_amount_refunded": Decimal(0),
            "transaction_details": {
                "net_received_amount": Decimal(0),
                "total_paid_amount": amount,
                "installment_amount": amount,
                "external_resource_url": None,
                "payment_method_reference_id": None,
                "financial_institution": None,
            },
            "barcode": None,
            "refunds": [],
            "order": {"id": str(next(self._notice_ids)), "type": "mercadopago"},
        }
        if method in CARDS:
            payment["payment_type_id"] = CARDS[method]
            if declined:
                payment |= {"status": "rejected", "status_detail": "cc_rejected_other_reason"}
            else:
                payment |= {"status": "approved", "status_detail": "accredited"}
                payment["date_approved"] = _mp_date(now)
                payment["transaction_details"]["net_received_amount"] = amount
        elif method == "oxxo":
            reference = "".join(str(secrets.randbelow(10)) for _ in range(14))
            payment |= {
                "payment_type_id": "ticket",
                "status": "pending",
                "status_detail": "pending_waiting_payment",
                "date_of_expiration": _mp_date(now + timedelta(days=OXXO_DAYS)),
                "barcode": {"content": reference},
            }
            payment["transaction_details"] |= {
                "payment_method_reference_id": reference,
                "external_resource_url": f"{PAGES}/payments/{payment_id}/ticket/helper"
                f"?caller_id=1350467221&hash={uuid.uuid4()}",
                "financial_institution": "oxxo",
            }
        else:
            raise ValueError(f"the double has no payment method {method!r}")
        self.payments[payment_id] = payment
        self._payment_preference[payment_id] = preference_id
        return payment_id

    def approve(self, payment_id: str) -> None:
        """A pending payment is paid (the OXXO cash arrives)."""
        payment = self.payments[payment_id]
        if payment["status"] not in ("pending", "in_process"):
            raise ValueError(f"payment {payment_id} is {payment['status']}, not pending")
        now = _mp_date(self.clock())
        payment |= {"status": "approved", "status_detail": "accredited", "date_approved": now}
        payment["date_last_updated"] = now
        payment["transaction_details"]["net_received_amount"] = payment["transaction_amount"]

    def reject(self, payment_id: str, detail: str = "cc_rejected_other_reason") -> None:
        payment = self.payments[payment_id]
        payment |= {"status": "rejected", "status_detail": detail}
        payment["date_last_updated"] = _mp_date(self.clock())

    def expire_voucher(self, payment_id: str) -> None:
        """The OXXO voucher's time ran out unpaid: Mercado Pago cancels the payment."""
        payment = self.payments[payment_id]
        payment |= {"status": "cancelled", "status_detail": "expired"}
        payment["date_last_updated"] = _mp_date(self.clock())

    def payment(self, payment_id: str) -> dict:
        """The payment as GET /v1/payments/{id} answers it (parsed JSON)."""
        return json.loads(json.dumps(self.payments[payment_id], default=_number))

    # ---- notices ----------------------------------------------------------------------

    def signature(self, data_id: str | None, request_id: str | None, secret: str | None = None):
        """The ``x-signature`` value Mercado Pago sends for a notice."""
        ts = str(int(self.clock().timestamp()))
        parts = []
        if data_id:
            parts.append(f"id:{data_id.lower() if data_id.isalnum() else data_id};")
        if request_id:
            parts.append(f"request-id:{request_id};")
        parts.append(f"ts:{ts};")
        key = (self.webhook_secret if secret is None else secret).encode()
        digest = hmac.new(key, "".join(parts).encode(), hashlib.sha256).hexdigest()
        return f"ts={ts},v1={digest}"

    async def notify(
        self,
        payment_id: str,
        url: str | None = None,
        signed: bool = True,
        secret: str | None = None,
        action: str = "payment.updated",
    ) -> int:
        """POST the notice Mercado Pago sends about a payment to the notification_url of
        its preference (or `url`); returns the HTTP status the app answered. signed=False
        leaves out x-signature; `secret` signs with another secret."""
        if url is None:
            url = self.preferences[self._payment_preference[payment_id]].get("notification_url")
            if not url:
                raise ValueError("the preference has no notification_url: pass url=")
        target = URL(url).update_query({"data.id": payment_id, "type": "payment"})
        body = {
            "action": action,
            "api_version": "v1",
            "data": {"id": payment_id},
            "date_created": _mp_date(self.clock()),
            "id": next(self._notice_ids),
            "live_mode": False,
            "type": "payment",
            "user_id": self.user_id,
        }
        request_id = str(uuid.uuid4())
        headers = {"Content-Type": "application/json", "x-request-id": request_id}
        if signed:
            headers["x-signature"] = self.signature(payment_id, request_id, secret)
        if self._client is None:
            self._client = ClientSession(timeout=ClientTimeout(total=10))
        data = json.dumps(body, separators=(",", ":")).encode()
        async with self._client.post(target, data=data, headers=headers) as response:
            await response.read()
            status = response.status
        self.notices.append(
            {"url": str(target), "headers": headers, "body": body, "status": status}
        )
        return status

    # ---- HTTP --------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        call = MpCall(request.method, request.path)
        self.calls.append(call)
        if self._failures:
            call.injected = True
            status = self._failures.pop(0)
            refusal = _Refusal(status, "Service unavailable", "internal_error")
            if status == 429:
                refusal = _Refusal(429, "Too many requests", "too_many_requests")
            return self._answer(call, status, refusal.body())
        try:
            status, body = await self._route(request)
        except _Refusal as refusal:
            status, body = refusal.status, refusal.body()
        return self._answer(call, status, body)

    def _answer(self, call: MpCall, status: int, body: Any) -> web.Response:
        call.status = status
        if status >= 400:
            call.error = body
        text = json.dumps(body, default=_number)
        return web.Response(status=status, text=text, content_type="application/json")

    async def _route(self, request: web.Request) -> tuple[int, Any]:
        if request.headers.get("Authorization") != f"Bearer {self.access_token}":
            raise _Refusal(401, "invalid access token", "unauthorized")
        method, path = request.method, request.path
        raw = await request.read()
        body: Any = None
        if raw:
            try:
                body = json.loads(raw, parse_float=Decimal)
            except ValueError:
                raise _bad("Invalid JSON body") from None
        if method == "POST" and path == "/checkout/preferences":
            return self._idempotent(request, body, lambda: self._create_preference(body))
        if method == "GET" and path == "/v1/payments/search":
            return 200, self._search(request)
        if (match := re.fullmatch(r"/v1/payments/([^/]+)", path)) and method == "GET":
            return 200, self._payment_json(match[1])
        if match := re.fullmatch(r"/v1/payments/([^/]+)/refunds", path):
            if method == "POST":
                return self._idempotent(request, body, lambda: self._refund(match[1], body))
            if method == "GET":
                mine = [r for r in self.refunds if str(r["payment_id"]) == match[1]]
                return 200, copy.deepcopy(mine)
        raise _Refusal(404, "resource not found", "not_found")

    def _idempotent(self, request: web.Request, body: Any, act: Callable[[], tuple[int, Any]]):
        key = request.headers.get("X-Idempotency-Key")
        if not key:
            return act()
        canonical = json.dumps(body, sort_keys=True, default=str)
        if key in self._idempotency:
            method, path, seen, status, answer = self._idempotency[key]
            if (method, path, seen) != (request.method, request.path, canonical):
                raise _bad("X-Idempotency-Key already used with a different request")
            return status, copy.deepcopy(answer)
        status, answer = act()  # a refusal is not remembered: the key stays free
        self._idempotency[key] = (request.method, request.path, canonical, status, answer)
        return status, copy.deepcopy(answer)

    def _create_preference(self, body: Any) -> tuple[int, dict]:
        if not isinstance(body, dict):
            raise _bad("Invalid JSON body")
        items = body.get("items")
        if not isinstance(items, list) or not items:
            raise _bad("items needed", "invalid_items")
        currencies = set()
        for item in items:
            if not isinstance(item, dict):
                raise _bad("items invalid", "invalid_items")
            title, quantity = item.get("title"), item.get("quantity")
            if not isinstance(title, str) or not title.strip():
                raise _bad("title needed", "invalid_items")
            if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
                raise _bad("quantity invalid", "invalid_items")
            currency = item.get("currency_id")
            if currency not in CURRENCIES:
                raise _bad("currency_id invalid", "invalid_items")
            currencies.add(currency)
            _amount(item.get("unit_price"), currency, "unit_price")
        if len(currencies) > 1:
            raise _bad("all items must have the same currency_id", "invalid_items")
        reference = body.get("external_reference")
        if reference is not None and (not isinstance(reference, str) or len(reference) > 256):
            raise _bad("external_reference invalid")
        if "notification_url" in body and not _url_ok(body["notification_url"]):
            raise _bad("notification_url attribute must be url valid", "invalid_notification_url")
        back_urls = body.get("back_urls") or {}
        if not isinstance(back_urls, dict) or any(not _url_ok(u) for u in back_urls.values()):
            raise _bad("back_urls invalid", "invalid_back_urls")
        if body.get("auto_return") is not None:
            if body["auto_return"] not in ("approved", "all"):
                raise _bad("auto_return invalid", "invalid_auto_return")
            if not back_urls.get("success"):
                raise _Refusal(
                    400,
                    "auto_return invalid. back_url.success must be defined",
                    "invalid_auto_return",
                )
        for field in ("expiration_date_from", "expiration_date_to"):
            if body.get(field) is not None:
                try:
                    _parse_date(body[field])
                except ValueError:
                    raise _bad(f"{field} invalid", f"invalid_{field}") from None
        pref_id = f"{self.user_id}-{uuid.uuid4()}"
        now = self.clock()
        preference = copy.deepcopy(body)
        preference |= {
            "id": pref_id,
            "collector_id": int(self.user_id),
            "client_id": "8814357208291440",
            "date_created": _mp_date(now),
            "operation_type": "regular_payment",
            "expires": bool(body.get("expires", False)),
            "init_point": f"{PAGES}/checkout/v1/redirect?pref_id={pref_id}",
            "sandbox_init_point": f"{SANDBOX_PAGES}/checkout/v1/redirect?pref_id={pref_id}"
            "&sandbox=true",
        }
        self.preferences[pref_id] = preference
        return 201, copy.deepcopy(preference)

    def _payment_json(self, payment_id: str) -> dict:
        if payment_id not in self.payments:
            raise _Refusal(
                404,
                "Payment not found",
                "not_found",
                [{"code": 2000, "description": "Payment not found", "data": None}],
            )
        return copy.deepcopy(self.payments[payment_id])

    def _search(self, request: web.Request) -> dict:
        query = request.query
        sort, criteria = query.get("sort", "date_created"), query.get("criteria", "desc")
        if sort not in SORT_FIELDS or criteria not in ("asc", "desc"):
            raise _bad("Invalid sort or criteria")
        try:
            limit, offset = int(query.get("limit", "30")), int(query.get("offset", "0"))
        except ValueError:
            raise _bad("Invalid limit or offset") from None
        if not 0 < limit <= 1000 or offset < 0:
            raise _bad("Invalid limit or offset")
        found = [
            p
            for p in self.payments.values()
            if "external_reference" not in query
            or p["external_reference"] == query["external_reference"]
        ]
        found.sort(key=lambda p: (p[sort] or "", p["id"]), reverse=criteria == "desc")
        return {
            "paging": {"total": len(found), "limit": limit, "offset": offset},
            "results": [copy.deepcopy(p) for p in found[offset : offset + limit]],
        }

    def _refund(self, payment_id: str, body: Any) -> tuple[int, dict]:
        self._payment_json(payment_id)  # 404 when unknown
        payment = self.payments[payment_id]
        if payment["status"] != "approved":
            raise _bad(
                f"Payment status {payment['status']} does not allow refunds", "invalid_status"
            )
        left = payment["transaction_amount"] - payment["transaction_amount_refunded"]
        if body is None or (isinstance(body, dict) and body.get("amount") is None):
            amount = left
        elif isinstance(body, dict):
            try:
                amount = _amount(body["amount"], payment["currency_id"], "amount")
            except _Refusal:
                raise _bad("Invalid refund amount", "invalid_amount") from None
        else:
            raise _bad("Invalid JSON body")
        if amount > left:
            raise _bad(
                "The amount to refund is greater than the available amount", "invalid_amount"
            )
        now = _mp_date(self.clock())
        refund = {
            "id": next(self._refund_ids),
            "payment_id": payment["id"],
            "amount": amount,
            "metadata": {},
            "source": {"id": self.user_id, "name": "Tienda", "type": "collector"},
            "date_created": now,
            "unique_sequence_number": None,
            "refund_mode": "standard",
            "adjustment_amount": 0,
            "status": "approved",
            "reason": None,
            "labels": [],
            "amount_refunded_to_payer": amount,
            "partition_details": [],
        }
        self.refunds.append(refund)
        payment["refunds"].append(copy.deepcopy(refund))
        payment["transaction_amount_refunded"] += amount
        payment["date_last_updated"] = now
        if payment["transaction_amount_refunded"] == payment["transaction_amount"]:
            payment |= {"status": "refunded", "status_detail": "refunded"}
        else:
            payment["status_detail"] = "partially_refunded"
        return 201, copy.deepcopy(refund)
