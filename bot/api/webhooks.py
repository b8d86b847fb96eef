"""Outgoing webhooks, the REST side: register endpoints with the events they want, change,
disable, remove them, rotate their signing secret, and read their delivery log. The
same services as `pedidos webhook ...` (core/services/webhooks.py); docs/webhooks.md
tells how messages are signed and retried."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel, Field

from bot.api.auth import Caller, scoped
from bot.api.pagination import MAX_LIMIT, Page, cursor_ints, encode_cursor
from bot.api.problems import Problem
from bot.api.schemas import Strict
from core.domain.webhooks import (
    EVENT_TYPES,
    MAX_URL_LENGTH,
    WILDCARDS,
    DeliveryStatus,
    WebhookDelivery,
    WebhookNotFound,
)
from core.services import webhooks
from core.services.webhooks import EndpointInfo

router = APIRouter(prefix="/webhooks", tags=["webhooks"])
ENDPOINT_ID = Path(ge=1, le=2**31 - 1, description="The endpoint's number.")
EVENTS_HELP = (
    "Event types: " + ", ".join(EVENT_TYPES) + "; or " + ", ".join(WILDCARDS) + " (all, "
    "or all of a group)."
)
# Checked by core (parse_events): known types and wildcards only.
EventName = Annotated[str, Field(min_length=1, max_length=60)]


class EndpointOut(BaseModel):
    id: int
    url: str
    description: str
    events: list[str]
    enabled: bool
    created_at: datetime
    failure_streak: int = Field(description="Attempts failed in a row.")
    failing_since: datetime | None = Field(description="The first of those failures.")
    disabled_at: datetime | None
    disabled_reason: str = Field(description="Why it was disabled (by whom, or failures).")
    previous_secret_until: datetime | None = Field(
        description="After a rotation: messages are signed with the old secret too until then."
    )

    @classmethod
    def of(cls, e: EndpointInfo) -> EndpointOut:
        return cls(
            id=e.id,
            url=e.url,
            description=e.description,
            events=list(e.events),
            enabled=e.enabled,
            created_at=e.created_at,
            failure_streak=e.failure_streak,
            failing_since=e.failing_since,
            disabled_at=e.disabled_at,
            disabled_reason=e.disabled_reason,
            previous_secret_until=e.previous_secret_until,
        )


class EndpointWithSecret(EndpointOut):
    secret: str | None = Field(
        description="The signing secret (whsec_...), shown this once: keep it to verify "
        "the webhook-signature header. null in the replay of a request repeated with its "
        "Idempotency-Key (`Idempotent-Secret-Withheld: true`): the secret is not kept."
    )


class EndpointIn(Strict):
    url: str = Field(min_length=1, max_length=MAX_URL_LENGTH, description="An http(s) URL.")
    events: list[EventName] = Field(min_length=1, max_length=40, description=EVENTS_HELP)
    description: str = Field("", max_length=200)


class EndpointChange(Strict):
    url: str | None = Field(None, min_length=1, max_length=MAX_URL_LENGTH)
    events: list[EventName] | None = Field(
        None, min_length=1, max_length=40, description=EVENTS_HELP
    )
    description: str | None = Field(None, max_length=200)
    enabled: bool | None = Field(
        None,
        description="false: nothing is sent, and new events are not kept for it; true: "
        "its failures are forgotten and what waits goes out.",
    )


class DeliveryOut(BaseModel):
    id: int
    event_type: str
    message_id: str = Field(description="The webhook-id header: the same on every retry.")
    status: DeliveryStatus
    attempts: int
    created_at: datetime
    next_attempt_at: datetime | None = Field(description="When it is tried next, if it is.")
    delivered_at: datetime | None
    last_status_code: int | None = Field(description="The last answer's; null: no answer.")
    last_error: str

    @classmethod
    def of(cls, d: WebhookDelivery) -> DeliveryOut:
        waiting = d.status in (DeliveryStatus.PENDING, DeliveryStatus.SENDING)
        return cls(
            id=d.id,
            event_type=d.event_type,
            message_id=d.msg_id,
            status=d.status,
            attempts=d.attempts,
            created_at=d.created_at,
            next_attempt_at=d.next_attempt_at if waiting else None,
            delivered_at=d.delivered_at,
            last_status_code=d.last_status_code,
            last_error=d.last_error,
        )


class Redelivery(BaseModel):
    queued: bool = Field(description="false: it is being sent right now (try later).")


# The answer shows a signing secret: no cache keeps it, nor the Idempotency-Key's
# stored answer (its replay has "secret": null).
NO_STORE = "no-store"


@router.post(
    "",
    response_model=EndpointWithSecret,
    status_code=201,
    summary="Register an endpoint (its secret is shown once)",
)
async def register(
    body: EndpointIn, response: Response, caller: Caller = Depends(scoped("webhooks:write"))
) -> EndpointWithSecret:
    """`422 invalid_webhook` for a URL that is not http(s) (`problem: url`) or an
    unknown event type (`problem: unknown_event`)."""
    response.headers["Cache-Control"] = NO_STORE
    made = await webhooks.register(
        caller.shop, caller.actor, body.url, body.events, body.description
    )
    return EndpointWithSecret(**EndpointOut.of(made.endpoint).model_dump(), secret=made.secret)


@router.get("", response_model=Page[EndpointOut], summary="Every endpoint (one page)")
async def list_endpoints(caller: Caller = Depends(scoped("webhooks:read"))) -> Page[EndpointOut]:
    found = await webhooks.list_endpoints(caller.shop, caller.actor)
    return Page[EndpointOut](items=[EndpointOut.of(e) for e in found], next_cursor=None)


@router.get("/{endpoint_id}", response_model=EndpointOut, summary="One endpoint")
async def get_endpoint(
    endpoint_id: int = ENDPOINT_ID, caller: Caller = Depends(scoped("webhooks:read"))
) -> EndpointOut:
    return EndpointOut.of(await webhooks.get_endpoint(caller.shop, caller.actor, endpoint_id))


@router.patch("/{endpoint_id}", response_model=EndpointOut, summary="Change an endpoint")
async def change_endpoint(
    body: EndpointChange,
    endpoint_id: int = ENDPOINT_ID,
    caller: Caller = Depends(scoped("webhooks:write")),
) -> EndpointOut:
    """All of it changes in one transaction, or none of it. Events already waiting keep
    going to it as they were. `422 invalid_webhook` as for registering (`problem`:
    `url`, `private_address`, `unknown_event`)."""
    if body.model_dump(exclude_none=True) == {}:
        raise Problem("invalid_request", detail="nothing to change")
    changed = await webhooks.update_endpoint(
        caller.shop,
        caller.actor,
        endpoint_id,
        url=body.url,
        events=body.events,
        description=body.description,
        enabled=body.enabled,
    )
    return EndpointOut.of(changed)


@router.delete(
    "/{endpoint_id}",
    status_code=204,
    response_class=Response,
    summary="Remove an endpoint, its deliveries and their log",
)
async def remove_endpoint(
    endpoint_id: int = ENDPOINT_ID, caller: Caller = Depends(scoped("webhooks:write"))
) -> Response:
    await webhooks.remove_endpoint(caller.shop, caller.actor, endpoint_id)
    return Response(status_code=204)


@router.post(
    "/{endpoint_id}/rotate-secret",
    response_model=EndpointWithSecret,
    summary="A new signing secret (the old one signs too for a day)",
)
async def rotate_secret(
    response: Response,
    endpoint_id: int = ENDPOINT_ID,
    caller: Caller = Depends(scoped("webhooks:write")),
) -> EndpointWithSecret:
    """Messages carry signatures by both secrets until `previous_secret_until`, so the
    receiver can switch to the new one at any moment within it."""
    response.headers["Cache-Control"] = NO_STORE
    made = await webhooks.rotate_secret(caller.shop, caller.actor, endpoint_id)
    return EndpointWithSecret(**EndpointOut.of(made.endpoint).model_dump(), secret=made.secret)


@router.get(
    "/{endpoint_id}/deliveries",
    response_model=Page[DeliveryOut],
    summary="The endpoint's delivery log, newest first",
)
async def deliveries(
    endpoint_id: int = ENDPOINT_ID,
    caller: Caller = Depends(scoped("webhooks:read")),
    status: DeliveryStatus | None = Query(None, description="Only those in this state."),
    limit: int = Query(50, ge=1, le=MAX_LIMIT),
    cursor: str | None = Query(None, max_length=200),
) -> Page[DeliveryOut]:
    """One delivery per event sent to the endpoint: its state, attempts, and the last
    answer (status code, or the error)."""
    (before,) = cursor_ints(cursor, "before") or (None,)
    found = await webhooks.deliveries(
        caller.shop, caller.actor, endpoint_id, status=status, limit=limit + 1, before_id=before
    )
    page = found[:limit]
    return Page[DeliveryOut](
        items=[DeliveryOut.of(d) for d in page],
        next_cursor=encode_cursor({"before": page[-1].id}) if len(found) > limit else None,
    )


@router.post(
    "/{endpoint_id}/deliveries/{delivery_id}/redeliver",
    response_model=Redelivery,
    summary="Send a delivered or failed delivery again",
)
async def redeliver(
    endpoint_id: int = ENDPOINT_ID,
    delivery_id: int = Path(ge=1, le=2**31 - 2),
    caller: Caller = Depends(scoped("webhooks:write")),
) -> Redelivery:
    """With the same webhook-id, so a receiver that has it already drops it."""
    queued = await webhooks.redeliver(caller.shop, caller.actor, endpoint_id, delivery_id)
    if not queued:  # being sent right now, or no such delivery of this endpoint?
        (newest,) = await webhooks.deliveries(
            caller.shop, caller.actor, endpoint_id, limit=1, before_id=delivery_id + 1
        ) or (None,)
        if newest is None or newest.id != delivery_id:
            raise WebhookNotFound(endpoint_id=endpoint_id, delivery_id=delivery_id)
    return Redelivery(queued=queued)
