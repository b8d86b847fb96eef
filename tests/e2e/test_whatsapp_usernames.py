"""WhatsApp usernames (issue #13): a message names its sender by phone number, by
business-scoped user id (BSUID), or both. A person is one customer whichever of their ids
a message carries, is answered at an id the Cloud API accepts (a BSUID as `recipient`),
and two people who hide their numbers are two customers, not one nameless ''."""

from __future__ import annotations

from sqlalchemy import select

from core.services import cart, catalog, customers, orders, outbox
from core.store import tables
from tests.conftest import MERCHANT
from tests.e2e.test_whatsapp import place_cod_order
from tests.e2e.whatsapp_driver import WhatsAppUser, whatsapp_shop

ANA, LUIS = "5215512345678", "5215587654321"


def before_user_ids(payload: dict) -> dict:
    """The payload as Meta sent it before April 2026: phone numbers only."""
    for entry in payload["entry"]:
        for change in entry["changes"]:
            for message in change["value"].get("messages", []):
                message.pop("from_user_id", None)
            for contact in change["value"].get("contacts", []):
                contact.pop("user_id", None)
    return payload


async def whatsapp_customers(shop) -> list[str]:
    async with shop.uow(write=False) as uow:
        rows = await uow.conn.execute(
            select(tables.customers.c.external_id).where(tables.customers.c.channel == "whatsapp")
        )
        return sorted(rows.scalars())


async def test_two_people_without_phone_numbers_are_two_customers_answered_by_user_id(
    demo_shop,
):
    async with whatsapp_shop(demo_shop) as wa:
        ana_id, luis_id = wa.double.hide_phone(ANA), wa.double.hide_phone(LUIS, "luis.mx")
        ana, luis = WhatsAppUser(wa, ANA, "Ana"), WhatsAppUser(wa, LUIS, "Luis")

        assert "¡Hola, Ana!" in await ana.says("Hola")
        assert "¡Hola, Luis!" in await luis.says("Hola")

        assert await whatsapp_customers(demo_shop) == sorted([ana_id, luis_id])
        for person, user_id in ((ANA, ana_id), (LUIS, luis_id)):
            answers = wa.double.sent(person)
            assert answers and all(a["recipient"] == user_id and "to" not in a for a in answers)
        assert wa.double.rejected == []


async def test_a_person_first_known_by_user_id_keeps_their_cart_when_their_number_shows(
    demo_shop,
):
    async with whatsapp_shop(demo_shop) as wa:
        wa.double.hide_phone(ANA)
        ana = WhatsAppUser(wa, ANA)
        await ana.says("Hola")
        await ana.taps("Catálogo")
        await ana.taps("Hogar")
        await ana.taps("Vela de lavanda")
        await ana.taps("Agregar 1")

        wa.double.show_phone(ANA)  # a message with both ids
        assert "Vela de lavanda" in await ana.says("carrito")
        # An older client's payload naming her by phone only finds her too.
        await wa.deliver(before_user_ids(wa.double.user_text(ANA, "carrito")))
        assert "Vela de lavanda" in ana.screen(last=1)

        assert len(await whatsapp_customers(demo_shop)) == 1
        assert wa.double.rejected == []


async def test_a_person_first_known_by_phone_keeps_their_orders_when_the_number_is_hidden(
    demo_shop,
):
    async with whatsapp_shop(demo_shop) as wa:
        ana = WhatsAppUser(wa, ANA)
        await wa.deliver(before_user_ids(wa.double.user_text(ANA, "Hola")))
        code = await place_cod_order(ana)  # her messages carry both ids now

        wa.double.hide_phone(ANA)
        assert code in await ana.says("mis pedidos")

        assert await whatsapp_customers(demo_shop) == [ANA]
        assert all(a.get("to") == ANA for a in wa.double.sent(ANA))  # by phone, as Meta prefers
        assert wa.double.rejected == []


async def test_two_customers_that_turn_out_to_be_one_person_are_one_from_then_on(demo_shop):
    async with whatsapp_shop(demo_shop) as wa:
        ana = WhatsAppUser(wa, ANA)
        await wa.deliver(before_user_ids(wa.double.user_text(ANA, "Hola")))  # by phone
        candle = await catalog.get_product(demo_shop, sku="VELA-LAV")
        by_phone = await customers.identify(demo_shop, "whatsapp", ANA)
        await cart.add_to_cart(demo_shop, by_phone.id, candle.id)

        wa.double.hide_phone(ANA)  # by user id alone: nothing tells it is her yet
        assert "carrito está vacío" in await ana.says("carrito")
        assert len(await whatsapp_customers(demo_shop)) == 2

        wa.double.show_phone(ANA)
        assert "Vela de lavanda" in await ana.says("carrito")  # both ids: the phone's person
        wa.double.hide_phone(ANA)
        assert "Vela de lavanda" in await ana.says("carrito")  # the user id is hers now
        assert wa.double.rejected == []


async def test_notices_and_receipts_reach_a_person_known_only_by_user_id(demo_shop):
    async with whatsapp_shop(demo_shop) as wa:
        ana_id = wa.double.hide_phone(ANA)
        ana = WhatsAppUser(wa, ANA)
        code = await place_cod_order(ana)

        await orders.confirm_order(demo_shop, MERCHANT, code)
        await wa.outbox()
        notice = wa.double.last_sent(ANA)
        assert notice["recipient"] == ana_id and "confirmado" in ana.screen(last=1)

        await wa.deliver(wa.double.status_update(notice["_wamid"], "read"))  # no phone in it
        confirmed = [m for m in await outbox.messages(wa.shop) if m.kind == "order_confirmed"]
        assert confirmed[0].status == "sent" and confirmed[0].delivery_status == "read"
        assert wa.double.rejected == []
