"""Every order's tracking page (/t/<token>) is linked from its confirmation, from every
notice about it its customer gets and from "where is my order?", on every channel: the
terminal prints it; Telegram makes it a URL button and WhatsApp a cta_url message when
the page is public (PUBLIC_URL), and both write it in the text when it is on this
machine (http://127.0.0.1:PORT, which Telegram refuses as a button and no phone opens).
The link opens that order's page (core.services.web.tracked_order); admins' alerts
carry none."""

from __future__ import annotations

import re

import pytest

from bot.payments.mercadopago import MercadoPago
from core.services import orders, shipping, web
from core.services.context import Shop
from tests.conftest import MERCHANT
from tests.e2e.chat_driver import ChatDriver
from tests.e2e.payment_links_harness import cta_links
from tests.e2e.telegram_driver import TelegramUser, telegram_shop
from tests.e2e.test_terminal_journey import checkout_to_summary
from tests.e2e.test_whatsapp import place_cod_order
from tests.e2e.whatsapp_driver import WhatsAppUser, whatsapp_shop
from tests.mercadopago_double import MercadoPagoDouble
from tests.telegram_double import StoredMessage

pytestmark = pytest.mark.sqlite_only  # the conversation, not the store: see tests/conftest.py

PUBLIC = "https://tienda.example.mx"
PAGE = re.compile(r"(https?://\S+)/t/([\w.-]+)")
WRITTEN_OUT = re.compile(r"🔗 Seguir en línea: (\S+)")
TG_ANA, TG_ADMIN = 5001, 9001
WA_ANA, WA_ADMIN = "5215512345678", "5215500000001"


async def orders_of(shop: Shop, urls: list[str]) -> list[str]:
    """The code of the order each tracking page shows (or why it shows none)."""
    codes = []
    for url in urls:
        page = PAGE.fullmatch(url)
        details = await web.tracked_order(shop, page.group(2)) if page else None
        codes.append(details.order.code if details else f"no order's page: {url}")
    return codes


async def ship_and_deliver(shop: Shop, code: str) -> None:
    """The merchant's steps that each tell the customer (packing tells them nothing)."""
    for step in (orders.confirm_order, orders.start_preparing, orders.mark_packed):
        await step(shop, MERCHANT, code)
    await shipping.ship_order(shop, MERCHANT, code, "dhl", "JD0146000031")
    await orders.mark_delivered(shop, MERCHANT, code)


# -- Terminal ------------------------------------------------------------------------------


async def test_in_the_terminal_the_confirmation_each_notice_and_where_is_it_print_the_page(
    demo_shop,
):
    ana = ChatDriver(demo_shop, "ana", locale="es")
    await ana.open()
    await ana.type("Vela de lavanda")
    await ana.press("Vela de lavanda")
    await ana.press("Agregar")
    await checkout_to_summary(ana, en=False)
    placed = await ana.press("Confirmar pedido")
    code = re.search(r"Pedido (PED-\w{5}) realizado", placed).group(1)
    [url] = WRITTEN_OUT.findall(placed)
    assert url.startswith(f"{demo_shop.settings.web_address()}/t/")  # no PUBLIC_URL
    assert await orders_of(demo_shop, [url]) == [code]
    # The chat's own "track" button stays beside it.
    assert "Rastrear mi pedido" in placed

    screens = []
    for step in (orders.confirm_order, orders.start_preparing):
        await step(demo_shop, MERCHANT, code)
        screens.append(await ana.refresh())
    await orders.mark_packed(demo_shop, MERCHANT, code)
    await shipping.ship_order(demo_shop, MERCHANT, code, "dhl", "JD0146000031")
    screens.append(await ana.refresh())
    where = await ana.type("¿dónde está mi pedido?")
    assert f"Pedido {code}: en camino." in where
    assert await orders_of(demo_shop, WRITTEN_OUT.findall(where)) == [code]
    await orders.mark_delivered(demo_shop, MERCHANT, code)
    screens.append(await ana.refresh())
    assert "confirmado" in screens[0] and "¿Qué tal" in screens[3]
    for screen in screens:
        assert await orders_of(demo_shop, WRITTEN_OUT.findall(screen)) == [code], screen


