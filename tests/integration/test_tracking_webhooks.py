"""Carrier tracking webhooks through the real web app (httpx over ASGI): AfterShip's,
signed here as AfterShip signs (HMAC-SHA256 of the raw body, base64), and the generic
one, signed with the Standard Webhooks library's own Webhook.sign. A parcel's journey
with repeated and late checkpoints delivers its order once; a problem alerts once;
what is unsigned, forged, stale or unreadable changes nothing."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta, timezone

import httpx
import pytest
from sqlalchemy import func, select
from standardwebhooks import Webhook

from bot.tracking.settings import TrackingSettings
from bot.tracking.web import tracking_router
from bot.web import create_app
from core.domain.errors import StoreUnavailable
from core.domain.orders import OrderStatus
from core.domain.outbox import ADMIN, CUSTOMER
from core.domain.tracking import Checkpoint, CheckpointSource, TrackingTag
from core.services import orders, outbox, privacy, shipping
from core.services import tracking as tracking_service
from core.services.context import Shop
from core.settings import SettingsError
from core.store.tables import tracking_checkpoints
from handlers.admin.cards import timeline_text
from handlers.i18n import Translator
from handlers.notifications import render_message
from tests.conftest import MERCHANT, Buyer, add_product, buy, new_buyer

AFTERSHIP_SECRET = "aS7-webhook-secret-from-the-admin"
GENERIC_SECRET = "whsec_" + base64.b64encode(bytes(range(32))).decode()
NUMBER = "JD014600003"
MX = timezone(timedelta(hours=-6))  # the carrier's local time, as AfterShip passes it on
T0 = datetime(2026, 11, 3, 9, 0, tzinfo=MX)


@asynccontextmanager
async def web(
    shop: Shop, aftership: str = AFTERSHIP_SECRET, generic: str = GENERIC_SECRET
) -> AsyncIterator[httpx.AsyncClient]:
    settings = TrackingSettings.load(
        aftership_webhook_secret=aftership, tracking_webhook_secret=generic, _env_file=None
    )
    router = tracking_router(shop, settings)
    app = create_app(shop, [router] if router else [])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://shop.test") as client:
        yield client


# ---- what AfterShip sends ------------------------------------------------------------


def scan(tag: str, at: datetime | str, message: str, location: str = "Querétaro, QRO") -> dict:
    """A checkpoint as AfterShip's tracking object lists it."""
    return {
        "slug": "dhl",
        "city": None,
        "created_at": "2026-11-03T16:00:05+00:00",
        "location": location,
        "country_name": "MEX",
        "message": message,
        "country_iso3": "MEX",
        "tag": tag,
        "subtag": f"{tag}_001",
        "subtag_message": tag,
        "checkpoint_time": at if isinstance(at, str) else at.isoformat(),
        "coordinates": [],
        "state": None,
        "zip": None,
        "raw_tag": "FPX_L_RPIF",
    }


def aftership_body(scans: list[dict], tag: str, number: str = NUMBER) -> dict:
    """A tracking_update as AfterShip posts it: the whole journey so far, and fields the
    shop doesn't read."""
    return {
        "event_id": str(uuid.uuid4()),
        "event": "tracking_update",
        "is_tracking_first_tag": False,
        "msg": {
            "id": "grhrexm6t3hiwkjwq37jd003",
            "tracking_number": number,
            "title": number,
            "note": None,
            "origin_country_iso3": "MEX",
            "destination_country_iso3": "MEX",
            "shipment_package_count": 1,
            "active": tag != "Delivered",
            "order_id": None,
            "order_date": "2026-11-02T15:00:00Z",
            "customer_name": None,
            "source": "api",
            "emails": [],
            "smses": [],
            "slug": "dhl",
            "tag": tag,
            "subtag": f"{tag}_001",
            "subtag_message": tag,
            "updated_at": "2026-11-04T18:00:00+00:00",
            "courier_tracking_link": f"https://www.dhl.com/track?n={number}",
            "custom_fields": {},
            "checkpoints": scans,
        },
        "ts": 1793728800,
    }


def aftership_signed(body: object, secret: str = AFTERSHIP_SECRET) -> tuple[bytes, dict]:
    raw = json.dumps(body).encode() if not isinstance(body, bytes) else body
    digest = hmac.new(secret.encode(), raw, hashlib.sha256).digest()
    return raw, {
        "Content-Type": "application/json",
        "aftership-hmac-sha256": base64.b64encode(digest).decode(),
        "User-Agent": "AfterShipTrackingWebhook/4.0.0",
    }


