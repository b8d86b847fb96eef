"""Races between workers, where PostgreSQL really interleaves them.

Each test runs several workers as `pedidos serve` runs them: a Shop with its own
Database (engine, connection pools) per worker, all on one database URL, their calls
started together with asyncio.gather. Where the race needs both sides to have read
before either writes, a barrier holds each side after its read until the other has read
too, so the worst interleaving happens every time rather than now and then.

SQLite proves none of this. It serialises writers (each write transaction starts with
BEGIN IMMEDIATE and holds the file's one write lock until it commits), so a second
transaction reads only after the first committed: the interleavings below cannot happen
there, and a barrier between two writers would wait for ever. On SQLite these tests are
skipped with that reason; `make test` runs them on its throwaway PostgreSQL cluster (and
fails when it cannot start one).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager

import pytest
from sqlalchemy import func, select

from bot.dispatcher import OutboxDispatcher, Pieces
from core.domain.errors import InvalidQuantity, InvalidTransition
from core.domain.events import OrderPreparing
from core.domain.orders import Order
from core.domain.outbox import OutboxMessage
from core.services import cart, checkout, customers, inventory, orders, outbox
from core.services.catalog import get_product
from core.services.context import Shop
from core.store.catalog_repo import SqlCatalogRepository
from core.store.database import Database
from core.store.tables import outbox as outbox_table
from core.store.tables import stock_moves
from handlers.types import Reply
from tests.conftest import MERCHANT, Clock, add_product, buy, details, new_buyer, test_settings

SQLITE_PROVES_NOTHING = (
    "SQLite serialises writers (BEGIN IMMEDIATE, one write lock per file): these "
    "interleavings cannot happen there, so only PostgreSQL can prove this claim"
)


@pytest.fixture(autouse=True)
def _postgres_only(backend: str) -> None:
    if backend == "sqlite":
        pytest.skip(SQLITE_PROVES_NOTHING)


@asynccontextmanager
async def workers(database_url: str, clock: Clock, count: int) -> AsyncIterator[list[Shop]]:
    """count workers on one database, each with its own engine and pools."""
    shops = [
        Shop(Database(database_url), test_settings(database_url), clock=clock) for _ in range(count)
    ]
    try:
        yield shops
    finally:
        for shop in shops:
            await shop.db.dispose()


@contextmanager
def both_read_first(parties: int = 2) -> Iterator[None]:
    """Inside: each order service's first read of the order waits until every party has
    read it, so all of them decide on the same version and then race to write. A retry
    (after a conflict) reads again without waiting."""
    real = orders.load_order
    barrier = asyncio.Barrier(parties)
    waited: set[asyncio.Task] = set()

    async def load_then_wait(uow, code, actor, admin_action=None):
        order = await real(uow, code, actor, admin_action)
        task = asyncio.current_task()
        if task not in waited:
            waited.add(task)
            await asyncio.wait_for(barrier.wait(), 10)  # a hang guard, not a timing claim
        return order

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(orders, "load_order", load_then_wait)
        yield


# -- the outbox: several dispatchers, each message once -----------------------------------


class Recorder:
    """A channel's API: what it accepted, from which dispatcher."""

    channel = "terminal"

    def __init__(self, name: str, delivered: list[tuple[str, str, str]]) -> None:
        self.name, self.delivered = name, delivered

    async def deliver(self, address: str, replies: list[Reply], pieces: Pieces) -> None:
        # The whole row at once: these tests are about rows, not pieces.
        await asyncio.sleep(0)  # a network call: the other dispatchers run meanwhile
        self.delivered += [(self.name, address, reply.text) for reply in replies]


async def queue_one_message_each(shop: Shop, people: int) -> list[tuple[str, str]]:
    expected = []
    async with shop.uow() as uow:
        for n in range(people):
            person = await customers.identify(shop, "terminal", f"p{n}", locale="en")
            uow.notify(OutboxMessage.to_customer(person.id, OrderPreparing(f"PED-{n}"), f"k{n}"))
            expected.append((f"p{n}", f"📦 We are preparing your order PED-{n}."))
        await uow.commit(shop.now())
    return expected


