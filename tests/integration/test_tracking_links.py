"""Tracking links: the order's id signed with the shop's secret, which the shop makes
and keeps itself when WEB_SECRET is not set."""

from __future__ import annotations

from core.domain.tracking_links import key_of, new_tracking_key, tracking_token
from core.services import orders, web
from tests.conftest import MERCHANT, add_product, buy, new_buyer, open_shop


async def _order(shop):
    product = await add_product(shop, "TAZA-1")
    return await buy(shop, await new_buyer(shop), {product: 1})


async def test_a_link_names_its_order_and_no_other(shop):
    order = await _order(shop)
    url = await web.tracking_url(shop, order.code)
    assert await web.tracking_url(shop, order.code) == url  # one link per order
    assert url is not None
    assert url.startswith("http://127.0.0.1:8080/t/")
    token = url.rsplit("/", 1)[1]
    assert order.code not in token
    found = await web.tracked_order(shop, token)
    assert found is not None and found.order.code == order.code
    # Nothing in it says which order, nor how many the shop has had: it carries the
    # order's random key, the one kept for it.
    secret = await web.web_secret(shop)
    key = key_of(secret, token)
    assert key is not None and token.startswith(key + ".")
    async with shop.uow(write=False) as uow:
        assert await uow.web.order_id_for_key(key) == order.id
    # The same key signed with another secret, or a token changed by one character,
    # or a key no order has: no order.
    assert await web.tracked_order(shop, tracking_token("another secret", key)) is None
    middle = len(token) - 5  # in the signature (its last character has spare bits)
    changed = token[:middle] + ("A" if token[middle] != "A" else "B") + token[middle + 1 :]
    assert await web.tracked_order(shop, changed) is None
    assert await web.tracked_order(shop, tracking_token(secret, new_tracking_key())) is None
    assert await web.tracked_order(shop, "x" * 5000) is None
    assert await web.tracking_url(shop, "PED-NOPE1") is None


async def test_the_secret_made_by_one_worker_is_the_one_every_worker_uses(shop, database_url):
    order = await _order(shop)
    url = await web.tracking_url(shop, order.code)
    other_worker = await open_shop(database_url)
    try:
        assert await web.web_secret(other_worker) == await web.web_secret(shop)
        assert await web.tracking_url(other_worker, order.code) == url
    finally:
        await other_worker.db.dispose()


async def test_web_secret_from_the_settings_signs_the_links(shop):
    shop.settings = shop.settings.model_copy(update={"web_secret": "merchant-chosen"})
    order = await _order(shop)
    url = await web.tracking_url(shop, order.code)
    assert url is not None
    assert key_of("merchant-chosen", url.rsplit("/", 1)[1]) is not None
    assert (await web.tracked_order(shop, url.rsplit("/", 1)[1])) is not None


async def test_a_finished_orders_link_expires_after_tracking_link_days(shop, clock):
    order = await _order(shop)
    token = (await web.tracking_url(shop, order.code) or "").rsplit("/", 1)[1]
    await orders.cancel_order(shop, MERCHANT, order.code, "no stock")
    days = shop.settings.tracking_link_days
    clock.advance(days=days, minutes=-1)
    assert await web.tracked_order(shop, token) is not None
    clock.advance(minutes=2)
    assert await web.tracked_order(shop, token) is None


async def test_an_open_orders_link_never_expires(shop, clock):
    order = await _order(shop)
    token = (await web.tracking_url(shop, order.code) or "").rsplit("/", 1)[1]
    clock.advance(days=shop.settings.tracking_link_days * 3)
    assert await web.tracked_order(shop, token) is not None
