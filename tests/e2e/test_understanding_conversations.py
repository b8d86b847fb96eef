"""What customers type, answered: each intent of the understanding step through the real
terminal chat, in Spanish and English, with the shop's real data behind the answers."""

from __future__ import annotations

from core.domain.actors import customer as customer_actor
from core.domain.orders import PaymentMethod
from core.services import customers, orders, shipping
from core.services.catalog import get_product
from core.services.context import Shop
from core.settings import ShippingZoneSetting
from tests.conftest import MERCHANT, Buyer, buy
from tests.e2e.chat_driver import ChatDriver


async def customer(shop: Shop, user: str, locale: str) -> tuple[ChatDriver, Buyer]:
    chat = ChatDriver(shop, user, name="Ana", locale=locale)
    await chat.open()
    found = await customers.identify(shop, "terminal", user, name="Ana", locale=locale)
    return chat, Buyer(found.id, customer_actor(found.id))


async def a_mug_order(shop: Shop, buyer: Buyer, payment=PaymentMethod.CASH_ON_DELIVERY):
    mug = await get_product(shop, sku="TAZA-TAL")
    return await buy(shop, buyer, {mug.id: 1}, payment)


async def shipped(shop: Shop, code: str) -> None:
    for step in (orders.confirm_order, orders.start_preparing, orders.mark_packed):
        await step(shop, MERCHANT, code)
    await shipping.ship_order(shop, MERCHANT, code, "estafeta", "1234567890")


# -- where is my order -----------------------------------------------------------------


async def test_ya_lo_enviaron_answers_honestly_before_and_after_shipping(demo_shop):
    chat, ana = await customer(demo_shop, "u1", "es")
    order = await a_mug_order(demo_shop, ana)

    before = await chat.type("ya lo enviaron??")
    assert order.code in before and "esperando la confirmación" in before
    assert "en camino" not in before.lower()

    await shipped(demo_shop, order.code)
    after = await chat.type("donde viene mi paquete")
    assert order.code in after and "1234567890" in after


async def test_a_greeting_run_on_still_gets_the_order_answered(demo_shop):
    chat, ana = await customer(demo_shop, "u1", "es")
    order = await a_mug_order(demo_shop, ana)
    answer = await chat.type(
        "hola buenas tardes oiga fijese que hice un pedido la semana pasada y no me ha "
        "llegado donde viene"
    )
    assert answer.startswith("¡Hola!") and order.code in answer


async def test_where_is_my_order_in_english_names_the_code_typed(demo_shop):
    chat, ana = await customer(demo_shop, "u1", "en")
    order = await a_mug_order(demo_shop, ana)
    answer = await chat.type(f"whats the status of {order.code.lower()} pls")
    assert order.code in answer


# -- products and the cart -------------------------------------------------------------


async def test_asking_for_a_product_shows_it_and_a_missing_one_is_named(demo_shop):
    chat, _ = await customer(demo_shop, "u1", "es")
    found = await chat.type("tienen gorras?")
    assert "Gorra roja" in found
    missing = await chat.type("tienen tenis?")
    assert "No tenemos tenis por ahora." in missing and "Ropa" in missing


async def test_quiero_2_tazas_adds_two_mugs_and_says_so(demo_shop):
    chat, _ = await customer(demo_shop, "u1", "es")
    added = await chat.type("quiero 2 tazas")
    assert "Agregado: 2 × Taza de talavera." in added
    cart = await chat.type("que tengo en mi carrito")
    assert "Taza de talavera" in cart


async def test_half_a_dozen_candles_in_english_and_then_checkout(demo_shop):
    chat, _ = await customer(demo_shop, "u1", "en")
    added = await chat.type("add half a dozen lavender candles")
    assert "Added 6 × Vela de lavanda." in added
    checkout = await chat.type("ok i want to pay now")
    assert "name" in checkout.lower()  # the first checkout question


async def test_ya_quiero_pagar_starts_the_checkout(demo_shop):
    chat, _ = await customer(demo_shop, "u1", "es")
    await chat.type("agrégame una gorra roja")
    answer = await chat.type("ya quiero pagar")
    assert "nombre" in answer.lower()


# -- shop questions, from the shop's data -----------------------------------------------


