"""Returns and exchanges from both chats (issue 13): the customer is told where to send
the items and when they arrive; an exchange asks for the replacement, keeps it for the
customer (no oversell) and ships it with a tracking number of its own, and says "on its
way" only then. Answers typed inside the flow are answers, never a restart."""

from __future__ import annotations

import pytest

from core.domain.errors import OutOfStock
from core.domain.returns import ReturnResolution, ReturnStatus
from core.services import cart, catalog, orders, payments, returns, shipping
from core.services.context import Shop
from core.store.tables import conversations
from tests.conftest import MERCHANT, Buyer, add_product, buy, new_buyer
from tests.e2e.chat_driver import ChatDriver

pytestmark = pytest.mark.sqlite_only  # the conversation, not the store: see tests/conftest.py

ADDRESS = "Devoluciones Tienda Demo, Calle Reforma 12, Centro, 68000 Oaxaca"


def with_return_address(shop: Shop, address: str = ADDRESS) -> Shop:
    settings = shop.settings.model_copy(update={"return_address": address})
    return Shop(shop.db, settings, clock=shop.clock)


async def shirts(shop: Shop) -> dict[str, int]:
    """A shirt in sizes of one price (L: the last one; S: none left) and a dearer XL."""
    made = {}
    for size, stock, price in (("M", 5, "349.00"), ("L", 1, "349.00"), ("S", 0, "349.00"),
                               ("XL", 5, "399.00")):  # fmt: skip
        made[size] = await add_product(
            shop, f"CAM-{size}", price=price, stock=stock, name=f"Camisa ({size})", category="Ropa"
        )
    return made


async def delivered(shop: Shop, buyer: Buyer, items: dict[int, int]) -> str:
    order = await buy(shop, buyer, items)
    for step in (orders.confirm_order, orders.start_preparing, orders.mark_packed):
        await step(shop, MERCHANT, order.code)
    await shipping.ship_order(shop, MERCHANT, order.code, "estafeta", "1234567890")
    await orders.mark_delivered(shop, MERCHANT, order.code)
    return order.code


async def customer_with_delivered_shirts(shop: Shop, quantity: int = 2) -> tuple[ChatDriver, str]:
    """The customer u1 in the chat, with `quantity` Camisa (M) delivered."""
    chat = ChatDriver(shop, "u1", locale="en")
    await chat.open()
    buyer = await new_buyer(shop, "u1")
    code = await delivered(
        shop, buyer, {(await catalog.get_product(shop, sku="CAM-M")).id: quantity}
    )
    await chat.refresh()  # the order's news, out of the way
    return chat, code


async def up_to_the_resolution(chat: ChatDriver, code: str) -> str:
    await chat.type(code)
    await chat.press("Return or exchange")
    await chat.press("Camisa (M)")
    await chat.type("1")
    return await chat.type("It's too small")


async def step_of(shop: Shop, user: str = "u1") -> str:
    async with shop.uow(write=False) as uow:
        row = await uow.conn.execute(conversations.select().where(conversations.c.user_id == user))
        return row.one().state


async def available(shop: Shop, size: str) -> int:
    return (await catalog.get_product(shop, sku=f"CAM-{size}")).available


async def test_an_exchange_is_reserved_shipped_with_tracking_and_said_on_its_way_only_then(shop):
    shop = with_return_address(shop)
    sizes = await shirts(shop)
    chat, code = await customer_with_delivered_shirts(shop)
    admin = ChatDriver(shop, "owner", locale="en")
    await admin.open()
    told: list[str] = []  # everything the customer reads before the replacement ships

    told.append(await up_to_the_resolution(chat, code))
    question = await chat.type("cambiarlo por otra talla")
    told.append(question)
    assert "What would you like instead of Camisa (M)?" in question
    assert "Camisa (M) (same product)" in question and "Camisa (L)" in question
    assert "Camisa (S)" not in question  # none in stock
    assert "Camisa (XL)" not in question  # another price: that is a refund and a new order
    requested = await chat.type("la L")
    told.append(requested)
    assert f"Return #1 requested for order {code}." in requested
    assert "You'll get 1 × Camisa (L) in exchange" in requested
    assert await available(shop, "L") == 0  # kept for this customer
    other = await new_buyer(shop, "u2", "Beto")
    with pytest.raises(OutOfStock):
        await cart.add_to_cart(shop, other.customer_id, sizes["L"], 1)

    alert = await admin.refresh()
    assert f"Return #1 requested for order {code} (an exchange for 1 × Camisa (L)):" in alert
    card = await admin.press("Open return")
    assert "The customer wants: an exchange for 1 × Camisa (L) (reserved)" in card
    assert "Approved; the customer was told where to send the items." in await admin.press(
        "Approve"
    )
    approved = await chat.refresh()
    told.append(approved)
    assert "Your return #1 for order" in approved and "was approved" in approved
    assert f"Please send the items to:\n{ADDRESS}" in approved

    await admin.press("Received, sellable")
    arrived = await chat.refresh()
    told.append(arrived)
    assert f"We received the items of your return #1 (order {code})." in arrived
    assert "We'll ship your replacement (1 × Camisa (L)) soon" in arrived
    assert all("on its way" not in text for text in told), told

    await admin.press("Ship the replacement")
    await admin.press("DHL")
    shipped = await admin.type("JD014600003")
    assert "Replacement shipped; the customer got the tracking number." in shipped
    assert "Replacement shipped with DHL, tracking number JD014600003" in shipped
    news = await chat.refresh()
    assert (
        f"Your replacement for return #1 (order {code}) is on its way: 1 × Camisa (L), with DHL."
        in news
    )
    assert "Tracking number: JD014600003" in news and "tracking-id=JD014600003" in news

    _code, request = await returns.get_return(shop, MERCHANT, 1)
    assert request.status is ReturnStatus.EXCHANGED
    assert request.shipment is not None and request.shipment.tracking_number == "JD014600003"
    shirt_l = await catalog.get_product(shop, sku="CAM-L")
    assert (shirt_l.on_hand, shirt_l.reserved) == (0, 0)  # it left the shelf
    assert (await catalog.get_product(shop, sku="CAM-M")).on_hand == 5 - 2 + 1  # back on it


