"""After the order: notifications while the chat is open, rating, returns, cancelling,
talking to a person, switching language."""

from __future__ import annotations

import re

from core.services import orders, shipping
from core.store.tables import support_cases
from tests.conftest import MERCHANT, add_product, buy, new_buyer
from tests.e2e.chat_driver import ChatDriver


async def place_cod_order(chat: ChatDriver, product: str = "Cojín bordado") -> str:
    await chat.type(product)
    await chat.press(product)
    await chat.press("Add 1 to cart")
    await chat.press("Check out")
    for answer in ("Ana", "5512345678", "Calle 1", "Centro", "Oaxaca", "Oaxaca", "68000"):
        await chat.type(answer)
    await chat.press("No references")
    await chat.press("Standard")
    await chat.press("Cash on delivery")
    placed = await chat.press("Confirm order")
    return re.search(r"(PED-\w{5})", placed).group(1)


async def test_shipping_news_reaches_the_open_chat_and_the_customer_rates_and_returns(
    demo_shop,
):
    chat = ChatDriver(demo_shop, locale="en")
    await chat.open()
    code = await place_cod_order(chat)
    for step in (orders.confirm_order, orders.start_preparing, orders.mark_packed):
        await step(demo_shop, MERCHANT, code)
    await shipping.ship_order(demo_shop, MERCHANT, code, "dhl", "JD014600003")

    news = await chat.type("hola")
    assert f"Your order {code} is confirmed." in news
    assert f"We are preparing your order {code}." in news
    assert "on its way with DHL. Tracking number: JD014600003" in news
    assert "tracking-id=JD014600003" in news
    assert "Your order" not in await chat.type("hola")  # each message shown once

    tracking = await chat.type("where is my order?")
    assert "Carrier: DHL, tracking number JD014600003" in tracking
    assert "Estimated delivery:" in tracking

    await chat.press("I received it")
    rated = await chat.press("★★★★")
    assert "add a comment" in rated
    assert "Thanks for your comment!" in await chat.type("Muy bonito, llegó rápido")
    details = await orders.order_details(demo_shop, code, MERCHANT)
    assert (details.order.rating, details.order.rating_comment) == (4, "Muy bonito, llegó rápido")

    await chat.type(code)
    await chat.press("Return or exchange")
    await chat.press("Cojín bordado")
    await chat.type("Llegó con una mancha")
    answer = await chat.press("Refund")
    assert f"Return #1 requested for order {code}." in answer
    details = await orders.order_details(demo_shop, code, MERCHANT)
    assert details.returns[0].reason == "Llegó con una mancha"


async def test_a_customer_cancels_an_order_awaiting_confirmation(demo_shop):
    chat = ChatDriver(demo_shop, locale="en")
    await chat.open()
    code = await place_cod_order(chat)
    await chat.type(code)
    await chat.press("Cancel order")
    answer = await chat.press("Yes, cancel it")
    assert f"Order {code} is cancelled." in answer
    details = await orders.order_details(demo_shop, code, MERCHANT)
    assert details.order.status == "cancelled"


async def test_talking_to_a_person_records_a_support_case_for_the_shop(demo_shop):
    chat = ChatDriver(demo_shop, locale="en")
    await chat.open()
    await chat.type("I want to talk to a person")
    answer = await chat.type("¿Tienen la sudadera en talla L?")
    assert "we got your message (case #1)" in answer
    async with demo_shop.uow(write=False) as uow:
        case = (await uow.conn.execute(support_cases.select())).one()
        admins = [m.kind for m in await uow.outbox.list(recipient="admin")]
    assert case.message == "¿Tienen la sudadera en talla L?"
    assert "support_request" in admins


async def test_the_language_can_be_switched_at_any_time(demo_shop):
    chat = ChatDriver(demo_shop, locale="en")
    await chat.open()
    await chat.type("/language")
    spanish = await chat.press("Español")
    assert "[1] Catálogo" in spanish
    english = await chat.type("/idioma")
    assert "English" in english
    assert "[1] Catalog" in await chat.press("English")


async def test_a_repeated_payment_notice_is_recorded_once_and_answered_once(demo_shop):
    from core.domain.orders import PaymentMethod
    from core.services import customers
    from core.services.catalog import get_product
    from handlers.types import PaymentEvent
    from tests.conftest import Buyer, buy

    chat = ChatDriver(demo_shop, locale="en")
    await chat.open()
    me = await customers.identify(demo_shop, "terminal", "u1")
    product = await get_product(demo_shop, sku="VELA-LAV")
    from core.domain.actors import customer

    order = await buy(demo_shop, Buyer(me.id, customer(me.id)), {product.id: 2}, PaymentMethod.CARD)
    notice = PaymentEvent(order.code, order.total.amount, "MXN", "telegram", "ch_123", "tg_1")
    await chat.chat.send(chat.incoming(payment=notice))
    first = chat.screen()
    await chat.chat.send(chat.incoming(payment=notice))
    second = chat.screen()
    assert f"We received your payment for order {order.code}. Thank you!" in first
    assert second == ""
    await chat.still_answers()  # the repeat was dropped, not a crash: the chat still answers
    details = await orders.order_details(demo_shop, order.code, MERCHANT)
    assert details.order.status == "confirmed"
    assert [p.provider_charge_id for p in details.payments] == ["ch_123"]


async def test_my_orders_lists_the_eight_newest_first(shop, clock):
    mug = await add_product(shop, "MUG", stock=100)
    chat = ChatDriver(shop, locale="en")
    await chat.open()
    buyer = await new_buyer(shop, external_id="u1")  # the person in this chat
    codes = []
    for qty in range(1, 11):
        codes.append((await buy(shop, buyer, {mug: qty})).code)
        # confirmed: no more than MAX_OPEN_UNPAID_ORDERS may wait for the shop at once
        await orders.confirm_order(shop, MERCHANT, codes[-1])
        clock.advance(minutes=1)
    await chat.refresh()  # the "confirmed" notices, out of the way (now the screen)

    listed = await chat.type("/orders")

    shown = re.findall(r"PED-\w{5}", listed)
    assert shown == codes[::-1][:8]
    opened = await chat.press(codes[-1])
    assert f"Order {codes[-1]}: " in opened
