"""Payment links in the terminal chat, and what a customer types about paying: the
link printed at checkout, "ya pagué" reading the provider at once, "¿aceptan OXXO?"
answered from the shop's provider. The real terminal channel, the real Mercado Pago
adapter against its strict double (tests/mercadopago_double.py)."""

from __future__ import annotations

import re

import pytest

from bot.payments.mercadopago import MercadoPago
from core.domain.orders import OrderStatus
from core.services import orders
from tests.conftest import MERCHANT
from tests.e2e.chat_driver import ChatDriver
from tests.mercadopago_double import MercadoPagoDouble

pytestmark = pytest.mark.sqlite_only  # the conversation, not the store: see tests/conftest.py

LINK = re.compile(r"🔗 Pagar ahora: (\S+)")


@pytest.fixture
async def mercadopago(demo_shop, clock):
    async with MercadoPagoDouble(clock=clock) as double:
        provider = MercadoPago(
            double.access_token, double.webhook_secret, double.base_url, "http://127.0.0.1:8080"
        )
        demo_shop.payment_providers = (provider,)
        yield double
        await provider.close()


async def checkout_by_card(customer: ChatDriver) -> str:
    await customer.open()
    await customer.type("Vela de lavanda")
    await customer.press("Vela de lavanda")
    await customer.press("Agregar")
    await customer.press("Finalizar compra")
    for answer in ("Lucía Gómez", "5512345678", "Calle 1 #2", "Centro", "Oaxaca", "Oaxaca"):
        await customer.type(answer)
    await customer.type("68000")
    await customer.press("Sin referencias")
    await customer.press("Estándar")
    await customer.press("Tarjeta")
    return await customer.press("Confirmar pedido")


async def test_the_terminal_prints_the_payment_link_and_ya_pague_finds_the_payment(
    demo_shop, mercadopago, clock
):
    customer = ChatDriver(demo_shop, "lucia", name="Lucía", locale="es")
    placed = await checkout_by_card(customer)
    code = re.search(r"(PED-\w{5})", placed).group(1)
    url = LINK.search(placed).group(1)
    assert "Mercado Pago" in placed
    preference = url.rpartition("pref_id=")[2]
    assert mercadopago.preferences[preference]["external_reference"] == code

    # Nothing paid yet: told it confirms itself, nothing recorded.
    said = await customer.type("ya pagué")
    assert "Los pagos con tarjeta se confirman solos" in said
    assert (await orders.order_details(demo_shop, code, MERCHANT)).order.status is (
        OrderStatus.PENDING_PAYMENT
    )

    # An OXXO voucher started on the page: still pending, said so (its reference comes
    # with it), not "card payments confirm themselves".
    voucher = mercadopago.customer_pays(preference, method="oxxo")
    said = await customer.type("ya pagué")
    assert "Tu pago aún está pendiente" in said
    assert "Págalo en OXXO con esta referencia" in said
    mercadopago.reject(voucher)  # the voucher runs out unpaid

    # Paid on the page, and the webhook never comes: "ya pagué" finds it now.
    mercadopago.customer_pays(preference)
    said = await customer.type("ya lo pagué")
    assert f"Pedido {code}: confirmado" in said
    assert said.count(f"Recibimos tu pago del pedido {code}") == 1  # the news, on the same screen
    details = await orders.order_details(demo_shop, code, MERCHANT)
    assert [p.status for p in details.payments] == ["paid"]
    assert details.order.status is OrderStatus.CONFIRMED


async def test_the_order_view_offers_the_same_link_again(demo_shop, mercadopago):
    customer = ChatDriver(demo_shop, "lucia", name="Lucía", locale="es")
    placed = await checkout_by_card(customer)
    first = LINK.search(placed).group(1)
    await customer.press("Rastrear mi pedido")
    again = await customer.press("Pagar")
    assert LINK.search(again).group(1) == first
    assert len(mercadopago.preferences) == 1  # no second page at the provider


async def test_oxxo_is_answered_from_the_shops_provider(demo_shop, mercadopago):
    customer = ChatDriver(demo_shop, "beto", name="Beto", locale="es")
    await customer.open()
    said = await customer.type("aceptan oxxo?")
    assert "Mercado Pago" in said and "OXXO" in said
    assert "Tarjeta" in said

    demo_shop.payment_providers = ()
    said = await customer.type("aceptan oxxo?")
    assert "Por ahora no aceptamos OXXO" in said
    assert "tarjeta" not in said.lower()  # the terminal takes no card without a provider


async def test_quiero_pagar_with_an_empty_cart_sends_the_waiting_orders_link(
    demo_shop, mercadopago
):
    customer = ChatDriver(demo_shop, "lucia", name="Lucía", locale="es")
    first = LINK.search(await checkout_by_card(customer)).group(1)

    for typed in ("quiero pagar", "mándame el link de pago", "como pago?"):
        said = await customer.type(typed)
        assert LINK.search(said).group(1) == first, typed
    assert len(mercadopago.preferences) == 1

    # Something in the cart again: "quiero pagar" is a new checkout.
    await customer.type("Vela de lavanda")
    await customer.press("Vela de lavanda")
    await customer.press("Agregar")
    said = await customer.type("quiero pagar")
    assert LINK.search(said) is None
    assert "¿A nombre de quién va el pedido?" in said
