"""An unpaid bank transfer reads "awaiting payment" to the customer and the admin, and
the admin confirms it only explicitly without payment; /pagado on a paid order says it
already was (issue #13). Both chats are the real terminal channel."""

from __future__ import annotations

import re

import pytest

from core.domain.orders import OrderStatus
from core.services import orders
from handlers.admin.orders import ConfirmOrder
from tests.conftest import MERCHANT
from tests.e2e.chat_driver import ChatDriver

pytestmark = pytest.mark.sqlite_only  # the conversation, not the store: see tests/conftest.py


async def customer_orders(shop, payment: str) -> tuple[ChatDriver, str]:
    customer = ChatDriver(shop, "cliente", name="Lucía", locale="es")
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
    await customer.press(payment)
    placed = await customer.press("Confirmar pedido")
    return customer, re.search(r"(PED-\w{5})", placed).group(1)


def labels(driver: ChatDriver) -> list[str]:
    return [button.label for button in driver.chat.buttons]


async def test_an_unpaid_transfer_waits_for_payment_until_confirmed_without_it(demo_shop):
    admin = ChatDriver(demo_shop, "owner", name="Owner", locale="en")
    await admin.open()
    customer, code = await customer_orders(demo_shop, "Transferencia bancaria")

    card = await admin.refresh()
    assert f"🆕 New order {code}" in card
    assert "Payment: Bank transfer — awaiting payment" in card
    assert "Confirm without payment" in labels(admin)
    assert "Confirm" not in labels(admin)  # no button that could only be refused

    assert f"Pedido {code}: esperando pago." in await customer.type(code)
    await customer.type("mis pedidos")
    assert any(code in label and "esperando pago" in label for label in labels(customer))

    refused = await admin.type(f"/confirmar {code}")
    assert f"Order {code} is awaiting payment" in refused
    assert f"/confirmar_sin_pago {code}" in refused
    assert "Confirm without payment" in labels(admin)
    details = await orders.order_details(demo_shop, code, MERCHANT)
    assert details.order.status is OrderStatus.AWAITING_CONFIRMATION

    await admin.type("/pedidos")
    assert any(code in label and "awaiting payment" in label for label in labels(admin))
    assert f"Order {code}: awaiting payment" in await admin.type(f"/pedido {code}")

    confirmed = await admin.press("Confirm without payment")
    assert f"Order {code} confirmed without payment; the customer was told." in confirmed
    assert "Payment: Bank transfer — confirmed without payment" in confirmed
    timeline = await admin.type(f"/pedido {code}")
    assert "Confirmed without payment (" in timeline
    assert f"Tu pedido {code} está confirmado." in await customer.refresh()
    assert f"Pedido {code}: confirmado." in await customer.type(code)


async def test_confirming_an_unpaid_transfer_is_refused_with_the_ways_on(demo_shop):
    admin = ChatDriver(demo_shop, "owner", name="Owner", locale="es")
    await admin.open()
    _customer, code = await customer_orders(demo_shop, "Transferencia bancaria")

    await admin.refresh()
    refused = await admin.send_payload(ConfirmOrder(code).pack())  # a card sent before the rule

    assert f"El pedido {code} está esperando pago" in refused
    assert "Confirmar sin pago" in labels(admin)
    assert "Marcar como pagado" in labels(admin)
    await admin.press("Marcar como pagado")
    assert f"Pedido {code} confirmado" in await admin.type(f"/confirmar {code}")


async def test_pagado_on_cash_recorded_on_delivery_says_it_already_was_paid(demo_shop):
    admin = ChatDriver(demo_shop, "owner", name="Owner", locale="es")
    await admin.open()
    _customer, code = await customer_orders(demo_shop, "Pago contra entrega")
    for command in ("/confirmar", "/preparar", "/empacado"):
        await admin.type(f"{command} {code}")
    await admin.type(f"/enviar {code} estafeta 1234567890")
    await admin.type(f"/entregado {code}")  # the cash is in hand

    again = await admin.type(f"/pagado {code}")

    assert f"El pedido {code} ya estaba pagado; no se registró nada." in again
    details = await orders.order_details(demo_shop, code, MERCHANT)
    assert [p.status for p in details.payments] == ["paid"]


async def test_shipping_an_unpaid_transfer_is_refused_before_asking_the_carrier(demo_shop):
    admin = ChatDriver(demo_shop, "owner", name="Owner", locale="en")
    await admin.open()
    _customer, code = await customer_orders(demo_shop, "Transferencia bancaria")
    await admin.refresh()

    for command in (f"/enviar {code}", f"/enviar {code} dhl"):
        refused = await admin.type(command)
        assert f"Order {code} is awaiting payment" in refused, command
        assert "carrier" not in refused and "tracking number" not in refused, command


async def test_a_transfer_marked_paid_is_acknowledged_to_the_customer(demo_shop):
    admin = ChatDriver(demo_shop, "owner", name="Owner", locale="es")
    await admin.open()
    customer, code = await customer_orders(demo_shop, "Transferencia bancaria")
    await admin.refresh()

    await admin.type(f"/pagado {code}")
    assert f"Recibimos tu pago del pedido {code}" in await customer.refresh()
    await admin.type(f"/pagado {code}")  # said once, recorded once
    assert "Recibimos tu pago" not in await customer.refresh()
    # The order's next news reaches them, once: the silence was not a broken outbox.
    await orders.confirm_order(demo_shop, MERCHANT, code)
    assert (await customer.refresh()).count(f"Tu pedido {code} está confirmado.") == 1
