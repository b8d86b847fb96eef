"""Every message the shop sends later (an outbox row) reads right in Spanish and in
English: the services are driven through every path that tells a customer or the admins
something, and each row they wrote is rendered in both languages through the
dispatcher's renderer. An event type (core/domain/events.py) that no path here produces
fails the first test: drive it here and it gets the same checks.

Rows wait in a live shop's database across an upgrade: a row as this version's services
write it (STORED, one per event type) still loads and renders. A row that holds no
event this version knows (a kind written by a newer version during a rolling deploy,
data that does not fit its kind) is marked failed with the reason, never "sent"."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import replace

import pytest

from bot.dispatcher import OutboxDispatcher
from bot.payments.mercadopago import MercadoPago
from bot.terminal.chat import TerminalChat
from core.domain.events import CUSTOMER, OrderShipped, event_types
from core.domain.money import Money
from core.domain.orders import PaymentMethod
from core.domain.outbox import ADMIN, PendingMessage
from core.domain.phone_orders import PhoneOrderRequest
from core.domain.returns import ReturnResolution
from core.domain.tracking import Checkpoint, CheckpointSource, TrackingTag
from core.domain.webhooks import MAX_ATTEMPTS, AttemptResult
from core.services import (
    customers,
    expiry,
    incidents,
    orders,
    outbox,
    payment_links,
    payments,
    phone_orders,
    privacy,
    returns,
    shipping,
    support,
    tracking,
    webhooks,
)
from core.services.context import Shop
from core.services.web import tracked_order
from handlers.notifications import has_renderer, render_message
from handlers.types import Reply
from tests.conftest import ADDRESS, MERCHANT, Buyer, add_product, buy, new_buyer
from tests.mercadopago_double import MercadoPagoDouble

LOCALES = ("es", "en")
# What a message must name for its reader to know what it is about, when its data has it.
REFERENCES = ("code", "order_code", "return_id", "case_id", "sku", "reference")
INCIDENT = "E-7K3FQ"  # an internal error's reference, as the admins get it
# Logged on purpose by everything_the_shop_tells: the incident, the refused refund.
TOLD_ERRORS = f"incident {INCIDENT}|refund 1 refused by mercadopago|not the order's total"
CARD = PaymentMethod.CARD
TRANSFER = PaymentMethod.BANK_TRANSFER
LOCAL_URL = "http://127.0.0.1:8080"  # where the providers would send webhooks


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
    hugo = await new_buyer(shop, "1008", "Hugo")

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
            shop, card.code, card.total, provider="telegram", provider_charge_id=charge
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
        shop, unpaid.code, unpaid.total, provider="telegram", provider_charge_id="ch_late"
    )
    clock.advance(hours=36)
    await expiry.run_expiry(shop)
    clock.advance(hours=12)
    await expiry.run_expiry(shop)
    assert (await orders.order_details(shop, forgotten.code, MERCHANT)).order.status == "expired"

    # Paying through a Mercado Pago link: an OXXO voucher, then its cash; a card
    # declined; a link paid after the customer cancelled, whose refund the provider
    # refuses.
    async with MercadoPagoDouble(clock=clock) as mp:
        provider = MercadoPago(mp.access_token, mp.webhook_secret, mp.base_url, LOCAL_URL)
        shop.payment_providers = (provider,)
        try:
            await pay_through_links(shop, mp, provider, hugo, taza)
        finally:
            shop.payment_providers = ()
            await provider.close()

    # A parcel as its carrier reports it: out for delivery, a failed attempt, waiting at
    # a pickup point, a problem, then tracking given up on (core/services/tracking.py).
    await carrier_journey(shop, clock, await new_buyer(shop, "1009", "Iván"), taza)

    # An order the shop took by phone for a chat customer the merchant named (a transfer:
    # the most words).
    request = PhoneOrderRequest("951 123 4567", "", (("VELA", 1),), "standard", TRANSFER, ADDRESS)
    await phone_orders.place_order_for_customer(
        shop, MERCHANT, dataclasses.replace(request, customer_id=hugo.customer_id)
    )

    # Gaby asks to be forgotten; a bug met while answering someone.
    await privacy.forget_customer(shop, gaby.actor, gaby.customer_id)
    await incidents.report(shop, INCIDENT, "telegram:1001")
    # The system that hears the shop's webhooks is down for a day: turned off. Last,
    # because it moves the clock on by days.
    await webhook_down_for_a_day(shop, clock, await new_buyer(shop, "1010", "Juan"), taza)
    return await outbox.messages(shop)


async def webhook_down_for_a_day(shop: Shop, clock, buyer: Buyer, product: int) -> None:
    await webhooks.register(shop, MERCHANT, "https://erp.example.com/hooks", "order.*")
    await buy(shop, buyer, {product: 1})
    await webhooks.fan_out(shop)
    for _ in range(MAX_ATTEMPTS):  # every attempt answered 503 (no HTTP here)
        for due in await webhooks.claim_due(shop):
            await webhooks.record_attempt(shop, due, AttemptResult(False, 503, "Down", 30))
        clock.advance(hours=10)


async def carrier_journey(shop: Shop, clock, buyer: Buyer, product: int) -> None:
    order = await buy(shop, buyer, {product: 1})
    for step in (orders.confirm_order, orders.start_preparing, orders.mark_packed):
        await step(shop, MERCHANT, order.code)
    await shipping.ship_order(shop, MERCHANT, order.code, "estafeta", "8055512345")
    for tag, message in (
        (TrackingTag.OUT_FOR_DELIVERY, "En ruta de entrega"),
        (TrackingTag.ATTEMPT_FAIL, "Domicilio cerrado"),
        (TrackingTag.AVAILABLE_FOR_PICKUP, "Disponible en oficina"),
        (TrackingTag.EXCEPTION, "Dirección incompleta"),
        (TrackingTag.EXPIRED, ""),
    ):
        clock.advance(hours=3)
        checkpoint = Checkpoint(
            "8055512345",
            tag,
            shop.now(),
            CheckpointSource.GENERIC,
            message=message,
            location="Oficina Estafeta Centro, Querétaro",
        )
        await tracking.record_checkpoints(shop, [checkpoint])


async def pay_through_links(
    shop: Shop, mp: MercadoPagoDouble, provider: MercadoPago, buyer: Buyer, product: int
) -> None:
    async def pay(code: str, **how: object) -> str:
        link = await payment_links.link_for(shop, code)
        return mp.customer_pays(link.url.rpartition("pref_id=")[2], **how)  # type: ignore[arg-type]

    voucher = await buy(shop, buyer, {product: 1}, CARD)
    cash = await pay(voucher.code, method="oxxo")
    await payment_links.payment_notice(shop, "mercadopago", payment_id=cash)
    declined = await pay(voucher.code, declined=True)
    await payment_links.payment_notice(shop, "mercadopago", payment_id=declined)
    mp.approve(cash)
    await payment_links.payment_notice(shop, "mercadopago", payment_id=cash)

    regret = await buy(shop, buyer, {product: 1}, CARD)
    link = await payment_links.link_for(shop, regret.code)
    await orders.cancel_order(shop, buyer.actor, regret.code, "Me equivoqué")
    late = mp.customer_pays(link.url.rpartition("pref_id=")[2])
    paid_late = await provider.read_payment(late)
    mp.expect_rejections("^400")
    mp.fail_next(status=400)  # the refund, sent at once
    await payment_links.take_payment(shop, paid_late)

    # A page paid with another amount than the order's (edited at the provider).
    odd = await buy(shop, buyer, {product: 1}, CARD)
    paid = await provider.read_payment(await pay(odd.code))
    await payment_links.take_payment(shop, replace(paid, amount=Money(100, "MXN")))


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


@pytest.mark.expects_error(TOLD_ERRORS)
async def test_every_event_type_the_core_writes_is_told_here(told):
    assert [row.unreadable for row in told if row.event is None] == []
    written = {type(row.event) for row in told}
    missing = [t.__name__ for t in event_types() if t not in written]
    assert missing == [], "drive these in everything_the_shop_tells"


def test_every_event_type_has_words():
    assert [t.__name__ for t in event_types() if not has_renderer(t)] == []


@pytest.mark.expects_error(TOLD_ERRORS)
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


# A customer's news that is not about where their order is: a return's or a support
# case's (the order's page shows the order, not the return).
NOT_THE_ORDERS_NEWS = re.compile(r"return_.*|support_.*")
TRACKING_PAGE = re.compile(r"https?://[^\s/]+/t/([\w.-]+)")


def pages(replies: list[Reply]) -> list[str]:
    """The tokens of the tracking pages the replies link: as a link or in the text."""
    linked = [reply.link.url for reply in replies if reply.link is not None]
    return TRACKING_PAGE.findall("\n".join([*linked, *(reply.text for reply in replies)]))


@pytest.mark.expects_error(TOLD_ERRORS)
async def test_an_orders_news_to_its_customer_links_its_page_and_nothing_else_does(shop, told):
    wrong = []
    for row in told:
        replies = await render_message(shop, row)
        ordered = [(await tracked_order(shop, token)) for token in pages(replies)]
        codes = [found.order.code if found else "a page of no order" for found in ordered]
        about_the_order = (
            row.recipient == CUSTOMER
            and "code" in row.payload
            and not NOT_THE_ORDERS_NEWS.fullmatch(row.kind)
        )
        expected = [row.payload["code"]] if about_the_order else []
        if codes != expected:
            wrong.append(f"{row.recipient} {row.kind}: {codes}, not {expected}")
    assert not wrong, "\n".join(wrong)


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


async def store(shop: Shop, recipient: str, kind: str, payload: dict, address: str) -> None:
    """An outbox row as the dispatcher finds it, whichever version wrote it."""
    async with shop.uow() as uow:
        await uow.outbox.add_rows(
            [
                {
                    "kind": kind,
                    "payload": payload,
                    "customer_id": None,
                    "recipient": recipient,
                    "channel": "terminal",
                    "address": address,
                    "dedupe_key": f"{kind}:{len(str(payload))}|terminal:{address}",
                }
            ],
            shop.now(),
        )
        await uow.commit(shop.now())


@pytest.mark.expects_error(r"pedidos\.dispatcher: outbox message \d+: ")  # logged, too
@pytest.mark.parametrize(
    ("kind", "payload", "reason"),
    [
        # A newer worker, during a rolling deploy, wrote a kind this version doesn't know.
        ("gift_card_sent", {"code": "PED-7K3FQ"}, "unknown kind gift_card_sent for admins"),
        ("new_order", {"order": "PED-7K3FQ"}, "new_order lacks code"),
        ("low_rating", {"code": "PED-7K3FQ", "stars": "2"}, "low_rating: stars is not int: '2'"),
    ],
)
async def test_a_row_that_is_no_known_event_is_failed_with_the_reason_never_sent(
    shop, kind, payload, reason
):
    await store(shop, ADMIN, kind, payload, "owner")
    chat = TerminalChat(shop, user_id="owner")

    await OutboxDispatcher(shop, [chat], address="owner").run_once()

    [row] = await outbox.messages(shop)
    assert (row.status, row.last_error) == ("failed", reason)
    assert chat.delivered == []


# One row per event type, as this version's services write it. These rows may wait in a
# shop's database when it upgrades: the next version must still read and render them,
# so this table only grows (a new type, a new field) and is never rewritten.
STORED: dict[tuple[str, str], dict] = {
    (CUSTOMER, "order_confirmed"): {"code": "PED-7K3FQ"},
    (CUSTOMER, "order_taken"): {
        "code": "PED-7K3FQ",
        "total": 62650,
        "currency": "MXN",
        "payment_method": "cash_on_delivery",
        "status": "confirmed",
        "pickup": False,
    },
    (CUSTOMER, "payment_received"): {"code": "PED-7K3FQ", "status": "awaiting_confirmation"},
    (CUSTOMER, "order_preparing"): {"code": "PED-7K3FQ"},
    (CUSTOMER, "order_shipped"): {
        "code": "PED-7K3FQ",
        "carrier": "Estafeta",
        "tracking_number": "1234567890",
        "tracking_url": "https://rastreo.estafeta.com/1234567890",
    },
    (CUSTOMER, "order_delivered"): {"code": "PED-7K3FQ"},
    (CUSTOMER, "order_out_for_delivery"): {"code": "PED-7K3FQ", "carrier": "Estafeta"},
    (CUSTOMER, "order_ready_for_pickup"): {
        "code": "PED-7K3FQ",
        "carrier": "Estafeta",
        "location": "Oficina Estafeta Centro, Querétaro",
    },
    (CUSTOMER, "shipment_problem"): {
        "code": "PED-7K3FQ",
        "tag": "AttemptFail",
        "carrier": "Estafeta",
        "message": "Domicilio cerrado",
        "tracking_url": "https://rastreo.estafeta.com/1234567890",
    },
    (ADMIN, "shipment_problem"): {
        "code": "PED-7K3FQ",
        "tag": "Exception",
        "carrier": "Estafeta",
        "tracking_number": "1234567890",
        "message": "Dirección incompleta",
        "location": "Querétaro, QRO",
    },
    (CUSTOMER, "order_rejected"): {
        "code": "PED-7K3FQ",
        "reason": "No enviamos a esa dirección",
        "refunded": 0,
        "currency": "MXN",
        "by": "merchant",
    },
    (CUSTOMER, "order_cancelled"): {
        "code": "PED-7K3FQ",
        "reason": "Ya no hay envíos a tu zona",
        "refunded": 13900,
        "currency": "MXN",
        "by": "merchant",
    },
    (CUSTOMER, "order_expired"): {"code": "PED-7K3FQ"},
    (CUSTOMER, "order_refunded"): {"code": "PED-7K3FQ", "amount": 5000, "currency": "MXN"},
    (CUSTOMER, "order_release_reminder"): {
        "code": "PED-7K3FQ",
        "release_at": "2026-11-04T21:00:00+00:00",
        "payment_method": "bank_transfer",
    },
    (CUSTOMER, "order_released"): {"code": "PED-7K3FQ"},
    **{
        (CUSTOMER, f"return_{step}"): {
            "code": "PED-7K3FQ",
            "return_id": 3,
            "note": "",
            "amount": 34900 if step == "refunded" else 0,
            "currency": "MXN",
            "resolution": "exchange",
            "replacements": [[1, "Camisa azul (L)"]],
            **({"address": "Calle Reforma 10, CDMX"} if step == "approved" else {}),
        }
        for step in ("approved", "rejected", "received", "refunded")
    },
    (CUSTOMER, "return_address"): {
        "code": "PED-7K3FQ",
        "return_id": 3,
        "address": "Calle Reforma 10, CDMX",
    },
    (CUSTOMER, "return_exchanged"): {
        "code": "PED-7K3FQ",
        "return_id": 3,
        "replacements": [[1, "Camisa azul (L)"]],
        "carrier": "DHL",
        "tracking_number": "JD014600003828",
        "tracking_url": "https://dhl.com/JD014600003828",
    },
    (CUSTOMER, "support_reply"): {"case_id": 7, "message": "Claro, ya la cambiamos"},
    (CUSTOMER, "support_closed"): {"case_id": 7},
    (ADMIN, "new_order"): {"code": "PED-7K3FQ"},
    (ADMIN, "stock_low"): {
        "sku": "VELA",
        "name": "Vela de lavanda",
        "available": 1,
        "threshold": 3,
    },
    **{
        (ADMIN, kind): {
            "case_id": 7,
            "message": "¿Puedo cambiar la dirección?",
            "customer_id": 5,
            "customer_name": "Eva",
            "phone": "+52 55 1234 5678",
            "order_code": "PED-7K3FQ",
            "order_status": "shipped",
        }
        for kind in ("support_request", "support_follow_up")
    },
    (ADMIN, "return_requested"): {
        "code": "PED-7K3FQ",
        "return_id": 3,
        "reason": "Me quedó chica",
        "resolution": "exchange",
        "replacements": [[1, "Camisa azul (L)"]],
    },
    (ADMIN, "return_address_missing"): {"code": "PED-7K3FQ", "return_id": 3},
    (ADMIN, "transfer_receipt"): {
        "code": "PED-7K3FQ",
        "channel": "terminal",
        "file": "comprobante-spei.jpg",
    },
    (ADMIN, "order_cancelled_by_customer"): {"code": "PED-7K3FQ", "reason": "Otro color"},
    (ADMIN, "low_rating"): {"code": "PED-7K3FQ", "stars": 2, "comment": "Llegó tarde"},
    (ADMIN, "cash_not_recorded"): {"code": "PED-7K3FQ"},
    (ADMIN, "customer_forgotten"): {"customer_id": 5, "orders": 2, "by": "customer"},
    (ADMIN, "internal_error"): {"reference": "E-7K3FQ", "where": "telegram:1001"},
    (ADMIN, "second_charge"): {
        "code": "PED-7K3FQ",
        "amount": 18900,
        "provider": "stripe",
        "charge_id": "ch_3PqA2",
    },
    (ADMIN, "payment_on_closed_order"): {"code": "PED-7K3FQ", "status": "expired", "amount": 18900},
    (ADMIN, "order_confirmation_reminder"): {
        "code": "PED-7K3FQ",
        "release_at": "2026-11-04T21:00:00+00:00",
        "receipt": False,
    },
    (ADMIN, "order_released"): {"code": "PED-7K3FQ"},
    (CUSTOMER, "payment_pending"): {
        "code": "PED-7K3FQ",
        "method": "oxxo",
        "reference": "98765432101234",
        "voucher_url": "https://www.mercadopago.com.mx/payments/1/ticket/helper",
        "pay_by": "2026-11-07T05:59:59+00:00",
        "amount": 18900,
        "currency": "MXN",
    },
    (CUSTOMER, "payment_rejected"): {"code": "PED-7K3FQ"},
    (CUSTOMER, "late_payment_refunded"): {
        "code": "PED-7K3FQ",
        "amount": 18900,
        "currency": "MXN",
        "status": "cancelled",
    },
    (ADMIN, "payment_not_matching"): {
        "code": "PED-7K3FQ",
        "amount": 100,
        "currency": "MXN",
        "provider": "mercadopago",
        "payment_id": "1234567890",
    },
    (ADMIN, "order_paid_online"): {
        "code": "PED-7K3FQ",
        "amount": 18900,
        "provider": "mercadopago",
        "status": "confirmed",
        "late": False,
    },
    (ADMIN, "late_payment_refunded"): {
        "code": "PED-7K3FQ",
        "amount": 18900,
        "provider": "stripe",
        "status": "cancelled",
    },
    (ADMIN, "provider_refund_failed"): {
        "code": "PED-7K3FQ",
        "amount": 18900,
        "provider": "mercadopago",
        "reason": "Invalid refund amount",
    },
    (ADMIN, "webhook_endpoint_disabled"): {
        "endpoint_id": 2,
        "url": "https://erp.example.com/hooks",
        "failing_since": "2026-11-03T15:00:00+00:00",
        "last_error": "Service Unavailable",
    },
}


@pytest.mark.expects_error("incident E-7K3FQ")  # the stored internal_error row's
async def test_rows_stored_before_an_upgrade_still_load_and_render(shop):
    order = await buy(shop, await new_buyer(shop, "1001", "Ana"), {await add_product(shop, "X"): 1})
    earlier = {row.id for row in await outbox.messages(shop)}  # what buying it told
    for (recipient, kind), payload in STORED.items():
        if (recipient, kind) == (ADMIN, "new_order"):  # its card reads the order
            payload = {**payload, "code": order.code}
        await store(shop, recipient, kind, payload, "1001" if recipient == CUSTOMER else "owner")

    rows = [row for row in await outbox.messages(shop) if row.id not in earlier]
    assert [(row.recipient, row.kind, row.unreadable) for row in rows if row.event is None] == []
    # Each is the event this version writes, field for field: nothing renamed or dropped.
    assert {(row.recipient, row.kind): row.event.payload() for row in rows} == {
        **STORED,
        (ADMIN, "new_order"): {"code": order.code},
    }
    assert sorted(type(row.event).__name__ for row in rows) == sorted(
        t.__name__ for t in event_types()
    )
    for locale in LOCALES:
        await in_language(shop, rows, locale)
        for row in rows:
            assert misread(row, await render_message(shop, row), locale) == []


async def test_a_stored_row_reads_as_it_did(shop):
    """The words of a row written before the upgrade, exactly as they were."""
    await new_buyer(shop, "1001", "Ana")
    await store(shop, CUSTOMER, "order_shipped", STORED[CUSTOMER, "order_shipped"], "1001")
    [row] = await outbox.messages(shop)
    assert row.event == OrderShipped(
        "PED-7K3FQ", "Estafeta", "1234567890", "https://rastreo.estafeta.com/1234567890"
    )
    chat = TerminalChat(shop, user_id="1001")

    await OutboxDispatcher(shop, [chat], address="1001").run_once()

    assert [(reply.text, [b.label for b in reply.all_buttons()]) for reply in chat.delivered] == [
        (
            "🚚 Tu pedido PED-7K3FQ va en camino con Estafeta. Número de guía: 1234567890\n"
            "Rastréalo aquí: https://rastreo.estafeta.com/1234567890",
            ["Rastrear mi pedido"],
        )
    ]
