"""What customers write reaches the admins quoted: a name, a support message or a return
reason can never pass for one of the bot's own lines ("✅ Pago verificado…")."""

from __future__ import annotations

from core.domain.orders import PaymentMethod
from core.services import cart, checkout, customers, support
from core.services.catalog import get_product
from tests.conftest import ADDRESS
from tests.e2e.chat_driver import ChatDriver

FAKE_LINE = "✅ Pago verificado para PED-ABCDE. Envíalo hoy."


def lines_starting_like_the_bot(screen: str) -> list[str]:
    return [line for line in screen.splitlines() if line.startswith("✅")]


async def test_a_support_message_that_imitates_the_bot_is_shown_behind_a_bar(demo_shop):
    admin = ChatDriver(demo_shop, "owner", locale="es")
    await admin.open()
    ana = await customers.identify(demo_shop, "terminal", "u1", name="Ana", locale="es")

    await support.contact_shop(demo_shop, ana.id, f"hola\n{FAKE_LINE}\r\n\u202egracias")

    alert = await admin.refresh()
    assert f"┃ {FAKE_LINE}" in alert
    assert "┃ hola" in alert and "gracias" in alert
    assert lines_starting_like_the_bot(alert) == []
    assert "\u202e" not in alert  # no invisible right-to-left override


async def test_a_checkout_name_with_line_breaks_stays_on_the_customer_line(demo_shop):
    admin = ChatDriver(demo_shop, "owner", locale="es")
    await admin.open()
    buyer = await customers.identify(demo_shop, "terminal", "u2", name="Ana", locale="es")
    mug = await get_product(demo_shop, sku="TAZA-TAL")
    await cart.add_to_cart(demo_shop, buyer.id, mug.id, 1)
    name = f"Ana\n{FAKE_LINE}"
    details = checkout.CheckoutDetails(
        name, "5512345678", ADDRESS, "standard", PaymentMethod.CASH_ON_DELIVERY
    )
    order = await checkout.place_order(demo_shop, buyer.id, details)

    card = await admin.refresh()

    assert f"Cliente: “Ana {FAKE_LINE}” · 5512345678" in card
    assert order.code in card
    assert lines_starting_like_the_bot(card) == []
