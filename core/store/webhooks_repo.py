"""Outgoing webhooks: endpoints, the events written with the changes that caused them,
their deliveries to each endpoint, and every attempt (the delivery log).

The hot path is `add_events`: one multi-row INSERT at the commit of a unit whose orders,
returns or stock produced events (SqlUnitOfWork.commit), with no read of the endpoints.
Senders fan the events out later (`fan_out`) and claim due deliveries with a lease
(`claim`, FOR UPDATE SKIP LOCKED on PostgreSQL), as the outbox's dispatchers do.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from core.domain.webhooks import (
    DeliveryAttempt,
    DeliveryStatus,
    DueDelivery,
    WebhookDelivery,
    WebhookEndpoint,
    new_message_id,
    stock_low_event,
)
from core.store.dialect import insert_for
from core.store.tables import (
    webhook_attempts,
    webhook_deliveries,
    webhook_endpoints,
    webhook_events,
)

_INSERT_EVENTS = webhook_events.insert()
_e, _d, _a, _ev = (
    webhook_endpoints.c,
    webhook_deliveries.c,
    webhook_attempts.c,
    webhook_events.c,
)
PENDING, SENDING = str(DeliveryStatus.PENDING), str(DeliveryStatus.SENDING)
DELIVERED, FAILED = str(DeliveryStatus.DELIVERED), str(DeliveryStatus.FAILED)


def event_row(event_type: str, data: dict, at: datetime) -> dict:
    """A webhook_events row (the repositories that see changes buffer these)."""
    return {
        "msg_id": new_message_id(),
        "type": event_type,
        "payload": data,
        "occurred_at": at,
        "fanned_out_at": None,
    }


def events_to_write(repositories: Mapping[str, object], at: datetime) -> list[dict]:
    """The webhook events a unit of work produced, taken from the repositories it used
    (a unit's `__dict__`: only those made are there): its orders' and returns' moves,
    and its stock's low-stock crossings (read here before the alerts clear them)."""
    rows: list[dict] = []
    for name in ("orders", "returns"):
        repository = repositories.get(name)
        buffered = getattr(repository, "webhook_events", None)
        if buffered:
            rows += buffered
            buffered.clear()
    stock = repositories.get("stock")
    for low in getattr(stock, "low_stock_crossings", ()):
        rows.append(event_row(*stock_low_event(low), at))
    return rows


def _endpoint(row) -> WebhookEndpoint:
    return WebhookEndpoint(
        id=row.id,
        url=row.url,
        events=tuple(row.events),
        secret=row.secret,
        enabled=bool(row.enabled),
        created_at=row.created_at,
        description=row.description,
        previous_secret=row.previous_secret,
        previous_secret_until=row.previous_secret_until,
        failure_streak=row.failure_streak,
        failing_since=row.failing_since,
        disabled_at=row.disabled_at,
        disabled_reason=row.disabled_reason,
    )


def _due(now: datetime):
    """Deliveries of enabled endpoints to send now: waiting ones whose time has come,
    and those whose sender's lease ran out (it died mid-send)."""
    return and_(
        or_(
            and_(_d.status == PENDING, _d.next_attempt_at <= now),
            and_(_d.status == SENDING, _d.lease_until < now),
        ),
        _d.endpoint_id.in_(select(_e.id).where(_e.enabled.is_(True))),
    )


class SqlWebhookRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    # --- events (the hot path) ---

    async def add_events(self, rows: list[dict]) -> None:
        if rows:
            await self.conn.execute(_INSERT_EVENTS, rows)

    # --- endpoints ---

    async def add_endpoint(
        self, url: str, events: tuple[str, ...], secret: str, description: str, now: datetime
    ) -> WebhookEndpoint:
        result = await self.conn.execute(
            webhook_endpoints.insert().values(
                url=url,
                description=description,
                events=list(events),
                secret=secret,
                enabled=True,
                failure_streak=0,
                disabled_reason="",
                created_at=now,
                updated_at=now,
            )
        )
        found = await self.endpoint(result.inserted_primary_key[0])
        assert found is not None
        return found

    async def endpoint(self, endpoint_id: int) -> WebhookEndpoint | None:
        row = (
            await self.conn.execute(select(webhook_endpoints).where(_e.id == endpoint_id))
        ).first()
        return _endpoint(row) if row is not None else None

    async def endpoints(self, *, enabled_only: bool = False) -> list[WebhookEndpoint]:
        query = select(webhook_endpoints).order_by(_e.id)
        if enabled_only:
            query = query.where(_e.enabled.is_(True))
        return [_endpoint(r) for r in await self.conn.execute(query)]

    async def update_endpoint(self, endpoint_id: int, now: datetime, **values: object) -> bool:
        result = await self.conn.execute(
            update(webhook_endpoints).where(_e.id == endpoint_id).values(updated_at=now, **values)
        )
        return result.rowcount == 1

    async def remove_endpoint(self, endpoint_id: int) -> bool:
        """The endpoint, its deliveries and its log; the events stay for the others."""
        await self.conn.execute(delete(webhook_attempts).where(_a.endpoint_id == endpoint_id))
        await self.conn.execute(delete(webhook_deliveries).where(_d.endpoint_id == endpoint_id))
        result = await self.conn.execute(delete(webhook_endpoints).where(_e.id == endpoint_id))
        return result.rowcount == 1

    async def resume_deliveries(self, endpoint_id: int, now: datetime) -> None:
        """An endpoint enabled again: its deliveries still waiting go out now."""
        await self.conn.execute(
            update(webhook_deliveries)
            .where(_d.endpoint_id == endpoint_id, _d.status == PENDING)
            .values(next_attempt_at=now)
        )

    # --- fan-out and sending ---

    async def events_waiting(self) -> bool:
        """Whether any event waits to be fanned out (one read of a partial index)."""
        query = select(_ev.id).where(_ev.fanned_out_at.is_(None)).limit(1)
        return (await self.conn.execute(query)).first() is not None

    async def any_due(self, now: datetime) -> bool:
        """Whether a delivery is due now (a read before `claim`'s transaction)."""
        query = select(_d.id).where(_due(now)).limit(1)
        return (await self.conn.execute(query)).first() is not None

    async def fan_out(self, now: datetime, limit: int = 500) -> int:
        """Give the events not fanned out yet (oldest first) a delivery for each enabled
        endpoint that takes their type and existed when they happened; events nobody
        takes are deleted. Returns how many events were fanned out."""
        query = (
            select(_ev.id, _ev.type, _ev.occurred_at)
            .where(_ev.fanned_out_at.is_(None))
            .order_by(_ev.id)
            .limit(limit)
        )
        if self.conn.dialect.name == "postgresql":  # two senders take different events
            query = query.with_for_update(skip_locked=True)
        events = (await self.conn.execute(query)).all()
        if not events:
            return 0
        endpoints = await self.endpoints(enabled_only=True)
        rows = [
            {
                "endpoint_id": endpoint.id,
                "event_id": event.id,
                "status": PENDING,
                "attempts": 0,
                "next_attempt_at": now,
                "last_error": "",
                "created_at": now,
            }
            for event in events
            for endpoint in endpoints
            if endpoint.wants(event.type) and endpoint.created_at <= event.occurred_at
        ]
        taken = {row["event_id"] for row in rows}
        if rows:
            await self.conn.execute(
                insert_for(self.conn, webhook_deliveries).on_conflict_do_nothing(
                    index_elements=["endpoint_id", "event_id"]
                ),
                rows,
            )
            await self.conn.execute(
                update(webhook_events).where(_ev.id.in_(taken)).values(fanned_out_at=now)
            )
        unwanted = [event.id for event in events if event.id not in taken]
        if unwanted:
            await self.conn.execute(delete(webhook_events).where(_ev.id.in_(unwanted)))
        return len(events)

    async def claim(self, now: datetime, lease: timedelta, limit: int = 50) -> list[DueDelivery]:
        """Lease the due deliveries (`_due`), oldest first."""
        query = select(_d.id).where(_due(now)).order_by(_d.id).limit(limit)
        if self.conn.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        ids = list((await self.conn.execute(query)).scalars())
        if not ids:
            return []
        until = now + lease
        await self.conn.execute(
            update(webhook_deliveries)
            .where(_d.id.in_(ids))
            .values(status=SENDING, lease_until=until)
        )
        rows = await self.conn.execute(
            select(
                _d.id,
                _d.endpoint_id,
                _d.attempts,
                _e.url,
                _e.secret,
                _e.previous_secret,
                _e.previous_secret_until,
                _ev.msg_id,
                _ev.type,
                _ev.payload,
                _ev.occurred_at,
            )
            .join(webhook_endpoints, _e.id == _d.endpoint_id)
            .join(webhook_events, _ev.id == _d.event_id)
            .where(_d.id.in_(ids))
            .order_by(_d.id)
        )
        claimed = []
        for r in rows:
            secrets_now: tuple[str, ...] = (r.secret,)
            if r.previous_secret and r.previous_secret_until and now < r.previous_secret_until:
                secrets_now = (r.secret, r.previous_secret)
            claimed.append(
                DueDelivery(
                    id=r.id,
                    endpoint_id=r.endpoint_id,
                    url=r.url,
                    secrets=secrets_now,
                    msg_id=r.msg_id,
                    event_type=r.type,
                    occurred_at=r.occurred_at,
                    data=r.payload,
                    attempts=r.attempts,
                    lease_until=until,
                )
            )
        return claimed

    async def renew_lease(self, delivery_id: int, held: datetime, until: datetime) -> bool:
        """Extend our lease; False when it ran out and another sender has it now."""
        result = await self.conn.execute(
            update(webhook_deliveries)
            .where(_d.id == delivery_id, _d.status == SENDING, _d.lease_until == held)
            .values(lease_until=until)
        )
        return result.rowcount == 1

    async def settle(
        self,
        delivery_id: int,
        held: datetime,
        *,
        ok: bool,
        status_code: int | None,
        error: str,
        next_attempt_at: datetime | None,
        now: datetime,
    ) -> bool:
        """The delivery's new state after an attempt, if we still hold it: delivered,
        waiting for next_attempt_at, or failed for good (next_attempt_at None)."""
        values: dict[str, object] = {
            "attempts": _d.attempts + 1,
            "lease_until": None,
            "last_status_code": status_code,
            "last_error": error,
        }
        if ok:
            values.update(status=DELIVERED, delivered_at=now)
        elif next_attempt_at is not None:
            values.update(status=PENDING, next_attempt_at=next_attempt_at)
        else:
            values.update(status=FAILED)
        result = await self.conn.execute(
            update(webhook_deliveries)
            .where(_d.id == delivery_id, _d.status == SENDING, _d.lease_until == held)
            .values(**values)
        )
        return result.rowcount == 1

    async def delivery_exists(self, delivery_id: int) -> bool:
        query = select(_d.id).where(_d.id == delivery_id)
        return (await self.conn.execute(query)).first() is not None

    async def add_attempt(
        self,
        delivery_id: int,
        endpoint_id: int,
        attempt: int,
        at: datetime,
        *,
        ok: bool,
        status_code: int | None,
        response: str,
        duration_ms: int,
    ) -> None:
        await self.conn.execute(
            webhook_attempts.insert().values(
                delivery_id=delivery_id,
                endpoint_id=endpoint_id,
                attempt=attempt,
                at=at,
                ok=ok,
                status_code=status_code,
                response=response,
                duration_ms=duration_ms,
            )
        )

    async def note_success(self, endpoint_id: int, now: datetime) -> None:
        await self.conn.execute(
            update(webhook_endpoints)
            .where(_e.id == endpoint_id, _e.failure_streak != 0)
            .values(failure_streak=0, failing_since=None, updated_at=now)
        )

    async def note_failure(self, endpoint_id: int, now: datetime) -> WebhookEndpoint | None:
        """Count a failed attempt; the endpoint as it is now."""
        await self.conn.execute(
            update(webhook_endpoints)
            .where(_e.id == endpoint_id)
            .values(
                failure_streak=_e.failure_streak + 1,
                failing_since=func.coalesce(_e.failing_since, now),
                updated_at=now,
            )
        )
        return await self.endpoint(endpoint_id)

    async def disable(self, endpoint_id: int, reason: str, now: datetime) -> bool:
        """Disable it if it is enabled (True); two senders failing at once disable once."""
        result = await self.conn.execute(
            update(webhook_endpoints)
            .where(_e.id == endpoint_id, _e.enabled.is_(True))
            .values(enabled=False, disabled_at=now, disabled_reason=reason, updated_at=now)
        )
        return result.rowcount == 1

    # --- the delivery log ---

    async def attempts(
        self, endpoint_id: int, *, limit: int = 50, delivery_id: int | None = None
    ) -> list[DeliveryAttempt]:
        """The endpoint's latest attempts, newest first."""
        query = (
            select(webhook_attempts, _ev.type, _ev.msg_id)
            .join(webhook_deliveries, _d.id == _a.delivery_id)
            .join(webhook_events, _ev.id == _d.event_id)
            .where(_a.endpoint_id == endpoint_id)
            .order_by(_a.id.desc())
            .limit(limit)
        )
        if delivery_id is not None:
            query = query.where(_a.delivery_id == delivery_id)
        return [
            DeliveryAttempt(
                id=r.id,
                delivery_id=r.delivery_id,
                endpoint_id=r.endpoint_id,
                event_type=r.type,
                msg_id=r.msg_id,
                attempt=r.attempt,
                at=r.at,
                ok=bool(r.ok),
                status_code=r.status_code,
                response=r.response,
                duration_ms=r.duration_ms,
            )
            for r in await self.conn.execute(query)
        ]

    async def deliveries(
        self,
        endpoint_id: int,
        *,
        limit: int = 50,
        status: DeliveryStatus | None = None,
        before_id: int | None = None,
    ) -> list[WebhookDelivery]:
        """The endpoint's latest deliveries, newest first (before_id: a keyset page,
        those older than that delivery)."""
        query = (
            select(webhook_deliveries, _ev.type, _ev.msg_id)
            .join(webhook_events, _ev.id == _d.event_id)
            .where(_d.endpoint_id == endpoint_id)
            .order_by(_d.id.desc())
            .limit(limit)
        )
        if status is not None:
            query = query.where(_d.status == str(status))
        if before_id is not None:
            query = query.where(_d.id < before_id)
        return [
            WebhookDelivery(
                id=r.id,
                endpoint_id=r.endpoint_id,
                event_id=r.event_id,
                event_type=r.type,
                msg_id=r.msg_id,
                status=DeliveryStatus(r.status),
                attempts=r.attempts,
                next_attempt_at=r.next_attempt_at,
                created_at=r.created_at,
                delivered_at=r.delivered_at,
                last_status_code=r.last_status_code,
                last_error=r.last_error,
            )
            for r in await self.conn.execute(query)
        ]

    async def redeliver(self, endpoint_id: int, delivery_id: int, now: datetime) -> bool:
        """Send a finished delivery again (same webhook-id), with its attempts anew."""
        result = await self.conn.execute(
            update(webhook_deliveries)
            .where(
                _d.id == delivery_id,
                _d.endpoint_id == endpoint_id,
                _d.status.in_([DELIVERED, FAILED]),
            )
            .values(status=PENDING, attempts=0, next_attempt_at=now, lease_until=None)
        )
        return result.rowcount == 1

    # --- housekeeping ---

    async def forget_before(self, before: datetime) -> int:
        """Finished deliveries created before then, their attempts, and the events no
        delivery needs any more. Returns how many deliveries went."""
        old = select(_d.id).where(_d.status.in_([DELIVERED, FAILED]), _d.created_at < before)
        await self.conn.execute(delete(webhook_attempts).where(_a.delivery_id.in_(old)))
        gone = await self.conn.execute(delete(webhook_deliveries).where(_d.id.in_(old)))
        still_needed = select(_d.event_id).where(_d.event_id == _ev.id).exists()
        await self.conn.execute(
            delete(webhook_events).where(
                _ev.fanned_out_at.is_not(None), _ev.fanned_out_at < before, ~still_needed
            )
        )
        return gone.rowcount or 0
