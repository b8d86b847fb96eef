"""A customer's data rights: a copy of everything kept about them, and being forgotten.
After forgetting, nothing that names, reaches or quotes the person is left in any
table or in the orders export, while the books (totals, payments, stock moves) are."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.domain.actors import customer, merchant
from core.domain.conversations import ConversationRecord
from core.domain.errors import NotAllowed
from core.domain.money import Money
from core.domain.orders import PaymentMethod
from core.services import (
    catalog_io,
    checkout,
    customers,
    inbox,
    orders,
    outbox,
    privacy,
    returns,
    shipping,
    support,
)
from core.services.conversations import save_conversation
from core.store.tables import metadata, order_lines, payments, stock_moves
from core.store.tables import orders as orders_table
from handlers.admin.export import orders_csv
from handlers.i18n import Translator
from tests.conftest import ADDRESS, MERCHANT, Buyer, add_product

WA_ID = "5215599988877"  # a WhatsApp customer's channel identity is their phone number
NAME, PHONE = "Ana López", "+52 951 123 4567"
SUPPORT_MESSAGE = "¿Me pueden facturar a nombre de Ana López Ramírez?"
RATING_COMMENT = "La caja llegó aplastada, qué coraje"
RETURN_REASON = "La taza llegó despostillada"
CANCEL_REASON = "Me equivoqué de talla, perdón"
PERSONAL = [
    NAME,
    PHONE,
    ADDRESS.street,
    ADDRESS.references,
    WA_ID,
    SUPPORT_MESSAGE,
    RATING_COMMENT,
    RETURN_REASON,
    CANCEL_REASON,
    "receipt-file-of-ana",
]


async def everything_stored(shop) -> str:
    """Every row of every table, as text."""
    rows = []
    async with shop.uow(write=False) as uow:
        for table in metadata.sorted_tables:
            rows += [
                f"{table.name}: {tuple(row)}" for row in await uow.conn.execute(table.select())
            ]
    return "\n".join(rows)


def found_in(text: str) -> list[str]:
    return [item for item in PERSONAL if item in text]


async def whatsapp_buyer(shop, wa_id: str = WA_ID) -> Buyer:
    found = await customers.identify(shop, "whatsapp", wa_id, name="Ana", locale="es")
    return Buyer(found.id, customer(found.id))


async def order_of(
    shop, buyer: Buyer, product_id: int, qty: int, method=PaymentMethod.CASH_ON_DELIVERY
):
    from core.services import cart

    await cart.add_to_cart(shop, buyer.customer_id, product_id, qty)
    return await checkout.place_order(
        shop,
        buyer.customer_id,
        checkout.CheckoutDetails(NAME, PHONE, ADDRESS, "standard", method),
    )


async def deliver(shop, code: str) -> None:
    await orders.confirm_order(shop, MERCHANT, code)
    await orders.start_preparing(shop, MERCHANT, code)
    await orders.mark_packed(shop, MERCHANT, code)
    await shipping.ship_order(shop, MERCHANT, code, "dhl", "JD014600003")
    await orders.mark_delivered(shop, MERCHANT, code)


async def send_admin_messages(shop) -> None:
    """The admins' messages go out (their payloads then hold names and words)."""
    for message in await outbox.claim_due(shop, ["terminal"], limit=500):
        await outbox.mark_sent(shop, message.id)


@pytest.fixture
async def ana(shop, clock):
    """A customer with a whole history: a delivered, rated and returned order, a
    cancelled one, a support message, a transfer receipt, a checkout half-way, the
    channel's updates and menus."""
    mug = await add_product(shop, "TAZA", price="150.00", stock=10)
    shirt = await add_product(shop, "CAMISA", price="349.00", stock=10)
    buyer = await whatsapp_buyer(shop)
    delivered = await order_of(shop, buyer, mug, 2)
    await deliver(shop, delivered.code)
    await orders.rate_order(shop, buyer.actor, delivered.code, 2, RATING_COMMENT)
    back = await returns.request_return(
        shop, buyer.actor, delivered.code, {"TAZA": 1}, RETURN_REASON
    )
    await returns.reject_return(shop, MERCHANT, back.id, "Ana, la foto no muestra daño")
    await support.contact_shop(shop, buyer.customer_id, SUPPORT_MESSAGE)
    await send_admin_messages(shop)  # the admins read the case and the low rating
    clock.advance(days=1)
    cancelled = await order_of(shop, buyer, shirt, 1, PaymentMethod.BANK_TRANSFER)
    await orders.attach_transfer_receipt(
        shop, buyer.actor, cancelled.code, "whatsapp", "receipt-file-of-ana"
    )
    await orders.cancel_order(shop, buyer.actor, cancelled.code, CANCEL_REASON)
    # left unsent: the cancellation's message to the admins, the customer's news
    await save_conversation(
        shop,
        ConversationRecord("whatsapp", WA_ID, "checkout_address", {"name": NAME, "phone": PHONE}),
    )
    await inbox.receive(shop, "whatsapp", "wamid.1", WA_ID, {"from": WA_ID, "text": NAME})
    await inbox.mark_handled(shop, "whatsapp", "wamid.1")
    await inbox.receive(shop, "whatsapp", "wamid.2", WA_ID, {"from": WA_ID, "text": PHONE})
    await inbox.save_menu(shop, "whatsapp", WA_ID, "numbered", [[f"Usar {NAME}", "ck:name"]])
    await inbox.remember_message(shop, "whatsapp", WA_ID, "wamid.out", "case:1")
    return buyer, delivered, cancelled


