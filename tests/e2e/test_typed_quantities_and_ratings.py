"""Quantities and ratings typed the way people type them, on the screens where they
type them (issue 13): "+1" raises, "-1" lowers, "3" is three, "quita uno" is one less,
"⭐⭐⭐⭐⭐" is five stars; one message takes a line from 5 to 2."""

from __future__ import annotations

import pytest

from core.services import cart, catalog, orders, shipping
from tests.conftest import MERCHANT, buy, new_buyer
from tests.e2e.chat_driver import ChatDriver

pytestmark = pytest.mark.sqlite_only  # the conversation, not the store: see tests/conftest.py


async def cart_of(shop, user: str = "u1") -> dict[str, int]:
    buyer = await new_buyer(shop, user)
    view = await cart.view_cart(shop, buyer.customer_id)
    return {line.name: line.quantity for line in view.lines}


async def product_id(shop, name: str) -> int:
    found = await catalog.search_products(shop, name)
    return next(p.id for p in found if p.name == name)


async def english_chat(shop) -> ChatDriver:
    """The customer u1, writing in English (new_buyer then finds them as they are)."""
    chat = ChatDriver(shop, locale="en")
    await chat.open()
    return chat


async def chat_with_in_cart(shop, quantities: dict[str, int]) -> ChatDriver:
    chat = await english_chat(shop)
    buyer = await new_buyer(shop, "u1")
    for name, quantity in quantities.items():
        await cart.add_to_cart(shop, buyer.customer_id, await product_id(shop, name), quantity)
    return chat


async def test_plus_and_minus_typed_on_the_line_screen_mean_what_they_say(demo_shop):
    chat = await chat_with_in_cart(demo_shop, {"Taza de talavera": 2})
    await chat.type("cart")
    await chat.press("Change quantities")
    screen = await chat.press("Taza de talavera")
    assert "−1" in screen and "+1" in screen
    await chat.type("+1")
    assert await cart_of(demo_shop) == {"Taza de talavera": 3}
    await chat.press("Change quantities")
    await chat.press("Taza de talavera")
    await chat.type("-1")  # an ASCII minus
    assert await cart_of(demo_shop) == {"Taza de talavera": 2}


async def test_plus_one_where_no_plus_button_is_offered_never_removes_the_item(demo_shop):
    chat = await chat_with_in_cart(demo_shop, {})
    buyer = await new_buyer(demo_shop, "u1")
    mug = await product_id(demo_shop, "Taza de talavera")
    available = (await catalog.get_product(demo_shop, product_id=mug)).available
    await cart.add_to_cart(demo_shop, buyer.customer_id, mug, available)
    await chat.type("cart")
    await chat.press("Change quantities")
    screen = await chat.press("Taza de talavera")
    assert "] +1" not in screen  # no button: nothing more to add
    answer = await chat.type("+1")
    assert f"Only {available} Taza de talavera are available." in answer
    assert await cart_of(demo_shop) == {"Taza de talavera": available}


async def test_from_five_to_two_takes_one_message(demo_shop):
    chat = await chat_with_in_cart(demo_shop, {"Taza de talavera": 5})
    await chat.type("cart")
    await chat.press("Change quantities")
    await chat.press("Taza de talavera")
    answer = await chat.type("2")  # a number at "how many?" is the quantity, not button 2
    assert "2 × Taza de talavera" in answer
    assert await cart_of(demo_shop) == {"Taza de talavera": 2}


async def test_words_on_the_cart_screen_change_its_only_line(demo_shop):
    chat = await chat_with_in_cart(demo_shop, {"Taza de talavera": 5})
    await chat.type("cart")
    await chat.type("quita uno")
    assert await cart_of(demo_shop) == {"Taza de talavera": 4}
    await chat.type("pon 2")
    assert await cart_of(demo_shop) == {"Taza de talavera": 2}
    await chat.type("+2")
    assert await cart_of(demo_shop) == {"Taza de talavera": 4}
    await chat.type("3")
    assert await cart_of(demo_shop) == {"Taza de talavera": 3}
    await chat.type("quitar")
    assert await cart_of(demo_shop) == {}


async def test_a_change_with_several_lines_asks_which_and_then_applies(demo_shop):
    chat = await chat_with_in_cart(demo_shop, {"Taza de talavera": 2, "Vela de lavanda": 1})
    await chat.type("cart")
    question = await chat.type("+1")
    assert "Which product do you want to change?" in question
    await chat.press("Vela de lavanda")
    assert await cart_of(demo_shop) == {"Taza de talavera": 2, "Vela de lavanda": 2}


async def test_one_more_after_adding_adds_one_more_of_that_product(demo_shop):
    chat = await chat_with_in_cart(demo_shop, {})
    await chat.type("Vela de lavanda")
    await chat.press("Vela de lavanda")
    await chat.press("Add 1 to cart")
    await chat.type("otro")
    assert await cart_of(demo_shop) == {"Vela de lavanda": 2}


async def test_a_number_typed_long_after_a_product_card_is_not_about_that_product(demo_shop):
    chat = await chat_with_in_cart(demo_shop, {})
    await chat.type("Vela de lavanda")
    await chat.press("Vela de lavanda")
    await chat.type("hello")  # another screen in between
    await chat.type("+2")
    assert await cart_of(demo_shop) == {}


async def test_at_the_quantity_question_the_number_is_the_quantity(demo_shop):
    chat = await chat_with_in_cart(demo_shop, {})
    await chat.type("Vela de lavanda")
    await chat.press("Vela de lavanda")
    question = await chat.press("Choose quantity")
    assert "[a] 1" in question  # buttons get letters: the numbers are quantities
    await chat.type("4")
    assert await cart_of(demo_shop) == {"Vela de lavanda": 4}