async def aftership(client: httpx.AsyncClient, body: object, **how: object) -> httpx.Response:
    raw, headers = aftership_signed(body, **how)  # type: ignore[arg-type]
    return await client.post("/webhooks/aftership", content=raw, headers=headers)


# ---- the generic webhook -------------------------------------------------------------


def generic_signed(
    body: object, secret: str = GENERIC_SECRET, at: datetime | None = None
) -> tuple[bytes, dict]:
    raw = json.dumps(body).encode() if not isinstance(body, bytes) else body
    msg_id = f"msg_{uuid.uuid4().hex}"
    at = at or datetime.now(UTC)  # the spec's tolerance is against the real clock
    return raw, {
        "Content-Type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, at, raw.decode()),
    }


async def generic(client: httpx.AsyncClient, body: object, **how: object) -> httpx.Response:
    raw, headers = generic_signed(body, **how)  # type: ignore[arg-type]
    return await client.post("/webhooks/tracking", content=raw, headers=headers)


def checkpoint(status: str, at: datetime, message: str, number: str = NUMBER, **more) -> dict:
    return {
        "tracking_number": number,
        "status": status,
        "occurred_at": at.isoformat(),
        "message": message,
        "location": "Querétaro, QRO",
        **more,
    }


# ---- the shop ------------------------------------------------------------------------


async def shipped_order(
    shop: Shop, number: str = NUMBER, buyer_id: str = "1001", carrier: str = "dhl"
) -> tuple[Buyer, str]:
    product = await add_product(shop, f"TAZA-{buyer_id}", stock=5)
    buyer = await new_buyer(shop, buyer_id)
    order = await buy(shop, buyer, {product: 1})
    for step in (orders.confirm_order, orders.start_preparing, orders.mark_packed):
        await step(shop, MERCHANT, order.code)
    await shipping.ship_order(shop, MERCHANT, order.code, carrier, number)
    return buyer, order.code


async def told(shop: Shop, code: str) -> list[tuple[str, str]]:
    """(recipient, kind) of every message about this order since it shipped."""
    rows = await outbox.messages(shop)
    return [
        (row.recipient, row.kind)
        for row in rows
        if row.payload.get("code") == code
        and row.kind not in ("order_confirmed", "order_preparing", "order_shipped", "new_order")
    ]


async def checkpoints_on_timeline(shop: Shop, code: str) -> list[tuple[str, str]]:
    details = await orders.order_details(shop, code, MERCHANT)
    return [
        (e.data["tag"], e.data.get("message", ""))
        for e in details.timeline
        if e.kind == "tracking_checkpoint"
    ]


async def recorded_rows(shop: Shop) -> int:
    async with shop.uow(write=False) as uow:
        return (
            await uow.conn.execute(select(func.count()).select_from(tracking_checkpoints))
        ).scalar_one()


async def card_timeline(shop: Shop, code: str, locale: str = "es") -> str:
    details = await orders.order_details(shop, code, MERCHANT)
    return timeline_text(shop, Translator(locale, "MX"), details, {})


# ---- journeys ------------------------------------------------------------------------


