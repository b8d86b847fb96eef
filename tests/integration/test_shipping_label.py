"""The shipping label always carries the street, the postal code and the city (however
long the address), and the shared location when there is one."""

from __future__ import annotations

import dataclasses

import pypdfium2
import zxingcpp

from core.services import cart, checkout, orders
from handlers.admin.label import shipping_label
from handlers.i18n import Translator
from tests.conftest import ADDRESS, MERCHANT, add_product, details, new_buyer


async def label_of(shop, address) -> tuple[str, list[str]]:
    product = await add_product(shop, "VELA-1", price="120.00")
    buyer = await new_buyer(shop)
    await cart.add_to_cart(shop, buyer.customer_id, product, 1)
    order = await checkout.place_order(
        shop, buyer.customer_id, dataclasses.replace(details(), address=address)
    )
    found = await orders.order_details(shop, order.code, MERCHANT)
    pdf = shipping_label(shop, Translator("es"), found, shop.now()).content
    page = pypdfium2.PdfDocument(pdf)[0]
    text = page.get_textpage().get_text_range()
    codes = [c.text for c in zxingcpp.read_barcodes(page.render(scale=4).to_pil())]
    return text, codes


async def test_a_long_address_still_shows_postal_code_and_city_and_the_pin(shop):
    address = dataclasses.replace(
        ADDRESS,
        street="Avenida de los Insurgentes Sur 1234 interior 5, edificio B, departamento 302",
        neighbourhood="Fraccionamiento Residencial Lomas de las Águilas Segunda Sección",
        references="Entre la calle Hortensia y la calle Margarita, portón negro con timbre "
        "roto, tocar fuerte y preguntar por la señora de la tienda de enfrente",
        latitude=17.0654,
        longitude=-96.7236,
    )
    text, codes = await label_of(shop, address)
    flat = " ".join(text.split())
    assert "Avenida de los Insurgentes Sur 1234" in flat
    assert "68000 Oaxaca, Oaxaca" in flat
    assert "17.065400, -96.723600" in flat
    assert "maps.google.com/?q=17.065400,-96.723600" in flat
    assert len(codes) == 1  # the barcode is still the only code on it


async def test_a_label_without_a_pin_has_no_location_line(shop):
    text, codes = await label_of(shop, ADDRESS)
    flat = " ".join(text.split())
    assert "Calle Morelos 12" in flat and "68000 Oaxaca, Oaxaca" in flat
    assert "maps.google.com" not in flat
    assert len(codes) == 1


async def test_an_address_without_postal_code_or_city_is_refused_at_checkout(shop):
    import pytest

    from core.domain.errors import MissingCheckoutDetails

    product = await add_product(shop, "VELA-1", price="120.00")
    buyer = await new_buyer(shop)
    await cart.add_to_cart(shop, buyer.customer_id, product, 1)
    only_a_pin = dataclasses.replace(
        ADDRESS, street="", city="", postal_code="", latitude=17.06, longitude=-96.72
    )
    with pytest.raises(MissingCheckoutDetails) as refused:
        await checkout.place_order(
            shop, buyer.customer_id, dataclasses.replace(details(), address=only_a_pin)
        )
    assert refused.value.data["missing"] == ["street", "city", "postal_code"]
