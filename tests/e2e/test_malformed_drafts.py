"""A conversation whose stored draft is malformed (a row from an older version, or one
written by hand: an answer missing at the step that stands on it, a value of the wrong
shape) is answered by asking the question again, politely, never with the crash
apology; the conversation then goes on."""

from __future__ import annotations

from core.services.conversations import open_turn, save_conversation
from tests.e2e.chat_driver import ChatDriver


async def rewrite_draft(shop, user: str, **changes: object) -> None:
    """Change the stored conversation row the way an older version or a hand could."""
    _customer, record, _admin = await open_turn(shop, "terminal", user)
    assert record is not None
    for key, value in changes.items():
        if value is None:
            record.data.pop(key, None)
        else:
            record.data[key] = value
    await save_conversation(shop, record)


async def to_the_street(chat: ChatDriver) -> None:
    await chat.open()
    await chat.type("Vela de lavanda")
    await chat.press("Vela de lavanda")
    await chat.press("Add 1 to cart")
    await chat.press("Check out")
    await chat.type("Ana López")
    await chat.type("55 1234 5678")


async def test_shipping_lost_before_the_confirmation_asks_the_shipping_again(demo_shop):
    chat = ChatDriver(demo_shop, "u1", locale="en")
    await to_the_street(chat)
    await chat.type("Av. Juárez 10, Centro, Cuauhtémoc, CDMX, 06000")
    await chat.press("That's right")
    await chat.press("No references")
    await chat.press("Standard")
    screen = await chat.press("Cash")
    assert "Please check your order" in screen
    await rewrite_draft(demo_shop, "u1", shipping=None)

    screen = await chat.press("Confirm order")

    assert "I lost part of your order's details" in screen
    assert "How should we ship it?" in screen
    await chat.press("Standard")
    await chat.press("Cash")
    assert "placed" in await chat.press("Confirm order")


async def test_an_address_stored_as_text_asks_the_current_question_again(demo_shop):
    chat = ChatDriver(demo_shop, "u2", locale="en")
    await to_the_street(chat)
    assert "Neighbourhood" in await chat.type("Av. Juárez 10")
    await rewrite_draft(demo_shop, "u2", address="Av. Juárez 10")

    screen = await chat.type("Centro")

    assert "I lost part of your order's details" in screen
    assert "Neighbourhood (colonia)?" in screen
    assert "City" in await chat.type("Centro")  # and on it goes


async def test_a_return_quantity_of_the_wrong_shape_gives_the_menu(demo_shop):
    chat = ChatDriver(demo_shop, "u3", locale="en")
    await chat.open()
    await rewrite_draft(demo_shop, "u3", code="PED-00001", most="two")
    _customer, record, _admin = await open_turn(demo_shop, "terminal", "u3")
    record.state = "return_quantity"
    await save_conversation(demo_shop, record)

    screen = await chat.type("2 pieces")  # (a bare "1" would press the menu's first button)

    assert "I lost track of what we were doing" in screen
    assert "Catalog" in screen  # the menu
    assert "Catalog" in await chat.still_answers()