async def test_an_aftership_journey_with_repeats_and_a_late_scan_delivers_once(shop, clock):
    buyer, code = await shipped_order(shop)
    picked = scan("InTransit", T0, "Recolectado por DHL", "Ciudad de México, CDMX")
    hub = scan("InTransit", T0 + timedelta(hours=20), "En centro de distribución")
    late = scan("InTransit", T0 + timedelta(hours=22), "Salió del centro de distribución")
    out = scan("OutForDelivery", T0 + timedelta(days=1, hours=1), "En ruta de entrega")
    done = scan("Delivered", T0 + timedelta(days=1, hours=5), "Entregado: recibió JUAN")

    async with web(shop) as client:
        first = await aftership(client, aftership_body([picked], "InTransit"))
        again = await aftership(client, aftership_body([picked], "InTransit"))  # a retry
        clock.advance(days=1)
        await aftership(client, aftership_body([picked, hub], "InTransit"))
        await aftership(client, aftership_body([picked, hub, out], "OutForDelivery"))
        clock.advance(hours=4)
        delivered = await aftership(client, aftership_body([picked, hub, out, done], "Delivered"))
        # A scan the carrier reported only after the delivery (it happened before it).
        clock.advance(hours=2)
        after = await aftership(client, aftership_body([picked, hub, late, out, done], "Delivered"))

    assert (first.status_code, first.json()) == (
        200,
        {"status": "ok", "recorded": 1, "duplicates": 0},
    )
    assert again.json() == {"status": "ok", "recorded": 0, "duplicates": 1}
    assert delivered.json() == {"status": "ok", "recorded": 1, "duplicates": 3}
    assert after.json() == {"status": "ok", "recorded": 1, "duplicates": 4}

    details = await orders.order_details(shop, code, MERCHANT)
    assert details.order.status is OrderStatus.DELIVERED
    assert [e.kind for e in details.timeline].count("delivered") == 1
    # Each distinct checkpoint once, in the order they happened.
    assert await checkpoints_on_timeline(shop, code) == [
        ("InTransit", "Recolectado por DHL"),
        ("InTransit", "En centro de distribución"),
        ("InTransit", "Salió del centro de distribución"),
        ("OutForDelivery", "En ruta de entrega"),
        ("Delivered", "Entregado: recibió JUAN"),
    ]
    # "Out for delivery" once, one rating ask, no alert: the late scan told nobody.
    assert await told(shop, code) == [
        (CUSTOMER, "order_out_for_delivery"),
        (CUSTOMER, "order_delivered"),
    ]
    assert await recorded_rows(shop) == 5
    await orders.rate_order(shop, buyer.actor, code, 5)  # the rating asked for is taken

    card = await card_timeline(shop, code)
    assert "Paquetería: en tránsito, “Recolectado por DHL” (Ciudad de México, CDMX)" in card
    assert "Paquetería: en ruta de entrega, “En ruta de entrega” (Querétaro, QRO)" in card
    assert "Paquetería: entregado, “Entregado: recibió JUAN”" in card
    assert "Carrier: out for delivery" in await card_timeline(shop, code, "en")


async def test_a_generic_journey_signed_per_standard_webhooks_delivers_once(shop, clock):
    _buyer, code = await shipped_order(shop, "1Z999AA10123456784")
    number = "1z 999 aa1 0123 456 784"  # as a person might type it: the same parcel

    def at(hours: float) -> datetime:
        return T0 + timedelta(hours=hours)

    async with web(shop) as client:
        answers = [
            await generic(client, checkpoint("in_transit", at(2), "Arrival scan", number, id="s1")),
            await generic(client, checkpoint("InTransit", at(2), "Arrival scan", number, id="s1")),
            await generic(client, checkpoint("OutForDelivery", at(20), "Out", number, id="s2")),
            await generic(client, checkpoint("Delivered", at(24), "Front door", number, id="s3")),
            await generic(client, checkpoint("Delivered", at(24), "Front door", number, id="s3")),
            await generic(client, checkpoint("InTransit", at(10), "Departed", number, id="s4")),
        ]

    assert [a.json()["status"] for a in answers] == ["ok"] * 6
    assert [a.json()["recorded"] for a in answers] == [1, 0, 1, 1, 0, 1]
    details = await orders.order_details(shop, code, MERCHANT)
    assert details.order.status is OrderStatus.DELIVERED
    assert [e.kind for e in details.timeline].count("delivered") == 1
    assert await checkpoints_on_timeline(shop, code) == [
        ("InTransit", "Arrival scan"),
        ("InTransit", "Departed"),
        ("OutForDelivery", "Out"),
        ("Delivered", "Front door"),
    ]
    assert await told(shop, code) == [
        (CUSTOMER, "order_out_for_delivery"),
        (CUSTOMER, "order_delivered"),
    ]


async def test_an_exception_alerts_the_admins_once_and_tells_the_customer_once(shop, clock):
    _buyer, code = await shipped_order(shop)
    moved = scan("InTransit", T0, "Recolectado")
    problem = scan("Exception", T0 + timedelta(hours=30), "Dirección incompleta, sin número")

    async with web(shop) as client:
        await aftership(client, aftership_body([moved], "InTransit"))
        for _ in range(3):  # AfterShip's retries, and its next update
            assert (
                await aftership(client, aftership_body([moved, problem], "Exception"))
            ).status_code == 200

    assert await told(shop, code) == [(ADMIN, "shipment_problem"), (CUSTOMER, "shipment_problem")]
    details = await orders.order_details(shop, code, MERCHANT)
    assert details.order.status is OrderStatus.SHIPPED  # a problem moves nothing

    rows = {
        row.recipient: row for row in await outbox.messages(shop) if row.kind == "shipment_problem"
    }
    [to_customer] = await render_message(shop, rows[CUSTOMER])
    assert to_customer.text == (
        "⚠️ DHL reporta un problema con tu pedido " + code + ".\n"
        "La paquetería dice: “Dirección incompleta, sin número”\n"
        "La tienda ya está enterada. Si hay que cambiar algo (la dirección, quién lo recibe), "
        "escríbenos por aquí."
    )
    assert [b.label for b in to_customer.all_buttons()] == [
        "Rastrear mi pedido",
        "Hablar con una persona",
    ]
    [to_admins] = await render_message(shop, rows[ADMIN])
    assert to_admins.text.startswith(
        f"⚠️ Pedido {code}: problema con el paquete (DHL, número de guía {NUMBER})."
    )
    assert "Dirección incompleta, sin número" in to_admins.text


