"""Shipping zones reach the checkout: the methods offered, the summary and the order's
totals use the zone of the address the customer gives, and the same zone answers
"¿cuánto cuesta el envío a …?"."""

from __future__ import annotations

import re

from core.services import orders
from core.services.context import Shop
from core.settings import ShippingZoneSetting
from tests.conftest import MERCHANT
from tests.e2e.chat_driver import ChatDriver

NORTE = ShippingZoneSetting.model_validate(
    {
        "name": "Norte",
        "places": ["Nuevo León"],
        "postal_prefixes": ["64", "66"],
        "methods": {"standard": {"fee": "149.00", "min_days": 4, "max_days": 6}},
    }
)


def zoned(shop: Shop) -> Shop:
    settings = shop.settings.model_copy(update={"shipping_zones": [NORTE]})
    return Shop(shop.db, settings, clock=shop.clock)


async def checkout_to(chat: ChatDriver, city: str, state: str, postal_code: str) -> str:
    assert "Agregado: 1 × Taza de talavera." in await chat.type("quiero una taza")
    await chat.press("Finalizar compra")
    await chat.type("Ana López")
    await chat.type("55 1234 5678")
    await chat.type("Av. Constitución 400")
    await chat.type("Centro")
    await chat.type(city)
    await chat.type(state)
    return await chat.type(postal_code)  # the shipping question


async def test_an_address_in_a_zone_pays_the_zones_fee_in_the_order(demo_shop):
    shop = zoned(demo_shop)
    chat = ChatDriver(shop, "u1", locale="es")
    await chat.open()
    await checkout_to(chat, "Monterrey", "Nuevo León", "64000")
    shipping = await chat.press("Sin referencias")
    assert "Estándar · $149.00 MXN · 4-6 días" in shipping
    await chat.press("Estándar")
    summary = await chat.press("Pago contra entrega")
    assert "Envío: $149.00 MXN" in summary
    placed = await chat.press("Confirmar pedido")
    code = re.search(r"PED-\w{5}", placed).group(0)
    order = (await orders.order_details(shop, code, MERCHANT)).order
    assert (order.shipping_fee.amount, order.total.amount) == (14900, 18900 + 14900)


async def test_an_address_outside_every_zone_pays_the_default_fee(demo_shop):
    chat = ChatDriver(zoned(demo_shop), "u1", locale="es")
    await chat.open()
    await checkout_to(chat, "Mérida", "Yucatán", "97000")
    assert "Estándar · $99.00 MXN · 3-5 días" in await chat.press("Sin referencias")
