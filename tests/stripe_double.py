"""A strict double of the parts of the Stripe API that bot/payments/stripe.py uses, speaking
real HTTP on 127.0.0.1.

The real `stripe` package (StripeClient on its HTTPXClient) talks to it exactly as it talks
to api.stripe.com: form-encoded bodies with nested keys
(``line_items[0][price_data][unit_amount]=19990``), ``Authorization: Bearer sk_...``
(or basic auth with the key as user), ``Idempotency-Key`` on POSTs. It refuses what Stripe
refuses, answering with Stripe's error JSON, e.g. ``{"error": {"type":
"invalid_request_error", "code": "resource_missing", "message": "No such checkout.session:
'cs_test_x'", "param": "session"}}``; the package turns those into its exceptions
(InvalidRequestError, IdempotencyError, AuthenticationError, APIError...) as it does in
production.

    async with StripeApiDouble() as stripe_api:
        adapter = Stripe(stripe_api.secret_key, stripe_api.webhook_secret,
                         api_url=stripe_api.base_url)
        link = await adapter.create_link(request)
        stripe_api.customer_pays(link.provider_ref)              # card: paid at once
        await stripe_api.send_event("checkout.session.completed", link.provider_ref,
                                    "http://127.0.0.1:8080/payments/stripe/webhook")

Where the rules come from: the API reference (docs.stripe.com/api: Checkout Sessions
create/retrieve/expire, PaymentIntents retrieve, Refunds create, Errors, Idempotent
requests, Expanding responses), the Checkout guides ("Manage limited inventory": expires_at
"must be between 30 minutes and 24 hours after the current time"; "OXXO payments":
``next_action.oxxo_display_details`` with ``number``, ``hosted_voucher_url``,
``expires_after``; async payment events), "Minimum and maximum charge amounts", and the
webhook signing scheme as the official package computes and checks it
(``stripe/_webhook.py``: ``v1`` = HMAC-SHA256 of ``f"{t}.{payload}"`` with the endpoint
secret). Error messages are Stripe's where they are seen in the wild: "No such
checkout.session: 'cs_...'", "Keys for idempotent requests can only be used with the same
parameters they were first used with. Try using a key other than '...' if you meant to
execute a different request.", "Refund amount ($1.00) is greater than unrefunded amount on
charge ($0.90)" (code amount_too_large), "Charge ch_... has already been refunded."
(charge_already_refunded), "Amount must be no more than $999,999.99" (amount_too_large).

What is modelled:

* POST /v1/checkout/sessions (mode "payment", ``line_items`` with ``price_data``,
  ``client_reference_id``, ``metadata``, ``payment_intent_data[metadata]``,
  ``expires_at``, ``success_url``/``cancel_url``, ``payment_method_types``), GET
  /v1/checkout/sessions/{id}, POST /v1/checkout/sessions/{id}/expire.
* GET /v1/payment_intents/{id} with ``expand[]=latest_charge``.
* POST /v1/refunds (``payment_intent`` or ``charge``, optional ``amount``).
* Idempotency: a POST's ``Idempotency-Key`` replays the first successful answer (status
  and body, with ``Idempotent-Replayed: true``) to the same endpoint and parameters; the
  same key with other parameters or another endpoint is an ``idempotency_error`` (400).
* Checkout's PaymentIntent is created when the customer submits the page (Stripe's
  behaviour since API version 2022-08-01): a fresh session has ``payment_intent`` null.
* Test controls for what happens on Stripe's page: ``customer_pays`` (card, or OXXO
  which leaves a voucher to pay), ``card_declined``, ``async_payment_succeeds`` /
  ``async_payment_fails`` (the voucher paid / expired unpaid), ``expire``; a session
  whose ``expires_at`` passed on the double's clock reads as expired. Paying a session
  that is not open raises AssertionError in the test (Stripe's page would not take it).
* Webhooks: ``send_event`` POSTs an Event whose ``data.object`` is the object as it is now,
  as pretty-printed JSON (as Stripe sends it, so a receiver that re-serialises before
  checking the signature fails here too), signed in ``Stripe-Signature: t=...,v1=...``.

Deliberate differences from the real service:

* Only the parameters above are known; any other is refused with Stripe's
  "Received unknown parameter: x" (parameter_unknown), though Stripe knows it, so a test
  notices that the double does not model it. Only card and OXXO payments are modelled.
* Where Stripe's error ``code`` for a refusal is not published (expires_at out of range,
  an unsupported currency, a refund of an unpaid PaymentIntent), the error has no code:
  Stripe omits it on many invalid_request_errors. The words are close to Stripe's.
* Idempotency stores successful answers only. Stripe also stores an answer to a request
  that started executing and then failed (a 500 included); requests refused by
  validation it does not store, like the double. ``fail_next`` models a failure in front
  of the API (a load balancer, a lost connection): never stored, so a retry with the same
  key proceeds. Keys never expire here (Stripe forgets them after 24 hours).
* A session expires exactly at ``expires_at`` on the double's clock (Stripe expires it
  within a few minutes after); the webhook for it is sent only by ``send_event``.
* An OXXO voucher that expires unpaid leaves the PaymentIntent in
  requires_payment_method with a ``last_payment_error`` (code
  ``payment_intent_payment_attempt_expired``); the session stays complete and unpaid.
* Webhooks are sent only when a test calls ``send_event`` (never on their own), once each,
  with no retries; their timestamp is the wall clock (the package checks the tolerance
  against ``time.time()``), not the double's clock.
* No livemode, Connect accounts, API versions (every answer is in the package's pinned
  version), rate limits (a test injects 429 with ``fail_next(status=429)``), list
  endpoints, or customers.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import secrets
import string
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import httpx
from aiohttp import web
from stripe._api_version import _ApiVersion

from tests.local_server import LocalServer

API_VERSION = _ApiVersion.CURRENT  # what the installed package sends and expects
MAX_AMOUNT = 99_999_999  # "Amount must be no more than $999,999.99" (8 digits)
MIN_OPEN = 30 * 60  # a Checkout Session's expires_at: 30 minutes ...
MAX_OPEN = 24 * 3600  # ... to 24 hours after creation
OXXO_DAYS = 3  # payment_method_options.oxxo.expires_after_days defaults to 3

# Stripe's "Minimum and maximum charge amounts" (minor units); other currencies below use 50.
MINIMUM_CHARGE = {"usd": 50, "mxn": 1000, "eur": 50, "gbp": 30, "cad": 50, "brl": 50,
                  "jpy": 50, "aud": 50, "chf": 50, "clp": 50}  # fmt: skip
CURRENCIES = frozenset({"usd", "mxn", "eur", "gbp", "cad", "aud", "brl", "clp", "cop", "pen",
                        "ars", "uyu", "jpy", "chf", "sek", "nok", "dkk", "pln", "czk", "huf",
                        "nzd", "sgd", "hkd", "inr"})  # fmt: skip
ZERO_DECIMAL = frozenset({"jpy", "clp", "krw", "vnd", "pyg"})

SESSION_CREATE_PARAMS = frozenset(
    {"mode", "line_items", "client_reference_id", "metadata", "payment_intent_data",
     "expires_at", "success_url", "cancel_url", "payment_method_types", "expand"}
)  # fmt: skip
REFUND_CREATE_PARAMS = frozenset({"payment_intent", "charge", "amount", "metadata", "expand"})
EXPANDABLE = {"checkout.session": {"payment_intent"}, "payment_intent": {"latest_charge"}}

_ALNUM = string.ascii_letters + string.digits


def _id(prefix: str) -> str:
    return prefix + "".join(secrets.choice(_ALNUM) for _ in range(24))


class StripeError(Exception):
    """An answer in Stripe's error shape."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        param: str | None = None,
        type_: str = "invalid_request_error",
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        error: dict[str, Any] = {"type": type_, "message": message}
        if code:
            error["code"] = code
            error["doc_url"] = f"https://stripe.com/docs/error-codes/{code.replace('_', '-')}"
        if param:
            error["param"] = param
        error.update(extra or {})
        self.status = status
        self.error = error