async def test_a_stale_failed_attempt_or_one_after_delivery_alerts_nobody(shop, clock):
    _buyer, code = await shipped_order(shop)
    attempt = scan("AttemptFail", T0 + timedelta(hours=5), "Domicilio cerrado")
    moved_on = scan("OutForDelivery", T0 + timedelta(hours=25), "Segundo intento")
    done = scan("Delivered", T0 + timedelta(hours=28), "Entregado")
    async with web(shop) as client:
        await aftership(client, aftership_body([moved_on], "OutForDelivery"))
        await aftership(client, aftership_body([attempt, moved_on], "OutForDelivery"))
        await aftership(client, aftership_body([attempt, moved_on, done], "Delivered"))
        early = scan("Exception", T0 + timedelta(hours=2), "Demora")  # reported last
        await aftership(client, aftership_body([early, attempt, moved_on, done], "Delivered"))
    assert await told(shop, code) == [
        (CUSTOMER, "order_out_for_delivery"),
        (CUSTOMER, "order_delivered"),
    ]
    assert [tag for tag, _ in await checkpoints_on_timeline(shop, code)] == [
        "Exception",
        "AttemptFail",
        "OutForDelivery",
        "Delivered",
    ]


async def test_delivered_for_an_order_the_customer_already_received_is_only_noted(shop, clock):
    buyer, code = await shipped_order(shop)
    await orders.mark_delivered(shop, buyer.actor, code)
    async with web(shop) as client:
        answer = await aftership(
            client, aftership_body([scan("Delivered", T0, "Entregado")], "Delivered")
        )
    assert answer.json()["recorded"] == 1
    details = await orders.order_details(shop, code, MERCHANT)
    assert details.order.status is OrderStatus.DELIVERED
    assert [e.kind for e in details.timeline].count("delivered") == 1
    assert await told(shop, code) == [(ADMIN, "cash_not_recorded"), (CUSTOMER, "order_delivered")]


async def test_a_delivery_the_process_did_not_finish_is_finished_by_the_redelivery(
    shop, clock, monkeypatch
):
    """The checkpoint was recorded, then the database went away before the order moved:
    503, and AfterShip's redelivery (now a duplicate) still delivers it, once."""
    _buyer, code = await shipped_order(shop)
    real = orders.mark_delivered
    calls = []

    async def away_once(*args, **kwargs):
        calls.append(args)
        if len(calls) == 1:
            raise StoreUnavailable(reason="test")
        return await real(*args, **kwargs)

    monkeypatch.setattr(orders, "mark_delivered", away_once)
    body = aftership_body([scan("Delivered", T0, "Entregado")], "Delivered")
    async with web(shop) as client:
        assert (await aftership(client, body)).status_code == 503
        assert (
            await orders.order_details(shop, code, MERCHANT)
        ).order.status is OrderStatus.SHIPPED
        assert (await aftership(client, body)).json() == {
            "status": "ok",
            "recorded": 0,
            "duplicates": 1,
        }
        await aftership(client, body)
    details = await orders.order_details(shop, code, MERCHANT)
    assert details.order.status is OrderStatus.DELIVERED
    assert await checkpoints_on_timeline(shop, code) == [("Delivered", "Entregado")]
    assert await told(shop, code) == [(CUSTOMER, "order_delivered")]


async def test_the_database_away_is_answered_503_and_nothing_is_half_done(shop, monkeypatch):
    _buyer, code = await shipped_order(shop)
    real_uow = shop.uow

    def away(*args, **kwargs):
        raise StoreUnavailable(reason="test")

    body = aftership_body([scan("InTransit", T0, "Recolectado")], "InTransit")
    async with web(shop) as client:
        monkeypatch.setattr(shop, "uow", away)
        assert (await aftership(client, body)).status_code == 503
        monkeypatch.setattr(shop, "uow", real_uow)
        assert (await aftership(client, body)).json()["recorded"] == 1
    assert await checkpoints_on_timeline(shop, code) == [("InTransit", "Recolectado")]


