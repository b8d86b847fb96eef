"""Customers' data rights in the chat (terminal, Telegram, WhatsApp): "mis datos" sends
a copy as a document, "borrar mis datos" erases it after a second yes; the merchant
does both with /datos and /olvidar; a customer can't use those."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from core.services import catalog_io, orders, shipping
from core.services.context import Shop
from core.store.tables import customers, inbox
from handlers.admin.export import orders_csv
from handlers.i18n import Translator
from tests.conftest import MERCHANT
from tests.e2e.chat_driver import ChatDriver
from tests.e2e.telegram_driver import TelegramUser, telegram_shop
from tests.e2e.whatsapp_driver import WhatsAppUser, whatsapp_shop
from tests.integration.test_privacy import everything_stored

NAME, PHONE, STREET = "Lucía Gómez", "+52 55 1234 5678", "Calle Pino 34"  # as stored
SUPPORT = "¿Pueden envolverlo para regalo? Es para mi mamá"
COMMENT = "Muy bonito, pero tardó un poco"


async def spanish_order(chat: ChatDriver) -> str:
    await chat.type("Cojín bordado")
    await chat.press("Cojín bordado")
    await chat.press("Agregar 1 al carrito")
    await chat.press("Finalizar compra")
    for answer in (NAME, PHONE, STREET, "Centro", "Oaxaca", "Oaxaca", "68000"):
        await chat.type(answer)
    await chat.press("Sin referencias")
    await chat.press("Estándar")
    await chat.press("Pago contra entrega")
    placed = await chat.press("Confirmar pedido")
    return re.search(r"(PED-\w{5})", placed).group(1)


async def deliver(shop: Shop, code: str) -> None:
    for step in (orders.confirm_order, orders.start_preparing, orders.mark_packed):
        await step(shop, MERCHANT, code)
    await shipping.ship_order(shop, MERCHANT, code, "dhl", "JD014600003")
    await orders.mark_delivered(shop, MERCHANT, code)


async def test_a_customer_gets_their_data_and_then_has_it_erased_in_spanish(demo_shop, tmp_path):
    chat = ChatDriver(demo_shop, "lucia", name="Lucía", locale="es", files=tmp_path)
    await chat.open()
    code = await spanish_order(chat)
    await chat.press("Menú")
    await chat.press("Hablar con una persona")
    await chat.type(SUPPORT)

    refused = await chat.type("borrar mis datos")
    assert "Todavía no podemos borrar tus datos" in refused
    assert code in refused

    await deliver(demo_shop, code)
    await chat.refresh()
    await chat.press("★★★★")
    assert "¡Gracias por tu comentario!" in await chat.type(COMMENT)

    copy = await chat.type("mis datos")
    assert "Aquí tienes una copia de todo lo que Tienda Demo guarda de ti" in copy
    assert "1 pedido" in copy and "1 mensaje a la tienda" in copy
    data = json.loads((tmp_path / "mis-datos.json").read_text(encoding="utf-8"))
    assert [o["code"] for o in data["orders"]] == [code]
    assert data["orders"][0]["address"]["street"] == STREET
    assert data["support_messages"][0]["message"] == SUPPORT
    assert data["ratings"] == [{"order": code, "stars": 4, "comment": COMMENT}]

    question = await chat.press("Borrar mis datos")
    assert "¿Borrar tus datos?" in question and "No se puede deshacer." in question
    done = await chat.press("Sí, borrar")
    assert "Listo: borramos tus datos." in done

    stored = await everything_stored(demo_shop)
    assert [s for s in (NAME, PHONE, STREET, SUPPORT, COMMENT) if s in stored] == []
    exported = await catalog_io.orders_for_export(demo_shop, MERCHANT)
    csv_text = orders_csv(Translator("es"), "UTC", exported)
    assert code in csv_text and NAME not in csv_text and PHONE not in csv_text
    kept = await orders.order_details(demo_shop, code, MERCHANT)
    assert kept.order.total.amount > 0 and kept.order.status == "delivered"

    again = await chat.type("Mis pedidos")  # the same person writing again: a stranger
    assert code not in again
    assert "pedido" in again.lower()


async def test_a_customer_changes_their_mind_then_forgets_in_english(demo_shop, tmp_path):
    chat = ChatDriver(demo_shop, "sam", name="Sam", locale="en", files=tmp_path)
    await chat.open()

    copy = await chat.type("/mydata")
    assert "Here is a copy of everything Tienda Demo keeps about you" in copy
    assert "0 orders" in copy
    assert json.loads((tmp_path / "my-data.json").read_text(encoding="utf-8"))["orders"] == []

    await chat.type("/forgetme")
    assert "OK, nothing was erased." in await chat.press("No")

    assert "Erase your data?" in await chat.type("forget my data")
    assert "Done: we erased your data." in await chat.press("Yes, erase")
    stale = await chat.send_payload("fgy")  # the same "yes" again, from the old message
    assert "That button is from an older message." in stale


async def test_the_help_says_where_the_privacy_notice_is(demo_shop):
    chat = ChatDriver(demo_shop, "sam", locale="en")
    await chat.open()
    assert "Tienda Demo looks after your data." in await chat.type("/help")

    settings = demo_shop.settings.model_copy(
        update={"privacy_notice_url": "https://tienda.example/privacidad"}
    )
    with_notice = Shop(demo_shop.db, settings, clock=demo_shop.clock)
    chat = ChatDriver(with_notice, "ana", locale="es")
    assert "Aviso de privacidad: https://tienda.example/privacidad" in await chat.type("privacidad")


async def test_the_merchant_sends_a_customers_data_and_erases_it_from_the_admin_chat(
    demo_shop, tmp_path
):
    customer = ChatDriver(demo_shop, "lucia", name="Lucía", locale="es")
    await customer.open()
    code = await spanish_order(customer)
    admin = ChatDriver(demo_shop, "owner", name="Owner", locale="es", files=tmp_path)
    await admin.open()

    sent = await admin.type(f"/datos {code}")
    assert f"(“{NAME}”): 1 pedido" in sent
    document = next(tmp_path.glob("cliente-*.json"))
    assert json.loads(document.read_text(encoding="utf-8"))["orders"][0]["code"] == code

    blocked = await admin.type(f"/olvidar {code}")
    assert f"el pedido {code} sigue en curso" in blocked
    await deliver(demo_shop, code)

    question = await admin.type(f"/olvidar {code}")
    assert f"(“{NAME}” · {PHONE}, 1 pedido)" in question
    done = await admin.press("Sí, borrar")
    assert "Se borraron los datos personales del cliente" in done
    assert "1 pedido queda en las cuentas" in done
    assert "🔒 Se borraron los datos personales del cliente" in done  # the shop's record

    card = await admin.type(f"/pedido {code}")
    assert NAME not in card and STREET not in card
    assert "ya se borraron" in await admin.type(f"/olvidar {code}")
    assert "No encuentro al cliente" in await admin.type("/datos PED-22222")


async def test_a_customer_typing_the_admins_data_commands_is_refused(demo_shop):
    victim = ChatDriver(demo_shop, "lucia", name="Lucía", locale="es")
    await victim.open()
    code = await spanish_order(victim)
    chat = ChatDriver(demo_shop, "mallory", locale="en")
    await chat.open()

    for command in (f"/datos {code}", "/data 1", f"/olvidar {code}", "/forget 1"):
        assert "Sorry, that is only for the shop's team." in await chat.type(command)
    assert "Sorry, that is only for the shop's team." in await chat.send_payload("afg:1")
    assert NAME in await everything_stored(demo_shop)


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_on_telegram_the_copy_is_a_document_and_nothing_of_the_person_stays(demo_shop, mode):
    async with telegram_shop(demo_shop, mode) as tg:
        anahi = TelegramUser(tg, 5001, name="Anahí Quetzal")
        await anahi.says("/start")
        await anahi.says("mis datos")
        document = [m for m in anahi.chat if m.kind == "document"][-1]
        assert "Aquí tienes una copia" in document.text

        await anahi.says("borrar mis datos")
        assert "Listo: borramos tus datos." in await anahi.presses("Sí, borrar")
        repeat = tg.double.user_says(5001, "hola", first_name="Anahí Quetzal")
        await tg.deliver(repeat)  # the same person later: a new customer

    stored = await everything_stored(demo_shop)
    mentions = [line.split(":")[0] for line in stored.splitlines() if "Anahí" in line]
    assert sorted(mentions) == ["customers", "inbox"]  # the new customer, and their "hola"
    async with demo_shop.uow(write=False) as uow:
        identities = (await uow.conn.execute(select(customers.c.external_id))).scalars().all()
        waiting = (await uow.conn.execute(select(inbox.c.user_id, inbox.c.payload))).all()
    assert identities.count("5001") == 1
    assert sum(1 for user, payload in waiting if user == "5001" and payload) == 1  # "hola"


async def test_on_whatsapp_the_copy_arrives_as_a_document_and_forgetting_takes_two_taps(
    demo_shop,
):
    wa_id = "5215577788899"  # on WhatsApp, the channel identity is the phone number
    async with whatsapp_shop(demo_shop) as wa:
        person = WhatsAppUser(wa, wa_id, "Xóchitl")
        await person.says("Hola")
        await person.says("mis datos")
        sent = [b for b in wa.double.sent(wa_id) if b.get("type") == "document"][-1]
        copy = json.loads(wa.double.sent_document_bytes(sent))
        assert copy["customer"]["user_id"] == wa_id

        await person.says("borrar mis datos")
        assert "Listo: borramos tus datos." in await person.taps("Sí, borrar")

    stored = await everything_stored(demo_shop)
    assert wa_id not in stored and "Xóchitl" not in stored