@dataclass
class StripeCall:
    """One request the double received, and what it answered."""

    method: str
    path: str
    params: dict[str, Any]
    idempotency_key: str | None
    status: int = 0
    error: dict[str, Any] | None = None
    replayed: bool = False


@dataclass
class _Stored:
    method: str
    path: str
    params: dict[str, Any]
    status: int
    body: dict[str, Any]
    request_id: str


@dataclass
class _Failure:
    status: int
    type_: str


@dataclass
class SentEvent:
    event: dict[str, Any]
    url: str
    signed: bool
    status: int
    headers: dict[str, str] = field(default_factory=dict)


def parse_form(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Stripe's form encoding back into nested values: ``a[b][0][c]=v`` ->
    ``{"a": {"b": [{"c": "v"}]}}``; ``a[]=v`` appends. Values stay strings, as Stripe
    receives them."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        head, _, rest = key.partition("[")
        parts = [head] + ([p.rstrip("]") for p in ("[" + rest).split("[")[1:]] if rest else [])
        node: dict[str, Any] = root
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if part == "":  # "a[]": the next free index
                part = str(len(node))
            if last:
                node[part] = value
            else:
                child = node.setdefault(part, {})
                if not isinstance(child, dict):
                    raise StripeError(400, f"Invalid parameter: {key}", param=key)
                node = child
    return _lists(root)


def _lists(value: Any) -> Any:
    if isinstance(value, dict):
        converted = {k: _lists(v) for k, v in value.items()}
        if converted and all(k.isdigit() for k in converted):
            return [converted[k] for k in sorted(converted, key=int)]
        return converted
    return value


def _integer(value: Any, param: str) -> int:
    try:
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value)
    except ValueError:
        pass
    raise StripeError(
        400, f"Invalid integer: {value}", code="parameter_invalid_integer", param=param
    )


def _major(amount: int, currency: str) -> str:
    if currency in ZERO_DECIMAL:
        return f"{amount:,}"
    return f"{amount // 100:,}.{amount % 100:02d}"


def _valid_url(url: str) -> bool:
    parsed = httpx.URL(url) if url.startswith(("http://", "https://")) else None
    return parsed is not None and bool(parsed.host)


class StripeApiDouble(LocalServer):
    """Stripe's API for one account, served on 127.0.0.1 (see the module docstring)."""

    def __init__(
        self,
        *,
        secret_key: str = "sk_test_51DoubleSecretKey0000000000",
        webhook_secret: str = "whsec_double0000000000000000000000",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.secret_key = secret_key
        self.webhook_secret = webhook_secret
        self.clock = clock
        self.base_url = ""
        self.sessions: dict[str, dict[str, Any]] = {}
        self.intents: dict[str, dict[str, Any]] = {}
        self.charges: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self.calls: list[StripeCall] = []
        self.events_sent: list[SentEvent] = []
        self._idempotent: dict[str, _Stored] = {}
        self._failures: list[_Failure] = []
        self._runner: web.AppRunner | None = None

    # ---- inspection -----------------------------------------------------------------

    @property
    def rejected(self) -> list[StripeCall]:
        """Calls answered with a 4xx (injected failures are not refusals)."""
        return [c for c in self.calls if 400 <= c.status < 500]

    def session(self, session_id: str) -> dict[str, Any]:
        """The session as it is now (a copy)."""
        return copy.deepcopy(self._session(session_id))

    def intent_of(self, session_id: str) -> dict[str, Any] | None:
        intent_id = self._session(session_id)["payment_intent"]
        return copy.deepcopy(self.intents[intent_id]) if intent_id else None

    def refunds_of(self, intent_id: str) -> list[dict[str, Any]]:
        return [copy.deepcopy(r) for r in self.refunds.values() if r["payment_intent"] == intent_id]

    # ---- arranging failures ---------------------------------------------------------

    def fail_next(self, status: int = 500, *, times: int = 1) -> None:
        """The next `times` requests answer `status` (500 api_error, 429 rate limit,
        409 an idempotent request still in progress) before reaching the API: nothing is
        done and nothing is stored under their idempotency key."""
        type_ = "api_error" if status >= 500 else "invalid_request_error"
        self._failures.extend(_Failure(status, type_) for _ in range(times))

    # ---- what happens on Stripe's page (test controls) -------------------------------

    def customer_pays(self, session_id: str, method: str = "card", *, brand: str = "visa") -> str:
        """The customer submits the Checkout page. "card": the session completes paid and
        its PaymentIntent succeeds. "oxxo": the session completes unpaid and the
        PaymentIntent waits for the voucher to be paid (requires_action with
        next_action.oxxo_display_details). Returns the PaymentIntent id."""
        session = self._open_session(session_id)
        intent = self._intent_for(session)
        now = int(self.clock())
        if method == "card":
            charge = self._charge(intent, "card", {"brand": brand, "last4": "4242"})
            intent.update(
                status="succeeded",
                amount_received=intent["amount"],
                latest_charge=charge["id"],
                last_payment_error=None,
                next_action=None,
                payment_method_types=["card"],
            )
            session.update(status="complete", payment_status="paid")
        elif method == "oxxo":
            if session["currency"] != "mxn":
                raise AssertionError(f"OXXO takes MXN only, not {session['currency']}")
            number = "".join(secrets.choice(string.digits) for _ in range(18))
            intent.update(
                status="requires_action",
                last_payment_error=None,
                payment_method_types=["oxxo"],
                next_action={
                    "type": "oxxo_display_details",
                    "oxxo_display_details": {
                        "expires_after": now + OXXO_DAYS * 24 * 3600,
                        "hosted_voucher_url": f"https://payments.stripe.com/oxxo/voucher/{_id('test_')}",
                        "number": number,
                    },
                },
            )
            session.update(status="complete", payment_status="unpaid")
        else:
            raise AssertionError(f"the double models card and oxxo payments, not {method!r}")
        return str(intent["id"])

    def card_declined(self, session_id: str) -> str:
        """The customer's card is declined: the session stays open (they may try again)
        and its PaymentIntent requires a payment method, with the decline as
        last_payment_error. Returns the PaymentIntent id."""
        session = self._open_session(session_id)
        intent = self._intent_for(session)
        charge = self._charge(intent, "card", {"brand": "visa", "last4": "0002"}, paid=False)
        intent.update(
            status="requires_payment_method",
            latest_charge=charge["id"],
            next_action=None,
            last_payment_error={
                "type": "card_error",
                "code": "card_declined",
                "decline_code": "generic_decline",
                "message": "Your card was declined.",
                "charge": charge["id"],
            },
        )
        return str(intent["id"])

    def async_payment_succeeds(self, session_id: str) -> str:
        """The OXXO voucher is paid: the PaymentIntent succeeds, the session is paid."""
        session, intent = self._awaiting(session_id)
        charge = self._charge(
            intent, "oxxo", {"number": intent["next_action"]["oxxo_display_details"]["number"]}
        )
        intent.update(
            status="succeeded",
            amount_received=intent["amount"],
            latest_charge=charge["id"],
            next_action=None,
        )
        session["payment_status"] = "paid"
        return str(intent["id"])

    def async_payment_fails(self, session_id: str) -> str:
        """The OXXO voucher expires unpaid (see the module docstring)."""
        _, intent = self._awaiting(session_id)
        intent.update(
            status="requires_payment_method",
            next_action=None,
            last_payment_error={
                "type": "invalid_request_error",
                "code": "payment_intent_payment_attempt_expired",
                "message": "The payment method's voucher expired before it was paid.",
            },
        )
        return str(intent["id"])

    def expire(self, session_id: str) -> None:
        """The session expires now (as if expires_at passed, or the expire endpoint)."""
        session = self._open_session(session_id)
        self._expire(session)

    # ---- webhooks -------------------------------------------------------------------

    def event(self, type_: str, object_id: str) -> dict[str, Any]:
        """The Event Stripe sends for `type_` about the object `object_id`, as it is now."""
        return {
            "id": _id("evt_"),
            "object": "event",
            "api_version": API_VERSION,
            "created": int(self.clock()),
            "data": {"object": copy.deepcopy(self._object(object_id))},
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": type_,
        }

    def signature(
        self, payload: bytes, *, secret: str | None = None, timestamp: int | None = None
    ) -> str:
        """The Stripe-Signature header for `payload`, as Stripe computes it."""
        t = int(time.time()) if timestamp is None else int(timestamp)
        key = (self.webhook_secret if secret is None else secret).encode()
        signed = f"{t}.".encode() + payload
        return f"t={t},v1={hmac.new(key, signed, hashlib.sha256).hexdigest()}"

    def delivery(
        self,
        type_: str,
        object_id: str,
        *,
        signed: bool = True,
        secret: str | None = None,
        timestamp: int | None = None,
    ) -> tuple[dict[str, str], bytes, dict[str, Any]]:
        """The headers and bytes of a webhook delivery (and the event), without sending."""
        event = self.event(type_, object_id)
        body = json.dumps(event, indent=2).encode()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        }
        if signed:
            headers["Stripe-Signature"] = self.signature(body, secret=secret, timestamp=timestamp)
        return headers, body, event

    async def send_event(
        self,
        type_: str,
        object_id: str,
        url: str,
        signed: bool = True,
        secret: str | None = None,
        timestamp: int | None = None,
    ) -> int:
        """POST the Event to `url` as Stripe does; returns the HTTP status the app answered.
        `secret` signs with another secret; `timestamp` (Unix seconds) signs as of then;
        `signed=False` sends no Stripe-Signature."""
        headers, body, event = self.delivery(
            type_, object_id, signed=signed, secret=secret, timestamp=timestamp
        )
        async with httpx.AsyncClient(timeout=10.0) as client:
            reply = await client.post(url, content=body, headers=headers)
        self.events_sent.append(SentEvent(event, url, signed, reply.status_code, headers))
        return reply.status_code

    # ---- HTTP -----------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        raw = await request.read()
        pairs = parse_qsl(request.query_string, keep_blank_values=True)
        if request.method == "POST":
            pairs += parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True)
        key = request.headers.get("Idempotency-Key")
        call = StripeCall(request.method, request.path, {}, key)
        self.calls.append(call)
        headers = {"Request-Id": _id("req_"), "Stripe-Version": API_VERSION}
        if key:
            headers["Idempotency-Key"] = key
        try:
            if self._failures:
                failure = self._failures.pop(0)
                raise StripeError(
                    failure.status,
                    "An unknown error occurred" if failure.status >= 500 else "Injected failure",
                    code="rate_limit" if failure.status == 429 else None,
                    type_=failure.type_,
                )
            self._authenticate(request.headers.get("Authorization", ""))
            call.params = params = parse_form(pairs)
            stored = self._idempotent.get(key) if key and request.method == "POST" else None
            if stored is not None:
                self._check_same(stored, request.method, request.path, params, key or "")
                call.status, call.replayed = stored.status, True
                headers.update(
                    {"Idempotent-Replayed": "true", "Original-Request": stored.request_id}
                )
                return self._json(stored.status, stored.body, headers)
            body = self._route(request.method, request.path, params)
            if key and request.method == "POST":
                self._idempotent[key] = _Stored(
                    request.method, request.path, params, 200, body, headers["Request-Id"]
                )
            call.status = 200
            return self._json(200, body, headers)
        except StripeError as exc:
            call.status, call.error = exc.status, exc.error
            return self._json(exc.status, {"error": exc.error}, headers)

    @staticmethod
    def _json(status: int, body: dict[str, Any], headers: dict[str, str]) -> web.Response:
        return web.Response(
            status=status,
            body=json.dumps(body, indent=2).encode(),
            content_type="application/json",
            headers=headers,
        )

    def _authenticate(self, authorization: str) -> None:
        scheme, _, credentials = authorization.partition(" ")
        key = ""
        if scheme.lower() == "bearer":
            key = credentials.strip()
        elif scheme.lower() == "basic":
            try:
                key = base64.b64decode(credentials).decode().partition(":")[0]
            except (ValueError, UnicodeDecodeError):
                key = ""
        if not key:
            raise StripeError(
                401,
                "You did not provide an API key. You need to provide your API key in the "
                "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer "
                "YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for "
                "details, or we can help at https://support.stripe.com/.",
            )
        if not hmac.compare_digest(key, self.secret_key):
            masked = key[:8] + "*" * max(len(key) - 12, 0) + key[-4:]
            raise StripeError(401, f"Invalid API Key provided: {masked}")

    def _check_same(
        self, stored: _Stored, method: str, path: str, params: dict[str, Any], key: str
    ) -> None:
        if stored.path != path or stored.method != method:
            raise StripeError(
                400,
                "Keys for idempotent requests can only be used for the same endpoint they "
                f"were first used for ('{path}' vs '{stored.path}'). Try using a key other "
                f"than '{key}' if you meant to execute a different request.",
                type_="idempotency_error",
            )
        if stored.params != params:
            raise StripeError(
                400,
                "Keys for idempotent requests can only be used with the same parameters they "
                f"were first used with. Try using a key other than '{key}' if you meant to "
                "execute a different request.",
                type_="idempotency_error",
            )

    def _route(self, method: str, path: str, params: dict[str, Any]) -> dict[str, Any]:
        parts = path.strip("/").split("/")
        if method == "POST" and parts == ["v1", "checkout", "sessions"]:
            return self._create_session(params)
        if method == "GET" and parts[:3] == ["v1", "checkout", "sessions"] and len(parts) == 4:
            return self._expanded(self._session(parts[3], param="session"), params)
        if (
            method == "POST"
            and parts[:3] == ["v1", "checkout", "sessions"]
            and len(parts) == 5
            and parts[4] == "expire"
        ):
            session = self._session(parts[3], param="session")
            if session["status"] != "open":
                raise StripeError(
                    400,
                    f'Only Checkout Sessions with a status in ["open"] can be expired. '
                    f'This Checkout Session has a status of "{session["status"]}".',
                )
            self._expire(session)
            return copy.deepcopy(session)
        if method == "GET" and parts[:2] == ["v1", "payment_intents"] and len(parts) == 3:
            return self._expanded(self._intent(parts[2], param="intent"), params)
        if method == "POST" and parts == ["v1", "refunds"]:
            return self._create_refund(params)
        raise StripeError(
            404,
            f"Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs "
            "or we can help at https://support.stripe.com/.",
        )

    # ---- the API's rules ------------------------------------------------------------

    def _create_session(self, params: dict[str, Any]) -> dict[str, Any]:
        _known(params, SESSION_CREATE_PARAMS)
        now = int(self.clock())
        mode = params.get("mode")
        if mode is None:
            raise StripeError(
                400, "Missing required param: mode.", code="parameter_missing", param="mode"
            )
        if mode != "payment":
            raise StripeError(
                400, f"The double models mode=payment only, not {mode!r}.", param="mode"
            )
        items = params.get("line_items")
        if not isinstance(items, list) or not items:
            raise StripeError(
                400,
                "You must provide at least one recurring price in `subscription` mode "
                "when using prices, or line_items in `payment` mode.",
                code="parameter_missing",
                param="line_items",
            )
        currency, total = None, 0
        for i, item in enumerate(items):
            where = f"line_items[{i}]"
            if not isinstance(item, dict):
                raise StripeError(400, "Invalid object", param=where)
            _known(item, {"price_data", "quantity"}, prefix=where)
            data = item.get("price_data")
            if not isinstance(data, dict):
                raise StripeError(
                    400, f"Missing required param: {where}[price_data].", code="parameter_missing",
                    param=f"{where}[price_data]",
                )  # fmt: skip
            _known(data, {"currency", "unit_amount", "product_data"}, prefix=f"{where}[price_data]")
            item_currency = str(data.get("currency", ""))
            if item_currency not in CURRENCIES:
                raise StripeError(
                    400,
                    f"Invalid currency: {item_currency}. Stripe currently supports these "
                    f"currencies: {', '.join(sorted(CURRENCIES))}",
                    param=f"{where}[price_data][currency]",
                )
            if currency is not None and item_currency != currency:
                raise StripeError(400, "All line items must use the same currency.", param=where)
            currency = item_currency
            param = f"{where}[price_data][unit_amount]"
            if "unit_amount" not in data:
                raise StripeError(
                    400, f"Missing required param: {param}.", code="parameter_missing", param=param
                )
            unit = _integer(data["unit_amount"], param)
            if unit < 0:
                raise StripeError(
                    400, "This value must be greater than or equal to 0.",
                    code="parameter_invalid_integer", param=param,
                )  # fmt: skip
            if unit > MAX_AMOUNT:
                raise StripeError(
                    400, f"Amount must be no more than ${_major(MAX_AMOUNT, currency)}",
                    code="amount_too_large", param=param,
                )  # fmt: skip
            product = data.get("product_data")
            name_param = f"{where}[price_data][product_data][name]"
            if not isinstance(product, dict) or not str(product.get("name", "")).strip():
                raise StripeError(
                    400,
                    f"Missing required param: {name_param}.",
                    code="parameter_missing",
                    param=name_param,
                )
            _known(
                product,
                {"name", "description", "metadata"},
                prefix=f"{where}[price_data][product_data]",
            )
            quantity = _integer(item.get("quantity", ""), f"{where}[quantity]")
            if quantity < 1:
                raise StripeError(
                    400, "This value must be greater than or equal to 1.",
                    code="parameter_invalid_integer", param=f"{where}[quantity]",
                )  # fmt: skip
            total += unit * quantity
        assert currency is not None
        if total > MAX_AMOUNT:
            raise StripeError(
                400, f"Amount must be no more than ${_major(MAX_AMOUNT, currency)}",
                code="amount_too_large", param="line_items",
            )  # fmt: skip
        minimum = MINIMUM_CHARGE.get(currency, 50)
        if total < minimum:
            raise StripeError(
                400,
                "The Checkout Session's total amount due must add up to at least "
                f"${_major(minimum, currency)} {currency}",
                code="amount_too_small",
            )
        expires_at = now + MAX_OPEN
        if "expires_at" in params:
            expires_at = _integer(params["expires_at"], "expires_at")
            if expires_at < now + MIN_OPEN:
                raise StripeError(
                    400,
                    "The `expires_at` timestamp must be at least 30 minutes from Checkout "
                    "Session creation.",
                    param="expires_at",
                )
            if expires_at > now + MAX_OPEN:
                raise StripeError(
                    400,
                    "The `expires_at` timestamp must be less than 24 hours from Checkout "
                    "Session creation.",
                    param="expires_at",
                )
        for url_param in ("success_url", "cancel_url"):
            if url_param in params and not _valid_url(str(params[url_param])):
                raise StripeError(400, "Not a valid URL", code="url_invalid", param=url_param)
        metadata = _metadata(params.get("metadata", {}), "metadata")
        intent_data = params.get("payment_intent_data", {})
        if not isinstance(intent_data, dict):
            raise StripeError(400, "Invalid object", param="payment_intent_data")
        _known(intent_data, {"metadata", "description"}, prefix="payment_intent_data")
        methods = params.get(
            "payment_method_types", ["card", "oxxo"] if currency == "mxn" else ["card"]
        )
        session_id = _id("cs_test_")
        session = {
            "id": session_id,
            "object": "checkout.session",
            "amount_subtotal": total,
            "amount_total": total,
            "cancel_url": params.get("cancel_url"),
            "client_reference_id": params.get("client_reference_id"),
            "created": now,
            "currency": currency,
            "expires_at": expires_at,
            "livemode": False,
            "metadata": metadata,
            "mode": "payment",
            "payment_intent": None,
            "payment_method_types": methods,
            "payment_status": "unpaid",
            "status": "open",
            "success_url": params.get("success_url"),
            "url": f"https://checkout.stripe.com/c/pay/{session_id}",
            # kept for the PaymentIntent Stripe creates when the page is submitted
            "_intent_metadata": _metadata(
                intent_data.get("metadata", {}), "payment_intent_data[metadata]"
            ),
        }
        self.sessions[session_id] = session
        return _public(session)

    def _create_refund(self, params: dict[str, Any]) -> dict[str, Any]:
        _known(params, REFUND_CREATE_PARAMS)
        if "payment_intent" in params:
            intent = self._intent(str(params["payment_intent"]), param="payment_intent")
        elif "charge" in params:
            charge = self._charge_by_id(str(params["charge"]))
            intent = self._intent(str(charge["payment_intent"]), param="charge")
        else:
            raise StripeError(
                400, "One of the following params should be provided for this request: "
                "payment_intent or charge.", code="parameter_missing",
            )  # fmt: skip
        charge_id = intent["latest_charge"]
        if intent["status"] != "succeeded" or not charge_id:
            raise StripeError(
                400,
                f"This PaymentIntent ({intent['id']}) does not have a successful charge to refund.",
            )
        charge = self.charges[charge_id]
        remaining = charge["amount"] - charge["amount_refunded"]
        if remaining <= 0:
            raise StripeError(
                400,
                f"Charge {charge_id} has already been refunded.",
                code="charge_already_refunded",
            )
        amount = remaining
        if "amount" in params:
            amount = _integer(params["amount"], "amount")
            if amount < 1:
                raise StripeError(
                    400, "This value must be greater than or equal to 1.",
                    code="parameter_invalid_integer", param="amount",
                )  # fmt: skip
            if amount > remaining:
                currency = charge["currency"]
                raise StripeError(
                    400,
                    f"Refund amount (${_major(amount, currency)}) is greater than unrefunded "
                    f"amount on charge (${_major(remaining, currency)})",
                    code="amount_too_large",
                    param="amount",
                )
        refund = {
            "id": _id("re_"),
            "object": "refund",
            "amount": amount,
            "charge": charge_id,
            "created": int(self.clock()),
            "currency": charge["currency"],
            "metadata": _metadata(params.get("metadata", {}), "metadata"),
            "payment_intent": intent["id"],
            "reason": None,
            "status": "succeeded",
        }
        self.refunds[refund["id"]] = refund
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
        return copy.deepcopy(refund)

    def _expanded(self, obj: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
        _known(params, {"expand"})
        result = _public(obj)
        expand = params.get("expand", [])
        for name in expand if isinstance(expand, list) else [expand]:
            if name not in EXPANDABLE.get(obj["object"], set()):
                raise StripeError(
                    400, f"This property cannot be expanded ({name}).", param="expand"
                )
            target = result.get(name)
            if target:
                result[name] = _public(self._object(str(target)))
        return result

    # ---- objects --------------------------------------------------------------------

    def _session(self, session_id: str, *, param: str = "session") -> dict[str, Any]:
        session = self.sessions.get(session_id)
        if session is None:
            raise StripeError(
                404,
                f"No such checkout.session: '{session_id}'",
                code="resource_missing",
                param=param,
            )
        if session["status"] == "open" and self.clock() >= session["expires_at"]:
            self._expire(session)
        return session

    def _intent(self, intent_id: str, *, param: str) -> dict[str, Any]:
        intent = self.intents.get(intent_id)
        if intent is None:
            raise StripeError(
                404, f"No such payment_intent: '{intent_id}'", code="resource_missing", param=param
            )
        return intent

    def _charge_by_id(self, charge_id: str) -> dict[str, Any]:
        charge = self.charges.get(charge_id)
        if charge is None:
            raise StripeError(
                404, f"No such charge: '{charge_id}'", code="resource_missing", param="charge"
            )
        return charge

    def _object(self, object_id: str) -> dict[str, Any]:
        if object_id.startswith("cs_"):
            return _public(self._session(object_id))
        for store in (self.intents, self.charges, self.refunds):
            if object_id in store:
                return _public(store[object_id])
        raise AssertionError(f"the double has no object {object_id!r}")

    def _open_session(self, session_id: str) -> dict[str, Any]:
        session = self._session(session_id)
        if session["status"] != "open":
            raise AssertionError(
                f"session {session_id} is {session['status']}: Stripe's page takes no payment"
            )
        return session

    def _intent_for(self, session: dict[str, Any]) -> dict[str, Any]:
        """The session's PaymentIntent, created when the page is first submitted."""
        if session["payment_intent"]:
            return self.intents[session["payment_intent"]]
        intent = {
            "id": _id("pi_"),
            "object": "payment_intent",
            "amount": session["amount_total"],
            "amount_received": 0,
            "created": int(self.clock()),
            "currency": session["currency"],
            "last_payment_error": None,
            "latest_charge": None,
            "livemode": False,
            "metadata": dict(session["_intent_metadata"]),
            "next_action": None,
            "payment_method_types": list(session["payment_method_types"]),
            "status": "requires_payment_method",
        }
        self.intents[intent["id"]] = intent
        session["payment_intent"] = intent["id"]
        return intent

    def _charge(
        self, intent: dict[str, Any], kind: str, details: dict[str, Any], *, paid: bool = True
    ) -> dict[str, Any]:
        charge = {
            "id": _id("ch_"),
            "object": "charge",
            "amount": intent["amount"],
            "amount_captured": intent["amount"] if paid else 0,
            "amount_refunded": 0,
            "created": int(self.clock()),
            "currency": intent["currency"],
            "paid": paid,
            "payment_intent": intent["id"],
            "payment_method_details": {"type": kind, kind: details},
            "refunded": False,
            "status": "succeeded" if paid else "failed",
        }
        self.charges[charge["id"]] = charge
        return charge

    def _awaiting(self, session_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
        session = self._session(session_id)
        intent_id = session["payment_intent"]
        intent = self.intents.get(intent_id) if intent_id else None
        if (
            intent is None
            or intent["status"] != "requires_action"
            or session["payment_status"] != "unpaid"
        ):
            raise AssertionError(f"session {session_id} has no voucher waiting to be paid")
        return session, intent

    def _expire(self, session: dict[str, Any]) -> None:
        session["status"] = "expired"
        intent_id = session["payment_intent"]
        if intent_id and self.intents[intent_id]["status"] not in ("succeeded", "canceled"):
            self.intents[intent_id].update(status="canceled", next_action=None)


def _public(obj: dict[str, Any]) -> dict[str, Any]:
    """The object as the API shows it (without the double's own bookkeeping)."""
    return {k: copy.deepcopy(v) for k, v in obj.items() if not k.startswith("_")}


def _known(params: dict[str, Any], allowed: set[str] | frozenset[str], *, prefix: str = "") -> None:
    for name in params:
        if name not in allowed:
            full = f"{prefix}[{name}]" if prefix else name
            raise StripeError(
                400, f"Received unknown parameter: {full}", code="parameter_unknown", param=full
            )


def _metadata(value: Any, param: str) -> dict[str, str]:
    if value == "":
        return {}
    if not isinstance(value, dict):
        raise StripeError(400, "Invalid object", param=param)
    if len(value) > 50:
        raise StripeError(400, "Metadata can have at most 50 keys.", param=param)
    for key, item in value.items():
        if len(key) > 40 or not isinstance(item, str) or len(item) > 500:
            raise StripeError(400, f"Invalid metadata value for {key}", param=f"{param}[{key}]")
    return dict(value)
