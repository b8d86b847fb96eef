"""Bad input gets a clear answer and loses nothing."""

from __future__ import annotations

import re

from core.domain.orders import PaymentMethod
from core.services import cart, catalog, customers, orders, shipping
from core.services.catalog import get_product
from tests.conftest import MERCHANT, buy, new_buyer
from tests.e2e.chat_driver import ChatDriver


async def at_quantity_question(shop, product: str = "Vela de lavanda") -> ChatDriver:
    chat = ChatDriver(shop, locale="en")
    await chat.open()
    await chat.type(product)
    await chat.press(product)
    await chat.press("Choose quantity")
    return chat


async def cart_count(shop, user: str = "u1") -> int:
    customer = await customers.identify(shop, "terminal", user)
    return (await cart.view_cart(shop, customer.id)).item_count


async def test_quantities_zero_negative_huge_and_in_words_are_explained(demo_shop):
    chat = await at_quantity_question(demo_shop)
    assert "The quantity must be at least 1." in await chat.type("0")
    assert "The quantity must be at least 1." in await chat.type("-1")
    assert "There are only 35 Vela de lavanda available" in await chat.type("1000000000")
    assert "There are only 35 Vela de lavanda available" in await chat.type("999999999999")
    assert "Please type the quantity with digits, for example 2." in await chat.type("muchas")
    assert await cart_count(demo_shop) == 0
    assert "Added 3 × Vela de lavanda" in await chat.type("3")
    assert await cart_count(demo_shop) == 3


async def test_a_quantity_in_words_is_understood(demo_shop):
    chat = await at_quantity_question(demo_shop)
    assert "Added 2 × Vela de lavanda" in await chat.type("dos")
    assert await cart_count(demo_shop) == 2


async def test_a_5000_character_message_is_refused_politely(demo_shop):
    chat = ChatDriver(demo_shop, locale="en")
    await chat.open()
    answer = await chat.type("a" * 5000)
    assert "Your message is very long (5000 characters)" in answer


async def test_emoji_only_text_gets_a_question_and_a_way_to_a_person(demo_shop):
    chat = ChatDriver(demo_shop, locale="en")
    await chat.open()
    answer = await chat.type("😀🎉🛒")
    assert "I'm not sure I understood." in answer
    assert "Talk to a person" in answer and "Menu" in answer


async def test_an_empty_cart_at_checkout_points_to_the_catalog(demo_shop):
    chat = ChatDriver(demo_shop, locale="en")
    await chat.open()
    answer = await chat.type("checkout")
    assert "Your cart is empty." in answer
    assert "[1] Catalog" in answer


async def test_a_stale_button_is_explained_and_the_menu_shown(demo_shop):
    chat = ChatDriver(demo_shop, locale="en")
    await chat.open()
    answer = await chat.send_payload("ck:ok")
    assert "That button is from an older message." in answer
    gone = await catalog.get_product(demo_shop, sku="GOR-ROJA")
    await catalog.update_product(demo_shop, MERCHANT, "GOR-ROJA", active=False)
    answer = await chat.send_payload(f"a:{gone.id}:1")
    assert "That product is no longer available." in answer
    assert await cart_count(demo_shop) == 0
    answer = await chat.send_payload("zz:nonsense:payload")
    assert "That button is from an older message." in answer


async def test_a_product_that_ran_out_in_the_cart_is_explained_at_confirmation(demo_shop):
    chat = ChatDriver(demo_shop, locale="en")
    await chat.open()
    await chat.type("lentes de sol")
    await chat.press("Lentes de sol")
    await chat.press("Add 1 to cart")
    await chat.press("Check out")
    for answer in ("Ana", "5512345678", "Calle 1", "Centro", "Oaxaca", "Oaxaca", "68000"):
        await chat.type(answer)
    await chat.press("No references")
    await chat.press("Standard")
    await chat.press("Cash on delivery")

    rival = await new_buyer(demo_shop, "rival")
    glasses = await get_product(demo_shop, sku="LENT-SOL")
    await buy(demo_shop, rival, {glasses.id: 1})  # the last pair

    answer = await chat.press("Confirm order")
    assert "Lentes de sol ran out and was removed from your cart." in answer
    assert "Your cart is empty" in answer
    async with demo_shop.uow(write=False) as uow:
        assert len(await uow.orders.list()) == 1  # only the rival's


async def test_a_shipped_order_cannot_be_cancelled_and_the_customer_is_told_why(demo_shop):
    chat = ChatDriver(demo_shop, locale="en")
    await chat.open()
    customer = await customers.identify(demo_shop, "terminal", "u1")
    product = await get_product(demo_shop, sku="TAZA-TAL")
    await cart.add_to_cart(demo_shop, customer.id, product.id, 1)
    from core.services import checkout
    from tests.conftest import details

    order = await checkout.place_order(
        demo_shop, customer.id, details(PaymentMethod.CASH_ON_DELIVERY)
    )
    for step in (orders.confirm_order, orders.start_preparing, orders.mark_packed):
        await step(demo_shop, MERCHANT, order.code)
    await shipping.ship_order(demo_shop, MERCHANT, order.code, "estafeta", "1234567890")

    shown = await chat.type(order.code)
    assert "Cancel order" not in shown
    assert "I received it" in shown
    answer = await chat.send_payload(f"ocy:{order.code}")
    assert f"Order {order.code} is on its way, so it can no longer be cancelled here." in answer
    details_now = await orders.order_details(demo_shop, order.code, MERCHANT)
    assert details_now.order.status == "shipped"


async def test_unknown_commands_and_someone_elses_order_code_get_clear_answers(demo_shop):
    chat = ChatDriver(demo_shop, locale="en")
    await chat.open()
    assert "I don't know the command /foo. Try /help." in await chat.type("/foo")
    stranger = await new_buyer(demo_shop, "stranger")
    product = await get_product(demo_shop, sku="VELA-LAV")
    order = await buy(demo_shop, stranger, {product.id: 1})
    answer = await chat.type(f"donde esta {order.code}")
    assert f"I couldn't find order {order.code} among your orders." in answer


async def test_typos_in_a_search_still_find_the_product(demo_shop):
    chat = ChatDriver(demo_shop, locale="en")
    await chat.open()
    answer = await chat.type("camisa azl")
    assert "This is what I found:" in answer
    assert re.search(r"\[1\] Camisa azul \(M\)", answer)
