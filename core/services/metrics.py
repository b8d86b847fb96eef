"""The figures operators watch, read from the database when they are asked for (the web
app's /metrics, bot/metrics.py): every worker gives the same answer, and a restart
loses nothing. docs/operations.md says what each one means.

- the outbox's queue: messages not sent yet, per channel and kind of recipient, and how
  long the oldest has waited;
- deliveries by result: messages sent, failed for good, and waiting for another try
  after a failed one; and the delivery receipts a channel sent back (WhatsApp's sent,
  delivered, read, failed);
- orders by status transition: how many times orders moved from one status to another
  (from "cart" when placed), from the orders' timelines.

The grouped passes over the outbox and the timelines run off the event loop's thread
(Database.off_loop), as reports do: a scrape never holds up a customer on SQLite.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.domain.outbox import OutboxStatus
from core.services.context import Shop
from core.store.metrics_repo import NOT_SENT

PLACED = "cart"  # the from_status of an order's first status: it was a cart before


@dataclass(frozen=True)
class OutboxQueue:
    channel: str
    recipient: str  # "customer" or "admin"
    waiting: int
    oldest_age_seconds: float


@dataclass(frozen=True)
class OperationsFigures:
    queues: list[OutboxQueue] = field(default_factory=list)
    # (channel, result) -> messages; result: sent, failed, retrying
    deliveries: dict[tuple[str, str], int] = field(default_factory=dict)
    # (channel, receipt) -> messages whose latest receipt from the channel is that one
    receipts: dict[tuple[str, str], int] = field(default_factory=dict)
    # (from status, to status) -> times an order made that move
    transitions: dict[tuple[str, str], int] = field(default_factory=dict)


async def read_figures(shop: Shop) -> OperationsFigures:
    """The figures as the database has them now (StoreUnavailable when it is away)."""
    now = shop.now()
    with shop.db.off_loop():
        async with shop.uow(write=False) as uow:
            queues = await uow.metrics.outbox_queues()
            counts = await uow.metrics.outbox_counts()
            moves = await uow.metrics.transitions()
    figures = OperationsFigures(
        queues=[
            OutboxQueue(
                q.channel,
                q.recipient,
                q.waiting,
                max(0.0, (now - q.oldest).total_seconds()) if q.oldest else 0.0,
            )
            for q in queues
        ]
    )
    for count in counts:
        result = _result(count.status, count.tried)
        if result:
            key = (count.channel, result)
            figures.deliveries[key] = figures.deliveries.get(key, 0) + count.rows
        if count.receipt:
            key = (count.channel, count.receipt)
            figures.receipts[key] = figures.receipts.get(key, 0) + count.rows
    for move in moves:
        key = (move.from_status or PLACED, move.to_status)
        figures.transitions[key] = figures.transitions.get(key, 0) + move.events
    return figures


def _result(status: str, tried: bool) -> str:
    """A row's delivery result so far: "" for one not tried yet (it is in the queue)."""
    if status == OutboxStatus.SENT:
        return "sent"
    if status == OutboxStatus.FAILED:
        return "failed"
    if status in NOT_SENT and tried:
        return "retrying"
    return ""
