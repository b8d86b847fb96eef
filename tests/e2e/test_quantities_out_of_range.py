"""Quantities a shop cannot sell, typed in a sentence: 0, a negative number or more
than a line takes are refused in words and change nothing (they used to add 1 or 3),
and an SKU typed with the order is that SKU, never the product last shown. A code typed
after /cancelar is that order, not the customer's own."""

from __future__ import annotations

import pytest

from core.services import cart, catalog, orders
from tests.conftest import MERCHANT, buy, new_buyer
from tests.e2e.chat_driver import ChatDriver

pytestmark = pytest.mark.sqlite_only  # the conversation, not the store: see tests/conftest.py


async def cart_of(shop, user: str = "u1") -> dict[str, int]:
    buyer = await new_buyer(shop, user)
    view = await cart.view_cart(shop, buyer.customer_id)
    return {line.name: line.quantity for line in view.lines}


@pytest.mark.parametrize("message", ["quiero 0 gorras", "quiero -3 gorras", "quiero 1000 gorras"])
async def test_a_quantity_out_of_range_is_refused_in_words(demo_shop, message):
    chat = ChatDriver(demo_shop, locale="es")
    await chat.open()
    answer = await chat.type(message)
    assert "La cantidad debe ser un número entero del 1 al 999." in answer
    assert await cart_of(demo_shop) == {}


async def test_a_quantity_in_range_still_adds_that_many(demo_shop):
    chat = ChatDriver(demo_shop, locale="es")
    await chat.open()
    await chat.type("quiero 3 gorras")
    assert await cart_of(demo_shop) == {"Gorra roja": 3}


async def test_an_unknown_sku_is_not_taken_for_the_product_in_view(demo_shop):
    chat = ChatDriver(demo_shop, locale="en")
    await chat.open()
    await chat.type("do you have mugs?")
    answer = await chat.type("add SKU-NOPE 2")
    assert "We don't have SKU-NOPE right now." in answer
    assert await cart_of(demo_shop) == {}


async def test_a_known_sku_typed_with_a_quantity_adds_that_product(demo_shop):
    chat = ChatDriver(demo_shop, locale="en")
    await chat.open()
    await chat.type("do you have mugs?")
    await chat.type("add GOR-ROJA 2")
    assert await cart_of(demo_shop) == {"Gorra roja": 2}


async def test_an_unknown_code_after_a_product_adds_nothing(demo_shop):
    chat = ChatDriver(demo_shop, locale="es")
    await chat.open()
    await chat.type("quiero una gorra roja")
    answer = await chat.type("agrega XYZ-123")  # not "123 gorras rojas"
    assert "No tenemos XYZ-123" in answer
    assert await cart_of(demo_shop) == {"Gorra roja": 1}


async def test_cancel_with_someone_elses_code_names_that_code_and_cancels_nothing(demo_shop):
    maria = await new_buyer(demo_shop, "maria", name="María")
    cap = (await catalog.search_products(demo_shop, "gorra roja"))[0].id
    hers = await buy(demo_shop, maria, {cap: 1})
    chat = ChatDriver(demo_shop, "john", name="John", locale="en")
    await chat.open()
    answer = await chat.type(f"/cancel {hers.code}")
    assert f"I couldn't find order {hers.code} among your orders." in answer
    details = await orders.order_details(demo_shop, hers.code, MERCHANT)
    assert details.order.status == hers.status


async def test_two_of_a_product_named_after_de_adds_two(demo_shop):
    chat = ChatDriver(demo_shop, locale="es")
    await chat.open()
    await chat.type("hola, tienen velas?")
    await chat.type("me das 2 de lavanda")  # it added one
    assert await cart_of(demo_shop) == {"Vela de lavanda": 2}
