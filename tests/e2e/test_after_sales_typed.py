"""After-sales messages a customer trial typed (every channel goes through the same
conversation): a rating typed with a comment, a stale "Yes, cancel it" for an order
already cancelled, and "my order never arrived" from someone with no orders."""

from __future__ import annotations

import pytest

from core.services import orders, shipping
from tests.conftest import MERCHANT, buy, new_buyer
from tests.e2e.chat_driver import ChatDriver
from tests.e2e.test_typed_quantities_and_ratings import delivered_order, product_id, rating_of

pytestmark = pytest.mark.sqlite_only  # the conversation, not the store: see tests/conftest.py

TYPED_WITH_COMMENT = [
    ("es", "5 estrellas, muy bien todo", 5, "muy bien todo"),
    ("es", "le doy un 4, llegó tarde", 4, "llegó tarde"),
    ("es", "⭐⭐⭐⭐⭐ excelente", 5, "excelente"),
    ("en", "5 stars, loved it", 5, "loved it"),
    ("en", "I give it a 3, the box was dented", 3, "the box was dented"),
    ("en", "⭐⭐ arrived late", 2, "arrived late"),
]
THANKS = {"es": "¡Gracias por tu calificación y tu comentario!",
          "en": "Thanks for your rating and your comment!"}  # fmt: skip
ASKS_COMMENT = {"es": "comentario?", "en": "add a comment"}


async def chat_in(shop, locale: str) -> ChatDriver:
    chat = ChatDriver(shop, locale=locale)
    await chat.open()
    return chat


@pytest.mark.parametrize(("locale", "typed", "stars", "comment"), TYPED_WITH_COMMENT)
async def test_a_rating_typed_with_a_comment_after_the_delivered_message(
    demo_shop, locale, typed, stars, comment
):
    chat = await chat_in(demo_shop, locale)
    code = await delivered_order(demo_shop)
    await orders.mark_delivered(demo_shop, MERCHANT, code)
    await chat.chat.poll_outbox_once()
    chat.screen()  # "delivered, how was it?"
    answer = await chat.type(typed)
    assert THANKS[locale] in answer, answer
    assert ASKS_COMMENT[locale] not in answer  # the comment was already given
    assert await rating_of(demo_shop, code) == (stars, comment)


@pytest.mark.parametrize(("locale", "typed", "stars", "comment"), TYPED_WITH_COMMENT)
async def test_a_rating_typed_with_a_comment_at_the_rating_question(
    demo_shop, locale, typed, stars, comment
):
    chat = await chat_in(demo_shop, locale)
    code = await delivered_order(demo_shop)
    await chat.type(code)
    await chat.press({"es": "Ya lo recibí", "en": "I received it"}[locale])
    answer = await chat.type(typed)
    assert THANKS[locale] in answer, answer
    assert await rating_of(demo_shop, code) == (stars, comment)


@pytest.mark.parametrize(
    ("locale", "typed", "stars", "comment"),
    [("es", "4, llegó un poco tarde", 4, "llegó un poco tarde"),
     ("en", "5 - perfect, thank you", 5, "perfect, thank you")],
)  # fmt: skip
async def test_a_bare_number_with_a_comment_counts_where_the_rating_was_asked(
    demo_shop, locale, typed, stars, comment
):
    chat = await chat_in(demo_shop, locale)
    code = await delivered_order(demo_shop)
    await chat.type(code)
    await chat.press({"es": "Ya lo recibí", "en": "I received it"}[locale])
    assert THANKS[locale] in await chat.type(typed)
    assert await rating_of(demo_shop, code) == (stars, comment)


@pytest.mark.parametrize(
    ("locale", "typed"),
    [("es", "quiero 2 tazas de talavera"), ("es", "me llegaron 2 piezas, gracias"),
     ("en", "I want 2 talavera mugs"), ("en", "2 more candles please")],
)  # fmt: skip
async def test_a_number_in_an_unrelated_sentence_is_no_rating(demo_shop, clock, locale, typed):
    chat = await chat_in(demo_shop, locale)
    code = await delivered_order(demo_shop)
    await orders.mark_delivered(demo_shop, MERCHANT, code)
    await chat.type("hola")  # the delivered message: a rating was asked
    await chat.type(typed)
    clock.advance(days=10)  # and later, when no rating is asked any more
    await chat.type("hola")
    await chat.type(typed)
    assert await rating_of(demo_shop, code) == (None, "")


