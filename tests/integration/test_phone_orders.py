"""Orders the merchant takes by phone or at the counter (core/services/phone_orders.py):
on SQLite and PostgreSQL, through the services the admin chat and the REST API call."""

from __future__ import annotations

import asyncio

import pytest

from core.domain.actors import merchant
from core.domain.customers import Address
from core.domain.errors import (
    InvalidQuantity,
    MissingCheckoutDetails,
    NotAllowed,
    OutOfStock,
    ProductNotFound,
)
from core.domain.orders import OrderStatus, PaymentMethod, new_order_code
from core.domain.phone_orders import (
    PICKUP,
    InvalidPhone,
    OrderSource,
    PaymentMethodUnavailable,
    PhoneOrderRequest,
)
from core.services import customers, orders, outbox, phone_orders
from core.services.catalog import get_product
from core.services.context import Shop
from core.services.privacy import CustomerNotFound
from core.store.database import Database
from tests.conftest import MERCHANT, add_product, buy, new_buyer, test_settings

HOME = Address("Calle 5 #12", "Centro", "Monterrey", "Nuevo León", "64000", "MX")


def request(phone: str = "55 1234 5678", *lines: tuple[str, int], **changes) -> PhoneOrderRequest:
    values = {
        "phone": phone,
        "name": "Ana López",
        "lines": lines or (("GORRA-AZ", 2),),
        "shipping_method": "standard",
        "payment_method": PaymentMethod.CASH_ON_DELIVERY,
        "address": HOME,
    }
    return PhoneOrderRequest(**{**values, **changes})


@pytest.fixture
async def gorras(shop: Shop) -> int:
    return await add_product(shop, "GORRA-AZ", price="250.00", stock=3, name="Gorra azul")


async def test_a_number_typed_at_a_chat_checkout_links_nothing_until_the_merchant_names_them(
    shop, gorras
):
    # Someone on a chat whose ids are no phone numbers (Telegram-like) orders giving a
    # number, then cancels: anyone can type anyone's number.
    typist = await new_buyer(shop, "u-ana")
    first = await buy(shop, typist, {await add_product(shop, "X-1", stock=2): 1})
    assert first.phone == "+52 951 123 4567"  # what checkout wrote
    await orders.cancel_order(shop, typist.actor, first.code, "era prueba")

    taken = await phone_orders.place_order_for_customer(
        shop, MERCHANT, request("951-123-4567", ("GORRA-AZ", 1))
    )
    # Not theirs: an offline record of the number, nothing in the typist's chat.
    assert taken.customer_id != typist.customer_id
    async with shop.uow(write=False) as uow:
        offline = await uow.customers.get(taken.customer_id)
    assert offline is not None and offline.offline
    assert [o.code for o in await orders.customer_orders(shop, typist.customer_id)] == [first.code]
    news = await outbox.messages(shop, customer_id=typist.customer_id)
    assert "order_taken" not in [m.kind for m in news]
    # The merchant is told who typed it, to choose.
    who = await phone_orders.customer_for_phone(shop, MERCHANT, "9511234567")
    assert not who.in_chat and who.customer is not None and who.customer.id == offline.id
    assert who.gave_it is not None and who.gave_it.id == typist.customer_id
    assert who.gave_it_name == "Ana López"


async def test_an_order_for_the_chat_customer_the_merchant_names_is_theirs_and_told_there(
    shop, gorras
):
    buyer = await new_buyer(shop, "u-ana")
    await add_product(shop, "TAZA-01", price="80.00", stock=5)
    lines = (("gorra-az", 1), ("TAZA-01", 1), ("GORRA-AZ", 1))
    with pytest.raises(CustomerNotFound):
        await phone_orders.place_order_for_customer(
            shop, MERCHANT, request("951-123-4567", *lines, customer_id=buyer.customer_id + 99)
        )
    assert (await get_product(shop, sku="GORRA-AZ")).available == 3

    order = await phone_orders.place_order_for_customer(
        shop, MERCHANT, request("951-123-4567", *lines, customer_id=buyer.customer_id, name="")
    )

    assert order.customer_id == buyer.customer_id
    assert order.customer_name == "Ana"  # their chat's name, none given
    assert order.status is OrderStatus.CONFIRMED  # cash, taken by the merchant
    assert [(line.sku, line.quantity) for line in order.lines] == [("GORRA-AZ", 2), ("TAZA-01", 1)]
    assert order.total.amount == 500_00 + 80_00 + 99_00  # standard shipping below 999
    assert (await get_product(shop, sku="GORRA-AZ")).available == 1
    mine = await orders.customer_orders(shop, buyer.customer_id)
    assert order.code in [o.code for o in mine]
    told = await outbox.messages(shop, customer_id=buyer.customer_id)
    taken = [m for m in told if m.kind == "order_taken"]
    assert [(m.channel, m.address, m.payload["code"]) for m in taken] == [
        ("terminal", "u-ana", order.code)
    ]
    details = await orders.order_details(shop, order.code, MERCHANT)
    placed = next(e for e in details.timeline if e.kind == "placed")
    assert placed.actor == str(MERCHANT)
    assert placed.data["source"] == "phone"


