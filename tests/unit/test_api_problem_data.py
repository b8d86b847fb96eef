"""A domain error's data goes into the API's problem beside the problem's own members:
a "status" in it (an order's or a return's) must not take the place of the HTTP status
(it used to crash the answer into a 500)."""

from __future__ import annotations

from bot.api.problems import _domain_data
from core.domain.errors import InvalidReturn, NoReceipt


def test_an_entitys_status_is_answered_as_current_status():
    data = _domain_data(InvalidReturn(problem="not_delivered", status="shipped"))
    assert data == {"problem": "not_delivered", "current_status": "shipped"}


def test_an_order_code_is_answered_as_order_code():
    data = _domain_data(NoReceipt(code="PED-7K3FQ", order_status="expired"))
    assert data == {"order_code": "PED-7K3FQ", "order_status": "expired"}
