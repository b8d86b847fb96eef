"""Every kind of button, pressed with arguments that no longer (or never did) make
sense: an old message's button, a forged callback. The answer is always a clear one,
never "something went wrong on our side"."""

from __future__ import annotations

import pytest

from tests.crash_guard import CrashShown
from tests.e2e.chat_driver import ChatDriver
from tests.e2e.code_lists import admin_button_prefixes, customer_button_verbs

# Every verb the customer's buttons use, read from the handlers (a new one is pressed
# here without being added by hand), and one that never existed.
CUSTOMER_VERBS = [*sorted(customer_button_verbs()), "zz"]
ARGUMENTS = [
    "",
    ":999999",
    ":99999999999999999999",
    ":abc",
    ":999999:1",
    ":PED-ZZZZZ",
    ":PED-ZZZZZ:1",
    ":-1:-1",
    ":1:2:3",
]


async def press_everything(chat: ChatDriver, verbs: list[str]) -> list[str]:
    crashed = []
    for verb in verbs:
        for arguments in ARGUMENTS:
            try:
                answer, shown = await chat.send_payload(verb + arguments), False
            except CrashShown as crash:  # the crash apology, in whatever language
                answer, shown = str(crash), True
            if shown or not answer.strip():
                crashed.append(f"{verb}{arguments}: {answer[:120]!r}")
    return crashed


@pytest.mark.parametrize("mid_checkout", [False, True])
async def test_a_customer_pressing_stale_or_forged_buttons_gets_a_clear_answer(
    demo_shop, mid_checkout
):
    chat = ChatDriver(demo_shop, "u1", locale="en")
    await chat.open()
    if mid_checkout:
        await chat.type("Vela de lavanda")
        await chat.press("Vela de lavanda")
        await chat.press("Add 1 to cart")
        await chat.press("Check out")
    assert await press_everything(chat, CUSTOMER_VERBS) == []


async def test_an_admin_pressing_stale_or_forged_buttons_gets_a_clear_answer(demo_shop):
    admin = ChatDriver(demo_shop, "owner", locale="en")
    await admin.open()
    assert await press_everything(admin, sorted(admin_button_prefixes()) + CUSTOMER_VERBS) == []