async def test_placed_again_with_its_code_the_request_answers_the_order_already_placed(
    shop, gorras
):
    code = new_order_code()
    # All three units: the second placement must not read them as sold out.
    again = request("5512345678", ("GORRA-AZ", 3), code=code)
    order = await phone_orders.place_order_for_customer(shop, MERCHANT, again)
    assert order.code == code

    repeat = await phone_orders.place_order_for_customer(shop, MERCHANT, again)

    assert (repeat.code, repeat.id) == (code, order.id)
    assert (await orders.list_orders(shop, MERCHANT))[1] == 1
    product = await get_product(shop, sku="GORRA-AZ")
    assert (product.on_hand, product.reserved) == (3, 3)
    async with shop.uow(write=False) as uow:
        news = await uow.outbox.list(recipient="admin")  # one row per admin
    assert [m.kind for m in news if m.payload.get("code") == code] == ["new_order"]

    # Another request that drew the same code by chance (another number) is placed
    # with a code of its own.
    await add_product(shop, "TAZA-01", stock=5)
    other = await phone_orders.place_order_for_customer(
        shop, MERCHANT, request("5587654321", ("TAZA-01", 1), code=code)
    )
    assert other.code != code and other.phone == "+52 55 8765 4321"
    assert (await orders.list_orders(shop, MERCHANT))[1] == 2


async def test_the_same_request_placed_twice_at_once_is_one_order(
    database_url, backend, shop, gorras, monkeypatch
):
    if backend == "sqlite":
        pytest.skip("SQLite serialises writers: only PostgreSQL interleaves this race")
    read_lines, both_read = phone_orders._lines, asyncio.Barrier(2)

    async def read_then_wait(uow, wanted):
        lines = await read_lines(uow, wanted)
        await both_read.wait()
        return lines

    monkeypatch.setattr(phone_orders, "_lines", read_then_wait)
    same = request("5512345678", ("GORRA-AZ", 2), code=new_order_code())
    workers = [
        Shop(Database(database_url), test_settings(database_url), clock=shop.clock)
        for _ in range(2)
    ]
    try:
        # Both pass the "placed already?" read before either inserts: the unique code
        # decides, and the loser's run again finds the winner's order.
        results = await asyncio.gather(
            *(phone_orders.place_order_for_customer(w, MERCHANT, same) for w in workers)
        )
    finally:
        for worker in workers:
            await worker.db.dispose()
    assert {r.code for r in results} == {same.code}
    assert (await orders.list_orders(shop, MERCHANT))[1] == 1
    product = await get_product(shop, sku="GORRA-AZ")
    assert (product.on_hand, product.reserved) == (3, 2)


async def test_a_new_number_gets_an_offline_record_no_message_and_its_whatsapp_person_claims_it(
    shop, gorras
):
    order = await phone_orders.place_order_for_customer(
        shop, MERCHANT, request("+52 1 55 1234 5678", source=OrderSource.COUNTER)
    )
    async with shop.uow(write=False) as uow:
        offline = await uow.customers.get(order.customer_id)
    assert offline is not None and offline.offline
    assert offline.external_id == "+525512345678" and offline.name == "Ana López"
    assert await outbox.messages(shop, customer_id=order.customer_id) == []

    again = await phone_orders.place_order_for_customer(
        shop, MERCHANT, request("5512345678", ("GORRA-AZ", 1))
    )
    assert again.customer_id == order.customer_id  # the same record, not a second one

    # A Telegram-like chat (ids are not phone numbers) never claims it, whatever its id.
    other = await customers.identify(shop, "terminal", "5215512345678")
    assert other.id != order.customer_id
    # WhatsApp's ids are verified phone numbers: the first message makes it theirs.
    assert shop.channels.phone_ids == frozenset({"whatsapp"})
    person = await customers.identify(shop, "whatsapp", "5215512345678", locale="es")
    assert person.id == order.customer_id
    assert {o.code for o in await orders.customer_orders(shop, person.id)} == {
        order.code,
        again.code,
    }
    # Found by the merchant's next order through the WhatsApp id now.
    who = await phone_orders.customer_for_phone(shop, MERCHANT, "55 1234 5678")
    assert who.in_chat and who.customer is not None and who.customer.id == person.id


async def test_a_line_short_of_stock_is_refused_by_sku_with_what_is_left_and_nothing_reserved(
    shop, gorras
):
    await add_product(shop, "TAZA-01", stock=5)
    with pytest.raises(OutOfStock) as refused:
        await phone_orders.place_order_for_customer(
            shop, MERCHANT, request("5512345678", ("TAZA-01", 1), ("GORRA-AZ", 4))
        )
    assert [(s.sku, s.requested, s.available) for s in refused.value.shortages] == [
        ("GORRA-AZ", 4, 3)
    ]
    assert (await get_product(shop, sku="TAZA-01")).available == 5
    assert (await get_product(shop, sku="GORRA-AZ")).available == 3
    assert (await orders.list_orders(shop, MERCHANT))[1] == 0