async def delivered_order(shop) -> str:
    buyer = await new_buyer(shop, "u1")
    order = await buy(shop, buyer, {await product_id(shop, "Vela de lavanda"): 1})
    for step in (orders.confirm_order, orders.start_preparing, orders.mark_packed):
        await step(shop, MERCHANT, order.code)
    await shipping.ship_order(shop, MERCHANT, order.code, "dhl", "JD014600003")
    return order.code


async def rating_of(shop, code: str) -> tuple[int | None, str | None]:
    order = (await orders.order_details(shop, code, MERCHANT)).order
    return order.rating, order.rating_comment


async def test_ratings_typed_at_the_rating_question(demo_shop):
    for typed in ("5", "5 estrellas", "⭐⭐⭐⭐⭐", "excelente"):
        chat = await english_chat(demo_shop)
        code = await delivered_order(demo_shop)
        await chat.type(code)
        question = await chat.press("I received it")
        assert "[a] ★" in question  # stars 1 to 5, in order, lettered
        assert "[e] ★★★★★" in question
        answer = await chat.type(typed)
        assert "add a comment" in answer, typed
        assert await rating_of(demo_shop, code) == (5, ""), typed
        await chat.type("No")  # no comment: the rating stays as it is
        assert await rating_of(demo_shop, code) == (5, ""), typed


async def test_something_else_at_the_rating_question_asks_again(demo_shop):
    chat = await english_chat(demo_shop)
    code = await delivered_order(demo_shop)
    await chat.type(code)
    await chat.press("I received it")
    answer = await chat.type("7")
    assert "I need a rating from 1 to 5" in answer
    await chat.type("3")
    assert "Thanks for your comment!" in await chat.type("Llegó un poco tarde")
    assert await rating_of(demo_shop, code) == (3, "Llegó un poco tarde")


async def test_five_typed_at_the_delivered_message_is_five_stars(demo_shop):
    chat = await english_chat(demo_shop)  # the menu's buttons are on screen
    code = await delivered_order(demo_shop)
    await orders.mark_delivered(demo_shop, MERCHANT, code)
    await chat.chat.poll_outbox_once()
    news = chat.screen()
    assert "Rate it from 1 to 5 stars" in news
    assert "] ★★★★★" in news and "[5]" not in news  # lettered: "5" is five stars
    await chat.type("5")
    assert await rating_of(demo_shop, code) == (5, "")


async def test_five_typed_when_the_delivered_message_came_below_an_answer(demo_shop):
    chat = await english_chat(demo_shop)
    code = await delivered_order(demo_shop)
    await orders.mark_delivered(demo_shop, MERCHANT, code)
    screen = await chat.type("hola")  # the menu, and the news below it, on one screen
    assert "[1]" not in screen and "Rate it from 1 to 5 stars" in screen
    answer = await chat.type("5")
    assert "add a comment" in answer
    assert await rating_of(demo_shop, code) == (5, "")


async def test_a_bare_number_long_after_delivery_is_no_rating(demo_shop, clock):
    chat = await english_chat(demo_shop)
    code = await delivered_order(demo_shop)
    await orders.mark_delivered(demo_shop, MERCHANT, code)
    clock.advance(days=10)
    await chat.type("hola")
    await chat.type("5")
    assert (await rating_of(demo_shop, code))[0] is None


async def test_stars_typed_after_the_delivered_message_rate_that_order(demo_shop):
    chat = await english_chat(demo_shop)
    code = await delivered_order(demo_shop)
    await orders.mark_delivered(demo_shop, MERCHANT, code)
    answer = await chat.type("⭐⭐⭐⭐")
    assert "add a comment" in answer
    assert await rating_of(demo_shop, code) == (4, "")


async def test_where_is_my_order_with_several_unshipped_orders_says_none_has_shipped(
    demo_shop,
):
    chat = await english_chat(demo_shop)
    buyer = await new_buyer(demo_shop, "u1")
    candle = await product_id(demo_shop, "Vela de lavanda")
    first = await buy(demo_shop, buyer, {candle: 1})
    await buy(demo_shop, buyer, {candle: 1})
    answer = await chat.type("where is my order?")
    assert "on the way" not in answer and "on its way" not in answer
    assert "none has shipped yet" in answer
    for step in (orders.confirm_order, orders.start_preparing, orders.mark_packed):
        await step(demo_shop, MERCHANT, first.code)
    await shipping.ship_order(demo_shop, MERCHANT, first.code, "dhl", "JD014600003")
    await chat.type("ok")
    answer = await chat.type("where is my order?")
    assert "2 open orders, 1 of them on the way" in answer


async def test_cancelling_is_said_once(demo_shop):
    chat = await english_chat(demo_shop)
    buyer = await new_buyer(demo_shop, "u1")
    order = await buy(demo_shop, buyer, {await product_id(demo_shop, "Vela de lavanda"): 1})
    await chat.type(order.code)
    await chat.press("Cancel order")
    answer = await chat.press("Yes, cancel it")
    answer += await chat.type("hola")  # anything the outbox had is shown by now
    assert answer.count("cancelled") == 1, answer


async def test_the_order_choice_says_what_is_in_each_order(demo_shop):
    chat = await english_chat(demo_shop)
    buyer = await new_buyer(demo_shop, "u1")
    await buy(demo_shop, buyer, {await product_id(demo_shop, "Vela de lavanda"): 1})
    await buy(demo_shop, buyer, {await product_id(demo_shop, "Taza de talavera"): 2})
    answer = await chat.type("where is my order?")
    assert "· Vela de lavanda ·" in answer and "· Taza de talavera ·" in answer