async def test_in_the_terminal_a_cancelled_order_is_told_with_its_page_and_orders_keep_apart(
    demo_shop,
):
    """Two customers' orders: each notice links its own order, never the other one."""
    codes = {}
    chats = {}
    for user in ("ana", "beto"):
        chat = chats[user] = ChatDriver(demo_shop, user, locale="es")
        await chat.open()
        await chat.type("Vela de lavanda")
        await chat.press("Vela de lavanda")
        await chat.press("Agregar")
        await checkout_to_summary(chat, en=False)
        placed = await chat.press("Confirmar pedido")
        codes[user] = re.search(r"PED-\w{5}", placed).group(0)
        assert await orders_of(demo_shop, WRITTEN_OUT.findall(placed)) == [codes[user]]
    await orders.cancel_order(demo_shop, MERCHANT, codes["beto"], "Sin existencias")
    told = await chats["beto"].refresh()
    assert f"Tu pedido {codes['beto']} se canceló" in told
    assert await orders_of(demo_shop, WRITTEN_OUT.findall(told)) == [codes["beto"]]
    assert await chats["ana"].refresh() == ""  # Ana is told nothing about Beto's order


@pytest.fixture
async def mercadopago(demo_shop, clock):
    async with MercadoPagoDouble(clock=clock) as double:
        provider = MercadoPago(
            double.access_token, double.webhook_secret, double.base_url, "http://127.0.0.1:8080"
        )
        demo_shop.payment_providers = (provider,)
        yield double
        await provider.close()


async def test_a_confirmation_with_a_payment_link_keeps_it_and_writes_the_page_in_its_text(
    demo_shop, mercadopago
):
    ana = ChatDriver(demo_shop, "ana", locale="es")
    await ana.open()
    await ana.type("Vela de lavanda")
    await ana.press("Vela de lavanda")
    await ana.press("Agregar")
    await ana.press("Finalizar compra")
    for answer in ("Ana López", "5512345678", "Calle 1 #2", "Centro", "Oaxaca", "Oaxaca"):
        await ana.type(answer)
    await ana.type("68000")
    await ana.press("Sin referencias")
    await ana.press("Estándar")
    await ana.press("Tarjeta")
    placed = await ana.press("Confirmar pedido")
    code = re.search(r"PED-\w{5}", placed).group(0)

    [pay] = re.findall(r"🔗 Pagar ahora: (\S+)", placed)  # the payment page stays the link
    assert pay.startswith("https://www.mercadopago.com.mx/")
    [page] = re.findall(r"Sigue tu pedido en línea: (\S+)", placed)
    assert await orders_of(demo_shop, [page]) == [code]


# -- Telegram ------------------------------------------------------------------------------


def url_buttons(message: StoredMessage) -> list[str]:
    rows = (message.reply_markup or {}).get("inline_keyboard", [])
    return [button["url"] for row in rows for button in row if "url" in button]


def callback_labels(message: StoredMessage) -> list[str]:
    rows = (message.reply_markup or {}).get("inline_keyboard", [])
    return [button["text"] for row in rows for button in row if "callback_data" in button]


async def telegram_order(ana: TelegramUser) -> str:
    await ana.says("/start")
    for label in ("Catálogo", "Accesorios", "Gorra roja", "Agregar 1", "Finalizar compra"):
        await ana.presses(label)
    return await ana.checks_out()


async def test_on_telegram_the_page_is_a_url_button_on_the_confirmation_and_every_notice(
    demo_shop,
):
    async with telegram_shop(demo_shop, "webhook", public_url=PUBLIC) as tg:
        admin = TelegramUser(tg, TG_ADMIN, language="en", name="Dueña")
        await admin.says("/start")
        ana = TelegramUser(tg, TG_ANA)
        code = await telegram_order(ana)

        placed = ana.chat[-1]
        [url] = url_buttons(placed)
        assert url.startswith(f"{PUBLIC}/t/") and "/t/" not in placed.text
        assert await orders_of(tg.shop, [url]) == [code]
        assert callback_labels(placed) == ["Rastrear mi pedido", "Menú"]
        buttons = placed.reply_markup["inline_keyboard"]
        assert buttons[0] == [{"text": "Seguir en línea", "url": url}]  # first, alone

        seen = len(ana.chat)
        await ship_and_deliver(tg.shop, code)
        await tg.outbox()
        news = ana.chat[seen:]
        assert [m.text.split(" ", 1)[0] for m in news] == ["✅", "📦", "🚚", "Tu"]
        for message in news:
            assert await orders_of(tg.shop, url_buttons(message)) == [code], message.text
        assert len(callback_labels(news[-1])) == 5  # the rating question keeps its stars

        shown = await ana.presses("Rastrear mi pedido")  # on the "on its way" notice
        assert f"Pedido {code}: entregado." in shown
        assert await orders_of(tg.shop, url_buttons(ana.chat[-1])) == [code]

        admin_sees = tg.double.messages(TG_ADMIN)
        assert any(code in m.text for m in admin_sees)  # the admins were told of it
        assert [m.text for m in admin_sees if url_buttons(m) or "/t/" in m.text] == []


