"""Odd answers typed at every question of a checkout (blank, huge, emoji, numbers past
any range, markup): each gets a clear answer, and the checkout is still there."""

from __future__ import annotations

import pytest

from handlers.customer.checkout import CHECKOUT_STEPS
from tests.crash_guard import apology_in
from tests.e2e.chat_driver import ChatDriver

ODD_ANSWERS = [
    "   ",
    "x" * 5000,
    "😀🎉",
    "99999999999999999999",
    "-1",
    "<b>hola</b> *negrita* _x_",
    "'; DROP TABLE orders; --",
    "\u200b",
    "²",  # a digit to str.isdigit(), not a number to int()
]
# The checkout's typed questions, in order, and a good answer to each.
STEPS = ["Ana López", "5512345678", "Calle 1", "Centro", "Oaxaca", "Oaxaca", "68000"]


@pytest.mark.parametrize("step", range(len(STEPS)))
async def test_odd_answers_at_a_checkout_question_keep_the_checkout(demo_shop, step):
    for n, odd in enumerate(ODD_ANSWERS):
        chat = ChatDriver(demo_shop, f"u{step}-{n}", locale="en")
        await chat.open()
        await chat.type("Vela de lavanda")
        await chat.press("Vela de lavanda")
        await chat.press("Add 1 to cart")
        await chat.press("Check out")
        for answer in STEPS[:step]:
            await chat.type(answer)
        reply = await chat.type(odd)
        assert not apology_in(reply) and reply.strip(), (odd[:20], reply)
        async with demo_shop.uow(write=False) as uow:
            record = await uow.conversations.load("terminal", chat.chat.user_id)
        assert record is not None and record.state in CHECKOUT_STEPS, (odd[:20], reply)
