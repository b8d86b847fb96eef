"""Stripe payment links: one Checkout Session per order.

Through the official `stripe` package's async client (`StripeClient` on its `HTTPXClient`:
httpx under the hood, so nothing blocks the event loop and no thread is needed). The
package signs nothing we send; it does verify webhook signatures (`WebhookSignature`),
with its own default tolerance (300 s).

What Stripe calls what:

- the link is a Checkout Session (cs_...), mode "payment", with the order code as
  `client_reference_id` and in `metadata[order_code]`;
- the payment is the session's PaymentIntent (pi_...), created by Stripe when the customer
  submits the page; it carries `metadata[order_code]` too (`payment_intent_data`), so a
  `payment_intent.*` webhook names its order without the session;
- a refund (re_...) is made against the PaymentIntent.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import stripe

from bot.payments.webhooks import BadSignature, header
from core.domain.money import Money
from core.domain.payment_links import (
    CreatedLink,
    LinkRequest,
    ProviderPayment,
    ProviderPaymentStatus,
    ProviderRefused,
    ProviderUnavailable,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

# Stripe takes a Checkout Session's `expires_at` from 30 minutes to 24 hours after the
# session's creation (API reference, "Create a Checkout Session", expires_at). An order
# whose reservation ends sooner gets a link open a little longer (a payment after the
# order expired is handled as a late payment); one that ends later gets a 24-hour link.
# A minute of margin on each side absorbs the clock difference between us and Stripe.
MIN_OPEN = timedelta(minutes=30)
MAX_OPEN = timedelta(hours=24)
MARGIN = timedelta(minutes=1)
# When the order's time is clamped, the value sent depends on "now": rounded to this grid,
# a retry with the same idempotency key a few seconds later sends the same parameters
# (Stripe refuses a reused key with different ones).
CLAMP_GRID = 600

# Events that name a Checkout Session, and the prefix of those naming a PaymentIntent.
SESSION_EVENTS = frozenset(
    {
        "checkout.session.completed",
        "checkout.session.async_payment_succeeded",
        "checkout.session.async_payment_failed",
        "checkout.session.expired",
    }
)
PAYMENT_EVENT_PREFIX = "payment_intent."


class Stripe:
    """The PaymentProvider adapter for Stripe Checkout."""

    name = "stripe"

    def __init__(
        self,
        secret_key: str,
        webhook_secret: str,
        api_url: str = "https://api.stripe.com",
        public_url: str = "",
        timeout: float = 10.0,
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._secret_key = secret_key
        self._webhook_secret = webhook_secret
        self._public_url = public_url.rstrip("/")
        self._clock = clock or (lambda: datetime.now(UTC))
        self._http = stripe.HTTPXClient(timeout=timeout)
        # No retries inside the library: a retry sleeps inside a customer's turn or a
        # webhook call. The caller's own retry (the reconciliation job, the customer asking
        # for the link again) repeats the call with the same idempotency key, which is safe.
        self._client = stripe.StripeClient(
            secret_key,
            http_client=self._http,
            base_addresses={"api": api_url.rstrip("/")},
            max_network_retries=0,
        )

    # -- the port -------------------------------------------------------------------

    async def create_link(self, request: LinkRequest) -> CreatedLink:
        expires_at = self._link_expiry(request.expires_at)
        order_code = request.order_code
        params: dict[str, Any] = {
            "mode": "payment",
            "line_items": [
                {
                    "price_data": {
                        "currency": request.amount.currency.lower(),
                        "unit_amount": request.amount.amount,
                        "product_data": {"name": request.title},
                    },
                    "quantity": 1,
                }
            ],
            "client_reference_id": order_code,
            "metadata": {"order_code": order_code},
            "payment_intent_data": {"metadata": {"order_code": order_code}},
            "expires_at": int(expires_at.timestamp()),
        }
        if self._public_url:
            # Where Stripe's page sends the customer afterwards; without it Stripe shows
            # its own confirmation page.
            params["success_url"] = f"{self._public_url}/payments/return?provider=stripe"
            params["cancel_url"] = f"{self._public_url}/payments/return?provider=stripe"
        session = await self._call(
            "create_link",
            lambda: self._client.v1.checkout.sessions.create_async(
                params,  # type: ignore[arg-type]
                # With the expiry sent: it moves with the clock when clamped (see
                # _link_expiry), and Stripe refuses a key reused with other parameters.
                # Workers asking at once still share one session.
                {"idempotency_key": f"{request.idempotency_key}:{params['expires_at']}"},
            ),
        )
        return CreatedLink(provider_ref=session.id, url=session.url or "", expires_at=expires_at)

    async def read_payment(self, payment_id: str) -> ProviderPayment:
        # The charge comes expanded: a refund shows there (the PaymentIntent itself stays
        # "succeeded" after a refund), and so does what paid (card brand, oxxo).
        intent = await self._call(
            "read_payment",
            lambda: self._client.v1.payment_intents.retrieve_async(
                payment_id, {"expand": ["latest_charge"]}
            ),
        )
        return _payment(intent.to_dict())

    async def payments_for_link(self, order_code: str, provider_ref: str) -> list[ProviderPayment]:
        session = await self._call(
            "payments_for_link",
            lambda: self._client.v1.checkout.sessions.retrieve_async(provider_ref),
        )
        intent = session.to_dict().get("payment_intent")
        if isinstance(intent, dict):
            intent = intent.get("id")
        if not intent:
            return []  # nobody submitted the page yet: Stripe creates the intent then
        payment = await self.read_payment(str(intent))
        if payment.order_code != order_code:
            log.warning(
                "Stripe session %s pays order %r, not %r: ignored",
                provider_ref,
                payment.order_code,
                order_code,
            )
            return []
        return [payment]

    async def refund(self, payment_id: str, amount: Money, idempotency_key: str) -> str:
        refund = await self._call(
            "refund",
            lambda: self._client.v1.refunds.create_async(
                {"payment_intent": payment_id, "amount": amount.amount},
                {"idempotency_key": idempotency_key},
            ),
        )
        return str(refund.id)

    async def close(self) -> None:
        await self._http.close_async()

    # -- webhooks ---------------------------------------------------------------------

    def notice(self, headers: Mapping[str, str], body: bytes) -> tuple[str, str] | None:
        """Which object a webhook call names: ("session", cs_...) or ("payment", pi_...),
        None for an event we do not follow. Raises BadSignature unless `Stripe-Signature`
        is Stripe's signature of these exact bytes, made within the library's tolerance.
        Only the id is taken from the body: the caller reads the object from the API."""
        if not self._webhook_secret.strip():
            raise BadSignature("no Stripe webhook secret is configured")
        signature = header(headers, "Stripe-Signature")
        try:
            stripe.WebhookSignature.verify_header(
                body, signature, self._webhook_secret, stripe.Webhook.DEFAULT_TOLERANCE
            )
            event = json.loads(body)
        except (stripe.SignatureVerificationError, UnicodeDecodeError) as exc:
            raise BadSignature(f"Stripe-Signature refused: {exc.__class__.__name__}") from None
        except ValueError:
            raise BadSignature("signed body is not JSON") from None
        if not isinstance(event, dict) or event.get("object") != "event":
            raise BadSignature("signed body is not a Stripe event")
        kind = str(event.get("type", ""))
        obj = (event.get("data") or {}).get("object") or {}
        object_id = str(obj.get("id", "")) if isinstance(obj, dict) else ""
        if kind in SESSION_EVENTS and object_id.startswith("cs_"):
            return ("session", object_id)
        if kind.startswith(PAYMENT_EVENT_PREFIX) and object_id.startswith("pi_"):
            return ("payment", object_id)
        return None

    # -- helpers ----------------------------------------------------------------------

    def _link_expiry(self, wanted: datetime) -> datetime:
        """The order's expiry, moved into Stripe's window (see MIN_OPEN)."""
        now = self._clock()
        earliest = (now + MIN_OPEN + MARGIN).timestamp()
        latest = (now + MAX_OPEN - MARGIN).timestamp()
        at = int(wanted.timestamp())
        if at < earliest:
            at = math.ceil(earliest / CLAMP_GRID) * CLAMP_GRID
        elif at > latest:
            at = math.floor(latest / CLAMP_GRID) * CLAMP_GRID
        return datetime.fromtimestamp(at, UTC)

    async def _call(self, call: str, request: Callable[[], Awaitable[T]]) -> T:
        try:
            return await request()
        except stripe.StripeError as exc:
            raise self._translate(call, exc) from None

    def _translate(
        self, call: str, exc: stripe.StripeError
    ) -> ProviderUnavailable | ProviderRefused:
        status = exc.http_status
        message = (exc.user_message or str(exc) or exc.__class__.__name__).replace(
            self._secret_key, "sk_***"
        )
        body = exc.json_body if isinstance(exc.json_body, dict) else {}
        error = body.get("error") if isinstance(body.get("error"), dict) else {}
        data: dict[str, object] = {
            "provider": self.name,
            "call": call,
            "status": status,
            "error": exc.__class__.__name__,
            "code": exc.code or error.get("code") or error.get("type") or "",
            "message": message,
        }
        # No answer, 429, 409 (the same idempotency key is still being processed) and 5xx
        # may work later; any other 4xx (invalid request, idempotency mismatch, card,
        # authentication, permission) will not.
        if (
            isinstance(exc, (stripe.APIConnectionError, stripe.RateLimitError))
            or status is None
            or status == 409
            or status >= 500
        ):
            return ProviderUnavailable(**data)
        return ProviderRefused(**data)


def _payment(intent: dict[str, Any]) -> ProviderPayment:
    """A PaymentIntent (with its latest charge expanded) as the port's ProviderPayment."""
    charge = intent.get("latest_charge")
    charge = charge if isinstance(charge, dict) else {}
    action = intent.get("next_action") or {}
    oxxo = action.get("oxxo_display_details") or {}
    transfer = action.get("display_bank_transfer_instructions") or {}
    status = _status(intent, charge)
    reference = voucher_url = ""
    pay_by: datetime | None = None
    if status is ProviderPaymentStatus.PENDING and oxxo:
        reference = str(oxxo.get("number") or "")
        voucher_url = str(oxxo.get("hosted_voucher_url") or "")
        if oxxo.get("expires_after"):
            pay_by = datetime.fromtimestamp(int(oxxo["expires_after"]), UTC)
    elif status is ProviderPaymentStatus.PENDING and transfer:
        # A Mexican bank transfer (SPEI) goes to a CLABE; other transfers quote a reference.
        clabes = [
            (address.get("spei") or {}).get("clabe")
            for address in transfer.get("financial_addresses") or []
        ]
        reference = next((c for c in clabes if c), None) or str(transfer.get("reference") or "")
        voucher_url = str(transfer.get("hosted_instructions_url") or "")
    return ProviderPayment(
        provider="stripe",
        payment_id=str(intent["id"]),
        order_code=str((intent.get("metadata") or {}).get("order_code") or ""),
        status=status,
        amount=Money(int(intent["amount"]), str(intent["currency"]).upper()),
        method=_method(intent, charge, action),
        reference=reference,
        voucher_url=voucher_url,
        pay_by=pay_by,
        # Each card tried on the page is a charge of its own.
        attempt=str(
            charge.get("id") or (intent.get("last_payment_error") or {}).get("charge") or ""
        ),
    )


