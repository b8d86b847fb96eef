"""AfterShip's tracking webhook: its signature, and its body as Checkpoints.

AfterShip signs the raw body with HMAC-SHA256, the webhook secret as the key (its text,
not decoded), and sends the digest in base64 in `aftership-hmac-sha256`. Nothing else is
signed (no timestamp): a replayed call is a duplicate, which does nothing.

The body: {"event": "tracking_update", "event_id", "ts", "msg": {tracking object}},
where the tracking object holds `tracking_number`, `slug` (the carrier), its current
`tag` and every
`checkpoint` so far (`checkpoint_time`, `tag`, `subtag`, `message`, `location`, `city`,
`state`, `country_name`, ...). Every delivery carries the whole journey again; the
checkpoints already recorded are duplicates. Fields this shop doesn't use are ignored,
so newer versions of the body keep working.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.payments.webhooks import BadSignature, header
from core.domain.tracking import Checkpoint, CheckpointSource, TrackingTag, tracking_key

SIGNATURE_HEADER = "aftership-hmac-sha256"
TRACKING_UPDATE = "tracking_update"


class Unreadable(ValueError):
    """A body that is not what AfterShip sends (400: sending it again won't help)."""


def verify(secret: str, body: bytes, headers: Mapping[str, str]) -> None:
    """BadSignature unless the body is signed with the secret (never with an empty one)."""
    given = header(headers, SIGNATURE_HEADER)
    if not secret or not given:
        raise BadSignature("no aftership-hmac-sha256 header" if secret else "no secret")
    expected = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest())
    if not hmac.compare_digest(given.strip().encode(), expected):
        raise BadSignature("aftership-hmac-sha256 does not match")


def checkpoints(data: object, zone: str, now: datetime) -> tuple[str | None, list[Checkpoint]]:
    """(the tracking number as sent, its checkpoints) from a parsed body; (None, []) for
    an event that is no tracking update (an estimated-date change, say). zone: where
    a checkpoint time without an offset is read (carriers report local time; the
    shop's zone is the best guess for its parcels)."""
    if not isinstance(data, dict):
        raise Unreadable("the body is not a JSON object")
    event = data.get("event", TRACKING_UPDATE)
    msg = data.get("msg")
    if event != TRACKING_UPDATE:
        return None, []
    if not isinstance(msg, dict):
        raise Unreadable("msg is not an object")
    number = msg.get("tracking_number")
    if not isinstance(number, str) or not number.strip():
        raise Unreadable("msg.tracking_number is missing")
    key = tracking_key(number)
    if key is None:
        return number, []  # no shipment of ours could have it
    # The carrier AfterShip tracks it with: checked against the shipment's carrier
    # when it is one of the shop's codes (core/services/tracking.py).
    slug = _text(msg.get("slug"))
    tz = ZoneInfo(zone)
    fallback = _time(msg.get("updated_at"), tz) or _unix(data.get("ts")) or now
    found: list[Checkpoint] = []
    raw = msg.get("checkpoints")
    for item in raw if isinstance(raw, list) else []:
        checkpoint = _checkpoint(key, item, tz, fallback, slug)
        if checkpoint is not None:
            found.append(checkpoint)
    # The tracking's current tag, when no checkpoint carries it (a tracking marked
    # delivered by hand, a Pending one with no scans yet): once per tag.
    current = TrackingTag.read(msg.get("tag"))
    if current is not None and all(c.tag is not current for c in found):
        subtag = msg.get("subtag_message")
        found.append(
            Checkpoint(
                key,
                current,
                fallback,
                CheckpointSource.AFTERSHIP,
                message=subtag if isinstance(subtag, str) else "",
                subtag=_text(msg.get("subtag")),
                external_id=f"tag:{current}",
                carrier=slug,
            )
        )
    return number, found


def _checkpoint(
    key: str, item: object, tz: ZoneInfo, fallback: datetime, slug: str
) -> Checkpoint | None:
    if not isinstance(item, dict):
        return None
    tag = TrackingTag.read(item.get("tag"))
    if tag is None:  # a status this version doesn't know: nothing to decide on
        return None
    at = _time(item.get("checkpoint_time"), tz) or _time(item.get("created_at"), tz)
    location = _text(item.get("location")) or ", ".join(
        part
        for part in (
            _text(item.get("city")),
            _text(item.get("state")),
            _text(item.get("country_region_name")) or _text(item.get("country_name")),
        )
        if part
    )
    message = _text(item.get("message"))
    return Checkpoint(
        key,
        tag,
        at or fallback,
        CheckpointSource.AFTERSHIP,
        message=message,
        location=location,
        subtag=_text(item.get("subtag")),
        # Without a time of its own it is known by what it says (the fallback time
        # changes from one delivery to the next).
        external_id="" if at else f"untimed:{tag}:{message}",
        carrier=slug,
    )


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _time(value: object, tz: ZoneInfo) -> datetime | None:
    """AfterShip's times: "", "2026-11-05", "2026-11-05T10:12:00" (the place's local time)
    or with an offset."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)


def _unix(value: object) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        return None
