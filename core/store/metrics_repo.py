"""Raw counts for the operators' metrics (/metrics) and the schema's revision (/readyz);
core/services/metrics.py gives them their meaning.

Read at scrape time, so every worker reports the same figures and a restart loses none.
The queue of messages waiting is read through the outbox's status index; the totals by
result and by transition are one grouped pass over their table each.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from core.domain.outbox import OutboxStatus
from core.store.outbox_repo import SENDING
from core.store.tables import order_events, outbox

NOT_SENT = [str(OutboxStatus.PENDING), SENDING]


@dataclass(frozen=True)
class QueueFact:
    """Messages not sent yet to one kind of recipient on one channel."""

    channel: str
    recipient: str  # "customer" or "admin"
    waiting: int
    oldest: datetime | None  # when the longest-waiting one was written


@dataclass(frozen=True)
class OutboxCount:
    channel: str
    status: str  # pending, sending, sent, failed
    tried: bool  # at least one attempt failed before
    receipt: str  # the channel's delivery receipt ("" when none came)
    rows: int


@dataclass(frozen=True)
class TransitionCount:
    from_status: str | None  # None: the order was placed (from the cart)
    to_status: str
    events: int


_QUEUES = (
    select(
        outbox.c.channel,
        outbox.c.recipient,
        func.count().label("waiting"),
        func.min(outbox.c.created_at).label("oldest"),
    )
    .where(outbox.c.status.in_(NOT_SENT))
    .group_by(outbox.c.channel, outbox.c.recipient)
)
_TRIED = case((outbox.c.attempts > 0, 1), else_=0)
# Status first: SQLite then reads the rows in the status index's order rather than
# through the channel index row by row (about a third less time on 100,000 rows).
_OUTBOX_COUNTS = select(
    outbox.c.channel,
    outbox.c.status,
    _TRIED.label("tried"),
    outbox.c.delivery_status,
    func.count().label("rows"),
).group_by(outbox.c.status, outbox.c.delivery_status, _TRIED, outbox.c.channel)
_TRANSITIONS = (
    select(order_events.c.from_status, order_events.c.to_status, func.count().label("events"))
    .where(order_events.c.to_status.is_not(None))
    .group_by(order_events.c.from_status, order_events.c.to_status)
)
_REVISIONS = text("SELECT version_num FROM alembic_version")


class SqlMetricsRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def outbox_queues(self) -> list[QueueFact]:
        rows = await self.conn.execute(_QUEUES)
        return [QueueFact(r.channel, r.recipient, r.waiting, r.oldest) for r in rows]

    async def outbox_counts(self) -> list[OutboxCount]:
        rows = await self.conn.execute(_OUTBOX_COUNTS)
        return [
            OutboxCount(r.channel, r.status, bool(r.tried), r.delivery_status, r.rows) for r in rows
        ]

    async def transitions(self) -> list[TransitionCount]:
        rows = await self.conn.execute(_TRANSITIONS)
        return [TransitionCount(r.from_status, r.to_status, r.events) for r in rows]

    async def schema_revisions(self) -> list[str]:
        """The revisions Alembic recorded (empty when it never ran: no table)."""
        try:
            rows = await self.conn.execute(_REVISIONS)
        except DBAPIError as error:
            if _missing_table(error):
                return []
            raise
        return [row[0] for row in rows]


def _missing_table(error: DBAPIError) -> bool:
    """SQLite's "no such table", PostgreSQL's "relation ... does not exist"."""
    message = str(error.orig)
    return "no such table" in message or "does not exist" in message
