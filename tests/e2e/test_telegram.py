"""The shop on Telegram, against the strict Bot API double, by long polling and by
webhook: the customer's and the merchant's journeys with zero rejected API calls."""

from __future__ import annotations

import re

import pytest

from core.services import catalog, orders
from tests.conftest import MERCHANT
from tests.e2e.telegram_driver import TelegramUser, telegram_shop

ANA, ADMIN = 5001, 9001


async def buy_by_card(ana: TelegramUser) -> str:
    """Through the chat up to the invoice; returns the order code."""
    await ana.says("/start")
    await ana.presses("Catálogo")
    await ana.presses("Accesorios")
    await ana.presses("Gorra roja")
    await ana.presses("Agregar 1")
    await ana.presses("Finalizar compra")
    await ana.says("Ana López")
    await ana.shares_contact("+52 55 1234 5678")
    await ana.shares_location(19.4326, -99.1332)
    await ana.says("Av Insurgentes Sur 1234, col del valle, benito juarez, cdmx, cp 03100")
    await ana.presses("Correcto")
    await ana.says("Edificio azul, timbre 3")
    await ana.presses("Estándar")
    await ana.presses("Tarjeta")
    placed = await ana.presses("Confirmar pedido")
    return re.search(r"(PED-\w{5})", placed).group(1)


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_a_customer_pays_by_card_and_the_merchant_ships_it(demo_shop, mode):
    async with telegram_shop(demo_shop, mode) as tg:
        admin = TelegramUser(tg, ADMIN, language="en", name="Dueña")
        await admin.says("/start")  # the merchant opened the bot once (Telegram needs it)
        ana = TelegramUser(tg, ANA)
        code = await buy_by_card(ana)
        invoice = tg.double.messages(ANA)[-1]
        assert invoice.kind == "invoice" and invoice.invoice["payload"] == code
        assert invoice.invoice["prices"][0]["amount"] == 32800  # 229.00 + 99.00 shipping

        await tg.deliver(tg.double.pre_checkout(ANA, code, 32800, "MXN"))
        answer = next(iter(tg.double.pre_checkout_answers.values()))
        assert answer[0] is True and answer[2] < 10
        await tg.deliver(
            tg.double.successful_payment(ANA, code, 32800, "MXN", "tg-charge-1", "prov-charge-1")
        )
        await tg.outbox()
        assert f"Recibimos tu pago del pedido {code}" in ana.screen()

        assert f"🆕 New order {code}" in admin.screen()
        await admin.says(f"/pedido {code}")
        assert "Payment: Card ✅" in admin.screen()
        await admin.presses("Start preparing")
        await admin.presses("Packed (label)")
        label = [m for m in tg.double.messages(ADMIN) if m.kind == "document"][-1]
        assert label.document[0] == f"etiqueta-{code}.pdf"
        assert label.document[1].startswith(b"%PDF")
        await admin.presses("Ship")
        await admin.presses("DHL")
        await admin.says("JD0146000031")
        await tg.outbox()
        assert "va en camino con DHL" in ana.screen() and "JD0146000031" in ana.screen()

        where = await ana.says("¿dónde está mi pedido?")
        assert f"Pedido {code}: en camino." in where
        assert "tracking-id=JD0146000031" in where
        assert tg.double.rejected == []


async def test_an_expired_order_is_refused_at_pre_checkout_with_a_translated_reason(
    demo_shop, clock
):
    async with telegram_shop(demo_shop, "polling") as tg:
        ana = TelegramUser(tg, ANA)
        code = await buy_by_card(ana)
        clock.advance(minutes=31)
        await tg.deliver(tg.double.pre_checkout(ANA, code, 32800, "MXN"))
        ok, reason, _seconds = next(iter(tg.double.pre_checkout_answers.values()))
        assert ok is False
        assert reason == "Este pedido venció antes de pagarse. Haz tu pedido de nuevo, por favor."
        assert tg.double.rejected == []


async def test_a_repeated_successful_payment_is_recorded_once(demo_shop):
    async with telegram_shop(demo_shop, "webhook") as tg:
        ana = TelegramUser(tg, ANA)
        code = await buy_by_card(ana)
        await tg.deliver(tg.double.pre_checkout(ANA, code, 32800, "MXN"))
        first = tg.double.successful_payment(ANA, code, 32800, "MXN", "tg-1", "prov-1")
        await tg.deliver(first)
        again = tg.double.successful_payment(ANA, code, 32800, "MXN", "tg-1", "prov-1")
        await tg.deliver(again)  # a second notice of the same charge (a new update)
        assert await tg.double.post_update(first) == 200  # and the first delivered twice
        await tg.channel.drain()
        details = await orders.order_details(demo_shop, code, MERCHANT)
        assert [p.provider_charge_id for p in details.payments] == ["prov-1"]
        assert [e.kind for e in details.timeline].count("paid") == 1
        assert details.order.status == "confirmed"


