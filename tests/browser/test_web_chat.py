"""The web chat (/chat) in Chromium, used as a person uses it: typing and pressing the
replies' buttons. A customer buys, follows the order on its tracking page while the
shop moves it, and finds the news waiting when they come back; the page works from the
keyboard and reads well to a screen reader in both languages."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import BrowserContext, Page, expect

from bot.webchat import web as webchat_web
from tests.browser.checks import assert_accessible, screenshots
from tests.browser.conftest import DESKTOP, LiveShop, NewContext
from tests.browser.test_tracking_page import LIVE_MS, mark_document, same_document
from tests.browser.webchat import WebChat

pytestmark = pytest.mark.slow  # a browser and a server: seconds, not milliseconds

TRACKING_LINK = "Seguir en línea"


async def buy_a_mug(chat: WebChat) -> str:
    """The whole purchase, as the conversation asks for it; the order's code."""
    assert "Te damos la bienvenida a Tienda Demo" in await chat.open()
    assert "Elige una categoría" in await chat.press("Catálogo")
    assert "Taza de talavera · $189.00 MXN" in await chat.press("Hogar")
    card = await chat.press("Taza de talavera")
    assert "$189.00 MXN" in card and "En existencia" in card
    assert "Agregado: 1 × Taza de talavera." in await chat.press("Agregar 1 al carrito")
    assert "¿A nombre de quién va el pedido?" in await chat.press("Finalizar compra")
    assert "¿A qué número" in await chat.type("Ana López")
    assert "¿Calle y número?" in await chat.type("+52 951 123 4567")
    assert "¿Colonia?" in await chat.type("Calle Morelos 12")
    assert "¿Ciudad o municipio?" in await chat.type("Jalatlaco")
    assert "¿Estado?" in await chat.type("Oaxaca")
    assert "¿Código postal?" in await chat.type("Oaxaca")
    assert "referencia para el repartidor" in await chat.type("68000")
    assert "¿Cómo te lo enviamos?" in await chat.press("Sin referencias")
    assert "¿Cómo quieres pagar?" in await chat.press("Estándar")
    summary = await chat.press("Pago contra entrega")
    assert "Total: $288.00 MXN" in summary  # 189 + 99 standard shipping
    assert "Entregar en: Calle Morelos 12, Jalatlaco, Oaxaca, 68000" in summary
    placed = await chat.press("Confirmar pedido")
    found = re.search(r"Pedido (PED-[A-Z0-9]{5}) realizado", placed)
    assert found, placed
    assert "Pagas $288.00 MXN al recibirlo." in placed
    return found.group(1)


async def open_tracking_link(context: BrowserContext, chat: WebChat) -> Page:
    """Click the newest message's tracking link: the page opens in a new tab."""
    async with context.expect_page() as opened:
        await chat.messages.get_by_role("link", name=TRACKING_LINK).last.click()
    page = await opened.value
    await page.wait_for_load_state()
    return page


async def test_a_customer_buys_on_the_web_chat_and_watches_the_order_travel(
    live_shop: LiveShop, new_context: NewContext
):
    context = await new_context(locale="es-MX")
    chat = WebChat(await context.new_page())
    code = await buy_a_mug(chat)
    await screenshots(chat.page, "chat", full_page=False)  # as seen: the newest messages

    tracking = await open_tracking_link(context, chat)
    await expect(tracking.get_by_role("heading", level=1)).to_have_text(f"Pedido {code}")
    await expect(tracking.locator("#status")).to_have_text("esperando la confirmación de la tienda")
    await expect(tracking.locator("#items")).to_contain_text("Taza de talavera")
    # Anyone holding the link sees the page: the first name and the city, nothing more.
    await expect(tracking.locator("main")).to_contain_text("Hola, Ana")
    for private in ("López", "951 123 4567", "Calle Morelos", "Jalatlaco", "68000"):
        await expect(tracking.locator("body")).not_to_contain_text(private)
    await expect(tracking.get_by_role("link", name="Volver al chat")).to_have_attribute(
        "href", "/chat"
    )
    for page in (chat.page, tracking):
        await mark_document(page)

    # The shop moves the order; both open pages show it as it happens, untouched.
    news = chat.shop_rows.last
    await live_shop.admin(code, "confirm")
    await expect(tracking.locator("#status")).to_have_text("confirmado", timeout=LIVE_MS)
    await expect(news).to_contain_text(f"Tu pedido {code} está confirmado", timeout=LIVE_MS)
    await live_shop.admin(code, "prepare")
    await expect(tracking.locator("#status")).to_have_text("en preparación", timeout=LIVE_MS)
    await expect(news).to_contain_text(f"Estamos preparando tu pedido {code}", timeout=LIVE_MS)
    await live_shop.admin(code, "pack")
    await expect(tracking.locator("#status")).to_have_text(
        "empacado, listo para enviarse", timeout=LIVE_MS
    )
    for page in (chat.page, tracking):
        assert await same_document(page), f"{page.url} was reloaded to show the news"

    # Away from the chat, the parcel leaves: the news waits for the customer, and the
    # chat still knows their order.
    await chat.page.close()
    await tracking.close()
    await live_shop.admin(code, "ship", carrier="dhl", tracking_number="JD0123456789")
    back = WebChat(await context.new_page())
    await back.open()
    await expect(back.messages).to_contain_text("Agregado: 1 × Taza de talavera.")
    await expect(back.shop_rows.last).to_contain_text(
        f"Tu pedido {code} va en camino con DHL. Número de guía: JD0123456789", timeout=LIVE_MS
    )
    mine = await back.type("mis pedidos")
    assert code in mine and "en camino" in mine
    tracking = await open_tracking_link(context, back)
    await expect(tracking.locator("#status")).to_have_text("en camino")


