"""Admin flooding: a customer has at most one open support case. Asking for a person
again adds the message to it and reaches the admins as a follow-up of that case, a few
times at most before the shop replies; the database refuses a second open case."""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from core.services import support
from core.services.context import Shop
from core.services.support import CaseOutcome
from core.store.database import Database
from core.store.tables import outbox, support_cases
from tests.conftest import MERCHANT, new_buyer


async def admin_alerts(shop: Shop) -> list[tuple[str, dict]]:
    async with shop.uow(write=False) as uow:
        rows = await uow.conn.execute(
            select(outbox.c.kind, outbox.c.payload)
            .where(outbox.c.recipient == "admin", outbox.c.kind.like("support%"))
            .order_by(outbox.c.id)
        )
        return [(r.kind, r.payload) for r in rows]


async def cases(shop: Shop) -> list:
    async with shop.uow(write=False) as uow:
        return (await uow.conn.execute(select(support_cases).order_by(support_cases.c.id))).all()


async def test_asking_again_adds_to_the_open_case_instead_of_opening_another(shop):
    ana = await new_buyer(shop)
    first = await support.contact_shop(shop, ana.customer_id, "¿Tienen talla L?")
    again = await support.contact_shop(shop, ana.customer_id, "  ¿Y en azul?  ")

    assert first == support.CaseMessage(first.case_id, CaseOutcome.OPENED)
    assert again == support.CaseMessage(first.case_id, CaseOutcome.ADDED)
    (case,) = await cases(shop)
    assert (case.status, case.follow_ups, case.unanswered) == ("open", 1, 1)
    assert case.message == "¿Tienen talla L?\n\n¿Y en azul?"
    alerts = await admin_alerts(shop)
    assert [kind for kind, _ in alerts] == ["support_request", "support_follow_up"]
    assert alerts[1][1]["case_id"] == first.case_id
    assert alerts[1][1]["message"] == "¿Y en azul?"


async def test_after_a_few_unanswered_messages_nothing_more_reaches_the_admins(shop):
    ana = await new_buyer(shop)
    opened = await support.contact_shop(shop, ana.customer_id, "Hola")
    outcomes = [
        (await support.contact_shop(shop, ana.customer_id, f"¿Hola? {n}")).outcome
        for n in range(support.MAX_UNANSWERED + 3)
    ]
    assert outcomes == [CaseOutcome.ADDED] * support.MAX_UNANSWERED + [CaseOutcome.WAITING] * 3
    assert len(await admin_alerts(shop)) == 1 + support.MAX_UNANSWERED
    assert (await support.open_case_of(shop, ana.customer_id)).full

    # The shop replies: the customer may add messages again, to the same case.
    await support.reply_to_case(shop, MERCHANT, opened.case_id, "¡Hola! ¿En qué te ayudo?")
    assert not (await support.open_case_of(shop, ana.customer_id)).full
    after_reply = await support.contact_shop(shop, ana.customer_id, "Mi pedido no llega")
    assert after_reply == support.CaseMessage(opened.case_id, CaseOutcome.ADDED)
    assert len(await admin_alerts(shop)) == 2 + support.MAX_UNANSWERED  # and they hear it


async def test_once_the_case_is_closed_the_next_request_opens_a_new_one(shop):
    ana = await new_buyer(shop)
    first = await support.contact_shop(shop, ana.customer_id, "Hola")
    assert await support.close_case(shop, MERCHANT, first.case_id)
    assert await support.open_case_of(shop, ana.customer_id) is None
    second = await support.contact_shop(shop, ana.customer_id, "Otra pregunta")
    assert second.outcome is CaseOutcome.OPENED and second.case_id != first.case_id
    assert [kind for kind, _ in await admin_alerts(shop)] == ["support_request"] * 2