async def test_a_deep_link_opens_the_product_and_a_stale_button_is_explained(demo_shop):
    async with telegram_shop(demo_shop, "polling") as tg:
        ana = TelegramUser(tg, ANA)
        card = await ana.says("/start p_TAZA-TAL")
        assert "Taza de talavera" in card and "$189.00 MXN" in card
        photo = tg.double.messages(ANA)[-1]
        assert photo.kind == "photo"
        await catalog.update_product(demo_shop, MERCHANT, "TAZA-TAL", active=False)
        answer = await ana.presses("Agregar 1")  # the card's button, now stale
        assert "Ese producto ya no está disponible." in answer
        assert "[Catálogo]" not in answer and tg.double.messages(ANA)[-1].buttons
        assert tg.double.rejected == []


async def test_navigation_edits_the_menu_in_place(demo_shop):
    async with telegram_shop(demo_shop, "polling") as tg:
        ana = TelegramUser(tg, ANA)
        await ana.says("/start")
        before = len(tg.double.messages(ANA))
        await ana.presses("Catálogo")
        await ana.presses("Ropa")
        assert len(tg.double.messages(ANA)) == before  # the same message, edited
        assert "Camisa azul (M)" in str(tg.double.messages(ANA)[-1].reply_markup)
        assert tg.double.rejected == []


async def test_the_command_menu_is_set_per_language_and_for_admins(demo_shop):
    async with telegram_shop(demo_shop, "polling") as tg:
        await tg.channel.set_commands()  # the admin never opened the bot: no menu yet
        await TelegramUser(tg, ADMIN, language="en").says("/start")
        default = tg.double.scope_key({"type": "default"})
        spanish = [c["command"] for c in tg.double.commands[(default, "es")]]
        english = [c["command"] for c in tg.double.commands[(default, "en")]]
        assert "carrito" in spanish and "cart" in english
        admin_scope = tg.double.scope_key({"type": "chat", "chat_id": ADMIN})
        assert "devoluciones" in [c["command"] for c in tg.double.commands[(admin_scope, "es")]]
        assert tg.double.rejected == []


async def test_new_orders_go_to_the_admin_group_where_any_admin_acts(demo_shop):
    group = -1001234567890
    async with telegram_shop(demo_shop, "webhook", admin_chat_id=group) as tg:
        ana = TelegramUser(tg, ANA)
        await ana.says("/start p_VELA-LAV")
        await ana.presses("Agregar 1")
        await ana.presses("Finalizar compra")
        code = await ana.checks_out()
        await tg.outbox()
        card = tg.double.messages(group)[-1]
        assert f"🆕 Nuevo pedido {code}" in card.text
        async with demo_shop.uow(write=False) as uow:  # a group is nobody's customer
            assert await uow.customers.find("telegram", str(group)) is None

        stranger = tg.double.user_presses(4444, card.message_id, f"ac:{code}", chat_id=group)
        await tg.deliver(stranger)  # a group member who is not an admin: ignored
        details = await orders.order_details(demo_shop, code, MERCHANT)
        assert details.order.status == "awaiting_confirmation"

        admin = tg.double.user_presses(ADMIN, card.message_id, f"ac:{code}", chat_id=group)
        await tg.deliver(admin)
        details = await orders.order_details(demo_shop, code, MERCHANT)
        assert details.order.status == "confirmed"
        assert f"Pedido {code} confirmado" in tg.double.messages(group)[-1].text
        assert tg.double.rejected == []


async def test_an_admin_answers_a_customer_by_replying_to_the_forwarded_message(demo_shop):
    async with telegram_shop(demo_shop, "webhook") as tg:
        admin = TelegramUser(tg, ADMIN, language="en")
        await admin.says("/start")
        ana = TelegramUser(tg, ANA)
        await ana.says("quiero hablar con una persona")
        await ana.says("¿Tienen envíos a Mérida?")
        await tg.outbox()
        request = tg.double.messages(ADMIN)[-1]
        assert "¿Tienen envíos a Mérida?" in request.text
        reply = tg.double.user_says(
            ADMIN,
            "Sí, en 4 días hábiles.",
            reply_to_message_id=request.message_id,
            language_code="en",
        )
        await tg.deliver(reply)
        await tg.outbox()
        assert "La tienda respondió: Sí, en 4 días hábiles." in ana.screen()
        assert tg.double.rejected == []
