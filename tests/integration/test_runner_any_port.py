"""PORT=0 (any free port): the links the shop writes name the port it got."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from bot import runner
from core.services import web
from tests.conftest import add_product, buy, new_buyer, test_channels


@pytest.mark.slow  # the whole server starts (the classifiers load)
async def test_tracking_links_name_the_port_the_web_app_got(shop):
    shop.settings = shop.settings.model_copy(update={"port": 0})
    order = await buy(shop, await new_buyer(shop), {await add_product(shop, "TAZA-1"): 1})
    stop = asyncio.Event()
    listening: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()
    serving = asyncio.create_task(
        runner.serve(
            shop,
            test_channels(web_chat=False),
            poll=False,
            stop=stop,
            on_listening=listening.set_result,
        )
    )
    try:
        address = await asyncio.wait_for(listening, 30)
        assert address is not None and not address.endswith(":0")
        url = await web.tracking_url(shop, order.code)
        assert url is not None and url.startswith(f"{address}/t/")
        async with httpx.AsyncClient() as client:
            page = await client.get(url)
        assert page.status_code == 200 and order.code in page.text
    finally:
        stop.set()
        await asyncio.wait_for(serving, 30)
