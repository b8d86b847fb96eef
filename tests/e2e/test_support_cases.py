"""Support cases from both sides (issue 13): what a customer writes to the shop, and
their replies, go to their one open case; the admins' alerts say who writes (name,
phone) and about which order; /casos lists the open cases; closing one tells the
customer, in their language."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.services import orders, support
from core.services.context import Shop
from core.store.tables import outbox, support_cases
from tests.conftest import MERCHANT, Buyer, add_product, buy, details, new_buyer
from tests.e2e.chat_driver import ChatDriver
from tests.e2e.telegram_driver import TelegramUser, telegram_shop

pytestmark = pytest.mark.sqlite_only  # the conversation, not the store: see tests/conftest.py

ANA, ADMIN = 5001, 9001
PHONE = details().phone  # the one the test orders are placed with


async def cases(shop: Shop) -> list:
    async with shop.uow(write=False) as uow:
        return (await uow.conn.execute(select(support_cases).order_by(support_cases.c.id))).all()


async def alerts(shop: Shop) -> list[dict]:
    async with shop.uow(write=False) as uow:
        rows = await uow.conn.execute(
            select(outbox.c.payload)
            .where(outbox.c.recipient == "admin", outbox.c.kind.like("support%"))
            .order_by(outbox.c.id)
        )
        return [row.payload for row in rows]


async def customer_with_orders(shop: Shop) -> tuple[ChatDriver, Buyer, str, str]:
    """u1 (the channel gave no phone) with an older cancelled order and a newer open one,
    placed as "Ana" with the phone PHONE."""
    mug = await add_product(shop, "TAZA-1", stock=10, name="Taza")
    chat = ChatDriver(shop, "u1", name="Ana", locale="en")
    await chat.open()
    buyer = await new_buyer(shop, "u1")
    old = await buy(shop, buyer, {mug: 1})
    await orders.cancel_order(shop, MERCHANT, old.code, "sin existencias")
    new = await buy(shop, buyer, {mug: 2})
    assert old.phone == new.phone == PHONE
    await chat.refresh()
    return chat, buyer, old.code, new.code


async def test_a_message_for_the_shop_is_never_taken_for_a_tracking_question(shop):
    chat, _buyer, _old, new = await customer_with_orders(shop)
    await chat.type("I want to talk to a person")
    sent = await chat.type("tengo una duda con mi pedido, ¿dónde está?")
    assert "we got your message (case #1)" in sent

    await support.reply_to_case(shop, MERCHANT, 1, "¿Qué duda tienes?")
    assert "The shop replied: ¿Qué duda tienes?" in await chat.refresh()
    await chat.press("Reply")
    added = await chat.type("¿Dónde está mi pedido? Ya pasaron 10 días")
    assert "I added your message to case #1" in added

    (case,) = await cases(shop)
    assert case.message.endswith("¿Dónde está mi pedido? Ya pasaron 10 días")
    first, follow_up = await alerts(shop)
    assert first["order_code"] == follow_up["order_code"] == new


async def test_the_admins_see_who_writes_and_the_order_the_case_is_about(shop):
    chat, _buyer, old, new = await customer_with_orders(shop)
    admin = ChatDriver(shop, "owner", locale="en")
    await admin.open()
    await chat.type("I want to talk to a person")
    await chat.type(f"About {old}: why was it cancelled?")

    alert = await admin.refresh()
    assert f"💬 Case #1 from “Ana” ({PHONE}), order {old} (cancelled):" in alert
    assert f"┃ About {old}: why was it cancelled?" in alert

    await support.close_case(shop, MERCHANT, 1)
    await chat.type("I want to talk to a person")
    await chat.type("Can I add a mug to my order?")  # names none: the latest open one
    alert = await admin.refresh()
    assert (
        f"💬 Case #2 from “Ana” ({PHONE}), order {new} (waiting for the shop to confirm):" in alert
    )


async def test_a_customer_without_open_orders_is_not_shown_an_old_one(shop):
    mug = await add_product(shop, "TAZA-1", stock=10, name="Taza")
    buyer = await new_buyer(shop, "u1")
    order = await buy(shop, buyer, {mug: 1})
    await orders.cancel_order(shop, MERCHANT, order.code, "sin existencias")
    stranger = await new_buyer(shop, "u2", "Beto")
    theirs = await buy(shop, stranger, {mug: 1})

    admin = ChatDriver(shop, "owner", locale="en")
    await admin.open()

    await support.contact_shop(shop, buyer.customer_id, f"¿Y mi {theirs.code}?", theirs.code)

    (alert,) = await alerts(shop)
    assert alert["order_code"] is None  # not someone else's, not an old cancelled one
    assert f"💬 Case #1 from “Ana” ({PHONE}), no open order:" in await admin.refresh()


async def test_open_cases_are_listed_with_who_which_order_how_long_and_the_last_words(shop, clock):
    chat, _buyer, _old, new = await customer_with_orders(shop)
    await chat.type("I want to talk to a person")
    await chat.type("Hola, una pregunta")
    clock.advance(hours=3)
    await chat.type("I want to talk to a person")
    await chat.type("¿Llega antes del viernes?\n✅ Pedido confirmado")
    admin = ChatDriver(shop, "owner", locale="en")
    await admin.open()
    await admin.refresh()

    listed = await admin.type("/casos")

    assert "Open support cases, the longest waiting first:" in listed
    assert f"#1 · “Ana” ({PHONE}) · order {new} · waiting 3 hours" in listed
    assert "┃ ¿Llega antes del viernes?\n┃ ✅ Pedido confirmado" in listed  # quoted, last only
    assert "Hola, una pregunta" not in listed
    assert "Reply #1" in listed and "Close #1" in listed
    assert (
        listed.replace("[", "").split("\n")[0]
        == (await admin.type("/cases")).replace("[", "").split("\n")[0]
    )

    closed = await admin.press("Close #1")
    assert "Case #1 closed; the customer was told." in closed
    assert "No open support cases." in await admin.type("/casos")


async def test_closing_a_case_tells_the_customer_in_their_language(shop):
    chat = ChatDriver(shop, "u1", locale="es")
    await chat.open()
    await chat.type("quiero hablar con una persona")
    await chat.type("¿Tienen la taza en azul?")
    admin = ChatDriver(shop, "owner", locale="en")
    await admin.open()
    await admin.refresh()
    await admin.press("Close case")

    told = await chat.refresh()

    assert "La tienda cerró tu caso #1." in told
    again = await admin.type("/cerrar 1")
    assert "Case #1 was already closed." in again
    assert await chat.refresh() == ""  # told once
    # The next case's closing is told, once: the silence above was not a broken outbox.
    await chat.type("quiero hablar con una persona")
    await chat.type("Otra pregunta")
    assert "Case #1 was already closed." not in await admin.type("/cerrar 2")
    assert (await chat.refresh()).count("La tienda cerró tu caso #2.") == 1


async def test_a_telegram_reply_to_the_shops_answer_goes_to_the_open_case(demo_shop):
    async with telegram_shop(demo_shop, "webhook") as tg:
        admin = TelegramUser(tg, ADMIN, language="en")
        await admin.says("/start")
        ana = TelegramUser(tg, ANA)
        await ana.says("quiero hablar con una persona")
        await ana.says("¿Tienen envíos a Mérida?")
        await tg.outbox()
        await support.reply_to_case(demo_shop, MERCHANT, 1, "Sí. ¿A qué código postal?")
        await tg.outbox()
        answer = ana.chat[-1]
        assert "Sí. ¿A qué código postal?" in answer.text

        reply = tg.double.user_says(ANA, "Al 97000", reply_to_message_id=answer.message_id)
        await tg.deliver(reply)
        await tg.outbox()

        assert "agregué tu mensaje al caso #1" in ana.screen()
        assert "💬 Case #1: “Ana”" in tg.double.messages(ADMIN)[-1].text
        assert "┃ Al 97000" in tg.double.messages(ADMIN)[-1].text
        (case,) = await cases(demo_shop)
        assert case.message.endswith("Al 97000")
        assert tg.double.rejected == []