async def test_a_forgotten_customer_appears_in_no_table_and_no_export_but_the_books_stay(shop, ana):
    buyer, delivered, cancelled = ana
    before = await everything_stored(shop)
    assert set(found_in(before)) == set(PERSONAL)  # the test would see them if they stayed
    async with shop.uow(write=False) as uow:
        moves = (await uow.conn.execute(select(func.count()).select_from(stock_moves))).scalar()
        lines = (await uow.conn.execute(select(order_lines))).all()
        paid = (await uow.conn.execute(select(payments.c.amount, payments.c.status))).all()

    done = await privacy.forget_customer(shop, buyer.actor, buyer.customer_id)

    assert done.orders_kept == 2
    assert found_in(await everything_stored(shop)) == []
    csv_text = orders_csv(
        Translator("es"), "UTC", await catalog_io.orders_for_export(shop, MERCHANT)
    )
    assert delivered.code in csv_text and cancelled.code in csv_text
    assert found_in(csv_text) == []
    kept = await orders.order_details(shop, delivered.code, MERCHANT)
    assert kept.order.total == delivered.total == Money.from_major("399.00", "MXN")
    assert (kept.order.status, kept.order.rating, kept.order.customer_name) == ("delivered", 2, "")
    assert kept.shipment is not None and kept.returns[0].status == "rejected"
    async with shop.uow(write=False) as uow:
        assert (
            await uow.conn.execute(select(func.count()).select_from(stock_moves))
        ).scalar() == moves
        assert (await uow.conn.execute(select(order_lines))).all() == lines
        assert (await uow.conn.execute(select(payments.c.amount, payments.c.status))).all() == paid
        totals = (await uow.conn.execute(select(orders_table.c.total))).scalars().all()
    assert sorted(totals) == sorted([delivered.total.amount, cancelled.total.amount])


async def test_the_admins_hear_that_a_customer_was_forgotten_and_their_old_news_are_gone(shop, ana):
    buyer, _delivered, _cancelled = ana
    await privacy.forget_customer(shop, buyer.actor, buyer.customer_id)

    kinds = [m.kind for m in await outbox.messages(shop) if m.status == "pending"]
    assert kinds == ["customer_forgotten"]  # nothing else about Ana is still to be sent
    assert await outbox.messages(shop, customer_id=buyer.customer_id) == []


async def test_the_export_holds_the_customers_orders_messages_and_details(shop, ana):
    buyer, delivered, cancelled = ana

    data = await privacy.export_customer_data(shop, buyer.actor, buyer.customer_id)

    assert data["customer"]["user_id"] == WA_ID
    assert [o["code"] for o in data["orders"]] == [delivered.code, cancelled.code]
    first = data["orders"][0]
    assert (first["name"], first["phone"], first["total"]) == (NAME, PHONE, "399.00")
    assert first["lines"] == [
        {
            "sku": "TAZA",
            "product": "Product TAZA",
            "quantity": 2,
            "unit_price": "150.00",
            "total": "300.00",
        }
    ]
    assert first["returns"][0]["reason"] == RETURN_REASON
    assert first["shipment"]["tracking_number"] == "JD014600003"
    assert [e["event"] for e in first["timeline"]][:2] == ["placed", "confirmed"]
    assert data["support_messages"][0]["message"] == SUPPORT_MESSAGE
    assert data["ratings"] == [{"order": delivered.code, "stars": 2, "comment": RATING_COMMENT}]
    assert data["addresses"][0]["street"] == ADDRESS.street
    assert data["conversation"] == {
        "step": "checkout_address",
        "answers": {"name": NAME, "phone": PHONE},
    }
    assert NAME in privacy.export_json(data).decode("utf-8")  # readable, not \u-escaped


async def test_after_forgetting_a_late_repeat_of_their_message_is_still_recognised(shop, ana):
    buyer, _delivered, _cancelled = ana
    await privacy.forget_customer(shop, MERCHANT, buyer.customer_id)

    assert not await inbox.receive(shop, "whatsapp", "wamid.1", WA_ID, {"text": NAME})
    assert await inbox.waiting_people(shop, "whatsapp") == []  # nothing left to handle
    # Only the repeat is dropped: a new message from that number waits to be handled.
    assert await inbox.receive(shop, "whatsapp", "wamid.9", WA_ID, {"text": "Hola"})
    assert await inbox.waiting_people(shop, "whatsapp") == [WA_ID]


