"""Admin actions are authorised in the service layer: a customer typing an admin command
or pressing a forged admin button is refused, changes nothing, and is logged; every
service that acts for someone refuses a merchant claim from someone who is not an admin.
The commands, the buttons and the services are listed from the code (the command
catalogue, the admin actions, tests/e2e/code_lists.py), so a new one is tested without
being added here."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import func, select

from core.domain.actors import merchant
from core.domain.customers import Address
from core.domain.errors import NotAllowed
from core.domain.money import Money
from core.domain.phone_orders import PhoneOrderRequest
from core.domain.shipments import Carrier
from core.services import (
    admins,
    api_keys,
    catalog,
    catalog_io,
    directory,
    documents,
    inventory,
    orders,
    payments,
    phone_orders,
    privacy,
    purchase_orders,
    reorder,
    reports,
    returns,
    shipping,
    suppliers,
    support,
    webhooks,
)
from core.services.catalog import get_product
from core.services.orders import OrderQuery
from core.services.suppliers import SupplyChanges
from core.store.tables import order_events, outbox, products, stock_moves, support_cases
from handlers import actions
from tests.conftest import START, buy, new_buyer
from tests.e2e.chat_driver import ChatDriver
from tests.e2e.code_lists import (
    HANDLERS,
    admin_button_prefixes,
    admin_only_commands,
    packed_verbs,
    services_taking_an_actor,
)

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
        for command in admin_only_commands():
            answer = await chat.type(f"{command} {order.code} TAZA-TAL 5 motivo")
            assert "Sorry, that is only for the shop's team." in answer, command
    assert await snapshot(demo_shop) == before
    refused = [r for r in caplog.records if r.name == "pedidos.auth"]
    assert len(refused) == len(admin_only_commands()) > 0
    assert all("terminal:u1" in r.getMessage() for r in refused)


async def test_forged_admin_buttons_from_a_customer_are_refused_and_change_nothing(demo_shop):
    order = await an_order(demo_shop)
    chat = ChatDriver(demo_shop, "u1", locale="en")
    await chat.open()
    before = await snapshot(demo_shop)
    for verb in sorted(admin_button_prefixes()):
        answer = await chat.send_payload(f"{verb}:{order.code}:1")
        assert "Sorry, that is only for the shop's team." in answer, verb
    assert await snapshot(demo_shop) == before
    details = await orders.order_details(demo_shop, order.code, merchant("terminal:owner"))
    assert details.order.status == "awaiting_confirmation"


# One call per service that acts for someone (tests/e2e/code_lists.py finds them in
# core.services): a service added without a call here fails its own test below.
PHONE_ORDER = PhoneOrderRequest(
    "5512345678", "Ana", (("TAZA-TAL", 1),), "standard", "cash_on_delivery", Address("Calle 1")
)
SERVICE_CALLS = {
    "purchase_orders.create_draft": lambda shop, code: purchase_orders.create_draft(
        shop, STRANGER, 1, [purchase_orders.LineRequest("TAZA-TAL", 5)]
    ),
    "purchase_orders.draft_from_suggestions": lambda shop, code: (
        purchase_orders.draft_from_suggestions(shop, STRANGER, 1)
    ),
    "purchase_orders.set_line": lambda shop, code: purchase_orders.set_line(
        shop, STRANGER, "OC-7K3F", purchase_orders.LineRequest("TAZA-TAL", 5)
    ),
    "purchase_orders.remove_line": lambda shop, code: purchase_orders.remove_line(
        shop, STRANGER, "OC-7K3F", "TAZA-TAL"
    ),
    "purchase_orders.edit_lines": lambda shop, code: purchase_orders.edit_lines(
        shop, STRANGER, "OC-7K3F", [purchase_orders.LineRequest("TAZA-TAL", 5)]
    ),
    "purchase_orders.send": lambda shop, code: purchase_orders.send(shop, STRANGER, "OC-7K3F"),
    "purchase_orders.receive": lambda shop, code: purchase_orders.receive(
        shop, STRANGER, "OC-7K3F"
    ),
    "purchase_orders.close": lambda shop, code: purchase_orders.close(shop, STRANGER, "OC-7K3F"),
    "purchase_orders.cancel": lambda shop, code: purchase_orders.cancel(
        shop, STRANGER, "OC-7K3F", "x"
    ),
    "purchase_orders.purchase_order_details": lambda shop, code: (
        purchase_orders.purchase_order_details(shop, STRANGER, "OC-7K3F")
    ),
    "purchase_orders.list_purchase_orders": lambda shop, code: purchase_orders.list_purchase_orders(
        shop, STRANGER
    ),
    "purchase_orders.suppliers_to_order_from": lambda shop, code: (
        purchase_orders.suppliers_to_order_from(shop, STRANGER)
    ),
    "admins.authorize": lambda shop, code: admins.authorize(shop, STRANGER, "confirm"),
    "catalog.add_category": lambda shop, code: catalog.add_category(shop, STRANGER, "Nueva"),
    "catalog.update_product": lambda shop, code: catalog.update_product(
        shop, STRANGER, "TAZA-TAL", price=Money(1, "MXN")
    ),
    "catalog.create_product": lambda shop, code: catalog.create_product(
        shop, STRANGER, "NEW-1", "Nuevo", "10.00", "5"
    ),
    "catalog_io.import_catalog": lambda shop, code: catalog_io.import_catalog(
        shop, STRANGER, "sku,name,price,stock\nTAZA-TAL,Taza,1.00,1\n"
    ),
    "catalog_io.export_catalog": lambda shop, code: catalog_io.export_catalog(shop, STRANGER),
    "catalog_io.orders_for_export": lambda shop, code: catalog_io.orders_for_export(shop, STRANGER),
    "inventory.stock_list": lambda shop, code: inventory.stock_list(shop, STRANGER),
    "inventory.stock_levels": lambda shop, code: inventory.stock_levels(shop, STRANGER),
    "inventory.stock_moves": lambda shop, code: inventory.stock_moves(shop, STRANGER, "TAZA-TAL"),
    "catalog.browse_products": lambda shop, code: catalog.browse_products(shop, STRANGER),
    "directory.find_customers": lambda shop, code: directory.find_customers(shop, STRANGER, "Ana"),
    "directory.customer_card": lambda shop, code: directory.customer_card(shop, STRANGER, 1),
    "inventory.set_stock": lambda shop, code: inventory.set_stock(shop, STRANGER, "TAZA-TAL", 99),
    "inventory.adjust_stock": lambda shop, code: inventory.adjust_stock(
        shop, STRANGER, "TAZA-TAL", 5
    ),
    "inventory.product_for_admin": lambda shop, code: inventory.product_for_admin(
        shop, STRANGER, "TAZA-TAL"
    ),
    "orders.order_details": lambda shop, code: orders.order_details(shop, code, STRANGER),
    "documents.packing_slip": lambda shop, code: documents.packing_slip(shop, STRANGER, code),
    "documents.ready_to_prepare": lambda shop, code: documents.ready_to_prepare(shop, STRANGER),
    "documents.receipt": lambda shop, code: documents.receipt(shop, STRANGER, code),
    "orders.list_orders": lambda shop, code: orders.list_orders(shop, STRANGER),
    "orders.confirm_order": lambda shop, code: orders.confirm_order(shop, STRANGER, code),
    "orders.confirm_without_payment": lambda shop, code: orders.confirm_without_payment(
        shop, STRANGER, code
    ),
    "orders.reject_order": lambda shop, code: orders.reject_order(shop, STRANGER, code, "x"),
    "orders.cancel_order": lambda shop, code: orders.cancel_order(shop, STRANGER, code, "x"),
    "orders.cancel_by_customer": lambda shop, code: orders.cancel_by_customer(
        shop, STRANGER, code, "x"
    ),
    "orders.start_preparing": lambda shop, code: orders.start_preparing(shop, STRANGER, code),
    "orders.mark_packed": lambda shop, code: orders.mark_packed(shop, STRANGER, code),
    "orders.mark_delivered": lambda shop, code: orders.mark_delivered(shop, STRANGER, code),
    "orders.rate_order": lambda shop, code: orders.rate_order(shop, STRANGER, code, 5),
    "orders.attach_transfer_receipt": lambda shop, code: orders.attach_transfer_receipt(
        shop, STRANGER, code, "terminal", "file-1"
    ),
    "payments.record_manual_payment": lambda shop, code: payments.record_manual_payment(
        shop, STRANGER, code
    ),
    "payments.refund_order": lambda shop, code: payments.refund_order(
        shop, STRANGER, code, Money(100, "MXN")
    ),
    "phone_orders.customer_for_phone": lambda shop, code: phone_orders.customer_for_phone(
        shop, STRANGER, "5512345678"
    ),
    "phone_orders.quote_order_for_customer": lambda shop, code: (
        phone_orders.quote_order_for_customer(shop, STRANGER, PHONE_ORDER)
    ),
    "phone_orders.place_order_for_customer": lambda shop, code: (
        phone_orders.place_order_for_customer(shop, STRANGER, PHONE_ORDER)
    ),
    "privacy.find_customer": lambda shop, code: privacy.find_customer(shop, STRANGER, "Ana"),
    "privacy.summarise": lambda shop, code: privacy.summarise(shop, STRANGER, 1),
    "privacy.export_customer_data": lambda shop, code: privacy.export_customer_data(
        shop, STRANGER, 1
    ),
    "privacy.forget_customer": lambda shop, code: privacy.forget_customer(shop, STRANGER, 1),
    "reports.build_report": lambda shop, code: reports.build_report(shop, STRANGER, START, START),
    "returns.exchange_options": lambda shop, code: returns.exchange_options(
        shop, STRANGER, code, "TAZA-TAL", 1
    ),
    "returns.request_return": lambda shop, code: returns.request_return(
        shop, STRANGER, code, {"TAZA-TAL": 1}, "talla"
    ),
    "returns.list_returns": lambda shop, code: returns.list_returns(shop, STRANGER),
    "returns.get_return": lambda shop, code: returns.get_return(shop, STRANGER, 1),
    "returns.approve_return": lambda shop, code: returns.approve_return(shop, STRANGER, 1),
    "returns.send_return_address": lambda shop, code: returns.send_return_address(
        shop, STRANGER, 1, "Calle 1"
    ),
    "returns.reject_return": lambda shop, code: returns.reject_return(shop, STRANGER, 1, "x"),
    "returns.receive_return": lambda shop, code: returns.receive_return(shop, STRANGER, 1),
    "returns.refund_return": lambda shop, code: returns.refund_return(shop, STRANGER, 1),
    "returns.ship_exchange": lambda shop, code: returns.ship_exchange(
        shop, STRANGER, 1, "dhl", "JD0123456789"
    ),
    "shipping.save_carrier": lambda shop, code: shipping.save_carrier(
        shop, STRANGER, Carrier("dhl", "DHL", "https://example.com/{tracking}")
    ),
    "shipping.ship_order": lambda shop, code: shipping.ship_order(
        shop, STRANGER, code, "dhl", "JD0123456789"
    ),
    "support.reply_to_case": lambda shop, code: support.reply_to_case(shop, STRANGER, 1, "hola"),
    "support.close_case": lambda shop, code: support.close_case(shop, STRANGER, 1),
    "support.open_cases": lambda shop, code: support.open_cases(shop, STRANGER),
    "api_keys.create_key": lambda shop, code: api_keys.create_key(
        shop, STRANGER, "x", frozenset({"orders:read"})
    ),
    "api_keys.list_keys": lambda shop, code: api_keys.list_keys(shop, STRANGER),
    "api_keys.revoke_key": lambda shop, code: api_keys.revoke_key(shop, STRANGER, 1),
    "orders.orders_page": lambda shop, code: orders.orders_page(
        shop, STRANGER, OrderQuery(), limit=10
    ),
    "orders.refundable": lambda shop, code: orders.refundable(shop, STRANGER, code),
    "returns.returns_page": lambda shop, code: returns.returns_page(shop, STRANGER, limit=10),
    "webhooks.register": lambda shop, code: webhooks.register(
        shop, STRANGER, "https://example.com/hook", "*"
    ),
    "webhooks.list_endpoints": lambda shop, code: webhooks.list_endpoints(shop, STRANGER),
    "webhooks.get_endpoint": lambda shop, code: webhooks.get_endpoint(shop, STRANGER, 1),
    "webhooks.update_endpoint": lambda shop, code: webhooks.update_endpoint(
        shop, STRANGER, 1, events="*"
    ),
    "webhooks.set_enabled": lambda shop, code: webhooks.set_enabled(shop, STRANGER, 1, False),
    "webhooks.remove_endpoint": lambda shop, code: webhooks.remove_endpoint(shop, STRANGER, 1),
    "webhooks.rotate_secret": lambda shop, code: webhooks.rotate_secret(shop, STRANGER, 1),
    "webhooks.delivery_log": lambda shop, code: webhooks.delivery_log(shop, STRANGER, 1),
    "webhooks.deliveries": lambda shop, code: webhooks.deliveries(shop, STRANGER, 1),
    "webhooks.redeliver": lambda shop, code: webhooks.redeliver(shop, STRANGER, 1, 1),
    "suppliers.add_supplier": lambda shop, code: suppliers.add_supplier(shop, STRANGER, "Nuevo"),
    "suppliers.change_supplier": lambda shop, code: suppliers.change_supplier(
        shop, STRANGER, 1, lead_time_days=3
    ),
    "suppliers.deactivate_supplier": lambda shop, code: suppliers.deactivate_supplier(
        shop, STRANGER, 1
    ),
    "suppliers.list_suppliers": lambda shop, code: suppliers.list_suppliers(shop, STRANGER),
    "suppliers.supplier_card": lambda shop, code: suppliers.supplier_card(shop, STRANGER, 1),
    "suppliers.product_supply": lambda shop, code: suppliers.product_supply(
        shop, STRANGER, "TAZA-TAL"
    ),
    "suppliers.set_product_supply": lambda shop, code: suppliers.set_product_supply(
        shop, STRANGER, "TAZA-TAL", SupplyChanges(pack_size=6)
    ),
    "reorder.reorder_suggestions": lambda shop, code: reorder.reorder_suggestions(shop, STRANGER),
}


@pytest.mark.parametrize("service", sorted(services_taking_an_actor()))
async def test_each_service_acting_for_someone_refuses_a_merchant_who_is_not_an_admin(
    demo_shop, service
):
    call = SERVICE_CALLS.get(service)
    assert call is not None, f"{service} takes an Actor: add a call for it to SERVICE_CALLS"
    order = await an_order(demo_shop)
    before = await snapshot(demo_shop)
    with pytest.raises(NotAllowed):
        await call(demo_shop, order.code)
    assert await snapshot(demo_shop) == before


def test_every_call_here_is_of_a_service_that_still_exists():
    assert set(SERVICE_CALLS) - set(services_taking_an_actor()) == set()


def test_every_button_the_admin_handlers_declare_is_refused_to_customers():
    """An admin action declared without admin=True would reach the customer's button
    handling instead of the refusal (and the forged-button test above would skip it);
    so would a payload packed by hand."""
    declared = {
        prefix
        for prefix, kind in actions.registered().items()
        if kind.__module__.startswith("handlers.admin.")
    }
    assert {"ao", "rs", "sc", "pa", "afg"} <= declared  # each feature's are found
    assert declared - admin_button_prefixes() == set()
    assert set(packed_verbs(HANDLERS / "admin")) == set()
