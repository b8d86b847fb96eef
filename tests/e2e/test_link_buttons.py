"""A reply's link (a payment page) on every channel, through the real renderers to the
strict doubles: a URL button on Telegram, a cta_url message on WhatsApp, a printed line
in the terminal; the reply's own buttons stay and still work. And the doubles refuse
the links Telegram and WhatsApp refuse."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx
import pytest
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from pywa.errors import WhatsAppError
from pywa_async.types import URLButton

from bot.dispatcher import Pieces
from handlers.customer.menu import ListOrders, MainMenu
from handlers.types import Button, Incoming, Link, Reply
from tests.e2e.chat_driver import ChatDriver
from tests.e2e.telegram_driver import TelegramUser, telegram_shop
from tests.e2e.whatsapp_driver import WhatsAppUser, whatsapp_shop

TG_ANA = 5001
WA_ANA, WA_LUIS = "5215512345678", "5215587654321"
PAGE = "https://www.mercadopago.com.mx/checkout/v1/redirect?pref_id=123456-7a8b9c"
LINK = Link("Pagar $1,250.00 con Mercado Pago", PAGE)
MENU_BUTTONS = [[Button("Mis pedidos", ListOrders().pack())], [Button("Menú", MainMenu().pack())]]
PAY = Reply("Tu pedido PED-7K3FQ: $1,250.00 MXN.", MENU_BUTTONS, link=LINK, locale="es-MX")
ASK = "quiero pagar"  # what Ana types to be answered with PAY


def answering(conversation, answers: dict[str, Reply]) -> None:
    """The shop answers these texts or button payloads with these replies (what the
    checkout will answer once it makes payment links); anything else as it does now."""
    handle = conversation.handle

    async def handle_with_links(incoming: Incoming) -> list[Reply]:
        reply = answers.get(incoming.text or incoming.payload or "")
        return [reply] if reply is not None else await handle(incoming)

    conversation.handle = handle_with_links


# -- Telegram ------------------------------------------------------------------------------


def inline_rows(message) -> list[list[dict]]:
    return (message.reply_markup or {}).get("inline_keyboard", [])


async def test_on_telegram_the_link_is_a_url_button_above_the_replys_own_buttons(demo_shop):
    async with telegram_shop(demo_shop, "webhook") as tg:
        answering(tg.channel.conversation, {ASK: PAY})
        ana = TelegramUser(tg, TG_ANA)
        await ana.says(ASK)

        [message] = ana.chat[-1:]
        assert message.text == PAY.text
        assert inline_rows(message) == [
            [{"text": LINK.label, "url": PAGE}],
            [{"text": "Mis pedidos", "callback_data": ListOrders().pack()}],
            [{"text": "Menú", "callback_data": MainMenu().pack()}],
        ]
        assert "pedidos" in await ana.presses("Mis pedidos")  # the shop still answers


async def test_on_telegram_a_link_without_buttons_is_still_one_message(demo_shop):
    async with telegram_shop(demo_shop, "webhook") as tg:
        answering(tg.channel.conversation, {ASK: Reply("Paga aquí:", link=LINK)})
        ana = TelegramUser(tg, TG_ANA)
        await ana.says("hola")
        before = len(ana.chat)
        await ana.says(ASK)

        new = ana.chat[before:]
        assert [m.text for m in new] == ["Paga aquí:"]
        assert inline_rows(new[0]) == [[{"text": LINK.label, "url": PAGE}]]


async def test_on_telegram_a_pressed_menu_turned_into_a_reply_with_a_link_keeps_it(demo_shop):
    how = Reply("¿Cómo quieres pagar?", [[Button("Con tarjeta", "zz:card")]])
    async with telegram_shop(demo_shop, "webhook") as tg:
        answering(tg.channel.conversation, {ASK: how, "zz:card": PAY})
        ana = TelegramUser(tg, TG_ANA)
        await ana.says(ASK)
        menu = ana.chat[-1]
        await ana.presses("Con tarjeta")

        assert ana.chat[-1].message_id == menu.message_id  # edited in place, not sent anew
        assert ana.chat[-1].edited and ana.chat[-1].text == PAY.text
        assert inline_rows(ana.chat[-1])[0] == [{"text": LINK.label, "url": PAGE}]


async def test_on_telegram_pressing_a_menu_into_the_same_menu_with_a_link_changes_nothing(
    demo_shop,
):
    # Telegram hands the link back as "https://tienda.example.mx/": the menu looks
    # different to the bot, and Telegram refuses the edit as not modified.
    same = Reply(
        "Tu liga de pago:",
        [[Button("Otra vez", "zz:again")]],
        link=Link("Pagar", "https://tienda.example.mx"),
    )
    async with telegram_shop(demo_shop, "webhook") as tg:
        answering(tg.channel.conversation, {ASK: same, "zz:again": same})
        tg.double.expect_rejections("message is not modified", 1)
        ana = TelegramUser(tg, TG_ANA)
        await ana.says(ASK)
        shown = len(ana.chat)
        await ana.presses("Otra vez")

        assert len(ana.chat) == shown and ana.chat[-1].text == "Tu liga de pago:"
        assert inline_rows(ana.chat[-1])[0] == [
            {"text": "Pagar", "url": "https://tienda.example.mx/"}
        ]
        assert "pedidos" in await ana.says("mis pedidos")  # the chat goes on


LOCAL = Link("Seguir en línea", "http://127.0.0.1:8080/t/MQ.abc")  # no PUBLIC_URL
TRACK = Reply("Tu pedido PED-7K3FQ está confirmado.", MENU_BUTTONS, link=LOCAL, locale="es-MX")
TRACK_READ = f"{TRACK.text}\n\n🔗 {LOCAL.label}: {LOCAL.url}"


async def test_on_telegram_a_link_to_this_machine_is_written_in_the_text(demo_shop):
    async with telegram_shop(demo_shop, "webhook") as tg:
        answering(tg.channel.conversation, {ASK: TRACK})
        ana = TelegramUser(tg, TG_ANA)
        await ana.says(ASK)

        [message] = ana.chat[-1:]
        assert message.text == TRACK_READ
        assert inline_rows(message) == [
            [{"text": "Mis pedidos", "callback_data": ListOrders().pack()}],
            [{"text": "Menú", "callback_data": MainMenu().pack()}],
        ]
        assert tg.double.rejected == []


async def test_telegram_refuses_url_buttons_to_script_urls_and_private_addresses(demo_shop):
    async with telegram_shop(demo_shop, "webhook") as tg:
        await TelegramUser(tg, TG_ANA).says("hola")
        tg.double.expect_rejections("inline keyboard button URL 'javascript:alert", 1)
        tg.double.expect_rejections("BUTTON_URL_INVALID", 2)
        # A name without a dot: "Wrong HTTP URL" (a tracking page without PUBLIC_URL).
        tg.double.expect_rejections("inline keyboard button URL 'http://localhost:8080", 1)

        def link(url: str) -> InlineKeyboardMarkup:
            return InlineKeyboardMarkup(
                inline_keyboard=[[InlineKeyboardButton(text="Pagar", url=url)]]
            )

        unopenable = (
            "javascript:alert(1)",
            "http://127.0.0.1:8000/pay",
            "http://[::1]/pay",
            "http://localhost:8080/t/MQ.abc",
        )
        for url in unopenable:
            with pytest.raises(TelegramBadRequest) as refused:
                await tg.channel.bot.send_message(TG_ANA, "Paga", reply_markup=link(url))
            assert refused.value.message.startswith("Bad Request: ")
        await tg.channel.bot.send_message(TG_ANA, "Paga", reply_markup=link(PAGE))  # accepted


# -- WhatsApp ------------------------------------------------------------------------------


def interactive(body: dict) -> dict:
    return body.get("interactive") or {}


async def test_on_whatsapp_the_link_is_a_cta_url_message_and_the_buttons_follow(demo_shop):
    async with whatsapp_shop(demo_shop) as wa:
        answering(wa.channel.conversation, {ASK: PAY})
        ana = WhatsAppUser(wa, WA_ANA)
        await ana.says("hola")
        before = len(wa.double.sent(WA_ANA))
        await ana.says(ASK)

        cta, choice = (interactive(body) for body in wa.double.sent(WA_ANA)[before:])
        assert cta["type"] == "cta_url" and cta["body"] == {"text": PAY.text}
        assert cta["action"] == {
            "name": "cta_url",
            "parameters": {"display_text": "Pagar $1,250.00…", "url": PAGE},
        }
        assert choice["type"] == "button" and choice["body"]["text"] == "Elige una opción:"
        titles = [b["reply"]["title"] for b in choice["action"]["buttons"]]
        assert titles == ["Mis pedidos", "Menú"]
        assert "pedidos" in await ana.taps("Mis pedidos")  # the shop still answers


async def test_on_whatsapp_a_link_to_this_machine_is_written_in_the_text(demo_shop):
    async with whatsapp_shop(demo_shop) as wa:
        answering(wa.channel.conversation, {ASK: TRACK})
        ana = WhatsAppUser(wa, WA_ANA)
        await ana.says("hola")
        before = len(wa.double.sent(WA_ANA))
        await ana.says(ASK)

        [choice] = (interactive(body) for body in wa.double.sent(WA_ANA)[before:])
        assert choice["type"] == "button" and choice["body"]["text"] == TRACK_READ
        assert wa.double.rejected == []


async def test_on_whatsapp_a_text_too_long_for_the_link_message_goes_before_it(demo_shop):
    long = Reply("Detalle del pedido.\n" + "· Taza de talavera × 1\n" * 60, link=LINK)
    assert len(long.text) > 1024
    async with whatsapp_shop(demo_shop) as wa:
        answering(wa.channel.conversation, {ASK: long})
        ana = WhatsAppUser(wa, WA_ANA)
        await ana.says("hola")
        before = len(wa.double.sent(WA_ANA))
        await ana.says(ASK)

        text, cta = wa.double.sent(WA_ANA)[before:]
        assert text["text"]["body"].strip() == long.text.strip()
        assert interactive(cta)["body"] == {"text": LINK.label}
        assert interactive(cta)["action"]["parameters"]["url"] == PAGE


async def test_on_whatsapp_a_link_and_its_buttons_are_two_pieces_of_a_notification(demo_shop):
    async with whatsapp_shop(demo_shop) as wa:
        await WhatsAppUser(wa, WA_ANA).says("hola")
        counted: list[int] = []

        async def record(done: int) -> None:
            counted.append(done)

        await wa.channel.deliver(WA_ANA, [PAY], Pieces(record=record))
        assert counted == [1, 2]
        before = len(wa.double.sent(WA_ANA))
        # A retry after the link went out sends only the buttons.
        await wa.channel.deliver(WA_ANA, [PAY], Pieces(done=1))
        [again] = wa.double.sent(WA_ANA)[before:]
        assert interactive(again)["type"] == "button"


async def test_on_whatsapp_outside_the_window_the_template_writes_the_link_out(demo_shop):
    async with whatsapp_shop(demo_shop) as wa:
        await wa.channel.deliver(WA_LUIS, [PAY], Pieces())  # Luis never wrote: a template

        [template] = wa.double.sent(WA_LUIS)
        [parameter] = template["template"]["components"][0]["parameters"]
        assert parameter["text"].endswith(f"{LINK.label}: {PAGE}")


async def test_whatsapp_refuses_a_link_button_it_cannot_show(demo_shop):
    async with whatsapp_shop(demo_shop) as wa:
        await WhatsAppUser(wa, WA_ANA).says("hola")
        client = wa.channel.client
        refusals: dict[str, Callable[[], Awaitable[object]]] = {
            "Display text length invalid": lambda: client.send_message(
                WA_ANA, "Paga", buttons=URLButton("Pagar con Mercado Pago", PAGE)
            ),
            "must be a valid http or https URL": lambda: client.send_message(
                WA_ANA, "Paga", buttons=URLButton("Pagar", "javascript:alert(1)")
            ),
            # Pages no phone can open (a tracking page without PUBLIC_URL).
            "must be a public URL, not 127.0.0.1": lambda: client.send_message(
                WA_ANA, "Sigue", buttons=URLButton("Seguir", "http://127.0.0.1:8080/t/MQ.abc")
            ),
            "must be a public URL, not localhost": lambda: client.send_message(
                WA_ANA, "Sigue", buttons=URLButton("Seguir", "http://localhost:8080/t/MQ.abc")
            ),
            "must be a public URL, not 192.168.1.5": lambda: client.send_message(
                WA_ANA, "Sigue", buttons=URLButton("Seguir", "https://192.168.1.5/t/MQ.abc")
            ),
            "Footer text length invalid": lambda: client.send_message(
                WA_ANA, "Paga", footer="f" * 61, buttons=URLButton("Pagar", PAGE)
            ),
            "Header text length invalid": lambda: client.send_message(
                WA_ANA, "Paga", header="h" * 61, buttons=URLButton("Pagar", PAGE)
            ),
        }
        for details, send in refusals.items():
            wa.double.expect_rejections(details, 1)
            with pytest.raises(WhatsAppError) as refused:
                await send()
            assert refused.value.code == 131009
        await client.send_message(WA_ANA, "Paga", buttons=URLButton("P" * 20, PAGE))  # accepted


async def test_whatsapp_refuses_a_link_message_without_its_url_or_with_reply_buttons(
    demo_shop,
):
    """Bodies pywa would never build, posted as they are."""
    reply_button = {"type": "reply", "reply": {"id": "m", "title": "Menú"}}
    actions = {
        r"parameters'\]\['url'\] is required": {
            "name": "cta_url",
            "parameters": {"display_text": "Pagar"},
        },
        "takes no reply buttons": {
            "name": "cta_url",
            "parameters": {"display_text": "Pagar", "url": PAGE},
            "buttons": [reply_button],
        },
    }
    async with whatsapp_shop(demo_shop) as wa:
        await WhatsAppUser(wa, WA_ANA).says("hola")
        url = f"{wa.double.base_url}/v22.0/{wa.double.phone_id}/messages"
        headers = {"Authorization": f"Bearer {wa.double.token}"}
        async with httpx.AsyncClient() as http:
            for details, action in actions.items():
                wa.double.expect_rejections(details, 1)
                body = {
                    "messaging_product": "whatsapp",
                    "to": WA_ANA,
                    "type": "interactive",
                    "interactive": {"type": "cta_url", "body": {"text": "Paga"}, "action": action},
                }
                answer = await http.post(url, json=body, headers=headers)
                assert answer.status_code == 400
                assert answer.json()["error"]["code"] in (131008, 131009)
        assert wa.double.texts(WA_ANA)[-1] != "Paga"  # nothing reached Ana


# -- Terminal ------------------------------------------------------------------------------


async def test_in_the_terminal_the_link_is_printed_after_the_text_and_before_the_buttons(
    demo_shop,
):
    chat = ChatDriver(demo_shop, locale="es")
    answering(chat.chat.conversation, {ASK: PAY})
    await chat.open()

    screen = await chat.type(ASK)
    assert screen.splitlines()[:4] == [
        PAY.text,
        f"🔗 {LINK.label}: {PAGE}",
        "[1] Mis pedidos",
        "[2] Menú",
    ]
    assert "pedidos" in await chat.press("Mis pedidos")
