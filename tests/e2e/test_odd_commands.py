"""Every admin command typed with arguments that are missing, unknown or malformed:
an admin and a customer typing it both get a clear answer, never "something went wrong
on our side" (test_admin_authorisation.py checks that the customer is kept out)."""

from __future__ import annotations

import pytest

from handlers.commands import CATALOGUE, Audience
from tests.crash_guard import CrashShown
from tests.e2e.chat_driver import ChatDriver

ARGUMENTS = [
    "",
    " PED-ZZZZZ",
    " 999999",
    " 99999999999999999999",
    " PED-ZZZZZ 99999999999999999999",
    " abc def",
    " PED-ZZZZZ dhl",
    " PED-ZZZZZ dhl 12",
    " PED-ZZZZZ 1,299",
    " NO-SUCH-SKU -5",
    " NO-SUCH-SKU 1e9",
    " ;;;;",
    " " + "x" * 3000,
]

# Every name of every admin command, from the catalogue.
ADMIN_COMMANDS = sorted(
    {"/" + name for c in CATALOGUE if c.audience is Audience.ADMIN for name in c.names}
)


async def type_everything(chat: ChatDriver) -> list[str]:
    crashed = []
    for command in ADMIN_COMMANDS:
        for arguments in ARGUMENTS:
            try:
                answer, shown = await chat.type(command + arguments), False
            except CrashShown as crash:  # the crash apology, in whatever language
                answer, shown = str(crash), True
            if shown or not answer.strip():
                crashed.append(f"{command}{arguments[:30]}: {answer[:120]!r}")
    return crashed


@pytest.mark.slow
async def test_an_admin_typing_commands_with_odd_arguments_gets_a_clear_answer(demo_shop, tmp_path):
    admin = ChatDriver(demo_shop, "owner", locale="en", files=tmp_path)
    await admin.open()
    assert await type_everything(admin) == []


async def test_a_customer_typing_admin_commands_gets_a_clear_answer(demo_shop):
    customer = ChatDriver(demo_shop, "u1", locale="es")
    await customer.open()
    assert await type_everything(customer) == []