async def test_a_returning_visitor_keeps_their_cart_and_a_new_one_starts_afresh(
    new_context: NewContext,
):
    context = await new_context(locale="es-MX")
    chat = WebChat(await context.new_page())
    await chat.open()
    await chat.press("Catálogo")
    await chat.press("Hogar")
    await chat.press("Vela de lavanda")
    assert "Agregado: 1 × Vela de lavanda." in await chat.press("Agregar 1 al carrito")
    await chat.page.close()

    again = WebChat(await context.new_page())  # the same browser, later
    await again.open()
    await expect(again.messages).to_contain_text("Agregado: 1 × Vela de lavanda.")
    assert "Vela de lavanda" in await again.type("mi carrito")

    someone_else = WebChat(await (await new_context(locale="es-MX")).new_page())
    assert "Te damos la bienvenida a Tienda Demo" in await someone_else.open()
    await expect(someone_else.messages).not_to_contain_text("Vela de lavanda")
    assert "Vela de lavanda" not in await someone_else.type("mi carrito")


@pytest.mark.parametrize(
    ("locale", "words"),
    [
        ("es-MX", {"welcome": "Te damos la bienvenida", "catalog": "Catálogo", "home": "Hogar"}),
        ("en-US", {"welcome": "Welcome to Tienda Demo", "catalog": "Catalog", "home": "Hogar"}),
    ],
)
async def test_the_chat_has_no_serious_accessibility_problems(
    new_context: NewContext, locale: str, words: dict[str, str]
):
    chat = WebChat(await (await new_context(locale=locale)).new_page())
    assert words["welcome"] in await chat.open()
    lang = locale[:2]
    await expect(chat.page.locator("html")).to_have_attribute("lang", lang)
    await assert_accessible(chat.page, f"the chat's greeting ({lang})")
    # A product's card: a photo (its host is out of reach here: the text stands in),
    # the reply's buttons, the visitor's own messages.
    await chat.press(words["catalog"])
    await chat.press(words["home"])
    assert "Taza de talavera" in await chat.press("Taza de talavera")
    await assert_accessible(chat.page, f"the chat with a product's card ({lang}, phone)")
    await chat.page.set_viewport_size(DESKTOP)
    await assert_accessible(chat.page, f"the chat with a product's card ({lang}, desktop)")


async def focused(page: Page) -> str:
    """The focused element: its id, else its text."""
    return await page.evaluate(
        "() => document.activeElement ? "
        "(document.activeElement.id || document.activeElement.textContent.trim()) : ''"
    )


