"""An admin conversation whose stored draft is malformed (a row from an older version,
or one written by hand: what the question is about missing, or of the wrong shape) is
answered politely, never with the crash apology, and the admin chat goes on."""

from __future__ import annotations

import pytest

from core.domain.conversations import ConversationRecord
from core.services.conversations import open_turn, save_conversation
from tests.crash_guard import apology_in
from tests.e2e.chat_driver import ChatDriver


async def admin_at(shop, step: str, data: dict) -> ChatDriver:
    """The owner's chat stored at step with data, as an older version or a hand left it."""
    admin = ChatDriver(shop, "owner", locale="en")
    await admin.open()
    _customer, record, is_admin = await open_turn(shop, "terminal", "owner")
    assert is_admin
    record = record or ConversationRecord("terminal", "owner", step)
    record.state, record.data = step, dict(data)
    await save_conversation(shop, record)
    return admin


@pytest.mark.parametrize(
    ("step", "data"),
    [
        ("admin_return_reject_reason", {}),  # the return it was about is missing
        ("admin_return_address", {"return_id": "7"}),  # a number stored as text
        ("admin_exchange_tracking", {"return_id": 7}),  # the carrier chosen is missing
        ("admin_reject_reason", {"code": 12}),
        ("admin_tracking", {"code": "PED-7K3FQ"}),
        ("admin_support_reply", {"case_id": None}),
        ("admin_order_items", {"po_phone": "+52 55 1234 5678"}),  # whose order: no name
        ("admin_order_confirm", {"po_lines": "GORRA-AZ x2"}),  # lines stored as text
    ],
)
async def test_an_admin_question_without_what_it_is_about_is_answered_politely(
    demo_shop, step, data
):
    admin = await admin_at(demo_shop, step, data)

    screen = await admin.type("Doesn't fit")

    assert not apology_in(screen), screen
    assert "I lost track of what we were doing" in screen
    assert "Shop admin. Commands:" in await admin.still_answers("/ayuda")  # it goes on
