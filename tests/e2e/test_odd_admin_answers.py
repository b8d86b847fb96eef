"""Odd answers typed where the admin chat waits for a reason or a tracking number: a
clear answer every time, and nothing done to the order that was not meant."""

from __future__ import annotations

import pytest

from core.services import orders
from core.services.catalog import get_product
from tests.conftest import MERCHANT, buy, new_buyer
from tests.crash_guard import apology_in
from tests.e2e.chat_driver import ChatDriver

ODD_ANSWERS = ["   ", "x" * 5000, "😀🎉", "\u200b", "/", "<b>PED</b>"]


async def admin_at(shop, tmp_path, question: str, buyer: str) -> tuple[ChatDriver, str]:
    """The admin chat waiting on question ("reject" reason or "tracking" number)."""
    candle = await get_product(shop, sku="VELA-LAV")
    code = (await buy(shop, await new_buyer(shop, buyer), {candle.id: 1})).code
    admin = ChatDriver(shop, "owner", locale="en", files=tmp_path)
    await admin.open()
    await admin.type(f"/order {code}")
    if question == "reject":
        await admin.press("Reject")
    else:
        for step in (orders.confirm_order, orders.start_preparing, orders.mark_packed):
            await step(shop, MERCHANT, code)
        await admin.type(f"/order {code}")
        await admin.press("Ship")
        await admin.press("DHL")
    return admin, code


@pytest.mark.parametrize("question", ["reject", "tracking"])
async def test_odd_answers_to_an_admin_question_are_explained(demo_shop, tmp_path, question):
    for n, odd in enumerate(ODD_ANSWERS):
        admin, code = await admin_at(demo_shop, tmp_path, question, buyer=f"b{n}")
        answer = await admin.type(odd)
        assert not apology_in(answer) and answer.strip(), (odd[:20], answer)
        status = (await orders.order_details(demo_shop, code, MERCHANT)).order.status
        if question == "tracking":  # a tracking number must look like one to ship
            assert status == "packed", (odd[:20], answer)


async def test_a_blank_message_keeps_the_admins_question_open(demo_shop, tmp_path):
    admin, code = await admin_at(demo_shop, tmp_path, "tracking", buyer="b-blank")
    assert "Please type your answer, or /menu to stop." in await admin.type("   ")
    await admin.type("JD014600003")
    status = (await orders.order_details(demo_shop, code, MERCHANT)).order.status
    assert status == "shipped"


async def test_a_step_skipped_is_named_not_called_already_done(demo_shop, tmp_path):
    candle = await get_product(demo_shop, sku="VELA-LAV")
    code = (await buy(demo_shop, await new_buyer(demo_shop, "b1"), {candle.id: 1})).code
    admin = ChatDriver(demo_shop, "owner", locale="en", files=tmp_path)
    await admin.open()
    answer = await admin.type(f"/preparar {code}")
    assert f"Order {code} is waiting for the shop to confirm: first it must be confirmed." in answer
    assert "already" not in answer
    for step in (orders.confirm_order, orders.start_preparing):
        await step(demo_shop, MERCHANT, code)
    answer = await admin.type(f"/enviar {code} dhl JD014600003")
    assert f"Order {code} is being prepared: first it must be packed" in answer
    assert (await orders.order_details(demo_shop, code, MERCHANT)).order.status == "preparing"
