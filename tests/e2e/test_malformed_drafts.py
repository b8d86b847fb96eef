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


async def at_step(shop, user: str, state: str, **data: object) -> None:
    """A stored conversation at this step with this draft, as an older row could be."""
    await rewrite_draft(shop, user, **data)
    _customer, record, _admin = await open_turn(shop, "terminal", user)
    assert record is not None
    record.state = state
    await save_conversation(shop, record)


def lost_track(screen: str) -> bool:
    return "I lost track of what we were doing" in screen and "Catalog" in screen


async def test_a_support_message_about_an_order_of_the_wrong_shape_opens_no_case(demo_shop):
    chat = ChatDriver(demo_shop, "u4", locale="en")
    await chat.open()
    assert "Write your message" in await chat.press("Talk to a person")
    await rewrite_draft(demo_shop, "u4", about=["PED-00001"])

    screen = await chat.type("The box arrived a little wet")

    assert lost_track(screen)
    assert "case #" not in screen
    assert "Write your message" in await chat.press("Talk to a person")  # and again it goes
    assert "case #1" in await chat.type("The box arrived a little wet")


async def test_a_receipt_for_an_order_code_of_the_wrong_shape_is_not_attached(demo_shop):
    chat = ChatDriver(demo_shop, "u5", locale="en")
    await chat.open()
    await at_step(demo_shop, "u5", "awaiting_receipt", code=1)

    screen = await chat.type("/photo receipt.jpg")

    assert lost_track(screen)
    assert "We received the receipt" not in screen
    assert "Catalog" in await chat.still_answers()


async def test_a_kept_message_of_the_wrong_shape_is_not_sent_to_the_team(demo_shop):
    chat = ChatDriver(demo_shop, "u6", locale="en")
    await chat.open()
    assert "I'm not sure I understood." in await chat.type("zxqv blorp")
    await rewrite_draft(demo_shop, "u6", said={"text": "zxqv blorp"})

    screen = await chat.press("Talk to a person")

    assert lost_track(screen)
    assert "case #" not in screen
    assert "Catalog" in await chat.still_answers()


async def test_an_erase_question_stored_as_text_erases_nothing(demo_shop):
    chat = ChatDriver(demo_shop, "u7", locale="en")
    await chat.open()
    assert "Erase your data?" in await chat.type("forget my data")
    await rewrite_draft(demo_shop, "u7", forget_asked="yes")

    screen = await chat.press("Yes, erase")

    assert lost_track(screen)
    assert "we erased your data" not in screen
    assert "Erase your data?" in await chat.type("forget my data")  # asked again, it works
    assert "Done: we erased your data." in await chat.press("Yes, erase")


async def test_a_product_of_the_wrong_shape_at_how_many_asks_nothing_more(demo_shop):
    chat = ChatDriver(demo_shop, "u8", locale="en")
    await chat.open()
    await chat.type("Vela de lavanda")
    await chat.press("Vela de lavanda")
    assert "How many" in await chat.press("Choose quantity")
    await rewrite_draft(demo_shop, "u8", product_id="12")

    screen = await chat.type("4")  # (a "2" is its button's label: the button says which)

    assert lost_track(screen)
    assert "Added" not in screen
    assert "Your cart is empty." in await chat.type("cart")


async def test_a_cart_line_of_the_wrong_shape_changes_no_quantity(demo_shop):
    chat = ChatDriver(demo_shop, "u9", locale="en")
    await chat.open()
    await chat.type("Vela de lavanda")
    await chat.press("Vela de lavanda")
    await chat.press("Add 1 to cart")
    await chat.type("cart")
    await chat.press("Change quantities")
    assert "1 in your cart" in await chat.press("Vela de lavanda")
    await rewrite_draft(demo_shop, "u9", product_id=[1])

    screen = await chat.type("3")

    assert lost_track(screen)
    await chat.type("cart")
    await chat.press("Change quantities")
    assert "1 in your cart" in await chat.press("Vela de lavanda")  # still one
