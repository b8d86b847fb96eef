"""The limits against stock hoarding and flooding, as people meet them in the chat: the
cap on unpaid orders, the reminder and release of an order nobody confirmed, one open
support case, and the per-person limit on incoming messages."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from core.domain.orders import PaymentMethod
from core.services import cart, expiry
from core.services.context import Shop
from core.store.tables import outbox, support_cases
from handlers.types import Incoming, Reply
from tests.conftest import add_product, buy, new_buyer, test_settings
from tests.e2e.chat_driver import ChatDriver

SLOW_DOWN_EN = "You're sending messages very fast. Give me a moment, then try again."
SLOW_DOWN_ES = "Estás enviando mensajes muy rápido. Dame un momento y vuelve a intentarlo."


async def count(shop: Shop, query) -> int:
    async with shop.uow(write=False) as uow:
        return (await uow.conn.execute(query)).scalar_one()


# -- the cap on open unpaid orders ------------------------------------------------------


async def test_a_fourth_unpaid_order_is_refused_in_spanish_with_the_codes_and_a_way_out(shop):
    mug = await add_product(shop, "MUG", name="Taza lisa", stock=50)
    chat = ChatDriver(shop, user="u1", locale="es")
    await chat.open()
    ana = await new_buyer(shop, external_id="u1")  # the person in this chat
    codes = [(await buy(shop, ana, {mug: 1})).code for _ in range(3)]
    await cart.add_to_cart(shop, ana.customer_id, mug, 2)

    await chat.type("/carrito")
    refused = await chat.press("Finalizar compra")
    assert (
        "Ya tienes 3 pedidos esperando pago o la confirmación de la tienda: "
        f"{codes[2]}, {codes[1]}, {codes[0]}." in refused
    )
    assert (
        "Para hacer uno nuevo, paga alguno (si es por transferencia, envía aquí el "
        "comprobante) o cancela el que ya no quieras. Tu carrito sigue guardado." in refused
    )
    assert "¿A nombre de quién va el pedido?" not in refused
    assert [b.label for b in chat.chat.buttons] == [*reversed(codes), "Mis pedidos", "Menú"]

    # The way out it names: open one, cancel it, and checkout goes on.
    await chat.press(codes[0])
    await chat.press("Cancelar pedido")
    await chat.press("Sí, cancelar")
    await chat.type("/carrito")
    assert "¿A nombre de quién va el pedido?" in await chat.press("Finalizar compra")


async def test_a_cap_lowered_during_a_checkout_is_explained_at_confirm_in_english(shop):
    mug = await add_product(shop, "MUG", name="Plain mug", stock=50)
    chat = ChatDriver(shop, user="u1", locale="en")
    await chat.open()
    ana = await new_buyer(shop, external_id="u1")
    placed = [(await buy(shop, ana, {mug: 1}, PaymentMethod.BANK_TRANSFER)).code for _ in range(2)]
    await cart.add_to_cart(shop, ana.customer_id, mug, 1)
    await chat.type("/cart")
    await chat.press("Check out")
    await chat.type("Ana López")
    await chat.type("+52 55 1234 5678")
    await chat.press("Calle Morelos 12")  # saved with her first order
    await chat.press("Standard")
    assert "Please check your order:" in await chat.press("Cash on delivery")

    # The merchant lowers MAX_OPEN_UNPAID_ORDERS to 2 and restarts the shop meanwhile.
    restarted = Shop(
        shop.db, test_settings(str(shop.db.url), max_open_unpaid_orders=2), clock=shop.clock
    )
    chat = ChatDriver(restarted, user="u1", locale="en")
    assert "Please check your order:" in await chat.open()
    refused = await chat.press("Confirm order")
    assert (
        "You already have 2 orders waiting for payment or for the shop's confirmation: "
        f"{placed[1]}, {placed[0]}." in refused
    )
    assert (
        "To place a new one, pay one of them (for a bank transfer, send the receipt here) or "
        "cancel one you no longer want. Your cart is saved." in refused
    )
    assert not re.search(r"Order PED-\w{5} placed", refused)
    assert len((await cart.view_cart(shop, ana.customer_id)).lines) == 1


# -- an order nobody confirmed: reminded, then released ---------------------------------


async def test_a_transfer_nobody_confirmed_is_reminded_then_released_in_spanish(shop, clock):
    mug = await add_product(shop, "MUG", name="Taza lisa", stock=5)
    chat = ChatDriver(shop, user="u1", locale="es")
    await chat.open()
    admin = ChatDriver(shop, user="owner", locale="es")  # the test shop's admin
    await admin.open()
    ana = await new_buyer(shop, external_id="u1")
    code = (await buy(shop, ana, {mug: 2}, PaymentMethod.BANK_TRANSFER)).code
    await admin.refresh()  # the new-order card, out of the way

    clock.advance(hours=36)  # placed Monday 09:00 (Mexico City): released Wednesday 09:00
    await expiry.run_expiry(shop)
    reminder = await chat.refresh()
    assert (
        f"⏳ Aún no recibimos el comprobante de transferencia del pedido {code}. Envía aquí "
        "una foto antes del 4 nov, 09:00; si no, el pedido se liberará y sus productos "
        "volverán a la venta." in reminder
    )
    assert "Hablar con una persona" in reminder  # a button
    admin_reminder = await admin.refresh()
    assert (
        f"⏳ El pedido {code} sigue esperando tu confirmación. Si nadie lo confirma antes "
        "del 4 nov, 09:00, se liberará y sus productos volverán al inventario." in admin_reminder
    )
    assert "Ver pedido" in admin_reminder  # its button

    clock.advance(hours=12)
    await expiry.run_expiry(shop)
    released = await chat.refresh()
    assert (
        f"Liberamos tu pedido {code} porque no se confirmó a tiempo; sus productos volvieron "
        "a la venta. Puedes pedir de nuevo cuando quieras." in released
    )
    assert f"Se liberó el pedido {code}: nadie lo confirmó a tiempo." in await admin.refresh()
    tracking = await chat.type(code)
    assert f"Pedido {code}: vencido (no se pagó ni confirmó a tiempo)." in tracking
    assert "Recordatorio: aún sin confirmar" in tracking
    # Nothing is said twice, however often the job runs.
    await expiry.run_expiry(shop)
    assert await chat.refresh() == ""
    await chat.still_answers()  # the chat itself still answers


async def test_a_cash_order_nobody_confirmed_is_reminded_in_english(shop, clock):
    mug = await add_product(shop, "MUG", name="Plain mug", stock=5)
    chat = ChatDriver(shop, user="u1", locale="en")
    await chat.open()
    ana = await new_buyer(shop, external_id="u1")
    code = (await buy(shop, ana, {mug: 1})).code
    await chat.type("/language")
    await chat.press("English")  # her saved language: notifications follow it

    clock.advance(hours=36)
    await expiry.run_expiry(shop)
    reminder = await chat.refresh()
    assert (
        f"⏳ The shop hasn't confirmed your order {code} yet; we've reminded them. If it "
        "isn't confirmed by 4 Nov, 09:00, it will be released and its items put back on "
        "sale. Questions? Talk to a person." in reminder
    )
    clock.advance(hours=12)
    await expiry.run_expiry(shop)
    assert f"Your order {code} was released because it wasn't confirmed in time" in (
        await chat.refresh()
    )


# -- one open support case ----------------------------------------------------------------


async def test_asking_for_a_person_again_joins_the_open_case(shop):
    chat = ChatDriver(shop, user="u1", locale="en")
    await chat.open()
    admin = ChatDriver(shop, user="owner", locale="en")
    await admin.open()

    await chat.type("I want to talk to a person")
    opened = await chat.type("Do you have size L?")
    assert "Thanks, we got your message (case #1)." in opened

    again = await chat.type("talk to a person")
    assert (
        "Your request (case #1) is already with the team; they will answer you here. If "
        "you want to add something, write it now." in again
    )
    added = await chat.type("And in blue?")
    assert (
        "Thanks, I added your message to case #1. The team already has it and will answer "
        "you here." in added
    )
    alerts = await admin.refresh()
    assert alerts.count("💬 Case #1 from") == 1
    assert "💬 Case #1: “Ana” (no phone), no open order, adds:\n┃ And in blue?" in alerts
    assert "Case #2" not in alerts

    for extra in ("Hello?", "Anyone?"):  # up to three unanswered messages reach the team
        await chat.type("talk to a person")
        await chat.type(extra)
    full = await chat.type("talk to a person")
    assert (
        "The team already has your messages (case #1) and will answer you here soon. "
        "Please wait for their reply before adding more." in full
    )
    assert (await admin.refresh()).count("adds:") == 2
    assert await count(shop, select(func.count()).select_from(support_cases)) == 1

    await admin.type("/responder 1 Yes, we have it in L and blue.")
    assert "The shop replied: Yes, we have it in L and blue." in await chat.refresh()
    assert "write it now" in await chat.press("Reply")
    assert "added your message to case #1" in await chat.type("Great, I'll take it")


async def test_pedir_una_persona_otra_vez_dice_que_el_equipo_ya_lo_tiene(shop):
    chat = ChatDriver(shop, user="u1", locale="es")
    await chat.open()
    await chat.type("hablar con una persona")
    await chat.type("¿Tienen envíos a Mérida?")
    again = await chat.type("hablar con una persona")
    assert "Tu solicitud (caso #1) ya está con el equipo; te responderán por aquí." in again
    assert "Gracias, agregué tu mensaje al caso #1." in await chat.type("Es urgente")


# -- the per-person limit on incoming messages --------------------------------------------


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 500.0

    def __call__(self) -> float:
        return self.now


def limited_chat(
    shop: Shop, user: str, locale: str, clock: FakeMonotonic
) -> tuple[ChatDriver, list[list[Reply]]]:
    """A terminal chat on a shop allowing 3 messages at once, then one a second; every
    answer the conversation gives is recorded."""
    limited = Shop(
        shop.db,
        test_settings(str(shop.db.url), incoming_burst=3, incoming_per_minute=60),
        clock=shop.clock,
    )
    chat = ChatDriver(limited, user=user, locale=locale)
    conversation = chat.chat.conversation
    assert (conversation.limiter.burst, conversation.limiter.rate) == (3, 1.0)
    conversation.limiter.clock = clock
    answers: list[list[Reply]] = []
    handle = conversation.handle

    async def recorded(incoming: Incoming) -> list[Reply]:
        replies = await handle(incoming)
        answers.append(replies)
        return replies

    conversation.handle = recorded  # type: ignore[method-assign]
    return chat, answers


async def test_someone_writing_too_fast_gets_one_polite_answer_then_silence(shop):
    clock = FakeMonotonic()
    chat, answers = limited_chat(shop, "u1", "en", clock)
    await chat.open()
    await chat.type("hello")
    await chat.type("/cart")
    assert (await chat.type("catalog")).strip() == SLOW_DOWN_EN
    # Over the limit: nothing is handled, not even a request for a person.
    for line in ("talk to a person", "Please call me", "/orders", "menu"):
        assert await chat.type(line) == ""
    assert [len(replies) for replies in answers] == [1, 1, 1, 1, 0, 0, 0, 0]
    assert await count(shop, select(func.count()).select_from(support_cases)) == 0
    assert await count(shop, select(func.count()).select_from(outbox)) == 0

    # A second later one message is allowed again: exactly one answer, a normal one.
    clock.now += 1
    answer = await chat.type("Please call me")
    assert len(answers[-1]) == 1
    assert answer and SLOW_DOWN_EN not in answer
    # "talk to a person" above was never handled: this is not taken as a message for one.
    assert "case #" not in answer
    assert await count(shop, select(func.count()).select_from(support_cases)) == 0


async def test_the_polite_answer_is_in_the_persons_language(shop):
    clock = FakeMonotonic()
    chat, answers = limited_chat(shop, "u2", "es", clock)
    for _ in range(3):
        await chat.type("hola")
    assert (await chat.type("hola")).strip() == SLOW_DOWN_ES
    assert await chat.type("hola") == ""
    clock.now += 3  # quiet long enough: a new spell is told again
    for _ in range(3):
        assert await chat.type("hola") != ""
    assert (await chat.type("hola")).strip() == SLOW_DOWN_ES
    assert [len(replies) for replies in answers] == [1, 1, 1, 1, 0, 1, 1, 1, 1]


async def test_admins_are_not_limited(shop):
    clock = FakeMonotonic()
    admin, answers = limited_chat(shop, "owner", "en", clock)  # the test shop's admin
    for _ in range(10):
        assert await admin.type("/ayuda") != ""
    assert all(len(replies) == 1 for replies in answers)
    assert admin.chat.conversation.limiter.people_remembered == 0


async def test_silence_leaves_the_buttons_the_person_was_shown(shop):
    clock = FakeMonotonic()
    chat, answers = limited_chat(shop, "u1", "en", clock)
    for _ in range(4):  # three answers and the polite one
        await chat.type("hi")
    clock.now += 1
    await chat.type("hi")  # the menu again
    shown = [b.label for b in chat.chat.buttons]
    assert await chat.type("hi") == ""  # silence: the menu's buttons are still there
    assert [b.label for b in chat.chat.buttons] == shown
    clock.now += 1
    assert "Your cart is empty" in await chat.press("My cart")
    assert [len(replies) for replies in answers] == [1, 1, 1, 1, 1, 0, 1]
