"""Purchase orders on a real database (SQLite, and PostgreSQL when make test starts
one): drafted by hand, edited while a draft, sent, received into stock in parts, closed
or cancelled, each step on the timeline; the low-stock alert clears when goods arrive
and comes back on the next fall; a non-admin changes nothing; bad input is refused
with coded errors."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.domain.actors import customer, merchant
from core.domain.errors import InvalidQuantity, InvalidTransition, NotAllowed, ProductNotFound
from core.domain.money import Money
from core.domain.purchase_orders import (
    EmptyPurchaseOrder,
    NothingToReorder,
    NotOnPurchaseOrder,
    PurchaseOrderNotFound,
    ReasonRequired,
    ReceiptTooLarge,
)
from core.domain.suppliers import SupplierNotFound
from core.services import inventory
from core.services import purchase_orders as po
from core.services.catalog import get_product
from core.services.purchase_orders import LineRequest
from core.store.tables import (
    outbox,
    product_supply,
    purchase_order_events,
    purchase_order_lines,
    purchase_orders,
    stock_moves,
    suppliers,
)
from tests.conftest import MERCHANT, add_product, buy, new_buyer


async def add_supplier(
    shop, name: str = "Talavera Uriarte", *, lead_time_days: int = 5, active: bool = True
) -> int:
    async with shop.uow() as uow:
        result = await uow.conn.execute(
            suppliers.insert().values(
                name=name,
                contact="Lucía Pérez",
                phone="+52 222 123 4567",
                email="ventas@uriarte.example",
                lead_time_days=lead_time_days,
                currency="MXN",
                notes="",
                active=active,
                created_at=shop.now(),
                updated_at=shop.now(),
            )
        )
        await uow.commit(shop.now())
    return int(result.inserted_primary_key[0])


async def supply(
    shop,
    product_id: int,
    supplier_id: int,
    sku: str,
    cost: int | None,
    *,
    reorder_point: int | None = None,
    pack_size: int = 1,
) -> None:
    async with shop.uow() as uow:
        await uow.conn.execute(  # in place of what the shop had (the demo's terms)
            product_supply.delete().where(product_supply.c.product_id == product_id)
        )
        await uow.conn.execute(
            product_supply.insert().values(
                product_id=product_id,
                supplier_id=supplier_id,
                supplier_sku=sku,
                cost=cost,
                reorder_point=reorder_point,
                pack_size=pack_size,
                updated_at=shop.now(),
            )
        )
        await uow.commit(shop.now())


async def snapshot(shop) -> tuple:
    """Everything a purchase-order action may change, to check one changed nothing."""
    async with shop.uow(write=False) as uow:
        tables = []
        for table in (purchase_orders, purchase_order_lines, purchase_order_events, stock_moves):
            tables.append((await uow.conn.execute(select(table).order_by(table.c.id))).all())
        return tuple(tables)


async def receipt_moves(shop) -> list[tuple]:
    async with shop.uow(write=False) as uow:
        rows = await uow.conn.execute(
            select(
                stock_moves.c.product_id,
                stock_moves.c.on_hand_delta,
                stock_moves.c.reserved_delta,
                stock_moves.c.reason,
                stock_moves.c.purchase_order_id,
                stock_moves.c.actor,
                stock_moves.c.note,
            )
            .where(stock_moves.c.reason == "purchase_receipt")
            .order_by(stock_moves.c.id)
        )
        return [tuple(r) for r in rows]


@pytest.fixture
async def stocked(shop):
    """A supplier of mugs and caps, with terms for the mug only."""
    supplier_id = await add_supplier(shop)
    mug = await add_product(shop, "TAZA-TAL", stock=3, name="Taza de talavera")
    cap = await add_product(shop, "GOR-ROJA", stock=10, name="Gorra roja")
    # Reordered below 5, in boxes of 6: with 3 on hand (no sales) the suggestion is a box.
    await supply(shop, mug, supplier_id, "UR-TZ-01", 8550, reorder_point=5, pack_size=6)
    return supplier_id, mug, cap


async def test_a_draft_takes_the_suppliers_code_and_cost_unless_given(shop, stocked):
    supplier_id, _mug, _cap = stocked
    details = await po.create_draft(
        shop,
        MERCHANT,
        supplier_id,
        [LineRequest("taza-tal", 12), LineRequest("GOR-ROJA", 5, 4000), LineRequest("TAZA-TAL", 3)],
        notes="Entregar en la mañana",
    )
    order = details.order
    assert order.code.startswith("OC-") and order.status == "draft"
    assert (order.currency, order.notes, details.supplier.name) == (
        "MXN",
        "Entregar en la mañana",
        "Talavera Uriarte",
    )
    assert [(x.sku, x.supplier_sku, x.quantity, x.unit_cost) for x in order.lines] == [
        ("TAZA-TAL", "UR-TZ-01", 15, Money(8550, "MXN")),
        ("GOR-ROJA", "", 5, Money(4000, "MXN")),
    ]
    assert order.total == Money(15 * 8550 + 5 * 4000, "MXN")
    assert [(e.kind, e.to_status, e.actor) for e in details.timeline] == [
        ("created", "draft", "merchant:terminal:owner")
    ]
    again = await po.purchase_order_details(shop, MERCHANT, order.code)
    assert again.order.lines == order.lines and again.timeline == details.timeline


async def test_lines_change_while_a_draft_and_not_after_it_is_sent(shop, stocked, clock):
    supplier_id, *_ = stocked
    code = (
        await po.create_draft(shop, MERCHANT, supplier_id, [LineRequest("TAZA-TAL", 6)])
    ).order.code
    await po.set_line(shop, MERCHANT, code, LineRequest("GOR-ROJA", 4))
    await po.set_line(shop, MERCHANT, code, LineRequest("TAZA-TAL", 10))
    changed = await po.set_line(shop, MERCHANT, code, LineRequest("GOR-ROJA", 4, 3900))
    assert [(x.sku, x.quantity, x.unit_cost) for x in changed.order.lines] == [
        ("TAZA-TAL", 10, Money(8550, "MXN")),
        ("GOR-ROJA", 4, Money(3900, "MXN")),
    ]
    removed = await po.remove_line(shop, MERCHANT, code, "gor-roja")
    assert [x.sku for x in removed.order.lines] == ["TAZA-TAL"]
    assert [e.kind for e in removed.timeline] == [
        "created",
        "line_added",
        "line_changed",
        "line_changed",
        "line_removed",
    ]
    clock.advance(hours=1)
    sent = await po.send(shop, MERCHANT, code)
    assert sent.order.sent_at == clock.now
    assert sent.order.expected_at == clock.now + timedelta(days=5)  # the lead time
    before = await snapshot(shop)
    with pytest.raises(InvalidTransition) as refused:
        await po.set_line(shop, MERCHANT, code, LineRequest("TAZA-TAL", 1))
    assert refused.value.data["from_status"] == "sent"
    with pytest.raises(InvalidTransition):
        await po.send(shop, MERCHANT, code)  # sent twice: the second changes nothing
    assert await snapshot(shop) == before


async def test_received_in_parts_into_stock_then_closed(shop, stocked, clock):
    supplier_id, mug, cap = stocked
    lines = [LineRequest("TAZA-TAL", 10), LineRequest("GOR-ROJA", 4, 4000)]
    order = (await po.create_draft(shop, MERCHANT, supplier_id, lines)).order
    await po.send(shop, MERCHANT, order.code)
    clock.advance(days=4)
    first = await po.receive(shop, MERCHANT, order.code, {"taza-tal": 6})
    assert [(r.sku, r.quantity) for r in first.receipts] == [("TAZA-TAL", 6)]
    assert first.details.order.status == "partially_received"
    assert [(x.received, x.outstanding) for x in first.details.order.lines] == [(6, 4), (0, 4)]
    assert (await get_product(shop, sku="TAZA-TAL")).on_hand == 3 + 6

    clock.advance(days=1)
    rest = await po.receive(shop, MERCHANT, order.code)  # everything still outstanding
    assert [(r.sku, r.quantity) for r in rest.receipts] == [("TAZA-TAL", 4), ("GOR-ROJA", 4)]
    assert rest.details.order.status == "received" and rest.details.order.outstanding == 0
    assert (await get_product(shop, sku="TAZA-TAL")).on_hand == 13
    assert (await get_product(shop, sku="GOR-ROJA")).on_hand == 14
    who = "merchant:terminal:owner"
    assert await receipt_moves(shop) == [
        (mug, 6, 0, "purchase_receipt", order.id, who, order.code),
        (mug, 4, 0, "purchase_receipt", order.id, who, order.code),
        (cap, 4, 0, "purchase_receipt", order.id, who, order.code),
    ]
    ledger = await inventory.stock_moves(shop, MERCHANT, "TAZA-TAL")
    assert [(m.reason, m.on_hand_delta, m.note) for m in ledger[:2]] == [
        ("purchase_receipt", 4, order.code),
        ("purchase_receipt", 6, order.code),
    ]

    closed = await po.close(shop, MERCHANT, order.code)
    assert [(e.kind, e.from_status, e.to_status, e.data) for e in closed.timeline] == [
        ("created", None, "draft", {"source": "hand", "lines": 2}),
        ("sent", "draft", "sent", {}),
        ("received", "sent", "partially_received", {"lines": [{"sku": "TAZA-TAL", "quantity": 6}]}),
        (
            "received",
            "partially_received",
            "received",
            {"lines": [{"sku": "TAZA-TAL", "quantity": 4}, {"sku": "GOR-ROJA", "quantity": 4}]},
        ),
        ("closed", "received", "closed", {"outstanding": 0}),
    ]
    with pytest.raises(InvalidTransition):
        await po.receive(shop, MERCHANT, order.code, {"TAZA-TAL": 1})
    assert (await get_product(shop, sku="TAZA-TAL")).on_hand == 13


async def test_more_than_outstanding_is_refused_naming_the_line(shop, stocked):
    supplier_id, *_ = stocked
    lines = [LineRequest("TAZA-TAL", 10), LineRequest("GOR-ROJA", 4)]
    order = (await po.create_draft(shop, MERCHANT, supplier_id, lines)).order
    await po.send(shop, MERCHANT, order.code)
    await po.receive(shop, MERCHANT, order.code, {"TAZA-TAL": 7})
    before = await snapshot(shop)
    with pytest.raises(ReceiptTooLarge) as refused:
        await po.receive(shop, MERCHANT, order.code, {"GOR-ROJA": 4, "TAZA-TAL": 4})
    assert refused.value.data == {
        "code": order.code,
        "sku": "TAZA-TAL",
        "requested": 4,
        "outstanding": 3,
        "ordered": 10,
        "received": 7,
    }
    with pytest.raises(NotOnPurchaseOrder):
        await po.receive(shop, MERCHANT, order.code, {"LENT-SOL": 1})
    for bad in (0, -2, 10**9):
        with pytest.raises(InvalidQuantity):
            await po.receive(shop, MERCHANT, order.code, {"GOR-ROJA": bad})
    assert await snapshot(shop) == before
    assert (await get_product(shop, sku="GOR-ROJA")).on_hand == 10


async def test_the_database_refuses_more_received_than_ordered(shop, stocked):
    """The last guard, under every service: received never exceeds quantity."""
    supplier_id, *_ = stocked
    order = (await po.create_draft(shop, MERCHANT, supplier_id, [LineRequest("TAZA-TAL", 2)])).order
    with pytest.raises(IntegrityError):
        async with shop.uow() as uow:
            await uow.conn.execute(
                purchase_order_lines.update()
                .where(purchase_order_lines.c.purchase_order_id == order.id)
                .values(received=3)
            )
            await uow.commit(shop.now())


async def stock_low_alerts(shop) -> list[dict]:
    async with shop.uow(write=False) as uow:
        rows = await uow.conn.execute(
            select(outbox.c.payload).where(outbox.c.kind == "stock_low").order_by(outbox.c.id)
        )
        return [payload for (payload,) in rows]


async def low_flag(shop, sku: str) -> bool:
    from core.store.tables import products

    async with shop.uow(write=False) as uow:
        return bool(
            (
                await uow.conn.execute(
                    select(products.c.low_stock_alerted).where(products.c.sku == sku)
                )
            ).scalar_one()
        )


async def test_a_receipt_clears_the_low_stock_flag_and_a_later_fall_alerts_again(shop, stocked):
    supplier_id, mug, _cap = stocked
    await inventory.adjust_stock(shop, MERCHANT, "TAZA-TAL", -2, "rota")  # 1 left, threshold 2
    assert await low_flag(shop, "TAZA-TAL")
    assert [a["available"] for a in await stock_low_alerts(shop)] == [1]

    order = (await po.create_draft(shop, MERCHANT, supplier_id, [LineRequest("TAZA-TAL", 5)])).order
    await po.send(shop, MERCHANT, order.code)
    await po.receive(shop, MERCHANT, order.code)
    assert (await get_product(shop, sku="TAZA-TAL")).available == 6
    assert not await low_flag(shop, "TAZA-TAL")
    assert len(await stock_low_alerts(shop)) == 1  # arriving goods alert nobody

    await buy(shop, await new_buyer(shop, "b1"), {mug: 4})  # 2 available: low again
    assert await low_flag(shop, "TAZA-TAL")
    assert [a["available"] for a in await stock_low_alerts(shop)] == [1, 2]


async def test_cancelled_with_a_reason_and_closed_with_goods_missing(shop, stocked):
    supplier_id, *_ = stocked
    first = (await po.create_draft(shop, MERCHANT, supplier_id, [LineRequest("TAZA-TAL", 5)])).order
    with pytest.raises(ReasonRequired):
        await po.cancel(shop, MERCHANT, first.code, "  ")
    cancelled = await po.cancel(shop, MERCHANT, first.code, "Pedido duplicado")
    assert cancelled.order.status == "cancelled"
    assert cancelled.timeline[-1].data == {"reason": "Pedido duplicado"}
    with pytest.raises(InvalidTransition):
        await po.send(shop, MERCHANT, first.code)

    second = (
        await po.create_draft(shop, MERCHANT, supplier_id, [LineRequest("TAZA-TAL", 5)])
    ).order
    await po.send(shop, MERCHANT, second.code)
    await po.receive(shop, MERCHANT, second.code, {"TAZA-TAL": 2})
    with pytest.raises(InvalidTransition):  # goods came in: close it instead
        await po.cancel(shop, MERCHANT, second.code, "tarde")
    closed = await po.close(shop, MERCHANT, second.code)
    assert closed.order.status == "closed" and closed.timeline[-1].data == {"outstanding": 3}


async def test_purchase_orders_are_listed_by_status_and_supplier(shop, stocked, clock):
    supplier_id, *_ = stocked
    other = await add_supplier(shop, "Gorras del Norte")
    a = (await po.create_draft(shop, MERCHANT, supplier_id, [LineRequest("TAZA-TAL", 1)])).order
    clock.advance(minutes=1)
    b = (await po.create_draft(shop, MERCHANT, other, [LineRequest("GOR-ROJA", 2)])).order
    clock.advance(minutes=1)
    c = (await po.create_draft(shop, MERCHANT, supplier_id, [LineRequest("GOR-ROJA", 3)])).order
    await po.send(shop, MERCHANT, c.code)
    every = await po.list_purchase_orders(shop, MERCHANT)
    assert [o.code for o in every.orders] == [c.code, b.code, a.code] and every.total == 3
    assert every.suppliers[other].name == "Gorras del Norte"
    drafts = await po.list_purchase_orders(shop, MERCHANT, statuses={"draft"})  # type: ignore[arg-type]
    assert [o.code for o in drafts.orders] == [b.code, a.code]
    theirs = await po.list_purchase_orders(shop, MERCHANT, supplier_id=supplier_id)
    assert [o.code for o in theirs.orders] == [c.code, a.code]
    paged = await po.list_purchase_orders(shop, MERCHANT, offset=1, limit=1)
    assert [o.code for o in paged.orders] == [b.code] and paged.total == 3


async def test_bad_input_is_refused_with_coded_errors_and_nothing_changes(shop, stocked):
    supplier_id, *_ = stocked
    inactive = await add_supplier(shop, "Ya no", active=False)
    before = await snapshot(shop)
    with pytest.raises(ProductNotFound) as unknown:
        await po.create_draft(shop, MERCHANT, supplier_id, [LineRequest("NADA-99", 1)])
    assert unknown.value.data == {"sku": "NADA-99"}
    for quantity in (0, -1, 100_001):
        with pytest.raises(InvalidQuantity):
            await po.create_draft(shop, MERCHANT, supplier_id, [LineRequest("TAZA-TAL", quantity)])
    with pytest.raises(EmptyPurchaseOrder):
        await po.create_draft(shop, MERCHANT, supplier_id, [])
    with pytest.raises(SupplierNotFound):
        await po.create_draft(shop, MERCHANT, 999, [LineRequest("TAZA-TAL", 1)])
    with pytest.raises(SupplierNotFound) as off:
        await po.create_draft(shop, MERCHANT, inactive, [LineRequest("TAZA-TAL", 1)])
    assert off.value.data["inactive"] is True
    for call in (
        po.purchase_order_details(shop, MERCHANT, "OC-ZZZZ"),
        po.send(shop, MERCHANT, "OC-ZZZZ"),
        po.receive(shop, MERCHANT, "OC-ZZZZ"),
        po.close(shop, MERCHANT, "OC-ZZZZ"),
        po.cancel(shop, MERCHANT, "OC-ZZZZ", "x"),
    ):
        with pytest.raises(PurchaseOrderNotFound):
            await call
    assert await snapshot(shop) == before


@pytest.mark.parametrize("who", [customer(7), merchant("terminal:stranger")])
async def test_someone_not_on_the_team_is_refused_and_nothing_changes(shop, stocked, who):
    supplier_id, *_ = stocked
    draft = (await po.create_draft(shop, MERCHANT, supplier_id, [LineRequest("TAZA-TAL", 4)])).order
    sent = (await po.create_draft(shop, MERCHANT, supplier_id, [LineRequest("TAZA-TAL", 4)])).order
    await po.send(shop, MERCHANT, sent.code)
    before = await snapshot(shop)
    attempts = [
        po.create_draft(shop, who, supplier_id, [LineRequest("TAZA-TAL", 1)]),
        po.draft_from_suggestions(shop, who, supplier_id),
        po.set_line(shop, who, draft.code, LineRequest("TAZA-TAL", 9)),
        po.remove_line(shop, who, draft.code, "TAZA-TAL"),
        po.send(shop, who, draft.code),
        po.receive(shop, who, sent.code),
        po.close(shop, who, sent.code),
        po.cancel(shop, who, draft.code, "no"),
        po.purchase_order_details(shop, who, draft.code),
        po.list_purchase_orders(shop, who),
    ]
    for attempt in attempts:
        with pytest.raises(NotAllowed):
            await attempt
    assert await snapshot(shop) == before
    assert (await get_product(shop, sku="TAZA-TAL")).on_hand == 3


async def test_a_draft_from_the_suppliers_reorder_suggestions_once(shop, stocked):
    supplier_id, *_ = stocked
    made = await po.draft_from_suggestions(shop, MERCHANT, supplier_id)
    assert made.created
    order = made.details.order
    assert [(x.sku, x.supplier_sku, x.quantity, x.unit_cost) for x in order.lines] == [
        ("TAZA-TAL", "UR-TZ-01", 6, Money(8550, "MXN"))
    ]
    assert made.details.timeline[0].data == {"source": "suggestions", "lines": 1}
    again = await po.draft_from_suggestions(shop, MERCHANT, supplier_id)  # pressed twice
    assert not again.created and again.details.order.code == order.code
    await po.send(shop, MERCHANT, order.code)
    with pytest.raises(NothingToReorder):  # the box on order covers it now
        await po.draft_from_suggestions(shop, MERCHANT, supplier_id)
    assert (await po.list_purchase_orders(shop, MERCHANT)).total == 1


async def test_a_drafts_lines_stay_in_its_currency_after_the_supplier_changes_its(shop, stocked):
    supplier_id, _mug, cap = stocked
    code = (
        await po.create_draft(shop, MERCHANT, supplier_id, [LineRequest("TAZA-TAL", 6)])
    ).order.code
    async with shop.uow() as uow:  # the supplier bills in dollars from now on
        await uow.conn.execute(
            suppliers.update().where(suppliers.c.id == supplier_id).values(currency="USD")
        )
        await uow.commit(shop.now())
    await supply(shop, cap, supplier_id, "UR-GR", 700)  # US$7.00 a cap

    # A typed cost is the draft's pesos: the total adds up in one currency.
    typed = await po.set_line(shop, MERCHANT, code, LineRequest("TAZA-TAL", 12, 9000))
    assert typed.order.lines[0].unit_cost == Money(9000, "MXN")
    assert typed.order.total == Money(12 * 9000, "MXN")  # what the card and the PDF add up
    # The cap's US$7.00 is not copied into a peso draft as MX$7.00: no cost yet.
    added = await po.set_line(shop, MERCHANT, code, LineRequest("GOR-ROJA", 2))
    assert [(x.sku, x.supplier_sku, x.quantity, x.unit_cost) for x in added.order.lines] == [
        ("TAZA-TAL", "UR-TZ-01", 12, Money(9000, "MXN")),
        ("GOR-ROJA", "UR-GR", 2, None),
    ]
    assert added.order.currency == "MXN" and added.order.total == Money(108_000, "MXN")
    # A new draft is in dollars, and takes the cap's cost.
    fresh = await po.create_draft(shop, MERCHANT, supplier_id, [LineRequest("GOR-ROJA", 1)])
    assert fresh.order.lines[0].unit_cost == Money(700, "USD")


async def test_several_line_edits_are_all_or_nothing(shop, stocked):
    supplier_id, *_ = stocked
    await add_product(shop, "LENT-SOL", stock=1)
    code = (
        await po.create_draft(shop, MERCHANT, supplier_id, [LineRequest("TAZA-TAL", 6)])
    ).order.code
    before = await snapshot(shop)
    for bad in (
        [LineRequest("TAZA-TAL", 20), LineRequest("NOPE", 3)],  # no such product
        [LineRequest("TAZA-TAL", 20), LineRequest("GOR-ROJA", 0)],  # not on the draft
        [LineRequest("GOR-ROJA", 4), LineRequest("TAZA-TAL", 100_001)],  # too many
    ):
        with pytest.raises((ProductNotFound, NotOnPurchaseOrder, InvalidQuantity)):
            await po.edit_lines(shop, MERCHANT, code, bad)
        assert await snapshot(shop) == before, bad

    # The only line swapped for another in one edit: lines are set before any goes.
    swapped = await po.edit_lines(
        shop,
        MERCHANT,
        code,
        [LineRequest("TAZA-TAL", 0), LineRequest("GOR-ROJA", 4), LineRequest("lent-sol", 2)],
    )
    assert [(x.sku, x.quantity) for x in swapped.order.lines] == [("GOR-ROJA", 4), ("LENT-SOL", 2)]
    assert [e.kind for e in swapped.timeline] == [
        "created",
        "line_added",
        "line_added",
        "line_removed",
    ]
    assert swapped.order.version == 1  # one save, one version check
