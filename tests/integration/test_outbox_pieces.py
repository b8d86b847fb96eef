"""A notification that becomes several platform messages (its pieces: a card over
4096 characters cut in several, the text of a WhatsApp choice and its buttons, a long
caption's document and its text) reaches its reader once per piece when a 429 or a
crash hits a later piece: the retry sends only the pieces the platform did not accept.

Only a worker killed between the platform's acceptance of a piece and our count of it
sends that piece again (README, "at least once"): the last test pins that down.

The real senders talk HTTP to the doubles; the failures are the doubles' own
(`fail_next`), armed at the right call by a hook in the bot's HTTP client, or an
exception raised there (a crash) or a cancellation (the worker killed)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
import pytest
from aiogram.methods import SendMessage
from pywa_async import WhatsApp

from bot.dispatcher import OutboxDispatcher, Pieces, TemporaryFailure
from bot.text import split_text
from bot.whatsapp.channel import RedirectTransport
from bot.whatsapp.render import plan
from core.domain.outbox import PendingMessage
from core.services import outbox
from core.services.context import Shop
from handlers.i18n import Translator
from handlers.notifications import render_message
from handlers.types import Document, Reply
from tests.conftest import add_product, buy, new_buyer
from tests.e2e.telegram_driver import TelegramUser, telegram_shop
from tests.e2e.whatsapp_driver import WhatsAppUser, whatsapp_shop
from tests.telegram_double import BotApiDouble

TELEGRAM_ADMIN = 9001  # ADMIN_TELEGRAM_IDS of the Telegram harness
WHATSAPP_ADMIN = "5215500000001"  # ADMIN_WHATSAPP_NUMBERS of the WhatsApp harness
LEASE_SECONDS = 61  # a killed worker's row is another's after outbox.LEASE


class Crash(Exception):
    """Something unexpected in the middle of a send (a bug, a broken connection)."""


async def wholesale_order(shop: Shop) -> str:
    """A hotel restocks 80 kinds of candle: the admins' new-order card runs over more
    than two Telegram messages."""
    hotel = await new_buyer(shop, "2001", "Hotel Casa Azul")
    items = {}
    for n in range(1, 81):
        name = (
            f"Vela aromática de soya n.º {n}, frasco de vidrio ámbar de 250 g con tapa de "
            "bambú y mecha de algodón"
        )
        items[await add_product(shop, f"VELA-{n:02d}", name=name, price="120.00")] = 2
    return (await buy(shop, hotel, items)).code


async def card_for(shop: Shop, channel: str) -> tuple[PendingMessage, Reply]:
    [row] = [
        m for m in await outbox.messages(shop) if m.kind == "new_order" and m.channel == channel
    ]
    [reply] = await render_message(shop, row)
    return row, reply


def on_nth_telegram_send(bot, number: int, *, before=None, after=None) -> None:
    """Run before(), or after() Telegram answered, around the bot's `number`th
    sendMessage call from now on."""
    calls = 0

    async def middleware(make_request, bot, method):
        nonlocal calls
        if not isinstance(method, SendMessage):
            return await make_request(bot, method)
        calls += 1
        if calls == number and before is not None:
            before()
        response = await make_request(bot, method)
        if calls == number and after is not None:
            after()
        return response

    bot.session.middleware(middleware)


def on_nth_whatsapp_send(wa, number: int, *, before=None, after=None) -> httpx.AsyncClient:
    """The same around the channel's `number`th message to the Cloud API: its client
    is made again as bot.whatsapp.channel.make_client makes it, with these hooks."""
    calls = 0

    def sends(request: httpx.Request) -> bool:
        return request.method == "POST" and request.url.path.endswith("/messages")

    async def on_request(request: httpx.Request) -> None:
        nonlocal calls
        if sends(request):
            calls += 1
            if calls == number and before is not None:
                before()

    async def on_response(response: httpx.Response) -> None:
        if sends(response.request) and calls == number and after is not None:
            after()

    settings = wa.channel.settings
    session = httpx.AsyncClient(
        transport=RedirectTransport(settings.whatsapp_api_url),
        timeout=30,
        event_hooks={"request": [on_request], "response": [on_response]},
    )
    wa.channel.client = WhatsApp(
        phone_id=settings.whatsapp_phone_id,
        token=settings.whatsapp_token,
        session=session,
        server=None,
    )
    return session


def killed() -> None:
    raise asyncio.CancelledError  # the worker dies here: nothing after this line runs


def crash() -> None:
    raise Crash("connection reset in the middle of the card")


async def dispatch(shop: Shop, channel, *, killed_on_the_way: bool = False) -> None:
    dispatcher = OutboxDispatcher(shop, [channel])
    if killed_on_the_way:
        with pytest.raises(asyncio.CancelledError):
            await dispatcher.run_once()
        return
    while await dispatcher.run_once():
        pass


async def row_now(shop: Shop, row: PendingMessage) -> PendingMessage:
    [found] = [m for m in await outbox.messages(shop) if m.id == row.id]
    return found


def twice(pieces: list[str], number: int) -> list[str]:
    """The pieces with the `number`th repeated (accepted, then the worker was killed)."""
    return [*pieces[:number], *pieces[number - 1 :]]


async def on_telegram(
    shop: Shop, clock, number: int, arm: Callable, *, wait: float, repeated: int = 0
) -> None:
    """The admins' card of a wholesale order, sent to an admin on Telegram with the hooks
    arm(harness) gives around the `number`th piece, then again `wait` seconds later:
    each piece arrives once (the `repeated`th twice)."""
    async with telegram_shop(shop, "polling") as tg:
        admin = TelegramUser(tg, TELEGRAM_ADMIN, name="Dueña")
        await admin.says("/start")
        before = len(admin.chat)
        await wholesale_order(tg.shop)
        row, card = await card_for(tg.shop, "telegram")
        pieces = split_text(card.text, 4096)
        assert len(pieces) >= 3

        hooks = arm(tg)
        on_nth_telegram_send(tg.channel.bot, number, **hooks)
        await dispatch(tg.shop, tg.channel, killed_on_the_way=killed in hooks.values())
        assert (await row_now(tg.shop, row)).status != "sent"
        clock.advance(seconds=wait)
        await dispatch(tg.shop, tg.channel)

        arrived = admin.chat[before:]
        assert [m.text for m in arrived] == (twice(pieces, repeated) if repeated else pieces)
        assert arrived[-1].buttons and not any(m.buttons for m in arrived[:-1])
        sent = await row_now(tg.shop, row)
        assert (sent.status, sent.pieces_sent) == ("sent", len(pieces))


async def on_whatsapp(
    shop: Shop, clock, number: int, arm: Callable, *, wait: float, repeated: int = 0
) -> None:
    """The same card to an admin on WhatsApp (inside the 24-hour window): its text in
    pieces, then the choice of what to do with it."""
    async with whatsapp_shop(shop) as wa:
        await WhatsAppUser(wa, WHATSAPP_ADMIN, name="Dueña").says("hola")
        before = len(wa.double.sent(WHATSAPP_ADMIN))
        await wholesale_order(wa.shop)
        row, card = await card_for(wa.shop, "whatsapp")
        t = Translator(card.locale, wa.shop.settings.store_country)
        pieces = [message.body for message in plan(card, t).messages]
        assert len(pieces) >= 3

        hooks = arm(wa)
        session = on_nth_whatsapp_send(wa, number, **hooks)
        await dispatch(wa.shop, wa.channel, killed_on_the_way=killed in hooks.values())
        assert (await row_now(wa.shop, row)).status != "sent"
        clock.advance(seconds=wait)
        await dispatch(wa.shop, wa.channel)
        await session.aclose()

        arrived = [shown(body) for body in wa.double.sent(WHATSAPP_ADMIN)[before:]]
        assert arrived == (twice(pieces, repeated) if repeated else pieces)
        sent = await row_now(wa.shop, row)
        assert (sent.status, sent.pieces_sent) == ("sent", len(pieces))


def shown(body: dict) -> str:
    if body["type"] == "text":
        return body["text"]["body"]
    return body["interactive"]["body"]["text"]


CRASH_LOGGED = r"pedidos\.dispatcher: outbox message \d+ failed.*connection reset"


def rate_limited(harness) -> dict:
    """The platform answers the piece with its rate limit (Telegram: retry after 7 s)."""
    if isinstance(harness.double, BotApiDouble):
        return {"before": lambda: harness.double.fail_next(1, retry_after=7)}
    return {"before": lambda: harness.double.fail_next(1, code=130429)}


def crashes(harness) -> dict:
    return {"before": crash}


def killed_before(harness) -> dict:
    return {"before": killed}


def killed_after(harness) -> dict:
    return {"after": killed}


# Telegram: the card is cut at 4096 characters.


async def test_a_429_on_the_second_telegram_piece_sends_each_piece_once(shop, clock):
    await on_telegram(shop, clock, 2, rate_limited, wait=8)


@pytest.mark.sqlite_only
@pytest.mark.expects_error(CRASH_LOGGED)
async def test_a_crash_on_the_third_telegram_piece_sends_each_piece_once(shop, clock):
    await on_telegram(shop, clock, 3, crashes, wait=2)


@pytest.mark.sqlite_only
async def test_a_worker_killed_before_the_third_telegram_piece_sends_it_once(shop, clock):
    await on_telegram(shop, clock, 3, killed_before, wait=LEASE_SECONDS)


@pytest.mark.sqlite_only
async def test_killed_between_telegram_accepting_a_piece_and_our_mark_sends_it_again(shop, clock):
    """The one case README calls "at least once": that piece twice, no other."""
    await on_telegram(shop, clock, 2, killed_after, wait=LEASE_SECONDS, repeated=2)


@pytest.mark.sqlite_only
async def test_a_document_and_its_long_text_are_two_telegram_pieces_sent_once(shop):
    """A document whose text is too long for a caption goes first, the text after: a
    429 on the text leaves the document sent, and the retry sends only the text."""
    async with telegram_shop(shop, "polling") as tg:
        admin = TelegramUser(tg, TELEGRAM_ADMIN, name="Dueña")
        await admin.says("/start")
        before = len(admin.chat)
        text = "\n".join(f"PED-7K3{n:02d}: 3 × Vela de lavanda, Oaxaca" for n in range(60))
        pdf = Document("etiquetas.pdf", b"%PDF-1.4 four labels", "application/pdf")
        labels = Reply(text, document=pdf)
        counted: list[int] = []

        async def count(done: int) -> None:
            counted.append(done)

        tg.double.fail_next(1, methods={"sendMessage"})  # the text, after the document
        with pytest.raises(TemporaryFailure):
            await tg.channel.deliver(str(TELEGRAM_ADMIN), [labels], Pieces(0, count))
        await tg.channel.deliver(str(TELEGRAM_ADMIN), [labels], Pieces(counted[-1], count))

        arrived = admin.chat[before:]
        assert [(m.kind, m.text) for m in arrived] == [("document", ""), ("text", text)]
        assert counted == [1, 2]


# WhatsApp: the card's text cut at 4096 characters, then a message with its buttons.


@pytest.mark.sqlite_only
async def test_a_rate_limit_on_the_second_whatsapp_piece_sends_each_piece_once(shop, clock):
    await on_whatsapp(shop, clock, 2, rate_limited, wait=2)


@pytest.mark.sqlite_only
@pytest.mark.expects_error(CRASH_LOGGED)
async def test_a_crash_on_the_third_whatsapp_piece_sends_each_piece_once(shop, clock):
    await on_whatsapp(shop, clock, 3, crashes, wait=2)


@pytest.mark.sqlite_only
async def test_a_worker_killed_before_the_third_whatsapp_piece_sends_it_once(shop, clock):
    await on_whatsapp(shop, clock, 3, killed_before, wait=LEASE_SECONDS)


@pytest.mark.sqlite_only
async def test_killed_between_whatsapp_accepting_a_piece_and_our_mark_sends_it_again(shop, clock):
    await on_whatsapp(shop, clock, 2, killed_after, wait=LEASE_SECONDS, repeated=2)