async def test_a_naive_checkpoint_time_is_the_shops_local_time_and_extra_tags_are_skipped(shop):
    _buyer, code = await shipped_order(shop)
    body = aftership_body(
        [
            scan("InTransit", "2026-11-03T10:15:00", "Recolectado"),  # AfterShip: no offset
            scan("SomethingNew", "2026-11-03T11:00:00", "Un estado que no conocemos"),
        ],
        "InTransit",
    )
    async with web(shop) as client:
        assert (await aftership(client, body)).json()["recorded"] == 1
    details = await orders.order_details(shop, code, MERCHANT)
    [event] = [e for e in details.timeline if e.kind == "tracking_checkpoint"]
    assert event.at == datetime(2026, 11, 3, 16, 15, tzinfo=UTC)  # 10:15 in Mexico City
    assert event.actor == "system:aftership"


async def test_the_current_tag_without_a_checkpoint_is_recorded_once(shop):
    """A tracking marked delivered by hand in AfterShip: msg.tag says Delivered, no
    checkpoint does. Its updated_at changes with each delivery; it is recorded once."""
    _buyer, code = await shipped_order(shop)
    body = aftership_body([scan("InTransit", T0, "Recolectado")], "Delivered")
    async with web(shop) as client:
        assert (await aftership(client, body)).json()["recorded"] == 2
        body["msg"]["updated_at"] = "2026-11-05T09:00:00+00:00"
        assert (await aftership(client, body)).json()["recorded"] == 0
    assert (await orders.order_details(shop, code, MERCHANT)).order.status is OrderStatus.DELIVERED


# ---- a number used twice -------------------------------------------------------------


async def test_a_reused_number_brings_the_old_journey_which_does_not_deliver_the_new_order(
    shop, clock
):
    """Order X went with N and was delivered; a month later order Y ships with N (the
    carrier reused it, or the merchant mistyped). AfterShip repeats N's whole journey:
    nothing of it is Y's. Y's own scans then act as any parcel's."""
    _ana, first = await shipped_order(shop, NUMBER, "1001")
    old = [
        scan("InTransit", T0, "Recolectado"),
        scan("Delivered", T0 + timedelta(days=1), "Entregado: recibió ANA"),
    ]
    async with web(shop) as client:
        clock.advance(days=3)
        await aftership(client, aftership_body(old, "Delivered"))
        assert (await orders.order_details(shop, first, MERCHANT)).order.paid

        clock.advance(days=30)
        _beto, second = await shipped_order(shop, NUMBER, "1002")
        replay = await aftership(client, aftership_body(old, "Delivered"))

        details = await orders.order_details(shop, second, MERCHANT)
        assert details.order.status is OrderStatus.SHIPPED
        assert not details.order.paid  # cash on delivery: not collected
        assert "paid" not in [e.kind for e in details.timeline]
        assert await told(shop, second) == []  # no rating asked
        assert await checkpoints_on_timeline(shop, second) == []
        assert replay.json() == {"status": "ignored"}

        # Y's own parcel moves; AfterShip's body still carries N's old journey first.
        now = clock.now.astimezone(MX)
        new = [
            scan("InTransit", now + timedelta(hours=2), "Recolectado por DHL"),
            scan("OutForDelivery", now + timedelta(days=1), "En ruta de entrega"),
        ]
        clock.advance(days=1, hours=1)
        moving = await aftership(client, aftership_body(old + new, "OutForDelivery"))
        done = scan("Delivered", now + timedelta(days=1, hours=4), "Entregado: recibió BETO")
        clock.advance(hours=4)
        delivered = await aftership(client, aftership_body([*old, *new, done], "Delivered"))

    assert moving.json() == {"status": "ok", "recorded": 2, "duplicates": 0, "ignored": 2}
    assert delivered.json() == {"status": "ok", "recorded": 1, "duplicates": 2, "ignored": 2}
    details = await orders.order_details(shop, second, MERCHANT)
    assert details.order.status is OrderStatus.DELIVERED
    assert details.order.paid
    assert await checkpoints_on_timeline(shop, second) == [
        ("InTransit", "Recolectado por DHL"),
        ("OutForDelivery", "En ruta de entrega"),
        ("Delivered", "Entregado: recibió BETO"),
    ]
    assert await told(shop, second) == [
        (CUSTOMER, "order_out_for_delivery"),
        (CUSTOMER, "order_delivered"),
    ]
    # X's timeline kept its own journey and nothing of Y's.
    assert await checkpoints_on_timeline(shop, first) == [
        ("InTransit", "Recolectado"),
        ("Delivered", "Entregado: recibió ANA"),
    ]