async def test_without_a_return_address_the_shop_is_asked_for_it_and_the_customer_gets_it(shop):
    await shirts(shop)
    chat, code = await customer_with_delivered_shirts(shop)
    await up_to_the_resolution(chat, code)
    await chat.type("reembolso")
    admin = ChatDriver(shop, "owner", locale="en")
    await admin.open()
    await admin.refresh()
    await admin.press("Open return")

    approved = await admin.press("Approve")
    assert "RETURN_ADDRESS is not set, so the customer was told you will send" in approved
    assert "RETURN_ADDRESS is not set, so the customer of return #1" in approved  # every admin
    told = await chat.refresh()
    assert "The shop will send you here the address to send the items to." in told
    await admin.press("Send return address")
    sent = await admin.type("Calle Reforma 12, Centro, Oaxaca")
    assert "Address sent to the customer." in sent
    assert (
        f"Return #1 (order {code}): Please send the items to:\nCalle Reforma 12, Centro, Oaxaca"
        in await chat.refresh()
    )


@pytest.mark.parametrize(
    ("typed", "resolution"),
    [
        ("reembolso", ReturnResolution.REFUND),
        ("devolución del dinero", ReturnResolution.REFUND),
        ("refund", ReturnResolution.REFUND),
        ("cambio", ReturnResolution.EXCHANGE),
        ("cambiarlo por otra talla", ReturnResolution.EXCHANGE),
        ("exchange", ReturnResolution.EXCHANGE),
    ],
)
async def test_refund_or_exchange_typed_at_the_question_is_the_answer(shop, typed, resolution):
    await shirts(shop)
    chat, code = await customer_with_delivered_shirts(shop)
    await up_to_the_resolution(chat, code)
    answer = await chat.type(typed)
    if resolution is ReturnResolution.EXCHANGE:
        assert "What would you like instead of Camisa (M)?" in answer
        answer = await chat.type("el mismo")
    assert f"Return #1 requested for order {code}." in answer
    details = await orders.order_details(shop, code, MERCHANT)
    assert [r.resolution for r in details.returns] == [resolution]
    assert [line.quantity for line in details.returns[0].lines] == [1]


async def test_typed_quantities_are_quantities_and_a_stray_answer_asks_again(shop):
    await shirts(shop)
    chat, code = await customer_with_delivered_shirts(shop, quantity=3)
    await chat.type(code)
    await chat.press("Return or exchange")
    asked = await chat.press("Camisa (M)")
    assert "How many Camisa (M) do you want to return? From 1 to 3." in asked
    again = await chat.type("no sé")
    assert "Sorry, I need the number of units." in again
    assert "How many Camisa (M)" in again
    assert await step_of(shop) == "return_quantity"
    assert "why you are returning it" in await chat.type("2")  # 2 units, not button 2
    await chat.type("Me quedó chica")

    again = await chat.type("mmm, ya veré")
    assert "Sorry, I didn't get that." in again and "refund or an exchange" in again
    assert await step_of(shop) == "return_resolution"
    assert "Return #1 requested" in await chat.type("reembolso")
    details = await orders.order_details(shop, code, MERCHANT)
    assert [line.quantity for line in details.returns[0].lines] == [2]


async def test_a_replacement_nobody_offered_or_that_ran_out_is_asked_again(shop):
    sizes = await shirts(shop)
    chat, code = await customer_with_delivered_shirts(shop)
    await up_to_the_resolution(chat, code)
    await chat.type("exchange")
    unknown = await chat.type("la verde")
    assert "Sorry, I didn't get which one." in unknown
    assert await step_of(shop) == "return_replacement"

    other = await new_buyer(shop, "u2", "Beto")
    await buy(shop, other, {sizes["L"]: 1})  # the last L, sold while she was choosing
    ran_out = await chat.press("Camisa (L)")
    assert "Sorry, that one just ran out." in ran_out
    assert "Camisa (L)" not in ran_out.split("ran out.")[1]
    assert "Return #1 requested" in await chat.press("Camisa (M) (same product)")


async def test_rejecting_an_exchange_gives_the_reserved_replacement_back(shop):
    await shirts(shop)
    chat, code = await customer_with_delivered_shirts(shop)
    await up_to_the_resolution(chat, code)
    await chat.type("exchange")
    await chat.type("la L")
    assert await available(shop, "L") == 0

    await returns.reject_return(shop, MERCHANT, 1, "El cambio no aplica a prendas usadas")

    assert await available(shop, "L") == 1
    assert "was not approved" in await chat.refresh()


async def test_an_exchange_refunded_instead_gives_the_replacement_back(shop):
    await shirts(shop)
    chat, code = await customer_with_delivered_shirts(shop)
    await up_to_the_resolution(chat, code)
    await chat.type("exchange")
    await chat.type("la L")
    await returns.approve_return(shop, MERCHANT, 1)
    await returns.receive_return(shop, MERCHANT, 1)
    await payments.record_manual_payment(shop, MERCHANT, code)  # the courier's cash

    done = await returns.refund_return(shop, MERCHANT, 1)

    assert done.refund_amount == 34900
    assert await available(shop, "L") == 1