async def test_several_dispatchers_claiming_the_same_rows_send_each_message_once(
    shop, database_url, clock
):
    """Breaks without FOR UPDATE SKIP LOCKED in the claim: two dispatchers select the
    same due rows before either marks them, and both send them."""
    expected = await queue_one_message_each(shop, 120)
    delivered: list[tuple[str, str, str]] = []
    async with workers(database_url, clock, 4) as shops:
        dispatchers = [
            OutboxDispatcher(worker, [Recorder(f"d{n}", delivered)])
            for n, worker in enumerate(shops)
        ]
        rounds = 0
        while any(await asyncio.gather(*(d.run_once(limit=10) for d in dispatchers))):
            rounds += 1
            assert rounds < 50
    sends = Counter((address, text) for _, address, text in delivered)
    assert [m for m, n in sends.items() if n > 1] == []  # nobody got a message twice
    assert sorted(sends) == sorted(expected)
    assert {m.status for m in await outbox.messages(shop)} == {"sent"}
    assert len({name for name, _, _ in delivered}) > 1  # the work really was shared


@asynccontextmanager
async def another_claim_holding(
    database_url: str, clock: Clock, rows: int
) -> AsyncIterator[tuple[Shop, Callable[[], Awaitable[None]]]]:
    """A free worker, while another worker's claim holds the first `rows` outbox rows
    locked (selected FOR UPDATE, not yet marked); release() ends that claim."""
    async with (
        workers(database_url, clock, 2) as (busy, free),
        busy.db.engine.connect() as other_claim,
    ):
        await other_claim.execute(
            select(outbox_table.c.id).order_by(outbox_table.c.id).limit(rows).with_for_update()
        )
        yield free, other_claim.rollback


async def test_a_dispatcher_is_not_held_up_by_rows_another_one_is_claiming(
    shop, database_url, clock
):
    """SKIP LOCKED, not just FOR UPDATE: while another worker's claim holds the first
    rows, this dispatcher takes the others at once instead of queueing behind it."""
    expected = await queue_one_message_each(shop, 20)
    delivered: list[tuple[str, str, str]] = []
    async with another_claim_holding(database_url, clock, 5) as (free, release):
        dispatcher = OutboxDispatcher(free, [Recorder("free", delivered)])
        # A hang guard: FOR UPDATE without SKIP LOCKED waits for the other claim.
        assert await asyncio.wait_for(dispatcher.run_once(), 10) == 15
        await release()
    assert sorted((a, t) for _, a, t in delivered) == sorted(expected[5:])


async def test_a_persons_later_message_waits_while_another_worker_claims_the_earlier(
    shop, database_url, clock
):
    """One person's messages go in order across workers: while another worker's claim
    holds a person's first message (locked, not yet marked as being sent), this
    dispatcher must not take their second one and send it first."""
    person = await customers.identify(shop, "terminal", "p1", locale="en")
    async with shop.uow() as uow:
        for n in (1, 2):
            uow.notify(OutboxMessage.to_customer(person.id, OrderPreparing(f"PED-{n}"), f"k{n}"))
        await uow.commit(shop.now())
    delivered: list[tuple[str, str, str]] = []
    async with another_claim_holding(database_url, clock, 1) as (free, release):
        dispatcher = OutboxDispatcher(free, [Recorder("free", delivered)])
        assert await asyncio.wait_for(dispatcher.run_once(), 10) == 0
        assert delivered == []  # the second message did not overtake the first
        await release()
        while await dispatcher.run_once():
            pass
    assert [text for _, _, text in delivered] == [
        "📦 We are preparing your order PED-1.",
        "📦 We are preparing your order PED-2.",
    ]


# -- one order, two decisions at the same moment ------------------------------------------

DECISIONS = {
    "confirm": lambda shop, code: orders.confirm_order(shop, MERCHANT, code),
    "reject": lambda shop, code: orders.reject_order(shop, MERCHANT, code, "sin existencias"),
}
DECIDED = {"confirm": ("confirmed", "order_confirmed"), "reject": ("rejected", "order_rejected")}


async def decide(shop: Shop, action: str, code: str) -> Order | InvalidTransition:
    try:
        return await DECISIONS[action](shop, code)
    except InvalidTransition as told:
        return told


