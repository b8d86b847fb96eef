"""The generic tracking webhook: one checkpoint per call, signed per the Standard
Webhooks spec (https://www.standardwebhooks.com: `webhook-id`, `webhook-timestamp`,
`webhook-signature` over "id.timestamp.body", five minutes' tolerance), checked with
the spec's own library.

    {"tracking_number": "JD014600003", "status": "InTransit",
     "occurred_at": "2026-11-05T10:12:00-06:00", "message": "Llegó a Querétaro",
     "location": "Querétaro, QRO", "id": "scan-8812"}

`status` takes AfterShip's tags (InTransit, OutForDelivery, Delivered, Exception...;
"in_transit" too); `occurred_at` is ISO 8601 with its offset; `message`, `location`,
`id` (the sender's own id for the checkpoint, which makes a repeat a duplicate) and
`carrier` (checked against the shipment's carrier when it is one of the shop's codes)
are optional. docs/tracking.md has the whole format.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from bot.payments.webhooks import BadSignature
from core.domain.tracking import Checkpoint, CheckpointSource, TrackingTag, tracking_key


class Unreadable(ValueError):
    """A body that does not follow the format (400, with what is wrong)."""


def verify(secret: str, body: bytes, headers: Mapping[str, str]) -> None:
    """BadSignature unless the call is signed with the secret, within five minutes."""
    if not secret:
        raise BadSignature("no secret")
    try:
        text = body.decode()
    except UnicodeDecodeError:
        raise BadSignature("the body is not UTF-8, so it was not what was signed") from None
    try:
        Webhook(secret).verify(text, dict(headers.items()), json_parse=False)
    except (WebhookVerificationError, ValueError) as refused:
        # ValueError: a signature that is no "v1,<base64>" (the library unpacks it).
        raise BadSignature(str(refused) or type(refused).__name__) from None


def checkpoint(data: object) -> tuple[str, Checkpoint | None]:
    """(the tracking number as sent, its checkpoint; None when no shipment of ours could
    have that number)."""
    if not isinstance(data, dict):
        raise Unreadable("the body is not a JSON object")
    number = data.get("tracking_number")
    if not isinstance(number, str) or not number.strip():
        raise Unreadable("tracking_number is missing")
    tag = TrackingTag.read(data.get("status"))
    if tag is None:
        raise Unreadable("status is not one of " + ", ".join(TrackingTag))
    occurred = data.get("occurred_at")
    try:
        at = datetime.fromisoformat(occurred) if isinstance(occurred, str) else None
    except ValueError:
        at = None
    if at is None or at.tzinfo is None:
        raise Unreadable("occurred_at is not an ISO 8601 time with its offset")
    texts = {name: data.get(name, "") for name in ("message", "location", "id", "carrier")}
    for name, value in texts.items():
        if value is None:
            texts[name] = ""
        elif isinstance(value, int) and name == "id" and not isinstance(value, bool):
            texts[name] = str(value)
        elif not isinstance(value, str):
            raise Unreadable(f"{name} is not a string")
    key = tracking_key(number)
    if key is None:
        return number, None
    return number, Checkpoint(
        key,
        tag,
        at,
        CheckpointSource.GENERIC,
        message=str(texts["message"]),
        location=str(texts["location"]),
        external_id=str(texts["id"]).strip()[:200],
        carrier=str(texts["carrier"]),
    )
