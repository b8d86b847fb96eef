"""Admin actions are authorised in the service layer: a customer typing an admin command
or pressing a forged admin button is refused, changes nothing, and is logged."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import func, select

from core.domain.actors import merchant
from core.domain.errors import NotAllowed
from core.domain.money import Money
from core.services import (
    catalog,
    catalog_io,
    inventory,
    orders,
    payments,
    reports,
    returns,
    shipping,
    support,
)
from core.services.catalog import get_product
from core.store.tables import order_events, outbox, products, stock_moves, support_cases
from handlers.admin.router import ADMIN_ONLY_COMMANDS, PAYLOAD_VERBS
from tests.conftest import START, buy, new_buyer
from tests.e2e.chat_driver import ChatDriver

STRANGER = merchant("terminal:u1")  # claims to be the merchant, is not an admin


async def snapshot(shop) -> tuple:
    async with shop.uow(write=False) as uow:
        count = lambda table: uow.conn.execute(select(func.count()).select_from(table))  # noqa: E731
        stock = (
            await uow.conn.execute(
                select(
                    products.c.sku,
                    products.c.on_hand,
                    products.c.reserved,
                    products.c.price,
                    products.c.active,
                ).order_by(products.c.sku)
            )
        ).all()
        return (
            (await count(order_events)).scalar_one(),
            (await count(outbox)).scalar_one(),
            (await count(stock_moves)).scalar_one(),
            (await count(support_cases)).scalar_one(),
            tuple(stock),
        )


async def an_order(shop):
    buyer = await new_buyer(shop, "someone-else")
    product = await get_product(shop, sku="TAZA-TAL")
    return await buy(shop, buyer, {product.id: 1})


async def test_every_admin_command_from_a_customer_is_refused_and_changes_nothing(
    demo_shop, caplog
):
    order = await an_order(demo_shop)
    chat = ChatDriver(demo_shop, "u1", locale="en")
    await chat.open()
    before = await snapshot(demo_shop)
    with caplog.at_level(logging.WARNING, logger="pedidos.auth"):
        for command in sorted(ADMIN_ONLY_COMMANDS):
            answer = await chat.type(f"{command} {order.code} TAZA-TAL 5 motivo")
            assert "Sorry, that is only for the shop's team." in answer, command
    assert await snapshot(demo_shop) == before
    refused = [r for r in caplog.records if r.name == "pedidos.auth"]
    assert len(refused) == len(ADMIN_ONLY_COMMANDS)
    assert all("terminal:u1" in r.getMessage() for r in refused)


async def test_forged_admin_buttons_from_a_customer_are_refused_and_change_nothing(demo_shop):
    order = await an_order(demo_shop)
    chat = ChatDriver(demo_shop, "u1", locale="en")
    await chat.open()
    before = await snapshot(demo_shop)
    for verb in sorted(PAYLOAD_VERBS):
        answer = await chat.send_payload(f"{verb}:{order.code}:1")
        assert "Sorry, that is only for the shop's team." in answer, verb
    assert await snapshot(demo_shop) == before
    details = await orders.order_details(demo_shop, order.code, merchant("terminal:owner"))
    assert details.order.status == "awaiting_confirmation"


SERVICE_CALLS = {
    "confirm": lambda shop, code: orders.confirm_order(shop, STRANGER, code),
    "reject": lambda shop, code: orders.reject_order(shop, STRANGER, code, "x"),
    "cancel": lambda shop, code: orders.cancel_order(shop, STRANGER, code, "x"),
    "prepare": lambda shop, code: orders.start_preparing(shop, STRANGER, code),
    "packed": lambda shop, code: orders.mark_packed(shop, STRANGER, code),
    "delivered": lambda shop, code: orders.mark_delivered(shop, STRANGER, code),
    "details": lambda shop, code: orders.order_details(shop, code, STRANGER),
    "list": lambda shop, code: orders.list_orders(shop, STRANGER),
    "ship": lambda shop, code: shipping.ship_order(shop, STRANGER, code, "dhl", "JD0123456789"),
    "paid": lambda shop, code: payments.record_manual_payment(shop, STRANGER, code),
    "refund": lambda shop, code: payments.refund_order(shop, STRANGER, code, Money(100, "MXN")),
    "stock": lambda shop, code: inventory.set_stock(shop, STRANGER, "TAZA-TAL", 99),
    "adjust": lambda shop, code: inventory.adjust_stock(shop, STRANGER, "TAZA-TAL", 5),
    "stock list": lambda shop, code: inventory.stock_list(shop, STRANGER),
    "price": lambda shop, code: catalog.update_product(
        shop, STRANGER, "TAZA-TAL", price=Money(1, "MXN")
    ),
    "new product": lambda shop, code: catalog.create_product(
        shop, STRANGER, "NEW-1", "Nuevo", "10.00", "5"
    ),
    "returns": lambda shop, code: returns.list_returns(shop, STRANGER),
    "approve return": lambda shop, code: returns.approve_return(shop, STRANGER, 1),
    "report": lambda shop, code: reports.build_report(shop, STRANGER, START, START),
    "export": lambda shop, code: catalog_io.orders_for_export(shop, STRANGER),
    "import": lambda shop, code: catalog_io.import_catalog(
        shop, STRANGER, "sku,name,price,stock\nTAZA-TAL,Taza,1.00,1\n"
    ),
    "support reply": lambda shop, code: support.reply_to_case(shop, STRANGER, 1, "hola"),
}


@pytest.mark.parametrize("action", sorted(SERVICE_CALLS))
async def test_each_merchant_service_refuses_someone_who_is_not_an_admin(demo_shop, action):
    order = await an_order(demo_shop)
    before = await snapshot(demo_shop)
    with pytest.raises(NotAllowed):
        await SERVICE_CALLS[action](demo_shop, order.code)
    assert await snapshot(demo_shop) == before
