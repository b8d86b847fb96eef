"""Every intent of the understanding step, typed the way customers write, in Spanish and
in English, gets its own answer in that language through the real terminal chat (the
answers that need orders are in test_understanding_conversations.py)."""

from __future__ import annotations

import pytest

from tests.e2e.chat_driver import ChatDriver

pytestmark = pytest.mark.sqlite_only  # the conversation, not the store: see tests/conftest.py

CASES = [
    # intent, (es message, es answer), (en message, en answer)
    ("order_status", ("ya lo enviaron??", "no tienes pedidos en camino"),
     ("has it shipped yet??", "You have no orders on the way")),
    ("search", ("tienen gorras?", "Gorra roja"), ("do you have caps?", "Gorra roja")),
    ("browse_category", ("ver la seccion de hogar", "Vela de lavanda"),
     ("show me the home section", "Vela de lavanda")),
    ("add_to_cart", ("quiero 2 tazas", "Agregado: 2 × Taza de talavera."),
     ("i want 2 mugs", "Added 2 × Taza de talavera.")),
    ("view_cart", ("que tengo en mi carrito", "carrito"), ("whats in my cart", "cart")),
    ("checkout", ("ya quiero pagar", "carrito"), ("ok ready to pay", "cart")),
    ("shipping_cost", ("cuanto cuesta el envio a monterrey", "Envío a Monterrey:"),
     ("how much is shipping to monterrey", "Shipping to Monterrey:")),
    ("payment_methods", ("aceptan tarjeta?", "Puedes pagar: pago contra entrega"),
     ("do you take credit card?", "You can pay: cash on delivery")),
    ("store_hours", ("a que hora abren", "Nuestro horario:"),
     ("what are your opening hours", "Our opening hours:")),
    ("store_location", ("donde estan ubicados", "Estamos en Av. Juárez 100"),
     ("where are you located", "We are at Av. Juárez 100")),
    ("return_policy", ("como son las devoluciones", "hasta 30 días"),
     ("whats your return policy", "up to 30 days")),
    ("payment_sent", ("ya te deposite", "No veo ningún pedido esperando un pago"),
     ("i already sent the transfer", "I don't see an order waiting for a payment")),
    ("receipt", ("me pasas mi recibo?", "Todavía no tienes pedidos con recibo"),
     ("can you send me my receipt", "You have no order with a receipt yet")),
    ("cancel_order", ("quiero cancelar mi pedido", "No tienes pedidos que se puedan cancelar"),
     ("cancel my order pls", "You have no order to cancel")),
    ("return_request", ("me llego roto", "Todavía no tienes pedidos para devolver"),
     ("it arrived broken", "You have no orders to return yet")),
    ("human", ("me pasas con un asesor", "Escribe tu mensaje"),
     ("can i talk to a human", "Write your message")),
    ("complaint", ("pesimo servicio, nadie contesta", "Lamento mucho lo ocurrido"),
     ("worst service ever, nobody answers", "I'm sorry about that")),
    ("greeting", ("hola", "Te damos la bienvenida"), ("hi", "Welcome to Tienda Demo")),
    ("thanks", ("muchas gracias", "¡De nada!"), ("thanks a lot", "You're welcome!")),
    ("goodbye", ("adios", "¡Hasta luego!"), ("bye", "Bye!")),
    ("language", ("english please", "Done, I will speak English."),
     ("en español porfa", "Listo, te hablaré en español.")),
    ("menu_help", ("que puedo hacer aqui?", "Esto es lo que puedes hacer"),
     ("what can you do?", "Here is what you can do")),
    ("out_of_scope", ("quien gano el partido de ayer?", "Puedo ayudarte con la tienda"),
     ("tell me a joke", "I can help you with the shop")),
]  # fmt: skip


PARAMS = [
    pytest.param(lang, *pair, id=f"{intent}-{lang}")
    for intent, es, en in CASES
    for lang, pair in (("es", es), ("en", en))
]


@pytest.mark.parametrize(("lang", "message", "expected"), PARAMS)
async def test_each_intent_is_answered_in_the_customers_language(
    demo_shop, lang, message, expected
):
    chat = ChatDriver(demo_shop, "u1", name="Ana", locale=lang)
    await chat.open()
    answer = await chat.type(message)
    assert expected in answer
    assert "I'm not sure" not in answer and "No estoy seguro" not in answer
