"""The address at checkout (issue #13): a whole address typed in one message is read
back part by part for one "right / fix", only the missing parts are asked, phones and
postal codes are checked with a clear re-ask, a shared location is kept beside the
written address, and "Back" goes back exactly one question."""

from __future__ import annotations

import re

import pytest

from core.services import customers, orders
from core.services.context import Shop
from handlers.admin.cards import order_card
from handlers.customer.checkout import CHECKOUT_STEPS
from handlers.i18n import Translator
from tests.conftest import ADDRESS, MERCHANT
from tests.e2e.chat_driver import ChatDriver

pytestmark = pytest.mark.sqlite_only  # the conversation, not the store: see tests/conftest.py

ONE_LINE = "Av Insurgentes Sur 1234 int 5, col del valle, benito juarez, cdmx, cp 03100"


async def at_street_question(chat: ChatDriver, phone: str = "55 1234 5678") -> str:
    await chat.open()
    await chat.type("Vela de lavanda")
    await chat.press("Vela de lavanda")
    await chat.press("Add 1 to cart")
    await chat.press("Check out")
    await chat.type("Ana López")
    return await chat.type(phone)


def payloads(chat: ChatDriver) -> list[str]:
    return [b.payload for b in chat.chat.buttons]


async def step_of(shop: Shop, chat: ChatDriver) -> str:
    async with shop.uow(write=False) as uow:
        record = await uow.conversations.load("terminal", chat.chat.user_id)
    return record.state


async def place(chat: ChatDriver) -> str:
    await chat.press("Standard")
    await chat.press("Cash on delivery")
    placed = await chat.press("Confirm order")
    return re.search(r"(PED-\w{5})", placed).group(1)


async def test_a_whole_address_in_one_line_is_read_back_and_confirmed_once(demo_shop):
    chat = ChatDriver(demo_shop, locale="en")
    assert "Street and number?" in await at_street_question(chat)
    shown = await chat.type(ONE_LINE)
    assert "Is this the address?" in shown
    assert "Street and number: Av Insurgentes Sur 1234 int 5" in shown
    assert "Neighbourhood (colonia): Del Valle" in shown
    assert "City or municipality: Benito Juarez" in shown
    assert "State: Ciudad de México" in shown
    assert "Postal code: 03100" in shown
    assert {"ck:addr_ok", "ck:addr_fix", "ck:back"} <= set(payloads(chat))

    assert "Any references for the courier" in await chat.press("That's right")
    summary = await chat.press("No references")
    assert "How should we ship it?" in summary
    await chat.press("Standard")
    summary = await chat.press("Cash on delivery")
    assert (
        "Deliver to: Av Insurgentes Sur 1234 int 5, Del Valle, Benito Juarez, "
        "Ciudad de México, 03100" in summary
    )
    placed = await chat.press("Confirm order")
    code = re.search(r"(PED-\w{5})", placed).group(1)
    address = (await orders.order_details(demo_shop, code, MERCHANT)).order.address
    assert address["postal_code"] == "03100" and address["state"] == "Ciudad de México"
    assert address["typed"] == ONE_LINE  # what the customer typed is kept as typed


async def test_only_the_missing_parts_are_asked_after_a_partial_address(demo_shop):
    chat = ChatDriver(demo_shop, locale="en")
    await at_street_question(chat)
    shown = await chat.type("Reforma 222 col Juárez cp 06600")
    assert "Neighbourhood (colonia): Juárez" in shown and "Postal code: 06600" in shown
    assert "Still missing: city or municipality, state" in shown
    assert "City or town?" in await chat.press("That's right")
    assert "State?" in await chat.type("Cuauhtémoc")
    assert "Any references" in await chat.type("cdmx")
    await chat.press("No references")
    await chat.press("Standard")
    summary = await chat.press("Cash on delivery")
    assert "Deliver to: Reforma 222, Juárez, Cuauhtémoc, Ciudad de México, 06600" in summary


