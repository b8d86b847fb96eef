"""The web chat's transcript and files in the store, on SQLite and PostgreSQL:
forgetting a customer deletes their web chat's rows (and nobody else's), and the
housekeeping deletes rows older than ABANDONED_DATA_KEEP_DAYS, counting them. The same
through the page: tests/integration/test_web_chat.py."""

from __future__ import annotations

from sqlalchemy import func, select

from core.domain.actors import SYSTEM
from core.domain.web_chat import INCOMING, OUTGOING, WebFile, new_file_id
from core.services import customers, privacy, retention, web
from core.services.context import Shop
from core.store.tables import web_files
from tests.conftest import MERCHANT

ANA, BEA = "w_ana0000000000000000000", "w_bea0000000000000000000"


async def chat(shop: Shop, visitor: str, words: str) -> str:
    """A visitor's message and the shop's answer offering a document; its id."""
    file = WebFile(new_file_id(), "my-data.json", "text/plain", words.encode())
    answer = {"text": "Here it is", "file": {"id": file.id, "name": file.filename}}
    await web.record_rows(shop, visitor, [(INCOMING, {"text": words}), (OUTGOING, answer)], [file])
    return file.id


async def files_of(shop: Shop, visitor: str) -> int:
    query = select(func.count()).select_from(web_files).where(web_files.c.user_id == visitor)
    async with shop.uow(write=False) as uow:
        return int((await uow.conn.execute(query)).scalar_one())


async def test_forgetting_a_web_visitor_deletes_their_transcript_and_files_only(shop):
    ana = await customers.identify(shop, "web", ANA, name="Ana")
    await customers.identify(shop, "web", BEA, name="Bea")
    kept = await chat(shop, BEA, "Bea Ruiz, Calle 5")
    await chat(shop, ANA, "Ana López, +52 55 1234 5678")

    for actor in (SYSTEM, MERCHANT):  # the CLI, then an admin: the second finds nothing
        await privacy.forget_customer(shop, actor, ana.id)

    assert await web.transcript(shop, ANA) == []
    assert await files_of(shop, ANA) == 0
    assert [row.body.get("text") for row in await web.transcript(shop, BEA)] == [
        "Bea Ruiz, Calle 5",
        "Here it is",
    ]
    assert await web.web_file(shop, BEA, kept) is not None


async def test_web_chat_rows_go_after_the_retention_days_oldest_first(shop, clock):
    days = shop.settings.abandoned_data_keep_days
    old = [await chat(shop, ANA, f"old {n}") for n in range(3)]  # 6 messages, 3 files
    clock.advance(days=days - 1)
    young = await chat(shop, BEA, "young")

    assert (await retention.forget_abandoned(shop, batch=2)).total == 0
    clock.advance(days=2)
    deleted = await retention.forget_abandoned(shop, batch=2)  # in several batches

    assert (deleted.web_messages, deleted.web_files) == (6, 3)
    assert deleted.total == 9
    assert await web.transcript(shop, ANA) == []
    assert [await web.web_file(shop, ANA, file) for file in old] == [None] * 3
    assert len(await web.transcript(shop, BEA)) == 2
    assert await web.web_file(shop, BEA, young) is not None


async def test_a_web_visitors_export_holds_their_chat_and_nobody_elses(shop):
    ana = await customers.identify(shop, "web", ANA, name="Ana")
    await customers.identify(shop, "web", BEA, name="Bea")
    await chat(shop, ANA, "Ana López, +52 55 1234 5678")
    await chat(shop, BEA, "Bea Ruiz, Calle 5")

    exported = await privacy.export_customer_data(shop, SYSTEM, ana.id)

    assert [(m["from"], m["text"]) for m in exported["web_chat"]] == [
        ("customer", "Ana López, +52 55 1234 5678"),
        ("shop", "Here it is"),
    ]
    terminal = await customers.identify(shop, "terminal", "t1", name="Tere")
    assert (await privacy.export_customer_data(shop, SYSTEM, terminal.id))["web_chat"] == []