async def cancelled_order_with_stale_button(shop, locale: str) -> tuple[ChatDriver, str, str]:
    chat = await chat_in(shop, locale)
    buyer = await new_buyer(shop, "u1")
    order = await buy(shop, buyer, {await product_id(shop, "Vela de lavanda"): 1})
    await chat.type(order.code)
    await chat.press({"es": "Cancelar pedido", "en": "Cancel order"}[locale])
    stale = chat.payload_of({"es": "Sí, cancelar", "en": "Yes, cancel it"}[locale])
    return chat, order.code, stale


@pytest.mark.parametrize(
    ("locale", "said"),
    [("es", "El pedido {code} ya está cancelado."), ("en", "Order {code} is already cancelled.")],
)
async def test_an_old_cancel_button_for_a_cancelled_order_says_it_is_cancelled(
    demo_shop, locale, said
):
    chat, code, stale = await cancelled_order_with_stale_button(demo_shop, locale)
    await chat.send_payload(stale)  # cancelled now
    answer = await chat.send_payload(stale)  # the same old button, pressed again
    assert said.format(code=code) in answer, answer
    assert "arrive" not in answer and "llegue" not in answer  # it never will
    assert "devolución" not in answer and "return" not in answer
    assert (await orders.order_details(demo_shop, code, MERCHANT)).order.status == "cancelled"


@pytest.mark.parametrize("locale", ["es", "en"])
async def test_an_old_cancel_button_for_a_shipped_order_keeps_its_answer(demo_shop, locale):
    chat, code, stale = await cancelled_order_with_stale_button(demo_shop, locale)
    for step in (orders.confirm_order, orders.start_preparing, orders.mark_packed):
        await step(demo_shop, MERCHANT, code)
    await shipping.ship_order(demo_shop, MERCHANT, code, "dhl", "JD014600003")
    answer = await chat.send_payload(stale)
    expected = {
        "es": f"El pedido {code} está en camino, así que ya no se puede cancelar aquí.",
        "en": f"Order {code} is on its way, so it can no longer be cancelled here.",
    }[locale]
    assert expected in answer, answer
    assert (await orders.order_details(demo_shop, code, MERCHANT)).order.status == "shipped"


@pytest.mark.parametrize(
    ("locale", "typed"),
    [("es", "no me llego mi pedido"), ("es", "nunca llegó mi pedido"),
     ("en", "my order never arrived"), ("en", "I never got my order")],
)  # fmt: skip
async def test_my_order_never_arrived_without_orders_says_there_are_none(demo_shop, locale, typed):
    chat = await chat_in(demo_shop, locale)
    answer = await chat.type(typed)
    no_orders = {"es": "Todavía no tienes pedidos", "en": "You have no orders yet"}[locale]
    assert no_orders in answer, answer
    assert "devol" not in answer and "return" not in answer
    assert {"es": "Catálogo", "en": "Catalog"}[locale] in answer
    await chat.press({"es": "Hablar con una persona", "en": "Talk to a person"}[locale])


@pytest.mark.parametrize(
    ("locale", "typed"), [("es", "no me llego mi pedido"), ("en", "my order never arrived")]
)
async def test_my_order_never_arrived_with_a_shipped_order_shows_it(demo_shop, locale, typed):
    chat = await chat_in(demo_shop, locale)
    code = await delivered_order(demo_shop)  # shipped, not delivered yet
    await chat.refresh()
    answer = await chat.type(typed)
    assert code in answer, answer
    assert {"es": "en camino", "en": "on its way"}[locale] in answer
    assert "You have no orders" not in answer and "no tienes pedidos" not in answer