async def test_an_address_over_several_lines_is_read_too(demo_shop):
    chat = ChatDriver(demo_shop, locale="en")
    await at_street_question(chat)
    shown = await chat.type("Av Reforma 222\nCol. Juárez\nCuauhtémoc\nCDMX\n06600")
    assert "Street and number: Av Reforma 222" in shown
    assert "City or municipality: Cuauhtémoc" in shown
    assert "Still missing" not in shown


async def test_a_new_address_typed_at_the_choice_of_saved_addresses_is_read(demo_shop):
    chat = ChatDriver(demo_shop, locale="en")
    found = await customers.identify(demo_shop, "terminal", "u1", name="Ana")
    async with demo_shop.uow() as uow:
        await uow.customers.add_address(found.id, ADDRESS, demo_shop.now())
        await uow.commit(demo_shop.now())
    asked = await at_street_question(chat)
    assert "Where should we deliver it?" in asked and "Calle Morelos 12" in asked
    shown = await chat.type(ONE_LINE)
    assert "Is this the address?" in shown and "Postal code: 03100" in shown
    assert "Where should we deliver it?" in await chat.press("Back")


async def test_a_spanish_address_and_phone_in_a_shop_in_spain(demo_shop):
    settings = demo_shop.settings.model_copy(update={"store_country": "ES"})
    shop = Shop(demo_shop.db, settings, clock=demo_shop.clock)
    chat = ChatDriver(shop, locale="en")
    refused = await at_street_question(chat, phone="55 1234 5678")
    assert "Spanish phone number" in refused and "9 digits" in refused
    await chat.type("612 34 56 78")
    shown = await chat.type("Calle Mayor 5, 3º B, 28013 Madrid")
    assert "Street and number: Calle Mayor 5, 3º B" in shown
    assert "Postal code: 28013" in shown and "City or municipality: Madrid" in shown
    assert "Still missing" not in shown
    await chat.press("That's right")
    await chat.press("No references")
    await chat.press("Standard")
    summary = await chat.press("Cash on delivery")
    assert "For: Ana López, +34 612 345 678" in summary


async def test_fixing_one_part_asks_that_part_and_reads_the_address_back(demo_shop):
    chat = ChatDriver(demo_shop, locale="en")
    await at_street_question(chat)
    await chat.type(ONE_LINE)
    which = await chat.press("Fix something")
    assert "What should I change?" in which
    assert {"ck:fix:street", "ck:fix:postal_code", "ck:retype", "ck:back"} <= set(payloads(chat))
    assert "Postal code?" in await chat.press("Postal code")
    assert "5 digits" in await chat.type("3100")  # checked here too
    shown = await chat.type("03104")
    assert "Is this the address?" in shown and "Postal code: 03104" in shown
    assert "Street and number: Av Insurgentes Sur 1234 int 5" in shown  # the rest is kept

    await chat.press("Fix something")
    assert "Street and number?" in await chat.press("Type it all again")
    shown = await chat.type("Calle 5 de Mayo 10, Centro, Puebla, Puebla, 72000")
    assert "Postal code: 72000" in shown and "Neighbourhood (colonia): Centro" in shown


async def test_an_address_that_cant_be_split_without_guessing_is_asked_part_by_part(
    demo_shop,
):
    chat = ChatDriver(demo_shop, locale="en")
    await at_street_question(chat)
    asked = await chat.type("Av Reforma 222, Juárez")  # Juárez: the colonia or the city?
    assert "Is this the address?" not in asked
    assert "Neighbourhood (colonia)?" in asked


