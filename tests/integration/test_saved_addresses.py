"""The addresses a customer's orders went to are offered next time, each place once."""

from __future__ import annotations

import dataclasses

from core.services import cart, checkout, customers
from tests.conftest import ADDRESS, add_product, details, new_buyer


async def test_the_same_place_with_a_shared_location_is_not_saved_twice(shop):
    product = await add_product(shop, "VELA-1", price="120.00", stock=10)
    buyer = await new_buyer(shop)
    with_pin = dataclasses.replace(
        ADDRESS, street="calle  morelos 12", latitude=17.06, longitude=-96.72, typed="x"
    )
    for address in (ADDRESS, with_pin):
        await cart.add_to_cart(shop, buyer.customer_id, product, 1)
        order = dataclasses.replace(details(), address=address)
        await checkout.place_order(shop, buyer.customer_id, order)
    saved = await customers.saved_addresses(shop, buyer.customer_id)
    assert [a.street for a in saved] == ["Calle Morelos 12"]