async def test_the_current_tag_of_a_new_parcel_with_an_old_number_reaches_its_order(shop, clock):
    """A tracking marked delivered by hand ("tag:Delivered", no checkpoint says so), for
    X and then for Y with the same number: Y's is Y's, not a repeat of X's."""
    _ana, first = await shipped_order(shop, NUMBER, "1001")
    async with web(shop) as client:
        clock.advance(days=2)
        body = aftership_body([scan("InTransit", T0, "Recolectado")], "Delivered")
        body["msg"]["updated_at"] = clock.now.isoformat()
        assert (await aftership(client, body)).json()["recorded"] == 2
        clock.advance(days=20)
        _beto, second = await shipped_order(shop, NUMBER, "1002")
        clock.advance(days=2)
        pickup = scan("InTransit", clock.now - timedelta(days=1), "Recolectado de nuevo")
        body = aftership_body([pickup], "Delivered")
        body["msg"]["updated_at"] = clock.now.isoformat()
        answer = await aftership(client, body)
    assert answer.json() == {"status": "ok", "recorded": 2, "duplicates": 0}
    assert await checkpoints_on_timeline(shop, second) == [
        ("InTransit", "Recolectado de nuevo"),
        ("Delivered", "Delivered"),
    ]
    assert (await orders.order_details(shop, second, MERCHANT)).order.status is (
        OrderStatus.DELIVERED
    )
    assert await checkpoints_on_timeline(shop, first) == [
        ("InTransit", "Recolectado"),
        ("Delivered", "Delivered"),
    ]
    assert await recorded_rows(shop) == 4


async def test_a_scan_up_to_an_hour_before_the_shipping_is_the_parcels_own(shop, clock):
    """The carrier's clock, or a merchant typing /enviar after the pickup: a little
    earlier than the shipping still counts; more is another parcel's."""
    _buyer, code = await shipped_order(shop)
    shipped = clock.now
    async with web(shop) as client:
        answers = [
            await generic(
                client, checkpoint("InfoReceived", shipped - timedelta(hours=3), "Etiqueta")
            ),
            await generic(
                client, checkpoint("InTransit", shipped - timedelta(minutes=50), "Recolectado")
            ),
        ]
    assert [a.json() for a in answers] == [
        {"status": "ignored"},
        {"status": "ok", "recorded": 1, "duplicates": 0},
    ]
    assert await checkpoints_on_timeline(shop, code) == [("InTransit", "Recolectado")]


async def test_a_sender_naming_another_of_the_shops_carriers_is_not_this_shipments(
    shop, clock, caplog
):
    """X went by Estafeta with N; Y by DHL with N too (mistyped). Estafeta's scans are
    X's, a slug the shop has no carrier for is matched by the number alone, and the
    shop's code matches AfterShip's slug whatever its case."""
    caplog.set_level(logging.INFO, "pedidos.tracking")
    _ana, by_estafeta = await shipped_order(shop, NUMBER, "1001", carrier="estafeta")
    clock.advance(hours=2)
    _beto, by_dhl = await shipped_order(shop, NUMBER, "1002", carrier="dhl")
    at = clock.now + timedelta(hours=5)

    before = at - timedelta(hours=1)

    def tracked_by(slug: str, tag: str, message: str, when: datetime = at) -> dict:
        body = aftership_body([scan(tag, when, message)], tag)
        body["msg"]["slug"] = slug
        return body

    async with web(shop) as client:
        estafeta = await aftership(client, tracked_by("estafeta", "Delivered", "Entregado"))
        unknown = await aftership(client, tracked_by("dhl-global-mail", "InTransit", "Hub", before))
        upper = await aftership(client, tracked_by("DHL", "OutForDelivery", "En ruta"))
        generic_answers = [
            await generic(client, checkpoint("InTransit", before, "Centro", carrier="Estafeta")),
            await generic(client, checkpoint("Exception", at, "Sin número", carrier="fedex")),
        ]

    assert [a.json()["recorded"] for a in (estafeta, unknown, upper)] == [1, 1, 1]
    assert [a.json()["status"] for a in generic_answers] == ["ok", "ignored"]
    assert "the sender says carrier fedex" in caplog.text and "went by dhl" in caplog.text
    assert await checkpoints_on_timeline(shop, by_estafeta) == [
        ("InTransit", "Centro"),
        ("Delivered", "Entregado"),
    ]
    assert (await orders.order_details(shop, by_estafeta, MERCHANT)).order.status is (
        OrderStatus.DELIVERED
    )
    assert await checkpoints_on_timeline(shop, by_dhl) == [
        ("InTransit", "Hub"),
        ("OutForDelivery", "En ruta"),
    ]
    details = await orders.order_details(shop, by_dhl, MERCHANT)
    assert details.order.status is OrderStatus.SHIPPED
    assert await told(shop, by_dhl) == [(CUSTOMER, "order_out_for_delivery")]