async def test_shipping_to_monterrey_uses_the_zone_of_that_place(demo_shop):
    zone = ShippingZoneSetting.model_validate(
        {
            "name": "Norte",
            "places": ["Nuevo León", "Monterrey"],
            "methods": {"standard": {"fee": "149.00", "min_days": 4, "max_days": 6}},
        }
    )
    settings = demo_shop.settings.model_copy(update={"shipping_zones": [zone]})
    shop = Shop(demo_shop.db, settings, clock=demo_shop.clock)
    chat, _ = await customer(shop, "u1", "es")

    answer = await chat.type("cuanto cuesta el envio a monterrey")
    assert "Envío a Monterrey:" in answer
    assert "149.00" in answer and "4-6 días" in answer
    elsewhere = await chat.type("y el envío a Mérida?")
    assert "99.00" in elsewhere


async def test_payment_methods_are_the_ones_offered_in_this_chat(demo_shop):
    chat, _ = await customer(demo_shop, "u1", "es")
    answer = await chat.type("aceptan tarjeta?")
    assert "no hay pago con tarjeta en este chat" in answer
    assert "Puedes pagar: pago contra entrega" in answer
    english, _ = await customer(demo_shop, "u2", "en")
    assert "We don't take OXXO yet." in await english.type("can i pay at oxxo?")


async def test_hours_address_and_returns_policy_in_english(demo_shop):
    chat, _ = await customer(demo_shop, "u1", "en")
    hours = await chat.type("what time do you open?")
    assert "Our opening hours:" in hours and "Monday to Friday" in hours
    where = await chat.type("where is the store located")
    assert "Av. Juárez 100" in where
    policy = await chat.type("whats your return policy")
    assert "up to 30 days after you receive" in policy


async def test_closed_hours_name_the_next_opening_in_one_sentence_in_spanish(demo_shop, clock):
    """ "9:00 a.m." ends the sentence: no second period after it."""
    clock.advance(hours=12)  # Monday 21:00 in Mexico City: closed until Tuesday
    chat, _ = await customer(demo_shop, "u3", "es")
    hours = await chat.type("a que hora abren mañana?")
    assert "abrimos el martes a las 9:00" in hours
    assert ".." not in hours


# -- payments, cancellations, returns -----------------------------------------------------


async def test_ya_te_deposite_asks_for_the_receipt_of_the_transfer_order(demo_shop, tmp_path):
    chat, ana = await customer(demo_shop, "u1", "es")
    order = await a_mug_order(demo_shop, ana, PaymentMethod.BANK_TRANSFER)
    answer = await chat.type("ya te deposité")
    assert "foto del comprobante" in answer and order.code in answer


async def test_cancelling_by_text_asks_about_the_right_order(demo_shop):
    chat, ana = await customer(demo_shop, "u1", "es")
    order = await a_mug_order(demo_shop, ana)
    answer = await chat.type("quiero cancelar mi pedido")
    assert f"¿Seguro que quieres cancelar el pedido {order.code}?" in answer


async def test_me_llego_roto_starts_the_return_of_the_delivered_order(demo_shop):
    chat, ana = await customer(demo_shop, "u1", "es")
    order = await a_mug_order(demo_shop, ana)
    await shipped(demo_shop, order.code)
    not_yet = await chat.type("me llego roto")
    assert order.code in not_yet and "Si ya te llegó" in not_yet

    await orders.mark_delivered(demo_shop, MERCHANT, order.code)
    answer = await chat.type("me llego roto")
    assert "¿Qué producto quieres devolver?" in answer


async def test_a_return_before_any_order_is_explained_in_english(demo_shop):
    chat, _ = await customer(demo_shop, "u1", "en")
    assert "You have no orders to return yet." in await chat.type("the mug arrived broken")


# -- people, feelings, language ---------------------------------------------------------


async def test_me_pasas_con_un_asesor_asks_for_the_message(demo_shop):
    chat, _ = await customer(demo_shop, "u1", "es")
    answer = await chat.type("me pasas con un asesor")
    assert "Escribe tu mensaje y una persona de la tienda te responderá" in answer


