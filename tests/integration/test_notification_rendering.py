"""Every message the shop sends later (an outbox row) reads right in Spanish and in
English: the services are driven through every path that tells a customer or the admins
something, and each row they wrote is rendered in both languages through the
dispatcher's renderer. A kind the core can write (core/domain/outbox.py) that no path
here produces fails the first test: drive it here and it gets the same checks.

A row whose kind has no words (written by a newer version during a rolling deploy, or a
renderer branch gone) is marked failed with the reason, never "sent"."""

from __future__ import annotations

import re

import pytest

from bot.dispatcher import OutboxDispatcher
from bot.terminal import TerminalChat
from core.domain.money import Money
from core.domain.orders import PaymentMethod
from core.domain.outbox import ADMIN, ADMIN_KINDS, CUSTOMER, CUSTOMER_KINDS, PendingMessage
from core.domain.returns import ReturnResolution
from core.services import (
    customers,
    expiry,
    incidents,
    orders,
    outbox,
    payments,
    privacy,
    returns,
    shipping,
    support,
)
from core.services.context import Shop
from handlers.notifications import render_message
from handlers.types import Reply
from tests.conftest import MERCHANT, Buyer, add_product, buy, new_buyer

LOCALES = ("es", "en")
# What a message must name for its reader to know what it is about, when its data has it.
REFERENCES = ("code", "order_code", "return_id", "case_id", "sku", "reference")
INCIDENT = "E-7K3FQ"  # an internal error's reference, as the admins get it
CARD = PaymentMethod.CARD
TRANSFER = PaymentMethod.BANK_TRANSFER


async def delivered(shop: Shop, buyer: Buyer, items: dict[int, int]) -> str:
    order = await buy(shop, buyer, items)
    for step in (orders.confirm_order, orders.start_preparing, orders.mark_packed):
        await step(shop, MERCHANT, order.code)
    await shipping.ship_order(shop, MERCHANT, order.code, "estafeta", "1234567890")
    await orders.mark_delivered(shop, MERCHANT, order.code)
    return order.code


async def everything_the_shop_tells(shop: Shop, clock) -> list[PendingMessage]:
    """A week of a small shop: orders of every payment method taken through every step,
    returns, support, a late payment, expiries, a customer forgotten, an incident."""
    camisa_m = await add_product(shop, "CAM-M", name="Camisa azul (M)", price="349.00", stock=8)
    camisa_l = await add_product(shop, "CAM-L", name="Camisa azul (L)", price="349.00", stock=8)
    taza = await add_product(shop, "TAZA", name="Taza de talavera", price="189.00", stock=20)
    vela = await add_product(shop, "VELA", name="Vela de lavanda", price="120.00", stock=3)
    ana, beto = await new_buyer(shop, "1001", "Ana"), await new_buyer(shop, "1002", "Beto")
    carla, dani = await new_buyer(shop, "1003", "Carla"), await new_buyer(shop, "1004", "Dani")
    eva, fer = await new_buyer(shop, "1005", "Eva"), await new_buyer(shop, "1006", "Fer")
    gaby = await new_buyer(shop, "1007", "Gaby")

    # Cash on delivery all the way, the customer says it arrived, rates it low, and
    # exchanges a shirt for another size (no RETURN_ADDRESS: the admins are asked for it).
    first = await buy(shop, ana, {camisa_m: 1, vela: 1})  # the candles run low
    await orders.confirm_order(shop, MERCHANT, first.code)
    await orders.start_preparing(shop, MERCHANT, first.code)
    await orders.mark_packed(shop, MERCHANT, first.code)
    await shipping.ship_order(shop, MERCHANT, first.code, "estafeta", "1234567890")
    await orders.mark_delivered(shop, ana.actor, first.code)
    await orders.rate_order(shop, ana.actor, first.code, 2, "Llegó un día tarde")
    exchange = await returns.request_return(
        shop,
        ana.actor,
        first.code,
        {"CAM-M": 1},
        "Me quedó chica",
        ReturnResolution.EXCHANGE,
        {"CAM-M": camisa_l},
    )
    await returns.approve_return(shop, MERCHANT, exchange.id)
    await returns.send_return_address(shop, MERCHANT, exchange.id, "Calle Reforma 10, CDMX")
    await returns.receive_return(shop, MERCHANT, exchange.id)
    await returns.ship_exchange(shop, MERCHANT, exchange.id, "dhl", "JD014600003828")

    # A refund return, and one the shop turns down.
    second = await delivered(shop, beto, {taza: 2})
    refund = await returns.request_return(shop, beto.actor, second, {"TAZA": 1}, "Llegó rota")
    await returns.approve_return(shop, MERCHANT, refund.id)
    await returns.receive_return(shop, MERCHANT, refund.id, {"TAZA": False})
    await returns.refund_return(shop, MERCHANT, refund.id)
    turned_down = await returns.request_return(shop, beto.actor, second, {"TAZA": 1}, "No me gustó")
    await returns.reject_return(shop, MERCHANT, turned_down.id, "Solo aceptamos piezas dañadas")

    # A transfer: the receipt, the money seen, part of it given back, then cancelled.
    transfer = await buy(shop, carla, {taza: 1}, TRANSFER)
    await orders.attach_transfer_receipt(
        shop, carla.actor, transfer.code, "terminal", "comprobante-spei.jpg"
    )
    await payments.record_manual_payment(shop, MERCHANT, transfer.code)
    await payments.refund_order(shop, MERCHANT, transfer.code, Money.from_major("50.00", "MXN"))
    await orders.cancel_order(shop, MERCHANT, transfer.code, "Ya no hay envíos a tu zona")

    # Turned down; cancelled by the customer; a card paid twice.
    rejected = await buy(shop, dani, {taza: 1})
    await orders.reject_order(shop, MERCHANT, rejected.code, "No enviamos a esa dirección")
    changed_mind = await buy(shop, dani, {taza: 1})
    await orders.cancel_order(shop, dani.actor, changed_mind.code, "Me equivoqué de color")
    card = await buy(shop, eva, {taza: 1}, CARD)
    for charge in ("ch_3PqA1", "ch_3PqA2"):
        await payments.record_payment(
            shop, card.code, card.total, provider="stripe", provider_charge_id=charge
        )

    # Talking to a person: a case, a message added, the shop's answer, closed.
    case = await support.contact_shop(shop, eva.customer_id, "¿Puedo cambiar la dirección?")
    await support.contact_shop(shop, eva.customer_id, "Es Calle Hidalgo 5, por favor")
    await support.reply_to_case(shop, MERCHANT, case.case_id, "Claro, ya la cambiamos")
    await support.close_case(shop, MERCHANT, case.case_id)

    # Time passes: an unpaid card order expires (and is paid too late); an unconfirmed
    # cash-on-delivery order is reminded, then released.
    unpaid = await buy(shop, fer, {taza: 1}, CARD)
    forgotten = await buy(shop, fer, {taza: 1})
    clock.advance(minutes=shop.settings.reservation_expiry_minutes + 1)
    await expiry.run_expiry(shop)
    await payments.record_payment(
        shop, unpaid.code, unpaid.total, provider="stripe", provider_charge_id="ch_late"
    )
    clock.advance(hours=36)
    await expiry.run_expiry(shop)
    clock.advance(hours=12)
    await expiry.run_expiry(shop)
    assert (await orders.order_details(shop, forgotten.code, MERCHANT)).order.status == "expired"

    # Gaby asks to be forgotten; a bug met while answering someone.
    await privacy.forget_customer(shop, gaby.actor, gaby.customer_id)
    await incidents.report(shop, INCIDENT, "telegram:1001")
    return await outbox.messages(shop)


