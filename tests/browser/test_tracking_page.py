"""The order tracking page (/t/<token>) in Chromium: it follows the order while it is
open, reads well to a screen reader in both languages, and is photographed at a
phone's and a desktop's width (test-artifacts/screenshots/)."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.browser.checks import assert_accessible, screenshots
from tests.browser.conftest import DESKTOP, LiveShop, NewContext

pytestmark = pytest.mark.slow  # a browser and a server: seconds, not milliseconds

LIVE_MS = 15_000  # a change reaching an open page: well under a second when idle


async def mark_document(page: Page) -> None:
    """A mark only this very document carries: a reload or a navigation loses it."""
    await page.evaluate("window.stillTheSamePage = true")


async def same_document(page: Page) -> bool:
    return await page.evaluate("window.stillTheSamePage === true")


async def test_an_open_tracking_page_follows_the_order_to_the_carrier_without_a_reload(
    live_shop: LiveShop, new_context: NewContext
):
    placed = await live_shop.place_order("TAZA-TAL", 2)
    page = await (await new_context(locale="es-MX")).new_page()
    await page.goto(placed.tracking_url)

    await expect(page.get_by_role("heading", level=1)).to_have_text(f"Pedido {placed.code}")
    await expect(page.locator("#status")).to_have_text("esperando la confirmación de la tienda")
    await expect(page.locator("#items")).to_contain_text("Taza de talavera")
    await expect(page.locator("#timeline")).to_contain_text("Pedido recibido")
    await mark_document(page)

    await live_shop.admin(placed.code, "confirm")
    await expect(page.locator("#status")).to_have_text("confirmado", timeout=LIVE_MS)
    await live_shop.admin(placed.code, "prepare")
    await expect(page.locator("#status")).to_have_text("en preparación", timeout=LIVE_MS)
    await live_shop.admin(placed.code, "pack")
    await expect(page.locator("#status")).to_have_text(
        "empacado, listo para enviarse", timeout=LIVE_MS
    )
    await live_shop.admin(placed.code, "ship", carrier="dhl", tracking_number="JD0123456789")
    await expect(page.locator("#status")).to_have_text("en camino", timeout=LIVE_MS)
    await expect(page.locator("#live")).to_contain_text("JD0123456789")
    await expect(page.locator("#timeline")).to_contain_text("Enviado")
    await expect(page.locator("[aria-current=step]")).to_have_text("Enviado")
    assert await same_document(page), "the page was reloaded to show the news"


@pytest.mark.parametrize("lang", ["es", "en"])
async def test_the_tracking_page_has_no_serious_accessibility_problems(
    live_shop: LiveShop, new_context: NewContext, lang: str
):
    placed = await live_shop.place_order("VELA-LAV")
    for action in ("confirm", "prepare", "pack"):
        await live_shop.admin(placed.code, action)
    # Shipped: every part of the page is there (steps, parcel, carrier's link, history).
    await live_shop.admin(placed.code, "ship", carrier="dhl", tracking_number="JD0123456789")
    page = await (await new_context(locale="es-MX")).new_page()
    await page.goto(f"{placed.tracking_url}?lang={lang}")
    shipped = {"es": "en camino", "en": "on its way"}[lang]
    await expect(page.locator("#status")).to_have_text(shipped)
    await expect(page.locator("html")).to_have_attribute("lang", lang)
    await assert_accessible(page, f"the tracking page ({lang}, phone)")
    await page.set_viewport_size(DESKTOP)
    await assert_accessible(page, f"the tracking page ({lang}, desktop)")
    if lang == "es":  # the demo shop's own language
        await screenshots(page, "tracking")


async def test_the_reader_switches_the_tracking_page_to_english(
    live_shop: LiveShop, new_context: NewContext
):
    placed = await live_shop.place_order("GOR-ROJA")
    page = await (await new_context(locale="es-MX")).new_page()
    await page.goto(placed.tracking_url)
    await expect(page.locator("#status")).to_have_text("esperando la confirmación de la tienda")
    await page.get_by_role("navigation").get_by_role("link", name="English").click()
    await expect(page.locator("#status")).to_have_text("waiting for the shop to confirm")
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"Order {placed.code}")
    # The English page follows the order too, in English.
    await live_shop.admin(placed.code, "confirm")
    await expect(page.locator("#status")).to_have_text("confirmed", timeout=LIVE_MS)