async def test_each_customer_has_their_own_case(shop):
    ana = await new_buyer(shop, "1")
    luis = await new_buyer(shop, "2", "Luis")
    a = await support.contact_shop(shop, ana.customer_id, "Hola")
    b = await support.contact_shop(shop, luis.customer_id, "Hola")
    assert a.case_id != b.case_id
    assert {a.outcome, b.outcome} == {CaseOutcome.OPENED}


async def test_the_database_refuses_a_second_open_case_for_one_customer(shop, clock):
    ana = await new_buyer(shop)
    await support.contact_shop(shop, ana.customer_id, "Hola")
    with pytest.raises(IntegrityError):
        async with shop.uow() as uow:
            await uow.support.open(ana.customer_id, "otra", None, clock.now)
            await uow.commit(clock.now)


async def test_workers_taking_two_requests_at_once_open_one_case(shop, database_url):
    ana = await new_buyer(shop)
    workers = [Shop(Database(database_url), shop.settings, clock=shop.clock) for _ in range(4)]
    try:
        sent = await asyncio.gather(
            *(
                support.contact_shop(worker, ana.customer_id, f"mensaje {n}")
                for n, worker in enumerate(workers)
            )
        )
    finally:
        for worker in workers:
            await worker.db.dispose()
    assert len({s.case_id for s in sent}) == 1
    assert sorted(s.outcome for s in sent) == sorted([CaseOutcome.OPENED] + [CaseOutcome.ADDED] * 3)
    async with shop.uow(write=False) as uow:
        count = (await uow.conn.execute(select(func.count()).select_from(support_cases))).one()
    assert count[0] == 1


async def test_the_migration_keeps_the_newest_of_duplicate_open_cases(database_url):
    from alembic import command
    from sqlalchemy import text

    from core.store.migrate import alembic_config

    db = Database(database_url)

    async def alembic(action: str, revision: str) -> None:
        def run(connection) -> None:
            config = alembic_config(database_url)
            config.attributes["connection"] = connection
            getattr(command, action)(config, revision)

        async with db.engine.begin() as conn:
            await conn.run_sync(run)

    try:
        await alembic("upgrade", "head")  # (PostgreSQL test databases start migrated)
        await alembic("downgrade", "0005")  # a shop from before one case per customer
        async with db.engine.begin() as conn:
            for customer in (1, 2):
                await conn.execute(
                    text(
                        "INSERT INTO customers (id, channel, external_id, name, phone, locale,"
                        " unreachable, created_at) VALUES (:id, 'terminal', :ext, '', '', '',"
                        " false, '2026-11-01 10:00:00')"
                    ),
                    {"id": customer, "ext": str(customer)},
                )
            for case_id, customer, status, day in [
                (1, 1, "open", 1),
                (2, 1, "open", 2),
                (3, 1, "closed", 3),
                (4, 1, "open", 4),
                (5, 2, "open", 5),
            ]:
                await conn.execute(
                    text(
                        "INSERT INTO support_cases (id, customer_id, message, status,"
                        " created_at) VALUES (:id, :customer, 'hola', :status, :at)"
                    ),
                    {
                        "id": case_id,
                        "customer": customer,
                        "status": status,
                        "at": datetime(2026, 11, day, 10, 0),  # stored naive UTC
                    },
                )
        await alembic("upgrade", "head")
        async with db.engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(
                        support_cases.c.id, support_cases.c.status, support_cases.c.follow_ups
                    ).order_by(support_cases.c.id)
                )
            ).all()
            closed_at = (
                await conn.execute(select(support_cases.c.closed_at).where(support_cases.c.id == 1))
            ).scalar_one()
        assert [(r.id, r.status, r.follow_ups) for r in rows] == [
            (1, "closed", 0),
            (2, "closed", 0),
            (3, "closed", 0),
            (4, "open", 0),
            (5, "open", 0),
        ]
        assert closed_at.date().isoformat() == "2026-11-04"  # when the newest one opened
    finally:
        await db.dispose()