async def in_language(shop: Shop, rows: list[PendingMessage], locale: str) -> None:
    """Everyone the rows go to reads `locale` from now on."""
    for channel, address in {(row.channel, row.address) for row in rows}:
        person = await customers.identify(shop, channel, address)
        await customers.update_customer(shop, person.id, locale=locale)


def words(reply: Reply) -> list[str]:
    return [reply.text, *(button.label for button in reply.all_buttons())]


@pytest.fixture
async def told(shop, clock) -> list[PendingMessage]:
    return await everything_the_shop_tells(shop, clock)


@pytest.mark.expects_error(f"incident {INCIDENT}")
async def test_every_kind_the_core_writes_is_told_here(told):
    written = {(row.recipient, row.kind) for row in told}
    declared = {(CUSTOMER, kind) for kind in CUSTOMER_KINDS} | {
        (ADMIN, kind) for kind in ADMIN_KINDS
    }
    assert sorted(declared - written) == [], "drive these in everything_the_shop_tells"
    assert written <= declared


@pytest.mark.expects_error(f"incident {INCIDENT}")
async def test_every_message_reads_right_in_spanish_and_english(shop, told):
    rendered: dict[str, dict[int, list[Reply]]] = {}
    for locale in LOCALES:
        await in_language(shop, told, locale)
        rendered[locale] = {row.id: await render_message(shop, row) for row in told}

    problems = []
    for row in told:
        es, en = rendered["es"][row.id], rendered["en"][row.id]
        for locale, replies in (("es", es), ("en", en)):
            problems += [
                f"{row.recipient} {row.kind} in {locale}: {problem}"
                for problem in misread(row, replies, locale)
            ]
        if [r.text for r in es] == [r.text for r in en]:
            problems.append(f"{row.recipient} {row.kind}: the same in both languages")
    assert not problems, "\n".join(problems)


def misread(row: PendingMessage, replies: list[Reply], locale: str) -> list[str]:
    """What a reader would trip over in the replies for the row."""
    if not replies or not all(reply.text.strip() for reply in replies):
        return ["nothing to read"]
    problems = []
    if {reply.locale for reply in replies} != {locale}:
        problems.append(f"written in {[reply.locale for reply in replies]}")
    text = "\n".join(line for reply in replies for line in words(reply))
    if re.search(r"[{}]", text):
        problems.append(f"a placeholder left: {text!r}")
    named = {key: str(row.payload[key]) for key in REFERENCES if row.payload.get(key)}
    if row.kind == "customer_forgotten":
        named["customer"] = f"#{row.payload['customer_id']}"
    problems += [f"no {key} {value}: {text!r}" for key, value in named.items() if value not in text]
    return problems


@pytest.mark.expects_error(r"pedidos\.dispatcher: .*rendered nothing for kind gift_card_sent")
async def test_a_kind_without_words_is_failed_with_the_reason_never_sent(shop):
    # A newer worker, during a rolling deploy, wrote a kind this version has no words for.
    async with shop.uow() as uow:
        await uow.outbox.add_rows(
            [
                {
                    "kind": "gift_card_sent",
                    "payload": {"code": "PED-7K3FQ", "amount": 50000},
                    "customer_id": None,
                    "recipient": ADMIN,
                    "channel": "terminal",
                    "address": "owner",
                    "dedupe_key": "PED-7K3FQ:gift_card_sent|terminal:owner",
                }
            ],
            shop.now(),
        )
        await uow.commit(shop.now())
    chat = TerminalChat(shop, user_id="owner")

    await OutboxDispatcher(shop, [chat], address="owner").run_once()

    [row] = await outbox.messages(shop)
    assert (row.status, row.last_error) == ("failed", "rendered nothing for kind gift_card_sent")
    assert chat.delivered == []
