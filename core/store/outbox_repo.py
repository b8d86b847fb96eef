"""The outbox: messages to people, sent later by a dispatcher.

Each row is addressed to one person on one channel. A sender claims due rows with a
lease (status "sending" until lease_until); a sender that dies mid-send leaves the lease
to expire and the row is claimed again, so nothing is lost.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from core.domain.outbox import OutboxStatus, PendingMessage, stored_event
from core.store.dialect import insert_for, prebuilt
from core.store.tables import outbox

SENDING = "sending"


def _build_insert(conn: AsyncConnection):
    return insert_for(conn, outbox).on_conflict_do_nothing(index_elements=["dedupe_key"])


class SqlOutboxRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def add_rows(self, rows: list[dict], at: datetime) -> None:
        """Insert addressed rows; a row whose dedupe key exists is silently skipped."""
        if not rows:
            return
        base = {
            "status": str(OutboxStatus.PENDING),
            "attempts": 0,
            "next_attempt_at": at,
            "created_at": at,
            "last_error": "",
            "delivery_status": "",
            "pieces_sent": 0,
        }
        await self.conn.execute(
            prebuilt(self.conn, "outbox_insert", _build_insert), [{**base, **r} for r in rows]
        )

    async def list(
        self, *, customer_id: int | None = None, recipient: str | None = None
    ) -> list[PendingMessage]:
        query = select(outbox).order_by(outbox.c.id)
        if customer_id is not None:
            query = query.where(outbox.c.customer_id == customer_id)
        if recipient is not None:
            query = query.where(outbox.c.recipient == recipient)
        return [_message(r) for r in await self.conn.execute(query)]

    async def claim(
        self,
        now: datetime,
        lease: timedelta,
        *,
        channels: list[str],
        address: str | None = None,
        limit: int = 50,
    ) -> list[PendingMessage]:
        """Take due rows for these channels (oldest first) and lease them."""
        earlier = outbox.alias("earlier")
        waiting_before = (
            select(earlier.c.id)
            .where(
                earlier.c.channel == outbox.c.channel,
                earlier.c.address == outbox.c.address,
                earlier.c.id < outbox.c.id,
                or_(
                    and_(
                        earlier.c.status == str(OutboxStatus.PENDING),
                        earlier.c.next_attempt_at > now,
                    ),
                    and_(earlier.c.status == SENDING, earlier.c.lease_until >= now),
                ),
            )
            .exists()
        )
        due = and_(
            outbox.c.channel.in_(channels),
            or_(
                and_(outbox.c.status == str(OutboxStatus.PENDING), outbox.c.next_attempt_at <= now),
                and_(outbox.c.status == SENDING, outbox.c.lease_until < now),
            ),
            ~waiting_before,  # a person's messages go in order: none overtakes one waiting
        )
        if address is not None:
            due = and_(due, outbox.c.address == address)
        query = select(outbox.c.id).where(due).order_by(outbox.c.id).limit(limit)
        if self.conn.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        ids = list((await self.conn.execute(query)).scalars())
        if ids and self.conn.dialect.name == "postgresql":
            ids = await self._without_overtaking(ids)
        if not ids:
            return []
        await self.conn.execute(
            update(outbox)
            .where(outbox.c.id.in_(ids))
            .values(status=SENDING, lease_until=now + lease)
        )
        rows = await self.conn.execute(
            select(outbox).where(outbox.c.id.in_(ids)).order_by(outbox.c.id)
        )
        return [_message(r) for r in rows]

    async def _without_overtaking(self, ids: list[int]) -> list[int]:
        """Drop the rows whose person has an earlier row still to send that we did not
        take: SKIP LOCKED passed over it because another worker is claiming it (still
        pending to us until that worker commits), and sending ours would overtake it.
        Dropped rows are not marked, so they stay due for whoever comes next."""
        earlier = outbox.alias("earlier")
        overtaking = select(outbox.c.id).where(
            outbox.c.id.in_(ids),
            select(earlier.c.id)
            .where(
                earlier.c.channel == outbox.c.channel,
                earlier.c.address == outbox.c.address,
                earlier.c.id < outbox.c.id,
                earlier.c.id.not_in(ids),
                earlier.c.status.in_([str(OutboxStatus.PENDING), SENDING]),
            )
            .exists(),
        )
        dropped = set((await self.conn.execute(overtaking)).scalars())
        return [id_ for id_ in ids if id_ not in dropped]

    async def renew_lease(self, message: PendingMessage, until: datetime) -> bool:
        """Extend our lease on a claimed row; False when it is no longer ours (it ran
        out and another sender claimed the row: its lease_until changed)."""
        result = await self.conn.execute(
            update(outbox)
            .where(
                outbox.c.id == message.id,
                outbox.c.status == SENDING,
                outbox.c.lease_until == message.lease_until,
            )
            .values(lease_until=until)
        )
        return result.rowcount == 1

    async def mark_sent(self, message_id: int, at: datetime) -> None:
        await self.conn.execute(
            update(outbox)
            .where(outbox.c.id == message_id)
            .values(status=str(OutboxStatus.SENT), sent_at=at, lease_until=None)
        )

    async def record_pieces(self, message_id: int, count: int) -> None:
        """The channel accepted `count` of the row's pieces in all (never counts down)."""
        await self.conn.execute(
            update(outbox)
            .where(outbox.c.id == message_id, outbox.c.pieces_sent < count)
            .values(pieces_sent=count)
        )

    async def retry_later(self, message_id: int, at: datetime, error: str) -> None:
        await self.conn.execute(
            update(outbox)
            .where(outbox.c.id == message_id)
            .values(
                status=str(OutboxStatus.PENDING),
                attempts=outbox.c.attempts + 1,
                next_attempt_at=at,
                lease_until=None,
                last_error=error[:500],
            )
        )

    async def record_delivery(self, message_id: int, status: str, error: str = "") -> None:
        """What the channel later said happened (sent, delivered, read, failed)."""
        values: dict[str, object] = {"delivery_status": status[:12]}
        if error:
            values["last_error"] = error[:500]
        await self.conn.execute(update(outbox).where(outbox.c.id == message_id).values(**values))

    async def release(self, message: PendingMessage, at: datetime) -> None:
        """Give a claimed row back untouched (it waits behind an earlier one), unless
        its lease ran out and another sender has it now."""
        await self.conn.execute(
            update(outbox)
            .where(outbox.c.id == message.id, outbox.c.lease_until == message.lease_until)
            .values(status=str(OutboxStatus.PENDING), next_attempt_at=at, lease_until=None)
        )

    async def mark_failed(self, message_id: int, error: str) -> None:
        await self.conn.execute(
            update(outbox)
            .where(outbox.c.id == message_id)
            .values(
                status=str(OutboxStatus.FAILED),
                attempts=outbox.c.attempts + 1,
                lease_until=None,
                last_error=error[:500],
            )
        )


def _message(row) -> PendingMessage:
    event, unreadable = stored_event(row.recipient, row.kind, row.payload)
    return PendingMessage(
        id=row.id,
        kind=row.kind,
        payload=row.payload,
        customer_id=row.customer_id,
        recipient=row.recipient,
        attempts=row.attempts,
        channel=row.channel,
        address=row.address,
        dedupe_key=row.dedupe_key,
        status=row.status,
        delivery_status=row.delivery_status,
        last_error=row.last_error,
        lease_until=row.lease_until,
        pieces_sent=row.pieces_sent,
        event=event,
        unreadable=unreadable,
    )
