"""What customers type at checkout instead of the bare answer (a customer trial): wanting
to stop in a sentence ("mejor no, quiero cancelar") at any question, a sentence where
the name goes, a phone number inside a sentence, and options chosen in their own words
("el normal porfa", "pago en efectivo cuando llegue"). Spanish and English."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from core.services.context import Shop
from tests.e2e.chat_driver import ChatDriver

pytestmark = pytest.mark.sqlite_only  # the conversation, not the store: see tests/conftest.py

ADDRESS = "Av Insurgentes Sur 1234 int 5, col del valle, benito juarez, cdmx, cp 03100"


@dataclass(frozen=True)
class Words:
    add: str
    check_out: str
    name_question: str
    phone_question: str
    street_question: str
    colonia_question: str
    references_question: str
    shipping_question: str
    payment_question: str
    right: str
    no_references: str
    cancelled: str
    not_a_name: str
    bad_phone: str
    which_phone: str
    choose: str
    two_options: str
    use: str
    summary: str
    standard: str
    express: str
    cash: str
    transfer: str
    card: str
    no_cards: str


ES = Words(
    add="Agregar 1",
    check_out="Finalizar compra",
    name_question="¿A nombre de quién va el pedido?",
    phone_question="¿A qué número puede llamar el repartidor?",
    street_question="¿Calle y número?",
    colonia_question="¿Colonia?",
    references_question="¿Alguna referencia para el repartidor",
    shipping_question="¿Cómo te lo enviamos?",
    payment_question="¿Cómo quieres pagar?",
    right="Correcto",
    no_references="Sin referencias",
    cancelled="Cancelaste la compra. Tu carrito sigue guardado.",
    not_a_name="Eso no parece un nombre.",
    bad_phone="Eso no parece un número de teléfono de México.",
    which_phone="Veo más de un número: +52 55 1234 5678, +52 33 1234 5678.",
    choose="Elige una de las opciones de abajo, por favor.",
    two_options="Mencionaste más de una opción. ¿Cuál quieres?",
    use="Usar",
    summary="Revisa tu pedido, por favor:",
    standard="Método de envío: Estándar",
    express="Método de envío: Exprés",
    cash="Pago: Pago contra entrega",
    transfer="Pago: Transferencia bancaria",
    card="Pago: Tarjeta",
    no_cards="Por ahora no hay pago con tarjeta en este chat.",
)
EN = Words(
    add="Add 1 to cart",
    check_out="Check out",
    name_question="What name should the order go under?",
    phone_question="What phone number can the courier call?",
    street_question="Street and number?",
    colonia_question="Neighbourhood (colonia)?",
    references_question="Any references for the courier",
    shipping_question="How should we ship it?",
    payment_question="How do you want to pay?",
    right="That's right",
    no_references="No references",
    cancelled="Checkout cancelled. Your cart is still saved.",
    not_a_name="That doesn't look like a name.",
    bad_phone="That doesn't look like a Mexican phone number.",
    which_phone="I see more than one number: +52 55 1234 5678, +52 33 1234 5678.",
    choose="Please choose one of the options below.",
    two_options="You mentioned more than one option. Which one do you want?",
    use="Use",
    summary="Please check your order:",
    standard="Shipping method: Standard",
    express="Shipping method: Express",
    cash="Payment: Cash on delivery",
    transfer="Payment: Bank transfer",
    card="Payment: Card",
    no_cards="Card payments aren't available in this chat yet.",
)
LANGS = [pytest.param("es", ES, id="es"), pytest.param("en", EN, id="en")]


async def at_name(shop: Shop, locale: str, w: Words, user: str = "u1") -> ChatDriver:
    chat = ChatDriver(shop, user, locale=locale)
    await chat.open()
    await chat.type("Vela de lavanda")
    await chat.press("Vela de lavanda")
    await chat.press(w.add)
    assert w.name_question in await chat.press(w.check_out)
    return chat


async def at_shipping(shop: Shop, locale: str, w: Words, user: str = "u1") -> ChatDriver:
    chat = await at_name(shop, locale, w, user)
    await chat.type("Ana López")
    await chat.type("55 1234 5678")
    await chat.type(ADDRESS)
    await chat.press(w.right)
    assert w.shipping_question in await chat.press(w.no_references)
    return chat


async def step_of(shop: Shop, chat: ChatDriver) -> str:
    async with shop.uow(write=False) as uow:
        record = await uow.conversations.load("terminal", chat.chat.user_id)
    return record.state


def labels(chat: ChatDriver) -> list[str]:
    return [b.label for b in chat.chat.buttons]


# -- 1. wanting to stop, and sentences where the name goes ---------------------------------

STOP_AT_NAME = {
    "es": ["mejor no, quiero cancelar", "ya no quiero nada", "cancélalo porfa"],
    "en": ["actually i want to cancel it", "never mind, forget it", "I changed my mind"],
}


@pytest.mark.parametrize("locale, w", LANGS)
async def test_wanting_to_stop_at_the_name_question_cancels_as_the_button(demo_shop, locale, w):
    for n, said in enumerate(STOP_AT_NAME[locale]):
        chat = await at_name(demo_shop, locale, w, user=f"stop{n}")
        shown = await chat.type(said)
        assert w.cancelled in shown, said
        assert await step_of(demo_shop, chat) == "menu"
        # the sentence was never kept as the name: the next checkout offers the real one
        await chat.press("Mi carrito" if locale == "es" else "My cart")
        await chat.press(w.check_out)
        assert [label for label in labels(chat) if label.startswith(w.use)] == [f"{w.use} Ana"]


STOP_LATER = {
    # (the answers before, what is typed, the question it is typed at)
    "es": [
        ([], "quiero cancelar", "phone"),
        (["55 1234 5678", "Reforma 222"], "ya no quiero nada, gracias", "colonia"),
        (["55 1234 5678", ADDRESS, "Correcto"], "olvídalo, ya no lo quiero", "references"),
    ],
    "en": [
        ([], "I want to cancel", "phone"),
        (["55 1234 5678", "Reforma 222"], "actually i want to cancel it", "colonia"),
        (["55 1234 5678", ADDRESS, "That's right"], "forget it", "references"),
    ],
}


@pytest.mark.parametrize("locale, w", LANGS)
async def test_wanting_to_stop_at_any_typed_question_cancels(demo_shop, locale, w):
    asked = {
        "phone": w.phone_question,
        "colonia": w.colonia_question,
        "references": w.references_question,
    }
    for n, (before, said, where) in enumerate(STOP_LATER[locale]):
        chat = await at_name(demo_shop, locale, w, user=f"later{n}")
        shown = await chat.type("Ana López")
        for answer in before:
            shown = await (chat.press(answer) if answer in (w.right,) else chat.type(answer))
        assert asked[where] in shown, (said, shown)
        shown = await chat.type(said)
        assert w.cancelled in shown, said
        assert await step_of(demo_shop, chat) == "menu"


@pytest.mark.parametrize("locale, w", LANGS)
async def test_wanting_to_stop_at_the_shipping_question_cancels(demo_shop, locale, w):
    chat = await at_shipping(demo_shop, locale, w)
    said = "ya no quiero nada" if locale == "es" else "I want to cancel"
    assert w.cancelled in await chat.type(said)


NOT_NAMES = {
    "es": ["mejor no", "volver", "¿para qué lo necesitan?", "no quiero dar mi nombre"],
    "en": ["go back", "why do you need it?", "nope, i'd rather not", "I need help"],
}


@pytest.mark.parametrize("locale, w", LANGS)
async def test_a_sentence_is_not_kept_as_the_name(demo_shop, locale, w):
    chat = await at_name(demo_shop, locale, w)
    for said in NOT_NAMES[locale]:
        shown = await chat.type(said)
        assert w.not_a_name in shown, said
        assert w.name_question in shown  # asked again, the checkout goes on
        assert [label for label in labels(chat) if label.startswith(w.use)] == [f"{w.use} Ana"]
    assert await step_of(demo_shop, chat) == "checkout_name"
    assert w.phone_question in await chat.type("Ana López")


REAL_NAMES = ["María José de la Cruz", "Ana", "Noé Cantú", "Jo O'Brien", "Dolores Del Río"]


@pytest.mark.parametrize("locale, w", LANGS)
async def test_real_names_are_still_kept(demo_shop, locale, w):
    for n, name in enumerate(REAL_NAMES):
        chat = await at_name(demo_shop, locale, w, user=f"name{n}")
        assert w.phone_question in await chat.type(name), name
        await chat.press("Volver" if locale == "es" else "Back")
        assert f"{w.use} {name}" in labels(chat)


@pytest.mark.parametrize("locale, w", LANGS)
async def test_the_name_is_taken_from_my_name_is(demo_shop, locale, w):
    chat = await at_name(demo_shop, locale, w)
    said = "mi nombre es Lucía Gómez" if locale == "es" else "my name is Lucía Gómez"
    assert w.phone_question in await chat.type(said)
    await chat.press("Volver" if locale == "es" else "Back")
    assert f"{w.use} Lucía Gómez" in labels(chat)


# -- 2. a phone number inside a sentence ----------------------------------------------------

PHONES = {
    "es": [
        ("mi cel es 55 1234 5678", "+52 55 1234 5678"),
        ("mi numero es 5512345678", "+52 55 1234 5678"),
        ("tel 55-1234-5678", "+52 55 1234 5678"),
        ("es el +52 33 1234 5678 gracias", "+52 33 1234 5678"),
    ],
    "en": [
        ("my number is +52 33 1234 5678", "+52 33 1234 5678"),
        ("tel 55-1234-5678", "+52 55 1234 5678"),
        ("it's (55) 1234 5678, call after 5", "+52 55 1234 5678"),
        ("cell: 5512345678 thanks", "+52 55 1234 5678"),
    ],
}


@pytest.mark.parametrize("locale, w", LANGS)
async def test_a_phone_number_is_taken_out_of_a_sentence(demo_shop, locale, w):
    for n, (said, kept) in enumerate(PHONES[locale]):
        chat = await at_name(demo_shop, locale, w, user=f"tel{n}")
        await chat.type("Ana López")
        shown = await chat.type(said)
        assert w.bad_phone not in shown, said
        assert w.street_question in shown, said
        await chat.press("Volver" if locale == "es" else "Back")
        assert f"{w.use} {kept}" in labels(chat), said


@pytest.mark.parametrize("locale, w", LANGS)
async def test_two_numbers_are_asked_which_and_garbage_is_still_refused(demo_shop, locale, w):
    chat = await at_name(demo_shop, locale, w)
    await chat.type("Ana López")
    two = "55 1234 5678 o 33 1234 5678" if locale == "es" else "5512345678 or 3312345678"
    shown = await chat.type(two)
    assert w.which_phone in shown
    assert await step_of(demo_shop, chat) == "checkout_phone"
    for garbage in ("mi cel es 123", "55 1234 567", "no tengo", "call me at 12-34"):
        shown = await chat.type(garbage)
        assert w.bad_phone in shown, garbage
        assert await step_of(demo_shop, chat) == "checkout_phone"
    assert w.street_question in await chat.type("33 1234 5678")


# -- 3. options chosen in the customer's own words ------------------------------------------

SHIPPING = {
    "es": [("el normal porfa", "standard"), ("el rapido", "express"),
           ("el express", "express"), ("el mas barato", "standard"),
           ("el más rápido porfa", "express")],
    "en": [("the normal one please", "standard"), ("express please", "express"),
           ("the cheapest", "standard"), ("the fastest one", "express")],
}  # fmt: skip
PAYMENT = {
    "es": [("pago en efectivo cuando llegue", "cash"), ("en efectivo al recibir", "cash"),
           ("transferencia porfa", "transfer"), ("por deposito o spei", "transfer")],
    "en": [("cash when it arrives", "cash"), ("i'll pay cash on delivery thanks", "cash"),
           ("bank transfer please", "transfer"), ("by transfer", "transfer")],
}  # fmt: skip


@pytest.mark.parametrize("locale, w", LANGS)
async def test_shipping_and_payment_typed_in_a_sentence_are_chosen(demo_shop, locale, w):
    shown_of = {"standard": w.standard, "express": w.express, "cash": w.cash}
    shown_of["transfer"] = w.transfer
    for n, ((ship_said, ship), (pay_said, pay)) in enumerate(
        zip(SHIPPING[locale], PAYMENT[locale] * 2, strict=False)
    ):
        chat = await at_shipping(demo_shop, locale, w, user=f"opt{n}")
        shown = await chat.type(ship_said)
        assert w.payment_question in shown, ship_said
        summary = await chat.type(pay_said)
        assert w.summary in summary, pay_said
        assert shown_of[ship] in summary, ship_said
        assert shown_of[pay] in summary, pay_said


@pytest.mark.parametrize("locale, w", LANGS)
async def test_an_answer_naming_two_options_is_asked_again(demo_shop, locale, w):
    chat = await at_shipping(demo_shop, locale, w)
    shown = await chat.type("el normal o el express" if locale == "es" else "standard or express")
    assert w.two_options in shown and w.shipping_question in shown
    await chat.type("el normal" if locale == "es" else "standard")
    shown = await chat.type("efectivo o transferencia" if locale == "es" else "cash or transfer")
    assert w.two_options in shown and w.payment_question in shown
    assert await step_of(demo_shop, chat) == "checkout_payment"
    # an option said not to be wanted is not chosen; the other one is
    said = "no tengo efectivo, transferencia" if locale == "es" else "no cash, bank transfer"
    assert w.transfer in await chat.type(said)


class LinkProvider:
    """Cards are taken through a payment link (only offered here: no order is placed)."""

    name = "stripe"


@pytest.mark.parametrize("locale, w", LANGS)
async def test_a_card_named_in_a_sentence(demo_shop, locale, w):
    said = "con tarjeta porfa" if locale == "es" else "with my card please"
    chat = await at_shipping(demo_shop, locale, w)
    await chat.type("el normal" if locale == "es" else "standard")
    shown = await chat.type(said)
    assert w.no_cards in shown and w.payment_question in shown  # said why, asked again

    demo_shop.payment_providers = (LinkProvider(),)
    chat = await at_shipping(demo_shop, locale, w, user="card")
    await chat.type("el normal" if locale == "es" else "standard")
    assert w.card in await chat.type(said)


# -- a yes in a few words --------------------------------------------------------------------

AGREEING = {
    "es": ["sí, está bien", "si todo correcto", "así está bien, gracias"],
    "en": ["yes thats right", "yes, the address is fine", "yep all good"],
}


@pytest.mark.parametrize("locale, w", LANGS)
async def test_a_yes_in_a_few_words_confirms_the_address_and_a_no_does_not(demo_shop, locale, w):
    for n, said in enumerate(AGREEING[locale]):
        chat = await at_name(demo_shop, locale, w, user=f"yes{n}")
        await chat.type("Ana López")
        await chat.type("55 1234 5678")
        await chat.type(ADDRESS)
        assert w.references_question in await chat.type(said), said
    chat = await at_name(demo_shop, locale, w, user="no")
    await chat.type("Ana López")
    await chat.type("55 1234 5678")
    await chat.type(ADDRESS)
    refused = "no, no está bien" if locale == "es" else "no that's not right"
    assert w.references_question not in await chat.type(refused)