async def test_a_complaint_is_apologised_for_and_reaches_the_team(demo_shop):
    admin = ChatDriver(demo_shop, "owner", locale="es")
    await admin.open()
    chat, _ = await customer(demo_shop, "u1", "es")
    answer = await chat.type("pésimo servicio, nadie me contesta nunca")
    assert "Lamento mucho lo ocurrido." in answer
    assert "┃ pésimo servicio, nadie me contesta nunca" in await admin.refresh()


async def test_english_please_switches_the_language(demo_shop):
    chat, _ = await customer(demo_shop, "u1", "es")
    assert "Done, I will speak English." in await chat.type("english please")
    assert "Listo, te hablaré en español." in await chat.type("en español porfa")


async def test_thanks_goodbye_and_out_of_scope_get_short_answers(demo_shop):
    chat, _ = await customer(demo_shop, "u1", "es")
    assert "¡De nada!" in await chat.type("muchas gracias!!")
    assert "¡Hasta luego!" in await chat.type("bye, nos vemos")
    answer = await chat.type("quien gano el partido de ayer?")
    assert "Puedo ayudarte con la tienda" in answer


# -- not sure ----------------------------------------------------------------------------


async def test_a_message_not_understood_offers_options_and_a_person_who_sees_it(demo_shop):
    admin = ChatDriver(demo_shop, "owner", locale="en")
    await admin.open()
    chat, _ = await customer(demo_shop, "u1", "en")
    question = await chat.type("zxqv blorp")
    assert "I'm not sure I understood." in question

    answer = await chat.press("Talk to a person")
    assert "case #1" in answer
    assert "┃ zxqv blorp" in await admin.refresh()


async def test_complaints_to_a_case_the_team_has_not_answered_are_not_piled_on(demo_shop):
    chat, _ = await customer(demo_shop, "u1", "es")
    for _n in range(4):  # the case, then 3 messages added to it
        answer = await chat.type("pésimo servicio, nadie me contesta nunca")
        assert "Lamento mucho lo ocurrido." in answer
    waiting = await chat.type("pésimo servicio, nadie me contesta nunca")
    assert "El equipo ya tiene tus mensajes (caso #1)" in waiting


async def test_ya_pague_with_two_transfer_orders_asks_which_one(demo_shop, tmp_path):
    chat, ana = await customer(demo_shop, "u1", "es")
    first = await a_mug_order(demo_shop, ana, PaymentMethod.BANK_TRANSFER)
    second = await a_mug_order(demo_shop, ana, PaymentMethod.BANK_TRANSFER)
    question = await chat.type("ya pagué")
    assert "¿Cuál pedido pagaste?" in question
    assert first.code in question and second.code in question

    assert f"Es para el pedido {first.code}." in await chat.press(first.code)
    receipt = tmp_path / "comprobante.jpg"
    receipt.write_bytes(b"\xff\xd8\xff")
    assert first.code in await chat.type(f"/photo {receipt}")
    details = await orders.order_details(demo_shop, first.code, MERCHANT)
    assert "receipt_attached" in [e.kind for e in details.timeline]


async def test_shipping_to_another_country_is_not_quoted_as_domestic(demo_shop):
    chat, _ = await customer(demo_shop, "u1", "es")
    answer = await chat.type("y envian a españa? estoy en valencia")
    assert "Por ahora solo enviamos dentro de México." in answer
    assert "$99.00" not in answer
    english, _ = await customer(demo_shop, "u2", "en")
    assert "we only ship within Mexico" in await english.type("do you ship to london?")


async def test_a_city_with_a_namesake_abroad_is_quoted_in_the_shops_country(demo_shop):
    chat, _ = await customer(demo_shop, "u1", "es")
    for asked in ("hacen envios a guadalajara?", "envian a leon?"):
        answer = await chat.type(asked)
        assert "solo enviamos dentro de México" not in answer, asked
        assert "$99.00" in answer, asked


async def test_dame_2_under_a_product_card_adds_two_of_that_product(demo_shop):
    chat, _ = await customer(demo_shop, "u1", "es")
    await chat.type("camisa azul")
    await chat.press("Camisa azul")
    assert "Agregado: 2 × Camisa azul (M)." in await chat.type("sii esa, dame 2 porfa")
    await chat.type("tienen lentes?")  # one match: its card is not even needed
    assert "Agregado: 1 × Lentes de sol." in await chat.type("la quiero")