def _status(intent: dict[str, Any], charge: dict[str, Any]) -> ProviderPaymentStatus:
    state = intent.get("status")
    if state == "succeeded":
        # The PaymentIntent stays "succeeded" after a refund; its charge says `refunded`
        # once the whole amount went back (a partial refund leaves the order paid: our
        # own refund records say how much went back).
        if charge.get("refunded"):
            return ProviderPaymentStatus.REFUNDED
        return ProviderPaymentStatus.APPROVED
    if state == "canceled":
        return ProviderPaymentStatus.REJECTED
    if state == "requires_payment_method" and intent.get("last_payment_error"):
        # A declined card, or a voucher/transfer that expired unpaid: the customer may
        # try again on the same page while the session is open.
        return ProviderPaymentStatus.REJECTED
    # processing, requires_action (a voucher to pay, a bank transfer to make, 3-D Secure),
    # requires_confirmation, requires_capture: the money has not moved yet.
    return ProviderPaymentStatus.PENDING


def _method(intent: dict[str, Any], charge: dict[str, Any], action: dict[str, Any]) -> str:
    details = charge.get("payment_method_details") or {}
    kind = str(details.get("type") or "")
    if kind == "card":
        return str((details.get("card") or {}).get("brand") or "card")
    if kind:
        return kind
    if action.get("oxxo_display_details"):
        return "oxxo"
    transfer = action.get("display_bank_transfer_instructions")
    if transfer:
        return "spei" if transfer.get("type") == "mx_bank_transfer" else "bank_transfer"
    types = intent.get("payment_method_types") or []
    return str(types[0]) if len(types) == 1 else ""