# ---- refused and ignored -------------------------------------------------------------


async def test_unsigned_forged_or_stale_calls_are_refused_with_401_and_change_nothing(shop):
    _buyer, code = await shipped_order(shop)
    delivered = aftership_body([scan("Delivered", T0, "Entregado")], "Delivered")
    raw, headers = aftership_signed(delivered)
    tampered = raw.replace(b"Entregado", b"Entregad0")
    g_raw, g_headers = generic_signed(checkpoint("Delivered", T0, "Front door"))
    old_raw, old_headers = generic_signed(
        checkpoint("Delivered", T0, "Front door"), at=datetime.now(UTC) - timedelta(minutes=10)
    )
    calls = [
        ("/webhooks/aftership", raw, {"Content-Type": "application/json"}),
        ("/webhooks/aftership", tampered, headers),
        ("/webhooks/aftership", *aftership_signed(delivered, secret="another-secret")),
        ("/webhooks/aftership", raw, {**headers, "aftership-hmac-sha256": "bm90IGl0"}),
        ("/webhooks/aftership", b"", {}),
        ("/webhooks/tracking", g_raw, {"Content-Type": "application/json"}),
        ("/webhooks/tracking", g_raw.replace(b"Front", b"Back "), g_headers),
        (
            "/webhooks/tracking",
            *generic_signed(
                checkpoint("Delivered", T0, "x"),
                secret="whsec_" + base64.b64encode(b"o" * 32).decode(),
            ),
        ),
        ("/webhooks/tracking", old_raw, old_headers),
        ("/webhooks/tracking", g_raw, {**g_headers, "webhook-signature": "v1"}),
        ("/webhooks/tracking", g_raw, {**g_headers, "webhook-signature": "v1,%%%"}),
        ("/webhooks/tracking", g_raw, {**g_headers, "webhook-timestamp": "soon"}),
        ("/webhooks/tracking", b"\xff\xfe", g_headers),
    ]
    async with web(shop) as client:
        answers = [
            (await client.post(path, content=body, headers=head)).status_code
            for path, body, head in calls
        ]
    assert answers == [401] * len(calls)
    assert await recorded_rows(shop) == 0
    assert await checkpoints_on_timeline(shop, code) == []
    assert (await orders.order_details(shop, code, MERCHANT)).order.status is OrderStatus.SHIPPED


async def test_signed_bodies_that_are_not_the_format_are_answered_400(shop):
    await shipped_order(shop)
    aftership_bodies = [
        b"",
        b"not json",
        b"[1, 2]",
        b'{"event": "tracking_update"}',
        b'{"event": "tracking_update", "msg": {"slug": "dhl"}}',
        b'{"event": "tracking_update", "msg": {"tracking_number": 42}}',
    ]
    generic_bodies = [
        b"",
        b"{",
        json.dumps({"status": "Delivered", "occurred_at": T0.isoformat()}).encode(),
        json.dumps(checkpoint("Lost", T0, "?")).encode(),
        json.dumps(
            {**checkpoint("Delivered", T0, "x"), "occurred_at": "2026-11-03T10:00:00"}
        ).encode(),
        json.dumps({**checkpoint("Delivered", T0, "x"), "occurred_at": "yesterday"}).encode(),
        json.dumps({**checkpoint("Delivered", T0, "x"), "message": ["a"]}).encode(),
    ]
    async with web(shop) as client:
        answers = [(await aftership(client, body)) for body in aftership_bodies]
        answers += [(await generic(client, body)) for body in generic_bodies]
    assert [a.status_code for a in answers] == [400] * len(answers)
    assert all("error" in a.json() for a in answers)
    assert await recorded_rows(shop) == 0


async def test_an_unknown_tracking_number_or_another_event_is_ignored_with_200(shop, caplog):
    _buyer, code = await shipped_order(shop)
    caplog.set_level(logging.INFO, "pedidos.tracking")
    edd = {**aftership_body([], "InTransit"), "event": "edd_revise"}
    async with web(shop) as client:
        answers = [
            await aftership(
                client, aftership_body([scan("Delivered", T0, "x")], "Delivered", "9999999999")
            ),
            await aftership(
                client, aftership_body([scan("Delivered", T0, "x")], "Delivered", "¿?")
            ),
            await aftership(client, edd),
            await generic(client, checkpoint("Delivered", T0, "x", number="XX0000000001")),
        ]
    assert [(a.status_code, a.json()) for a in answers] == [(200, {"status": "ignored"})] * 4
    assert "no order shipped with it" in caplog.text and "9999999999" in caplog.text
    assert await recorded_rows(shop) == 0
    assert (await orders.order_details(shop, code, MERCHANT)).order.status is OrderStatus.SHIPPED


