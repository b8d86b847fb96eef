"""Outgoing webhooks: the merchant's endpoints, and what a sender does with deliveries.

Managing endpoints (register, list, change, enable, remove, rotate the secret, read the
delivery log) is a merchant's action: each service takes the actor and checks it with
`require_admin` inside its unit of work, so the CLI (the system) and the REST API (an
API key's actor) reach the same rules. Secrets are returned only by `register` and
`rotate_secret`; everything else returns `EndpointInfo`, which holds none.

The events themselves are written by the store with the changes that cause them
(core/store/webhooks_repo.py `events_to_write`); a sender (bot/webhooks_out.py) runs
`fan_out`, `claim_due`, `still_ours` and `record_attempt`. docs/webhooks.md tells the
whole story.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.domain.actors import Actor
from core.domain.errors import StoreUnavailable
from core.domain.events import WebhookEndpointDisabled
from core.domain.outbox import OutboxMessage
from core.domain.webhooks import (
    ROTATION_GRACE,
    AttemptResult,
    DeliveryAttempt,
    DeliveryStatus,
    DueDelivery,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookNotFound,
    check_url,
    clean_text,
    new_secret,
    parse_events,
    retry_delay,
)
from core.services.context import Shop, require_admin
from core.store.uow import SqlUnitOfWork

log = logging.getLogger("pedidos.webhooks")

LEASE = timedelta(seconds=60)  # longer than one attempt's timeout, several times over
KEEP_DAYS = 30  # finished deliveries and their log are kept this long


@dataclass(frozen=True)
class EndpointInfo:
    """An endpoint as the merchant sees it (no secret)."""

    id: int
    url: str
    description: str
    events: tuple[str, ...]
    enabled: bool
    created_at: datetime
    failure_streak: int  # attempts failed in a row
    failing_since: datetime | None  # the first of them
    disabled_at: datetime | None
    disabled_reason: str
    previous_secret_until: datetime | None  # the old secret still signs until then


@dataclass(frozen=True)
class EndpointSecret:
    """An endpoint with its signing secret: shown once, when made or rotated."""

    endpoint: EndpointInfo
    secret: str


def _info(endpoint: WebhookEndpoint, now: datetime) -> EndpointInfo:
    until = endpoint.previous_secret_until
    return EndpointInfo(
        id=endpoint.id,
        url=endpoint.url,
        description=endpoint.description,
        events=endpoint.events,
        enabled=endpoint.enabled,
        created_at=endpoint.created_at,
        failure_streak=endpoint.failure_streak,
        failing_since=endpoint.failing_since,
        disabled_at=endpoint.disabled_at,
        disabled_reason=endpoint.disabled_reason,
        previous_secret_until=until if until is not None and until > now else None,
    )


async def _endpoint(uow: SqlUnitOfWork, endpoint_id: int) -> WebhookEndpoint:
    found = await uow.webhooks.endpoint(endpoint_id)
    if found is None:
        raise WebhookNotFound(endpoint_id=endpoint_id)
    return found


# --- managing endpoints (merchant actions) ---


async def register(
    shop: Shop,
    actor: Actor,
    url: str,
    events: str | list[str] | tuple[str, ...],
    description: str = "",
) -> EndpointSecret:
    """A new endpoint that gets the events of these types (names, "order.*", "*") from
    now on. InvalidWebhook for a URL that is not http(s), one on this machine or a
    private network (unless WEBHOOKS_ALLOW_PRIVATE_ADDRESSES), or an unknown event type.
    The secret is returned here and by rotate_secret only."""
    url = check_url(url, allow_private=shop.settings.webhooks_allow_private_addresses)
    chosen = parse_events(events)
    now = shop.now()
    async with shop.uow() as uow:
        await require_admin(uow, actor, "webhook_register")
        endpoint = await uow.webhooks.add_endpoint(
            url, chosen, new_secret(), description.strip()[:200], now
        )
        await uow.commit(now)
    return EndpointSecret(_info(endpoint, now), endpoint.secret)


async def list_endpoints(shop: Shop, actor: Actor) -> list[EndpointInfo]:
    async with shop.uow(write=False) as uow:
        await require_admin(uow, actor, "webhook_list")
        return [_info(e, shop.now()) for e in await uow.webhooks.endpoints()]


async def get_endpoint(shop: Shop, actor: Actor, endpoint_id: int) -> EndpointInfo:
    async with shop.uow(write=False) as uow:
        await require_admin(uow, actor, "webhook_read")
        return _info(await _endpoint(uow, endpoint_id), shop.now())


async def update_endpoint(
    shop: Shop,
    actor: Actor,
    endpoint_id: int,
    *,
    url: str | None = None,
    events: str | list[str] | tuple[str, ...] | None = None,
    description: str | None = None,
    enabled: bool | None = None,
) -> EndpointInfo:
    """Change what was given (the URL, the event types, the description, on or off as
    `set_enabled` does), all in one transaction: all of it is changed or none. Events
    already fanned out keep going to the endpoint as they were."""
    values: dict[str, object] = {}
    if url is not None:
        values["url"] = check_url(url, allow_private=shop.settings.webhooks_allow_private_addresses)
    if events is not None:
        values["events"] = list(parse_events(events))
    if description is not None:
        values["description"] = description.strip()[:200]
    now = shop.now()
    async with shop.uow() as uow:
        await require_admin(uow, actor, "webhook_update")
        await _endpoint(uow, endpoint_id)
        if values:
            await uow.webhooks.update_endpoint(endpoint_id, now, **values)
        if enabled is not None:
            await _switch(uow, actor, endpoint_id, enabled, now)
        endpoint = await _endpoint(uow, endpoint_id)
        await uow.commit(now)
    return _info(endpoint, now)


async def set_enabled(shop: Shop, actor: Actor, endpoint_id: int, enabled: bool) -> EndpointInfo:
    """Enable an endpoint (its failures are forgotten, and its deliveries still waiting
    go out now) or disable it (nothing is sent there, and new events are not kept for
    it, until it is enabled again)."""
    now = shop.now()
    async with shop.uow() as uow:
        await _switch(uow, actor, endpoint_id, enabled, now)
        endpoint = await _endpoint(uow, endpoint_id)
        await uow.commit(now)
    return _info(endpoint, now)


async def _switch(
    uow: SqlUnitOfWork, actor: Actor, endpoint_id: int, enabled: bool, now: datetime
) -> None:
    await require_admin(uow, actor, "webhook_enable" if enabled else "webhook_disable")
    await _endpoint(uow, endpoint_id)
    if enabled:
        await uow.webhooks.update_endpoint(
            endpoint_id,
            now,
            enabled=True,
            failure_streak=0,
            failing_since=None,
            disabled_at=None,
            disabled_reason="",
        )
        await uow.webhooks.resume_deliveries(endpoint_id, now)
    else:
        await uow.webhooks.disable(endpoint_id, "disabled by the merchant", now)


async def remove_endpoint(shop: Shop, actor: Actor, endpoint_id: int) -> None:
    """The endpoint goes, with its deliveries and their log. WebhookNotFound if none."""
    now = shop.now()
    async with shop.uow() as uow:
        await require_admin(uow, actor, "webhook_remove")
        if not await uow.webhooks.remove_endpoint(endpoint_id):
            raise WebhookNotFound(endpoint_id=endpoint_id)
        await uow.commit(now)


async def rotate_secret(
    shop: Shop, actor: Actor, endpoint_id: int, grace: timedelta = ROTATION_GRACE
) -> EndpointSecret:
    """A new signing secret. For `grace` messages carry signatures by both the old and
    the new one (the receiver may switch at any moment within it), then the new only.
    A second rotation within the grace drops the oldest secret at once."""
    now = shop.now()
    secret = new_secret()
    async with shop.uow() as uow:
        await require_admin(uow, actor, "webhook_rotate")
        old = await _endpoint(uow, endpoint_id)
        await uow.webhooks.update_endpoint(
            endpoint_id,
            now,
            secret=secret,
            previous_secret=old.secret if grace > timedelta(0) else None,
            previous_secret_until=now + grace if grace > timedelta(0) else None,
        )
        endpoint = await _endpoint(uow, endpoint_id)
        await uow.commit(now)
    return EndpointSecret(_info(endpoint, now), secret)


async def delivery_log(
    shop: Shop, actor: Actor, endpoint_id: int, limit: int = 50
) -> list[DeliveryAttempt]:
    """The endpoint's latest attempts, newest first: when, which event, the answer's
    status and start (or the network error), how long it took."""
    async with shop.uow(write=False) as uow:
        await require_admin(uow, actor, "webhook_log")
        await _endpoint(uow, endpoint_id)
        return await uow.webhooks.attempts(endpoint_id, limit=limit)


async def deliveries(
    shop: Shop,
    actor: Actor,
    endpoint_id: int,
    *,
    status: DeliveryStatus | None = None,
    limit: int = 50,
    before_id: int | None = None,
) -> list[WebhookDelivery]:
    """The endpoint's latest deliveries (one per event), newest first; before_id: the
    next page, older than that delivery."""
    async with shop.uow(write=False) as uow:
        await require_admin(uow, actor, "webhook_log")
        await _endpoint(uow, endpoint_id)
        return await uow.webhooks.deliveries(
            endpoint_id, limit=limit, status=status, before_id=before_id
        )


async def redeliver(shop: Shop, actor: Actor, endpoint_id: int, delivery_id: int) -> bool:
    """Send a delivered or failed delivery again, with the same webhook-id (a receiver
    that already has it drops it); False when it is still being sent, or not there."""
    now = shop.now()
    async with shop.uow() as uow:
        await require_admin(uow, actor, "webhook_redeliver")
        await _endpoint(uow, endpoint_id)
        done = await uow.webhooks.redeliver(endpoint_id, delivery_id, now)
        await uow.commit(now)
    return done


# --- the sender's side (the system) ---


FAN_OUT_BATCH = 500


async def fan_out(shop: Shop, limit: int = FAN_OUT_BATCH) -> int:
    """Turn the events not fanned out yet (at most `limit`, oldest first) into
    deliveries for the endpoints subscribed now; returns how many events it took.
    Reads first: an idle shop writes nothing (SQLite's one writer stays free)."""
    async with shop.uow(write=False) as uow:
        if not await uow.webhooks.events_waiting():
            return 0
    async with shop.uow() as uow:
        made = await uow.webhooks.fan_out(shop.now(), limit)
        await uow.commit(shop.now())
    return made


async def claim_due(shop: Shop, lease: timedelta = LEASE, limit: int = 50) -> list[DueDelivery]:
    """Lease the deliveries due now; a sender sends each once, then records it."""
    async with shop.uow(write=False) as uow:
        if not await uow.webhooks.any_due(shop.now()):
            return []
    async with shop.uow() as uow:
        claimed = await uow.webhooks.claim(shop.now(), lease, limit)
        await uow.commit(shop.now())
    return claimed


async def still_ours(
    shop: Shop, delivery: DueDelivery, lease: timedelta = LEASE
) -> DueDelivery | None:
    """Just before sending: renew the lease (the delivery with its new one), or None
    when it ran out and another sender took the delivery (then we must not send)."""
    until = shop.now() + lease
    async with shop.uow(one_statement=True) as uow:
        renewed = await uow.webhooks.renew_lease(delivery.id, delivery.lease_until, until)
        await uow.commit(shop.now())
    return dataclasses.replace(delivery, lease_until=until) if renewed else None


async def record_attempt(shop: Shop, delivery: DueDelivery, result: AttemptResult) -> str:
    """Log one attempt and settle the delivery: "delivered", "retry" (its next attempt
    waits RETRY_DELAYS), "failed" (no attempts left), "disabled" (its endpoint has
    failed every attempt for DISABLE_AFTER: disabled now, and the admins are told in
    the same transaction), or "gone" (the endpoint was removed meanwhile).

    If the database refuses to record it, the attempt is recorded as failed, with a
    note saying so: a delivery left "sending" would be sent again at every lease's end,
    its attempts never counted, forever. Failed, it is retried on the schedule (sent
    twice, perhaps: at least once, never lost)."""
    result = dataclasses.replace(result, response=clean_text(result.response))
    try:
        return await _record_attempt(shop, delivery, result)
    except StoreUnavailable:
        raise  # nowhere to record it: the lease runs out, and it is sent again then
    except Exception as error:
        log.exception("recording webhook delivery %s's attempt failed", delivery.id)
        note = f"the attempt could not be recorded ({type(error).__name__})"
        if result.status_code is not None:
            note += f"; the answer was {result.status_code}"
        failed = AttemptResult(False, None, note, result.duration_ms)
        return await _record_attempt(shop, delivery, failed)


async def _record_attempt(shop: Shop, delivery: DueDelivery, result: AttemptResult) -> str:
    now = shop.now()
    attempt = delivery.attempts + 1
    delay = None if result.ok else retry_delay(attempt)
    async with shop.uow() as uow:
        settled = await uow.webhooks.settle(
            delivery.id,
            delivery.lease_until,
            ok=result.ok,
            status_code=result.status_code,
            error="" if result.ok else result.response,
            next_attempt_at=now + delay if delay is not None else None,
            now=now,
        )
        # Not ours any more: another sender took it after our lease ran out (the attempt
        # still happened: logged), or the endpoint was removed meanwhile (nothing to log).
        if not settled and not await uow.webhooks.delivery_exists(delivery.id):
            return "gone"
        await uow.webhooks.add_attempt(
            delivery.id,
            delivery.endpoint_id,
            attempt,
            now,
            ok=result.ok,
            status_code=result.status_code,
            response=result.response,
            duration_ms=result.duration_ms,
        )
        outcome = "delivered" if result.ok else "retry" if delay is not None else "failed"
        if result.ok:
            await uow.webhooks.note_success(delivery.endpoint_id, now)
        else:
            endpoint = await uow.webhooks.note_failure(delivery.endpoint_id, now)
            if endpoint is not None and endpoint.failing_too_long(now):
                reason = f"every attempt failed since {endpoint.failing_since}"
                if await uow.webhooks.disable(endpoint.id, reason, now):
                    outcome = "disabled"
                    uow.notify(
                        OutboxMessage.to_admins(
                            WebhookEndpointDisabled(
                                endpoint.id, endpoint.url, endpoint.failing_since, result.response
                            ),
                            f"webhook_disabled:{endpoint.id}:{now.isoformat()}",
                        )
                    )
        await uow.commit(now)
    return outcome


async def forget_old(shop: Shop, keep_days: int = KEEP_DAYS) -> int:
    """Finished deliveries older than keep_days go, with their log; returns how many."""
    async with shop.uow() as uow:
        gone = await uow.webhooks.forget_before(shop.now() - timedelta(days=keep_days))
        await uow.commit(shop.now())
    return gone