async def test_after_forgetting_the_same_person_writing_again_is_a_stranger(shop, ana):
    buyer, _delivered, _cancelled = ana
    await privacy.forget_customer(shop, buyer.actor, buyer.customer_id)

    again = await whatsapp_buyer(shop)

    assert again.customer_id != buyer.customer_id
    assert await orders.customer_orders(shop, again.customer_id) == []
    assert await customers.saved_addresses(shop, again.customer_id) == []
    gone = await privacy.export_customer_data(shop, MERCHANT, buyer.customer_id)
    assert gone["customer"]["forgotten"] is True
    assert found_in(str(gone)) == []
    twice = await privacy.forget_customer(shop, MERCHANT, buyer.customer_id)
    assert twice.already


async def test_a_customer_cannot_export_or_forget_another_customer(shop, ana):
    buyer, _delivered, _cancelled = ana
    other = await whatsapp_buyer(shop, "5215500000000")

    with pytest.raises(NotAllowed):
        await privacy.export_customer_data(shop, other.actor, buyer.customer_id)
    with pytest.raises(NotAllowed):
        await privacy.forget_customer(shop, other.actor, buyer.customer_id)
    with pytest.raises(NotAllowed):  # claims to be the merchant, is not an admin
        await privacy.forget_customer(shop, merchant("whatsapp:5215500000000"), buyer.customer_id)
    assert set(found_in(await everything_stored(shop))) == set(PERSONAL)


async def test_forgetting_waits_until_the_customers_orders_are_finished(shop):
    product = await add_product(shop, "TAZA", stock=5)
    buyer = await whatsapp_buyer(shop)
    order = await order_of(shop, buyer, product, 1)

    with pytest.raises(privacy.CustomerHasOpenOrders) as refused:
        await privacy.forget_customer(shop, MERCHANT, buyer.customer_id)

    assert refused.value.data["codes"] == [order.code]
    assert NAME in await everything_stored(shop)
    await deliver(shop, order.code)
    back = await returns.request_return(shop, buyer.actor, order.code, {"TAZA": 1}, "rota")
    with pytest.raises(privacy.CustomerHasOpenOrders):  # a return on its way back
        await privacy.forget_customer(shop, MERCHANT, buyer.customer_id)
    await returns.reject_return(shop, MERCHANT, back.id, "sin daño")
    assert (await privacy.forget_customer(shop, MERCHANT, buyer.customer_id)).orders_kept == 1


async def test_an_admin_finds_a_customer_by_number_or_by_an_order_code(shop, ana):
    buyer, delivered, _cancelled = ana

    assert await privacy.find_customer(shop, MERCHANT, str(buyer.customer_id)) == buyer.customer_id
    assert await privacy.find_customer(shop, MERCHANT, delivered.code.lower()) == buyer.customer_id
    with pytest.raises(privacy.CustomerNotFound):
        await privacy.find_customer(shop, MERCHANT, "PED-22222")
    with pytest.raises(NotAllowed):
        await privacy.find_customer(shop, buyer.actor, delivered.code)


async def test_abandoned_checkouts_and_unhandled_updates_go_after_the_retention_days(shop, clock):
    from core.services import retention

    assert shop.settings.abandoned_data_keep_days == 30
    await save_conversation(
        shop, ConversationRecord("whatsapp", WA_ID, "checkout_phone", {"name": NAME})
    )
    await inbox.save_menu(shop, "whatsapp", WA_ID, "numbered", [[f"Usar {NAME}", "ck:name"]])
    await inbox.receive(shop, "whatsapp", "never-handled", WA_ID, {"text": PHONE})
    clock.advance(days=29)
    await save_conversation(
        shop, ConversationRecord("whatsapp", "5215500000000", "checkout_name", {})
    )
    await inbox.receive(shop, "whatsapp", "recent", "5215500000000", {"text": "hola"})

    assert (await retention.forget_abandoned(shop)).total == 0  # 29 days: still kept
    clock.advance(days=2)
    deleted = await retention.forget_abandoned(shop)

    assert (deleted.conversations, deleted.menus, deleted.updates) == (1, 1, 1)
    assert found_in(await everything_stored(shop)) == []
    async with shop.uow(write=False) as uow:
        assert await uow.conversations.load("whatsapp", "5215500000000") is not None
    assert [key for key, _ in await inbox.unhandled_for(shop, "whatsapp", "5215500000000")] == [
        "recent"
    ]


async def test_retention_leaves_a_checkout_in_progress_to_resume(shop, clock):
    from core.services import retention

    record = ConversationRecord("whatsapp", WA_ID, "checkout_phone", {"name": NAME})
    await save_conversation(shop, record)
    clock.advance(days=20)
    await save_conversation(
        shop,
        ConversationRecord("whatsapp", WA_ID, "checkout_address", {"name": NAME, "phone": PHONE}),
    )
    clock.advance(days=20)  # 40 days since it began, 20 since the last answer

    assert (await retention.forget_abandoned(shop)).conversations == 0
    async with shop.uow(write=False) as uow:
        assert (await uow.conversations.load("whatsapp", WA_ID)).state == "checkout_address"
    assert timedelta(days=shop.settings.abandoned_data_keep_days) == timedelta(days=30)
