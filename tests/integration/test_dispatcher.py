"""The outbox dispatcher: sent once, retried on temporary failures, given up on
permanent ones, and a crashed sender's lease runs out so nothing is lost."""

from __future__ import annotations

from datetime import timedelta

from bot.dispatcher import (
    MAX_ATTEMPTS,
    OutboxDispatcher,
    PermanentFailure,
    Pieces,
    TemporaryFailure,
)
from core.domain.events import OrderPreparing
from core.domain.outbox import OutboxMessage
from core.services import customers, outbox
from core.store.tables import outbox as outbox_table
from handlers.types import Reply


class RecordingChannel:
    """Stands in for a channel's API (Telegram, WhatsApp): records what it accepted and
    can refuse the way those APIs do."""

    channel = "terminal"

    def __init__(self) -> None:
        self.delivered: list[tuple[str, str]] = []
        self.failures: list[Exception] = []

    async def deliver(self, address: str, replies: list[Reply], pieces: Pieces) -> None:
        # The whole row at once: these tests are about rows, not pieces.
        if self.failures:
            raise self.failures.pop(0)
        self.delivered += [(address, reply.text) for reply in replies]


async def queue_notifications(shop, count: int = 3) -> int:
    customer = await customers.identify(shop, "terminal", "ana", locale="en")
    async with shop.uow() as uow:
        for n in range(count):
            uow.notify(
                OutboxMessage.to_customer(customer.id, OrderPreparing(f"PED-AAAA{n}"), f"k{n}")
            )
        await uow.commit(shop.now())
    return customer.id


async def statuses(shop) -> list[str]:
    return [m.status for m in await outbox.messages(shop)]


async def test_each_message_is_sent_once_and_marked_sent(shop):
    await queue_notifications(shop)
    channel = RecordingChannel()
    dispatcher = OutboxDispatcher(shop, [channel])
    assert await dispatcher.run_once() == 3
    assert await dispatcher.run_once() == 0
    assert [text for _, text in channel.delivered] == [
        f"📦 We are preparing your order PED-AAAA{n}." for n in range(3)
    ]
    assert await statuses(shop) == ["sent"] * 3


async def test_a_temporary_failure_waits_retry_after_and_then_delivers(shop, clock):
    await queue_notifications(shop, 1)
    channel = RecordingChannel()
    channel.failures = [TemporaryFailure("429 Too Many Requests", retry_after=30)]
    dispatcher = OutboxDispatcher(shop, [channel])
    await dispatcher.run_once()
    assert channel.delivered == [] and await statuses(shop) == ["pending"]
    clock.advance(seconds=29)
    assert await dispatcher.run_once() == 0
    clock.advance(seconds=2)
    assert await dispatcher.run_once() == 1
    assert len(channel.delivered) == 1 and await statuses(shop) == ["sent"]


async def test_a_permanent_failure_is_recorded_and_never_retried(shop, clock):
    await queue_notifications(shop, 1)
    channel = RecordingChannel()
    channel.failures = [PermanentFailure("403 Forbidden: bot was blocked by the user")]
    dispatcher = OutboxDispatcher(shop, [channel])
    await dispatcher.run_once()
    clock.advance(days=1)
    assert await dispatcher.run_once() == 0
    async with shop.uow(write=False) as uow:
        row = (await uow.conn.execute(outbox_table.select())).one()
    assert (row.status, row.last_error) == ("failed", "403 Forbidden: bot was blocked by the user")


async def test_repeated_temporary_failures_back_off_and_finally_give_up(shop, clock):
    await queue_notifications(shop, 1)
    channel = RecordingChannel()
    channel.failures = [TemporaryFailure("502 Bad Gateway") for _ in range(MAX_ATTEMPTS)]
    dispatcher = OutboxDispatcher(shop, [channel])
    waits = []
    for _ in range(MAX_ATTEMPTS):
        before = clock.now
        await dispatcher.run_once()
        row = (await outbox.messages(shop))[0]
        if row.status == "failed":
            break
        while await dispatcher.run_once() == 0:
            clock.advance(seconds=1)
        waits.append((clock.now - before).total_seconds())
    assert await statuses(shop) == ["failed"]
    assert channel.delivered == []
    assert waits == sorted(waits) and waits[-1] >= 8 * waits[0]  # exponential backoff


async def test_a_row_leased_by_a_dead_sender_is_sent_after_the_lease_runs_out(shop, clock):
    await queue_notifications(shop, 1)
    claimed = await outbox.claim_due(shop, ["terminal"], lease=timedelta(seconds=60))
    assert len(claimed) == 1  # ...and this sender dies before sending
    channel = RecordingChannel()
    dispatcher = OutboxDispatcher(shop, [channel])
    assert await dispatcher.run_once() == 0  # still leased
    clock.advance(seconds=61)
    assert await dispatcher.run_once() == 1
    assert len(channel.delivered) == 1 and await statuses(shop) == ["sent"]


async def test_a_terminal_chat_only_takes_its_own_persons_messages(shop):
    await queue_notifications(shop, 2)
    other = await customers.identify(shop, "terminal", "luis", locale="en")
    async with shop.uow() as uow:
        uow.notify(OutboxMessage.to_customer(other.id, OrderPreparing("PED-LUIS1"), "luis-1"))
        await uow.commit(shop.now())
    channel = RecordingChannel()
    assert await OutboxDispatcher(shop, [channel], address="luis").run_once() == 1
    assert channel.delivered == [("luis", "📦 We are preparing your order PED-LUIS1.")]


async def test_a_persons_messages_keep_their_order_when_one_must_wait(shop, clock):
    await queue_notifications(shop, 3)
    channel = RecordingChannel()
    channel.failures = [TemporaryFailure("429 Too Many Requests", retry_after=5)]
    dispatcher = OutboxDispatcher(shop, [channel])
    await dispatcher.run_once()
    assert channel.delivered == []  # the 2nd and 3rd wait behind the 1st
    assert await dispatcher.run_once() == 0
    clock.advance(seconds=6)
    while await dispatcher.run_once():
        pass
    assert [text for _, text in channel.delivered] == [
        f"📦 We are preparing your order PED-AAAA{n}." for n in range(3)
    ]


async def test_a_row_whose_lease_ran_out_mid_batch_is_not_sent_by_both_senders(shop, clock):
    """A slow batch (one chat's messages go a second apart) outlives its lease; another
    worker's dispatcher claims the rest. Each message still goes out once, in order."""
    await queue_notifications(shop, count=3)
    first, second = RecordingChannel(), RecordingChannel()
    lease = timedelta(seconds=2)
    slow = OutboxDispatcher(shop, [first], lease=lease)
    claimed = await outbox.claim_due(shop, ["terminal"], lease=lease)
    assert await slow.send(claimed[0])  # the first goes out, then the batch stalls...
    clock.advance(seconds=3)  # ...past the lease of the other two
    other = OutboxDispatcher(shop, [second], lease=lease)
    assert await other.run_once() == 2
    for message in claimed[1:]:  # the slow one carries on with its stale batch
        assert not await slow.send(message)
    texts = [text for _, text in first.delivered + second.delivered]
    assert texts == [f"📦 We are preparing your order PED-AAAA{n}." for n in range(3)]
    assert await statuses(shop) == ["sent"] * 3