async def test_the_chat_works_from_the_keyboard(new_context: NewContext):
    chat = WebChat(await (await new_context(locale="es-MX")).new_page())
    await chat.open()
    keyboard = chat.page.keyboard

    # Tab from the top of the page reaches the message box (past the greeting's buttons).
    for _ in range(30):
        await keyboard.press("Tab")
        if await focused(chat.page) == "message":
            break
    await expect(chat.box).to_be_focused()

    # Enter sends what was typed; the box is emptied and keeps the focus.
    after = await chat.last_id()
    await keyboard.type("catálogo")
    await keyboard.press("Enter")
    assert "Elige una categoría" in await chat.answer_after(after)
    await expect(chat.box).to_have_value("")
    await expect(chat.box).to_be_focused()

    # The reply's buttons are just behind the box; Enter presses one.
    for _ in range(10):
        await keyboard.press("Shift+Tab")
        if await focused(chat.page) == "Hogar":
            break
    assert await focused(chat.page) == "Hogar"
    after = await chat.last_id()
    await keyboard.press("Enter")
    assert "Taza de talavera" in await chat.answer_after(after)

    # Only the newest reply's buttons are on the way back: the older replies' (the
    # greeting's "Catálogo", the categories) are out of the Tab order...
    await expect(chat.box).to_be_focused()
    passed = []
    for _ in range(30):
        await keyboard.press("Shift+Tab")
        passed.append(await focused(chat.page))
        if passed[-1] == "messages":  # the conversation itself: past every reply
            break
    assert passed[-1] == "messages", passed
    assert any(label.startswith("Taza de talavera") for label in passed), passed
    assert not {"Catálogo", "Hogar", "Ropa"} & set(passed), passed
    # ... and still work with a click.
    assert "Camisa azul" in await chat.press("Ropa")
    await expect(chat.messages.get_by_role("button", name="Ropa").last).to_have_attribute(
        "tabindex", "-1"
    )


async def test_without_a_live_stream_to_spare_the_chat_asks_for_the_news(
    new_context: NewContext, monkeypatch: pytest.MonkeyPatch
):
    """A worker keeps MAX_CHAT_STREAMS live streams; beyond them (503) the page polls."""
    monkeypatch.setattr(webchat_web, "MAX_CHAT_STREAMS", 0)
    monkeypatch.setattr(webchat_web, "FALLBACK_POLL_SECONDS", 0.2)
    context = await new_context(locale="es-MX")
    first = WebChat(await context.new_page())
    await first.open()
    await mark_document(first.page)
    other = WebChat(await context.new_page())  # the same visitor, in another tab
    await other.open()
    assert "Elige una categoría" in await other.type("catálogo")
    await expect(first.messages).to_contain_text("Elige una categoría", timeout=LIVE_MS)
    assert await same_document(first.page)


async def test_the_embed_script_frames_the_chat_where_allowed_and_opens_a_tab_elsewhere(
    live_shop: LiveShop, new_context: NewContext
):
    # Another origin than the chat's (127.0.0.1), and not in WEB_CHAT_EMBED_ORIGINS (the
    # tests' shop lists none). Chromium lets another site's page load a script from the
    # loopback address only with the visitor's permission (local network access):
    # granted, as a visitor would.
    site = live_shop.base_url.replace("127.0.0.1", "localhost")
    context = await new_context(locale="en-US")
    await context.grant_permissions(["local-network-access"])
    shop_page = (
        "<!doctype html><html lang='en'><head><title>A shop</title></head><body>"
        f"<h1>A shop</h1><script src='{live_shop.base_url}/chat/embed.js' async></script>"
        "</body></html>"
    )

    async def a_shops_page(route):
        await route.fulfill(status=200, content_type="text/html", body=shop_page)

    await context.route(f"{site}/a-shop.html", a_shops_page)
    await context.route(f"{live_shop.base_url}/a-shop.html", a_shops_page)

    # A site the chat may not be framed on: a link to it in a new tab (no grey "refused
    # to connect" box), and a word for the merchant in the console.
    page = await context.new_page()
    async with page.expect_console_message(lambda message: message.type == "warning") as said:
        await page.goto(f"{site}/a-shop.html")
    assert "WEB_CHAT_EMBED_ORIGINS" in (await said.value).text
    assert site in (await said.value).text
    launcher = page.get_by_role("link", name="Chat with us (opens in a new tab)")
    await expect(launcher).to_have_attribute("target", "_blank")
    await expect(launcher).to_have_attribute("rel", "noopener")
    await expect(page.locator("iframe")).to_have_count(0)
    async with context.expect_page() as opened:
        await launcher.click()
    chat = WebChat(await opened.value)
    await expect(chat.shop_rows.last).to_contain_text("Welcome to Tienda Demo")
    assert chat.page.url == f"{live_shop.base_url}/chat"

    # A page of the chat's own origin may frame it: the box, closed with Escape from
    # inside it, the focus back on the button.
    own = await context.new_page()
    await own.goto(f"{live_shop.base_url}/a-shop.html")
    button = own.get_by_role("button", name="Chat with us")
    await button.click()
    inside = own.frame_locator("#pedidos-chat-panel iframe")
    await inside.get_by_role("textbox", name="Message").click()
    await own.keyboard.press("Escape")
    await expect(own.locator("#pedidos-chat-panel")).to_be_hidden()
    await expect(button).to_be_focused()