async def test_refusals_before_anything_is_written(shop, gorras):
    stranger = merchant("terminal:stranger")
    with pytest.raises(NotAllowed):
        await phone_orders.place_order_for_customer(shop, stranger, request())
    with pytest.raises(NotAllowed):
        await phone_orders.customer_for_phone(shop, stranger, "5512345678")
    with pytest.raises(InvalidPhone):
        await phone_orders.place_order_for_customer(shop, MERCHANT, request("12345"))
    with pytest.raises(ProductNotFound) as unknown:
        await phone_orders.place_order_for_customer(
            shop, MERCHANT, request("5512345678", ("NOPE-1", 1), ("GORRA-AZ", 1), ("NOPE-2", 1))
        )
    assert unknown.value.data["skus"] == ["NOPE-1", "NOPE-2"]
    with pytest.raises(InvalidQuantity):
        await phone_orders.place_order_for_customer(
            shop, MERCHANT, request("5512345678", ("GORRA-AZ", 0))
        )
    with pytest.raises(MissingCheckoutDetails) as missing:
        await phone_orders.place_order_for_customer(shop, MERCHANT, request(address=None))
    assert missing.value.data["missing"] == ["street", "city", "postal_code"]
    with pytest.raises(MissingCheckoutDetails):  # a new number needs a name
        await phone_orders.place_order_for_customer(shop, MERCHANT, request(name=" "))
    with pytest.raises(PaymentMethodUnavailable):  # no payment-link provider set up
        await phone_orders.place_order_for_customer(
            shop, MERCHANT, request(payment_method=PaymentMethod.CARD)
        )
    assert (await get_product(shop, sku="GORRA-AZ")).available == 3
    assert (await orders.list_orders(shop, MERCHANT))[1] == 0
    async with shop.uow(write=False) as uow:
        assert await uow.customers.find("phone", "+525512345678") is None


async def test_a_transfer_waits_for_its_payment_and_a_pickup_needs_no_address(
    database_url, clock, shop, gorras
):
    transfer = await phone_orders.place_order_for_customer(
        shop, MERCHANT, request(payment_method=PaymentMethod.BANK_TRANSFER)
    )
    assert transfer.status is OrderStatus.AWAITING_CONFIRMATION
    details = await orders.order_details(shop, transfer.code, MERCHANT)
    assert details.order.awaits_payment

    settings = test_settings(
        database_url,
        shipping_methods={
            "standard": {"fee": "99.00", "min_days": 3, "max_days": 5},
            PICKUP: {"fee": "0", "min_days": 0, "max_days": 0},
        },
    )
    counter = Shop(shop.db, settings, clock=clock, channels=shop.channels)
    pickup = await phone_orders.place_order_for_customer(
        counter,
        MERCHANT,
        request("5512345678", ("GORRA-AZ", 1), shipping_method=PICKUP, address=None, name=""),
    )
    assert pickup.shipping_fee.amount == 0 and pickup.customer_name == "Ana López"
    await orders.start_preparing(counter, MERCHANT, pickup.code)
    await orders.mark_packed(counter, MERCHANT, pickup.code)  # its label has no address


async def test_two_phone_orders_racing_for_the_last_unit_one_wins(
    database_url, backend, shop, monkeypatch
):
    if backend == "sqlite":
        pytest.skip("SQLite serialises writers: only PostgreSQL interleaves this race")
    await add_product(shop, "ULTIMA", stock=1)
    # Both read the unit as available before either reserves: the guarded UPDATE, not
    # the read, must decide.
    read_lines, both_read = phone_orders._lines, asyncio.Barrier(2)

    async def read_then_wait(uow, wanted):
        lines = await read_lines(uow, wanted)
        await both_read.wait()
        return lines

    monkeypatch.setattr(phone_orders, "_lines", read_then_wait)
    workers = [
        Shop(Database(database_url), test_settings(database_url), clock=shop.clock)
        for _ in range(2)
    ]
    try:
        results = await asyncio.gather(
            *(
                phone_orders.place_order_for_customer(
                    worker, MERCHANT, request(phone, ("ULTIMA", 1))
                )
                for worker, phone in zip(workers, ("5512345678", "5587654321"), strict=True)
            ),
            return_exceptions=True,
        )
    finally:
        for worker in workers:
            await worker.db.dispose()
    won = [r for r in results if not isinstance(r, BaseException)]
    lost = [r for r in results if isinstance(r, BaseException)]
    assert len(won) == 1 and len(lost) == 1
    assert isinstance(lost[0], OutOfStock)
    assert [(s.sku, s.available) for s in lost[0].shortages] == [("ULTIMA", 0)]
    product = await get_product(shop, sku="ULTIMA")
    assert (product.on_hand, product.reserved) == (1, 1)
    assert (await orders.list_orders(shop, MERCHANT))[1] == 1