async def test_each_webhook_is_served_only_when_its_secret_is_set(shop):
    async with web(shop, generic="") as client:
        assert (await generic(client, checkpoint("Delivered", T0, "x"))).status_code == 404
        assert (await aftership(client, aftership_body([], "InTransit"))).status_code == 200
    async with web(shop, aftership="") as client:
        assert (await aftership(client, aftership_body([], "InTransit"))).status_code == 404
    assert (
        tracking_router(
            shop,
            TrackingSettings.load(
                aftership_webhook_secret="", tracking_webhook_secret="", _env_file=None
            ),
        )
        is None
    )


@pytest.mark.parametrize(
    "secret",
    ["whsec_not base64!", "whsec_" + base64.b64encode(b"short").decode(), "sk_live_123"],
)
def test_a_generic_secret_the_library_cannot_use_is_refused_at_start_without_echoing_it(secret):
    with pytest.raises(SettingsError) as refused:
        TrackingSettings.load(tracking_webhook_secret=secret, _env_file=None)
    assert "TRACKING_WEBHOOK_SECRET" in str(refused.value)
    assert secret not in str(refused.value)


def test_secrets_of_blanks_are_no_secrets():
    settings = TrackingSettings.load(
        aftership_webhook_secret="   ", tracking_webhook_secret=" \t", _env_file=None
    )
    assert not settings.configured


# ---- at once -------------------------------------------------------------------------


async def test_the_same_checkpoints_delivered_at_once_are_recorded_and_acted_on_once(shop):
    """Two deliveries of the same update racing (AfterShip's retry while the first is
    still being handled): one row each, one timeline event each, one delivery, one
    rating ask. On PostgreSQL the second insert waits for the first and finds it."""
    _buyer, code = await shipped_order(shop)
    body = aftership_body(
        [
            scan("InTransit", T0, "Recolectado"),
            scan("Delivered", T0 + timedelta(hours=9), "Entregado"),
        ],
        "Delivered",
    )
    async with web(shop) as client:
        answers = await asyncio.gather(*(aftership(client, body) for _ in range(4)))
    assert sorted(a.json()["recorded"] for a in answers) == [0, 0, 0, 2]
    details = await orders.order_details(shop, code, MERCHANT)
    assert details.order.status is OrderStatus.DELIVERED
    assert [e.kind for e in details.timeline].count("delivered") == 1
    assert await checkpoints_on_timeline(shop, code) == [
        ("InTransit", "Recolectado"),
        ("Delivered", "Entregado"),
    ]
    assert await told(shop, code) == [(CUSTOMER, "order_delivered")]
    assert await recorded_rows(shop) == 2


async def test_checkpoints_of_two_parcels_at_once_each_reach_their_own_order(shop):
    _ana, first = await shipped_order(shop, "JD014600003", "1001")
    _beto, second = await shipped_order(shop, "JD014600004", "1002")
    checkpoints = [
        Checkpoint(number, TrackingTag.DELIVERED, T0, CheckpointSource.GENERIC)
        for number in ("JD014600003", "JD014600004")
    ]
    outcomes = await tracking_service.record_checkpoints(shop, checkpoints)
    assert [(o.order_code, o.recorded, o.delivered) for o in outcomes] == [
        (first, 1, True),
        (second, 1, True),
    ]


async def test_forgetting_the_customer_scrubs_where_their_parcel_was_seen(shop):
    _buyer, code = await shipped_order(shop)
    door = scan("Delivered", T0, "Entregado en Calle Pino 12", "Col. Centro, 64000 Monterrey")
    async with web(shop) as client:
        await aftership(client, aftership_body([door], "Delivered"))
    details = await orders.order_details(shop, code, MERCHANT)
    before = [e.data for e in details.timeline if e.kind == "tracking_checkpoint"]
    assert before[0]["location"] == "Col. Centro, 64000 Monterrey"

    await privacy.forget_customer(shop, MERCHANT, details.order.customer_id)

    details = await orders.order_details(shop, code, MERCHANT)
    after = [e.data for e in details.timeline if e.kind == "tracking_checkpoint"]
    assert after[0]["tag"] == "Delivered"  # what happened stays; where and the words go
    assert "64000" not in json.dumps(after) and "Pino" not in json.dumps(after)