@pytest.mark.parametrize("pair", [("confirm", "reject"), ("confirm", "confirm")])
async def test_two_decisions_on_one_order_at_once_one_wins_and_the_other_is_told(
    shop, database_url, clock, pair
):
    """Breaks without the version check in the order's save (both writes land: two
    timeline events, two messages) and without the re-read after a conflict (the loser
    gets a raw conflict instead of the order's new status)."""
    product_id = await add_product(shop, "VELA", stock=50)
    kept = 0
    async with workers(database_url, clock, 2) as shops:
        for round_ in range(3):
            order = await buy(shop, await new_buyer(shop, f"b{round_}"), {product_id: 2})
            with both_read_first():
                outcomes = await asyncio.gather(
                    *(decide(w, action, order.code) for w, action in zip(shops, pair, strict=True))
                )
            won = [a for a, o in zip(pair, outcomes, strict=True) if isinstance(o, Order)]
            told = [o for o in outcomes if isinstance(o, InvalidTransition)]
            assert len(won) == 1 and len(told) == 1, outcomes
            event, message = DECIDED[won[0]]
            status = "confirmed" if won[0] == "confirm" else "cancelled"
            assert told[0].data["from_status"] == status  # the loser read the new state

            details_ = await orders.order_details(shop, order.code, MERCHANT)
            decisions = [e.kind for e in details_.timeline if e.kind in ("confirmed", "rejected")]
            assert (details_.order.status, decisions) == (status, [event])
            sent = [
                m.kind
                for m in await outbox.messages(shop)
                if m.kind in ("order_confirmed", "order_rejected") and order.code in str(m.payload)
            ]
            assert sent == [message]  # the customer is told once, of what happened
            kept += 2 if won[0] == "confirm" else 0  # a rejection released its units
            assert (await get_product(shop, product_id=product_id)).reserved == kept


# -- the merchant's stock count against checkouts -----------------------------------------


@pytest.mark.parametrize(("write_off", "refused"), [(4, True), (1, False)])
async def test_stock_written_off_during_checkouts_never_goes_below_what_is_reserved(
    shop, database_url, clock, monkeypatch, write_off, refused
):
    """`/stock SKU -N` (inventory.adjust_stock) reads the product, then writes. Here it
    has read 10 on hand and nothing reserved when three checkouts (another two workers)
    reserve 9, and it writes after them: one guarded UPDATE refuses taking 4 (6 on hand
    would be fewer than the 9 reserved) and allows taking 1. Breaks when the adjustment
    is checked against what it read and then written unconditionally."""
    merchant_read, checked_out = asyncio.Event(), asyncio.Event()
    merchant_tasks: set[asyncio.Task] = set()
    real = SqlCatalogRepository.get_by_sku

    async def read_then_wait(repository, sku):
        product = await real(repository, sku)
        if asyncio.current_task() in merchant_tasks:
            merchant_read.set()
            await asyncio.wait_for(checked_out.wait(), 10)  # a hang guard
        return product

    monkeypatch.setattr(SqlCatalogRepository, "get_by_sku", read_then_wait)
    product_id = await add_product(shop, "VELA", stock=10)
    buyers = []
    for n in range(3):
        buyer = await new_buyer(shop, f"b{n}")
        await cart.add_to_cart(shop, buyer.customer_id, product_id, 3)
        buyers.append(buyer.customer_id)

    async with workers(database_url, clock, 3) as (merchant_side, *customer_side):

        async def write_off_units():
            merchant_tasks.add(asyncio.current_task())
            try:
                return await inventory.adjust_stock(merchant_side, MERCHANT, "VELA", -write_off)
            except InvalidQuantity as told:
                return told

        async def check_out():
            await asyncio.wait_for(merchant_read.wait(), 10)
            placed = await asyncio.gather(
                *(
                    checkout.place_order(customer_side[n % 2], buyer, details())
                    for n, buyer in enumerate(buyers)
                )
            )
            checked_out.set()
            return placed

        adjusted, placed = await asyncio.gather(write_off_units(), check_out())

    assert len(placed) == 3  # the checkouts went first: all three hold their units
    assert isinstance(adjusted, InvalidQuantity) is refused
    product = await get_product(shop, product_id=product_id)
    on_hand = 10 if refused else 10 - write_off
    assert (product.on_hand, product.reserved) == (on_hand, 9)
    async with shop.uow(write=False) as uow:
        ledger = (
            await uow.conn.execute(
                select(
                    func.sum(stock_moves.c.on_hand_delta), func.sum(stock_moves.c.reserved_delta)
                ).where(stock_moves.c.product_id == product_id)
            )
        ).one()
    assert tuple(ledger) == (on_hand, 9)