async def test_on_telegram_a_page_on_this_machine_is_written_in_the_text_not_a_button(
    demo_shop,
):
    async with telegram_shop(demo_shop, "webhook") as tg:  # no PUBLIC_URL
        await TelegramUser(tg, TG_ADMIN, language="en").says("/start")
        ana = TelegramUser(tg, TG_ANA)
        code = await telegram_order(ana)

        placed = ana.chat[-1]
        assert url_buttons(placed) == []  # Telegram would refuse it (BUTTON_URL_INVALID)
        [url] = WRITTEN_OUT.findall(placed.text)
        assert url.startswith(f"{tg.shop.settings.web_address()}/t/")
        assert url.startswith("http://127.0.0.1:")
        assert await orders_of(tg.shop, [url]) == [code]
        assert callback_labels(placed) == ["Rastrear mi pedido", "Menú"]

        await orders.confirm_order(tg.shop, MERCHANT, code)
        await tg.outbox()
        told = ana.chat[-1]
        assert told.text.startswith(f"✅ Tu pedido {code} está confirmado.")
        assert url_buttons(told) == []
        assert await orders_of(tg.shop, WRITTEN_OUT.findall(told.text)) == [code]
        assert tg.double.rejected == []


# -- WhatsApp ------------------------------------------------------------------------------


async def test_on_whatsapp_the_page_is_a_link_message_on_the_confirmation_and_every_notice(
    demo_shop,
):
    async with whatsapp_shop(demo_shop, public_url=PUBLIC) as wa:
        admin = WhatsAppUser(wa, WA_ADMIN, "Dueña")
        await admin.says("/ayuda")
        ana = WhatsAppUser(wa, WA_ANA)
        code = await place_cod_order(ana)

        [(text, label, url)] = cta_links(wa, WA_ANA)
        assert f"Pedido {code} realizado" in text and label == "Seguir en línea"
        assert url.startswith(f"{PUBLIC}/t/")
        assert await orders_of(wa.shop, [url]) == [code]
        assert await ana.taps("Rastrear mi pedido")  # the chat's buttons follow, and work

        await ship_and_deliver(wa.shop, code)
        await wa.outbox()
        links = cta_links(wa, WA_ANA)
        assert len(links) == 6  # the confirmation, the order tapped open, four notices
        assert await orders_of(wa.shop, [url for _t, _l, url in links]) == [code] * 6
        assert "está confirmado" in links[2][0] and "entregado" in links[5][0]

        assert cta_links(wa, WA_ADMIN) == []
        assert [t for t in wa.double.texts(WA_ADMIN) if "/t/" in t] == []
        assert wa.double.rejected == []


async def test_on_whatsapp_a_page_on_this_machine_is_written_in_the_text(demo_shop):
    async with whatsapp_shop(demo_shop) as wa:  # no PUBLIC_URL
        await WhatsAppUser(wa, WA_ADMIN, "Dueña").says("/ayuda")
        ana = WhatsAppUser(wa, WA_ANA)
        code = await place_cod_order(ana)
        assert cta_links(wa, WA_ANA) == []
        [placed] = [t for t in wa.double.texts(WA_ANA) if f"Pedido {code} realizado" in t]
        [url] = WRITTEN_OUT.findall(placed)
        assert url.startswith("http://127.0.0.1:")
        assert await orders_of(wa.shop, [url]) == [code]

        await orders.confirm_order(wa.shop, MERCHANT, code)
        await wa.outbox()
        [told] = [t for t in wa.double.texts(WA_ANA) if "está confirmado" in t]
        assert await orders_of(wa.shop, WRITTEN_OUT.findall(told)) == [code]
        assert wa.double.rejected == []