async def test_phones_are_written_one_way_and_a_wrong_one_is_asked_again(demo_shop):
    chat = ChatDriver(demo_shop, locale="en")
    refused = await at_street_question(chat, phone="55 1234 567")
    assert "Mexican phone number" in refused and "10 digits" in refused
    assert await step_of(demo_shop, chat) == "checkout_phone"
    assert "Street and number?" in await chat.type("044 (55) 1234-5678")
    for answer in ("Calle 1", "Centro", "Oaxaca", "Oaxaca"):
        await chat.type(answer)
    refused = await chat.type("6800")
    assert "A postal code has 5 digits" in refused
    assert "Any references" in await chat.type("C.P. 68000")
    await chat.press("No references")
    await chat.press("Standard")
    summary = await chat.press("Cash on delivery")
    assert "For: Ana López, +52 55 1234 5678" in summary
    assert "Deliver to: Calle 1, Centro, Oaxaca, 68000" in summary


async def test_a_shared_location_is_kept_beside_the_written_address(demo_shop):
    chat = ChatDriver(demo_shop, locale="en")
    await at_street_question(chat)
    answer = await chat.type("/location 19.4326,-99.1332")
    assert "street, postal code and city" in answer  # why it is still asked
    assert "Street and number?" in answer
    await chat.type(ONE_LINE)
    await chat.press("That's right")
    await chat.press("No references")
    await chat.press("Standard")
    summary = await chat.press("Cash on delivery")
    assert "Ciudad de México, 03100" in summary
    assert "maps.google.com/?q=19.432600,-99.133200" in summary
    code = await chat.press("Confirm order")
    code = re.search(r"(PED-\w{5})", code).group(1)
    details = await orders.order_details(demo_shop, code, MERCHANT)
    address = details.order.address
    assert (address["latitude"], address["longitude"]) == (19.4326, -99.1332)
    assert address["street"] == "Av Insurgentes Sur 1234 int 5"
    card = order_card(demo_shop, Translator("en"), details).text  # the admins' order card
    assert "Benito Juarez, Ciudad de México, 03100" in card
    assert "maps.google.com/?q=19.432600,-99.133200" in card


async def test_a_location_shared_later_at_an_address_question_is_attached(demo_shop):
    chat = ChatDriver(demo_shop, locale="en")
    await at_street_question(chat)
    await chat.type("Calle 1")
    answer = await chat.type("/location 17.06,-96.72")
    assert "Neighbourhood (colonia)?" in answer  # the same question again
    for typed in ("Centro", "Oaxaca", "Oaxaca", "68000"):
        await chat.type(typed)
    await chat.press("No references")
    code = await place(chat)
    address = (await orders.order_details(demo_shop, code, MERCHANT)).order.address
    assert (address["street"], address["latitude"]) == ("Calle 1", 17.06)


async def test_back_goes_back_exactly_one_question_and_keeps_the_answers(demo_shop):
    chat = ChatDriver(demo_shop, locale="en")
    await at_street_question(chat)
    await chat.type("Av. Reforma 222")
    assert "City or town?" in await chat.type("Juárez")
    back = await chat.press("Back")
    assert "Neighbourhood (colonia)?" in back and "Use Juárez" in back
    back = await chat.press("Back")
    assert "Street and number?" in back and "Use Av. Reforma 222" in back
    assert "Neighbourhood (colonia)?" in await chat.press("Use Av. Reforma 222")
    assert "City or town?" in await chat.press("Use Juárez")
    for typed in ("Ciudad de México", "CDMX", "06600"):
        await chat.type(typed)
    assert "How should we ship it?" in await chat.press("No references")
    assert "Any references" in await chat.press("Back")  # shipping ← the last address question
    await chat.press("No references")
    await chat.press("Standard")
    assert "How should we ship it?" in await chat.press("Back")
    await chat.press("Standard")
    summary = await chat.press("Cash on delivery")
    assert "How do you want to pay?" in await chat.press("Back")
    summary = await chat.press("Cash on delivery")
    assert "Deliver to: Av. Reforma 222, Juárez, Ciudad de México, 06600" in summary


async def test_back_from_a_whole_address_goes_through_its_questions(demo_shop):
    chat = ChatDriver(demo_shop, locale="en")
    await at_street_question(chat)
    await chat.type("Reforma 222 col Juárez cp 06600")
    await chat.press("That's right")  # → the city, which was missing
    assert "Is this the address?" in await chat.press("Back")
    assert "Street and number?" in await chat.press("Back")
    assert "What phone number" in await chat.press("Back")
    assert "What name" in await chat.press("Back")


async def test_back_from_shipping_after_a_saved_address_goes_to_the_address_choice(demo_shop):
    chat = ChatDriver(demo_shop, locale="en")
    found = await customers.identify(demo_shop, "terminal", "u1", name="Ana")
    async with demo_shop.uow() as uow:
        await uow.customers.add_address(found.id, ADDRESS, demo_shop.now())
        await uow.commit(demo_shop.now())
    await at_street_question(chat)
    assert "How should we ship it?" in await chat.press("Calle Morelos 12")
    assert "Where should we deliver it?" in await chat.press("Back")


async def test_every_checkout_question_but_the_first_offers_back(demo_shop):
    chat = ChatDriver(demo_shop, locale="en")
    await chat.open()
    await chat.type("Vela de lavanda")
    await chat.press("Vela de lavanda")
    await chat.press("Add 1 to cart")
    await chat.press("Check out")
    assert "ck:back" not in payloads(chat)  # the name: nothing before it
    answers = [
        ("type", "Ana López"),
        ("type", "5512345678"),
        ("type", "Calle Pino 34, Col. Roma Norte, Cuauhtémoc, CDMX"),  # no postal code
        ("press", "Fix something"),
        ("press", "Back"),
        ("press", "That's right"),
        ("type", "06700"),
        ("press", "No references"),
        ("press", "Standard"),
        ("press", "Cash on delivery"),
    ]
    for how, answer in answers:
        await (chat.type(answer) if how == "type" else chat.press(answer))
        step = await step_of(demo_shop, chat)
        assert "ck:back" in payloads(chat), (answer, step)
        assert step in CHECKOUT_STEPS


@pytest.mark.parametrize(
    "question",
    ["address", "confirm_address", "fix", "shipping", "payment", "summary"],
)
async def test_an_answer_that_matches_no_option_asks_again_and_keeps_the_checkout(
    demo_shop, question
):
    chat = ChatDriver(demo_shop, locale="en")
    found = await customers.identify(demo_shop, "terminal", "u1", name="Ana")
    async with demo_shop.uow() as uow:
        await uow.customers.add_address(found.id, ADDRESS, demo_shop.now())
        await uow.commit(demo_shop.now())
    await at_street_question(chat)
    if question in ("confirm_address", "fix"):
        await chat.press("A new address")
        await chat.type(ONE_LINE)
    if question == "fix":
        await chat.press("Fix something")
    if question in ("shipping", "payment", "summary"):
        await chat.press("Calle Morelos 12")
    if question in ("payment", "summary"):
        await chat.press("Standard")
    if question == "summary":
        await chat.press("Cash on delivery")
    before = await step_of(demo_shop, chat)
    answer = await chat.type("mañana temprano")
    assert "Please choose" in answer or "Choose one" in answer, answer
    assert await step_of(demo_shop, chat) == before


async def test_en_espanol_la_direccion_se_confirma_y_se_corrige_escribiendo(demo_shop):
    chat = ChatDriver(demo_shop, locale="es")
    await chat.open()
    await chat.type("Vela de lavanda")
    await chat.press("Vela de lavanda")
    await chat.press("Agregar 1 al carrito")
    await chat.press("Finalizar compra")
    await chat.type("Ana López")
    assert "¿Calle y número?" in await chat.type("55 1234 5678")
    leida = await chat.type(ONE_LINE)
    assert "¿Es esta la dirección?" in leida
    assert "Colonia: Del Valle" in leida and "Código postal: 03100" in leida
    assert "¿Alguna referencia" in await chat.type("sí")
    assert "¿Es esta la dirección?" in await chat.type("volver")
    assert "¿Qué quieres corregir?" in await chat.type("corregir")
    assert "¿Código postal?" in await chat.press("Código postal")
    assert "tiene 5 dígitos" in await chat.type("031")
    assert "Código postal: 03104" in await chat.type("03104")
    assert "¿Alguna referencia" in await chat.type("correcto")
    assert "¿Cómo te lo enviamos?" in await chat.type("no")  # no references


async def test_going_back_to_the_phone_and_on_again_keeps_the_address_begun(demo_shop):
    chat = ChatDriver(demo_shop, locale="en")
    await at_street_question(chat)
    await chat.type("Reforma 222 col Juárez cp 06600")
    await chat.press("Back")  # the street
    phone = await chat.press("Back")
    assert "What phone number" in phone and "Use +52 55 1234 5678" in phone
    again = await chat.press("Use +52 55 1234 5678")
    assert "Street and number?" in again and "Use Reforma 222" in again
    assert "Is this the address?" in await chat.press("Use Reforma 222")  # read back again


@pytest.mark.parametrize(
    ("locale", "shipping", "payment", "yes", "method"),
    [
        ("es", "estandar", "transferencia", "si", "bank_transfer"),
        ("es", "express", "efectivo", "sí", "cash_on_delivery"),
        ("en", "express", "cash", "yes", "cash_on_delivery"),
        ("en", "standard", "bank transfer", "ok", "bank_transfer"),
    ],
)
async def test_every_option_of_the_checkout_can_be_typed(
    demo_shop, locale, shipping, payment, yes, method
):
    chat = ChatDriver(demo_shop, locale=locale)
    await chat.open()
    await chat.type("Vela de lavanda")
    await chat.press("Vela de lavanda")
    await chat.type("1")  # the product card's first button: add one
    await chat.type("pagar" if locale == "es" else "checkout")
    await chat.type("Ana López")
    await chat.type("55 1234 5678")
    await chat.type(ONE_LINE)
    await chat.type(yes)  # the address is right
    await chat.type("no")  # no references
    assert await step_of(demo_shop, chat) == "checkout_shipping"
    await chat.type(shipping)
    assert await step_of(demo_shop, chat) == "checkout_payment"
    await chat.type("volver")  # one question back, and on again
    assert await step_of(demo_shop, chat) == "checkout_shipping"
    await chat.type(shipping)
    await chat.type(payment)
    assert await step_of(demo_shop, chat) == "checkout_confirm"
    placed = await chat.type(yes)
    code = re.search(r"(PED-\w{5})", placed).group(1)
    order = (await orders.order_details(demo_shop, code, MERCHANT)).order
    assert (order.shipping_method, str(order.payment_method)) == (
        "express" if shipping == "express" else "standard",
        method,
    )


async def test_a_question_typed_mid_checkout_is_answered_and_the_checkout_goes_on(demo_shop):
    chat = ChatDriver(demo_shop, locale="es")
    await chat.open()
    await chat.type("Vela de lavanda")
    await chat.press("Vela de lavanda")
    await chat.press("Agregar 1 al carrito")
    await chat.press("Finalizar compra")
    await chat.type("Ana López")
    answer = await chat.type("cuanto cuesta el envio a monterrey?")
    assert "Monterrey" in answer and "$99.00" in answer
    assert "no parece un número" not in answer
    assert "teléfono" in answer  # the phone question, asked again
    assert await step_of(demo_shop, chat) == "checkout_phone"
    answer = await chat.type("aceptan tarjeta?")
    assert "teléfono" in answer and await step_of(demo_shop, chat) == "checkout_phone"
    await chat.type("55 1234 5678")
    assert await step_of(demo_shop, chat) == "address_street"
    await chat.type("Calle Hidalgo 12")  # a street is never taken for a question
    assert await step_of(demo_shop, chat) != "address_street"
