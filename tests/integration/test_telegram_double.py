"""The Telegram double is strict: a real aiogram Bot, over real HTTP, gets from it what it
would get from Telegram, including Telegram's refusals and their exact descriptions."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiogram import Bot, Dispatcher, F
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    BufferedInputFile,
    CallbackQuery,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    LabeledPrice,
    Message,
    PreCheckoutQuery,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from aiohttp import ClientSession, web
from PIL import Image

from tests.telegram_double import (
    NOT_MODIFIED,
    QUERY_TOO_OLD,
    BotApiDouble,
    EntityParseError,
    parse_html,
    parse_markdown,
    parse_markdown_v2,
)

ANA = 1001  # a customer who has talked to the bot
ADMINS = -100200300  # the merchant's admin group


class QuickSession(AiohttpSession):
    """aiogram's session, minus the 250 ms pause its close() takes for TLS connections
    (there is no TLS here); requests are byte for byte those of AiohttpSession."""

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def telegram(clock):
    async with BotApiDouble(clock=clock) as double:
        double.user_says(ANA, "/start")
        double.add_chat(ADMINS, title="Admins Pedidos")
        yield double


def connect(double: BotApiDouble, token: str | None = None) -> Bot:
    api = TelegramAPIServer.from_base(double.base_url)
    return Bot(token or double.token, session=QuickSession(api=api))


@pytest.fixture
async def bot(telegram):
    bot = connect(telegram)
    yield bot
    await bot.session.close()


def keyboard(*rows: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=text, callback_data=data) for text, data in row]
            for row in rows
        ]
    )


def png(width: int = 8, height: int = 6) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (10, 200, 30)).save(buffer, "PNG")
    return buffer.getvalue()


async def raw_call(double: BotApiDouble, method: str, **kwargs: Any) -> tuple[int, dict]:
    async with ClientSession() as session:
        url = f"{double.base_url}/bot{double.token}/{method}"
        async with session.post(url, **kwargs) as response:
            return response.status, await response.json()


# --------------------------------------------------------------------------------------
# What works, and is recorded
# --------------------------------------------------------------------------------------


async def test_get_me_describes_the_bot(bot, telegram):
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (123456, "pedidos_test_bot", True)


async def test_a_sent_message_is_recorded_with_its_keyboard(bot, telegram):
    sent = await bot.send_message(
        ANA, "¿Qué quieres pedir?", reply_markup=keyboard([("Ver", "c:1")])
    )
    assert sent.chat.id == ANA and sent.from_user.id == telegram.bot_id
    assert sent.reply_markup.inline_keyboard[0][0].callback_data == "c:1"
    [stored] = telegram.messages(ANA)
    assert (stored.message_id, stored.kind, stored.text) == (sent.message_id, "text", sent.text)
    assert stored.callback_data == ["c:1"]
    call = telegram.calls_to("sendMessage")[0]
    assert call.ok and call.params["reply_markup"]["inline_keyboard"][0][0]["text"] == "Ver"
    assert telegram.rejected == []


async def test_message_ids_grow_per_chat_shared_with_what_users_send(bot, telegram):
    first = await bot.send_message(ANA, "uno")  # the user's /start was message 1
    telegram.user_says(ANA, "hola")
    second = await bot.send_message(ANA, "dos")
    in_group = await bot.send_message(ADMINS, "nuevo pedido")
    assert (first.message_id, second.message_id, in_group.message_id) == (2, 4, 1)
    assert telegram.texts(ANA) == ["uno", "dos"]


async def test_html_is_parsed_into_entities_and_tags_do_not_count(bot, telegram):
    text = "<b>" + "a" * 4091 + "</b> &lt;ok&gt;"
    sent = await bot.send_message(ANA, text, parse_mode="HTML")
    assert sent.text.endswith(" <ok>") and len(sent.text) == 4096
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [("bold", 0, 4091)]


async def test_a_bare_ampersand_is_text_as_on_telegram(bot, telegram):
    sent = await bot.send_message(ANA, "Tom & Jerry &copy; <i>x</i>", parse_mode="HTML")
    assert sent.text == "Tom & Jerry &copy; x"


async def test_editing_changes_the_current_text_and_keyboard(bot, telegram):
    sent = await bot.send_message(ANA, "Carrito: 1", reply_markup=keyboard([("+", "add")]))
    edited = await bot.edit_message_text(
        "Carrito: 2", chat_id=ANA, message_id=sent.message_id, reply_markup=keyboard([("-", "del")])
    )
    assert edited.edit_date is not None
    [stored] = telegram.messages(ANA)
    assert (stored.text, stored.callback_data, stored.edited) == ("Carrito: 2", ["del"], True)


async def test_editing_text_without_a_markup_removes_the_inline_keyboard(bot, telegram):
    sent = await bot.send_message(ANA, "Pagar", reply_markup=keyboard([("Pagar", "pay")]))
    await bot.edit_message_text("Pagado ✅", chat_id=ANA, message_id=sent.message_id)
    assert telegram.messages(ANA)[0].reply_markup is None


async def test_deleted_messages_are_gone_and_cannot_be_deleted_twice(bot, telegram):
    sent = await bot.send_message(ANA, "temporal")
    assert await bot.delete_message(ANA, sent.message_id) is True
    assert telegram.messages(ANA) == []
    with pytest.raises(TelegramBadRequest, match="Bad Request: message to delete not found"):
        await bot.delete_message(ANA, sent.message_id)


async def test_reply_keyboards_remove_and_force_reply_are_valid_markups(bot, telegram):
    contact = ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text="Compartir teléfono", request_contact=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )
    sent = await bot.send_message(ANA, "¿Tu teléfono?", reply_markup=contact)
    assert sent.reply_markup is None  # Telegram only echoes inline keyboards
    await bot.send_message(ANA, "Gracias", reply_markup=ReplyKeyboardRemove())
    await bot.send_message(ANA, "¿Dirección?", reply_markup=ForceReply())
    markups = [m.reply_markup for m in telegram.messages(ANA)]
    assert markups[0]["keyboard"] == [[{"text": "Compartir teléfono", "request_contact": True}]]
    assert markups[1:] == [{"remove_keyboard": True}, {"force_reply": True}]


async def test_documents_and_photos_arrive_as_multipart_uploads(bot, telegram):
    label = b"%PDF-1.4 label"
    sent = await bot.send_document(
        ANA, BufferedInputFile(label, "PED-7K3F.pdf"), caption="Etiqueta"
    )
    photo = await bot.send_photo(ANA, BufferedInputFile(png(), "chart.png"))
    assert (
        sent.document.file_name == "PED-7K3F.pdf" and sent.document.mime_type == "application/pdf"
    )
    stored_doc, stored_photo = telegram.messages(ANA)
    assert stored_doc.document == ("PED-7K3F.pdf", label, "application/pdf")
    assert stored_doc.text == "Etiqueta" and stored_photo.photo == png()
    assert telegram.calls_to("sendDocument")[0].files == {"document": ("PED-7K3F.pdf", label)}
    again = await bot.send_document(ADMINS, sent.document.file_id)  # re-send by file_id
    assert telegram.messages(ADMINS)[0].document[1] == label and again.document
    file = await bot.get_file(photo.photo[-1].file_id)
    downloaded = await bot.download_file(file.file_path)
    assert downloaded.read() == png()


async def test_chat_actions_are_recorded(bot, telegram):
    assert await bot.send_chat_action(ANA, "upload_document")
    assert telegram.chat_actions == [(ANA, "upload_document")]


async def test_json_and_query_string_requests_work_like_multipart(telegram):
    status, body = await raw_call(telegram, "sendMessage", json={"chat_id": ANA, "text": "json"})
    assert status == 200 and body["result"]["text"] == "json"
    async with ClientSession() as session:
        url = f"{telegram.base_url}/bot{telegram.token}/sendMessage"
        async with session.get(url, params={"chat_id": str(ANA), "text": "query"}) as response:
            assert (await response.json())["result"]["text"] == "query"
    assert telegram.texts(ANA) == ["json", "query"]


# --------------------------------------------------------------------------------------
# What Telegram refuses (parametrised): aiogram exception and Telegram's description
# --------------------------------------------------------------------------------------

Call = Callable[[Bot], Awaitable[Any]]


def buttons(count: int) -> InlineKeyboardMarkup:
    labels = [(str(n), f"b{n}") for n in range(count)]
    return keyboard(*(labels[start : start + 5] for start in range(0, count, 5)))


def url_button(url: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Rastrear", url=url)]])


REFUSED_SENDS: dict[str, tuple[Call, str]] = {
    "empty text": (
        lambda bot: bot.send_message(ANA, ""),
        "Bad Request: message text is empty",
    ),
    "blank text": (
        lambda bot: bot.send_message(ANA, " \n "),
        "Bad Request: message text is empty",
    ),
    "4097 characters": (
        lambda bot: bot.send_message(ANA, "a" * 4097),
        "Bad Request: message is too long",
    ),
    "emoji count twice (UTF-16)": (
        lambda bot: bot.send_message(ANA, "🛒" * 2049),
        "Bad Request: message is too long",
    ),
    "html tag Telegram lacks": (
        lambda bot: bot.send_message(ANA, "Hola <x>tú</x>", parse_mode="HTML"),
        'Bad Request: can\'t parse entities: Unsupported start tag "x" at byte offset 5',
    ),
    "bare < in html": (
        lambda bot: bot.send_message(ANA, "1 < 2", parse_mode="HTML"),
        'Bad Request: can\'t parse entities: Unsupported start tag "" at byte offset 2',
    ),
    "unclosed html tag": (
        lambda bot: bot.send_message(ANA, "<b>Total", parse_mode="HTML"),
        "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"b\"",
    ),
    "crossed html tags": (
        lambda bot: bot.send_message(ANA, "<b><i>x</b></i>", parse_mode="HTML"),
        "Bad Request: can't parse entities: "
        'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"',
    ),
    "span without tg-spoiler": (
        lambda bot: bot.send_message(ANA, '<span class="x">a</span>', parse_mode="HTML"),
        "Bad Request: can't parse entities: "
        'Tag "span" must have class "tg-spoiler" at byte offset 0',
    ),
    "unescaped dot in MarkdownV2": (
        lambda bot: bot.send_message(ANA, "Total: $5.00", parse_mode="MarkdownV2"),
        "Bad Request: can't parse entities: "
        "Character '.' is reserved and must be escaped with the preceding '\\'",
    ),
    "unclosed MarkdownV2 bold": (
        lambda bot: bot.send_message(ANA, "*hola", parse_mode="MarkdownV2"),
        "Bad Request: can't parse entities: Can't find end of Bold entity at byte offset 0",
    ),
    "65-byte callback_data": (
        lambda bot: bot.send_message(ANA, "x", reply_markup=keyboard([("a", "d" * 65)])),
        "Bad Request: BUTTON_DATA_INVALID",
    ),
    "callback_data over 64 bytes in UTF-8": (
        lambda bot: bot.send_message(ANA, "x", reply_markup=keyboard([("a", "ñ" * 33)])),
        "Bad Request: BUTTON_DATA_INVALID",
    ),
    "button without an action": (
        lambda bot: bot.send_message(
            ANA,
            "x",
            reply_markup=InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="a")]]),
        ),
        "Bad Request: can't parse inline keyboard button: "
        "Text buttons are unallowed in the inline keyboard",
    ),
    "button with empty text": (
        lambda bot: bot.send_message(ANA, "x", reply_markup=keyboard([("", "d")])),
        "Bad Request: inline keyboard button text must be non-empty",
    ),
    "url button to localhost": (
        lambda bot: bot.send_message(ANA, "x", reply_markup=url_button("localhost:8000/t")),
        "Bad Request: inline keyboard button URL 'localhost:8000/t' is invalid: Wrong HTTP URL",
    ),
    "url button with ftp": (
        lambda bot: bot.send_message(ANA, "x", reply_markup=url_button("ftp://files.example.com")),
        "Bad Request: inline keyboard button URL 'ftp://files.example.com' is invalid: "
        "Unsupported URL protocol",
    ),
    "101 buttons": (
        lambda bot: bot.send_message(ANA, "x", reply_markup=buttons(101)),
        "Bad Request: reply markup is too long",
    ),
    "contact button in a group": (
        lambda bot: bot.send_message(
            ADMINS,
            "x",
            reply_markup=ReplyKeyboardMarkup(
                keyboard=[[KeyboardButton(text="tel", request_contact=True)]]
            ),
        ),
        "Bad Request: phone number can be requested in private chats only",
    ),
    "user who never wrote": (
        lambda bot: bot.send_message(555, "hola"),
        "Bad Request: chat not found",
    ),
    "group the bot is not in": (
        lambda bot: bot.send_message(-999, "hola"),
        "Bad Request: chat not found",
    ),
    "reply to a missing message": (
        lambda bot: bot.send_message(ANA, "x", reply_to_message_id=99),
        "Bad Request: message to be replied not found",
    ),
    "caption over 1024": (
        lambda bot: bot.send_photo(ANA, BufferedInputFile(png(), "p.png"), caption="c" * 1025),
        "Bad Request: message caption is too long",
    ),
    "photo that is no image": (
        lambda bot: bot.send_photo(ANA, BufferedInputFile(b"not an image", "p.jpg")),
        "Bad Request: IMAGE_PROCESS_FAILED",
    ),
    "unknown file_id": (
        lambda bot: bot.send_document(ANA, "BQACAgEAAxkBAAIunknown"),
        "Bad Request: wrong file identifier/HTTP URL specified",
    ),
    "empty upload": (
        lambda bot: bot.send_document(ANA, BufferedInputFile(b"", "vacio.csv")),
        "Bad Request: file must be non-empty",
    ),
    "chat action that does not exist": (
        lambda bot: bot.send_chat_action(ANA, "dancing"),
        "Bad Request: wrong parameter action in request",
    ),
}


@pytest.mark.parametrize("case", REFUSED_SENDS, ids=list(REFUSED_SENDS))
async def test_telegram_refuses_with_its_own_words(bot, telegram, case):
    call, description = REFUSED_SENDS[case]
    with pytest.raises(TelegramBadRequest) as refused:
        await call(bot)
    assert refused.value.message == description
    assert [c.error for c in telegram.rejected] == [description]
    assert telegram.messages(ANA) == [] and telegram.messages(ADMINS) == []


async def test_the_limits_themselves_are_accepted(bot, telegram):
    await bot.send_message(ANA, "a" * 4096)
    await bot.send_message(ANA, "🛒" * 2048)
    await bot.send_message(ANA, "x", reply_markup=keyboard([("a", "d" * 64)]))
    await bot.send_message(ANA, "x", reply_markup=buttons(100))
    await bot.send_photo(ANA, BufferedInputFile(png(), "p.png"), caption="c" * 1024)
    assert len(telegram.messages(ANA)) == 5 and telegram.rejected == []


async def test_a_blocked_user_is_forbidden(bot, telegram):
    telegram.block(ANA)
    with pytest.raises(TelegramForbiddenError) as refused:
        await bot.send_message(ANA, "¿sigues ahí?")
    assert refused.value.message == "Forbidden: bot was blocked by the user"
    assert telegram.pending_updates[-1]["my_chat_member"]["new_chat_member"]["status"] == "kicked"
    with pytest.raises(AssertionError, match="blocked the bot"):
        telegram.user_says(ANA, "hola")
    telegram.unblock(ANA)
    await bot.send_message(ANA, "¡Bienvenida de nuevo!")


async def test_a_user_seen_only_in_a_group_cannot_be_written_to_first(bot, telegram):
    telegram.user_says(3003, "/pedidos", chat_id=ADMINS)
    with pytest.raises(TelegramForbiddenError) as refused:
        await bot.send_message(3003, "hola")
    assert refused.value.message == "Forbidden: bot can't initiate conversation with a user"


# --------------------------------------------------------------------------------------
# Edits
# --------------------------------------------------------------------------------------


async def sent_text(bot: Bot) -> Message:
    return await bot.send_message(ANA, "Pedido PED-7K3F", reply_markup=keyboard([("Ver", "v")]))


async def edit_missing(bot: Bot) -> None:
    await bot.edit_message_text("x", chat_id=ANA, message_id=77)


async def edit_same(bot: Bot) -> None:
    sent = await sent_text(bot)
    await bot.edit_message_text(
        sent.text, chat_id=ANA, message_id=sent.message_id, reply_markup=keyboard([("Ver", "v")])
    )


async def edit_photo_text(bot: Bot) -> None:
    sent = await bot.send_photo(ANA, BufferedInputFile(png(), "p.png"))
    await bot.edit_message_text("x", chat_id=ANA, message_id=sent.message_id)


async def edit_too_long(bot: Bot) -> None:
    sent = await sent_text(bot)
    await bot.edit_message_text("a" * 4097, chat_id=ANA, message_id=sent.message_id)


async def edit_users_message(bot: Bot) -> None:
    await bot.edit_message_text("x", chat_id=ANA, message_id=1)  # the user's /start


async def edit_same_markup(bot: Bot) -> None:
    sent = await sent_text(bot)
    await bot.edit_message_reply_markup(
        chat_id=ANA, message_id=sent.message_id, reply_markup=keyboard([("Ver", "v")])
    )


async def edit_deleted(bot: Bot) -> None:
    sent = await sent_text(bot)
    await bot.delete_message(ANA, sent.message_id)
    await bot.edit_message_text("x", chat_id=ANA, message_id=sent.message_id)


REFUSED_EDITS: dict[str, tuple[Call, str]] = {
    "unknown message": (edit_missing, "Bad Request: message to edit not found"),
    "deleted message": (edit_deleted, "Bad Request: message to edit not found"),
    "same text and keyboard": (edit_same, f"Bad Request: {NOT_MODIFIED}"),
    "same keyboard": (edit_same_markup, f"Bad Request: {NOT_MODIFIED}"),
    "text of a photo": (edit_photo_text, "Bad Request: there is no text in the message to edit"),
    "edited text too long": (edit_too_long, "Bad Request: MESSAGE_TOO_LONG"),
    "the user's message": (edit_users_message, "Bad Request: message can't be edited"),
}


@pytest.mark.parametrize("case", REFUSED_EDITS, ids=list(REFUSED_EDITS))
async def test_edits_telegram_refuses(bot, telegram, case):
    call, description = REFUSED_EDITS[case]
    with pytest.raises(TelegramBadRequest) as refused:
        await call(bot)
    assert refused.value.message == description
    assert [c.error for c in telegram.rejected] == [description]


async def test_an_edit_takes_only_an_inline_keyboard(bot, telegram):
    sent = await sent_text(bot)
    status, body = await raw_call(
        telegram,
        "editMessageText",
        json={
            "chat_id": ANA,
            "message_id": sent.message_id,
            "text": "x",
            "reply_markup": {"keyboard": [["a"]]},
        },
    )
    assert (status, body["description"]) == (400, "Bad Request: inline keyboard expected")


# --------------------------------------------------------------------------------------
# Callback queries and payments
# --------------------------------------------------------------------------------------


async def test_a_button_press_is_answered_once(bot, telegram):
    sent = await bot.send_message(ANA, "Menú", reply_markup=keyboard([("Pizza", "p:1")]))
    update = telegram.user_presses(ANA, sent.message_id, "p:1")
    query = Update.model_validate(update).callback_query
    assert isinstance(query, CallbackQuery) and query.message.message_id == sent.message_id
    assert await bot.answer_callback_query(query.id, text="Añadido 🛒")
    assert telegram.callback_answers[query.id]["text"] == "Añadido 🛒"
    with pytest.raises(TelegramBadRequest, match=QUERY_TOO_OLD):
        await bot.answer_callback_query(query.id)


async def test_callback_answers_telegram_refuses(bot, telegram):
    sent = await bot.send_message(ANA, "Menú", reply_markup=keyboard([("Pizza", "p:1")]))
    query_id = telegram.user_presses(ANA, sent.message_id, "p:1")["callback_query"]["id"]
    with pytest.raises(TelegramBadRequest) as too_long:
        await bot.answer_callback_query(query_id, text="x" * 201)
    with pytest.raises(TelegramBadRequest) as unknown:
        await bot.answer_callback_query("123")
    assert too_long.value.message == "Bad Request: MESSAGE_TOO_LONG"
    assert unknown.value.message == f"Bad Request: {QUERY_TOO_OLD}"


async def test_users_can_only_press_buttons_that_are_there(bot, telegram):
    sent = await bot.send_message(ANA, "Menú", reply_markup=keyboard([("Pizza", "p:1")]))
    await bot.edit_message_reply_markup(chat_id=ANA, message_id=sent.message_id)
    with pytest.raises(AssertionError, match="no button with callback_data 'p:1'"):
        telegram.user_presses(ANA, sent.message_id, "p:1")


async def send_invoice(bot: Bot, **overrides: Any) -> Message:
    fields: dict[str, Any] = {
        "chat_id": ANA,
        "title": "Pedido PED-7K3F",
        "description": "2 × Café de Chiapas 500 g",
        "payload": "order:42",
        "provider_token": "284685063:TEST:abc",
        "currency": "MXN",
        "prices": [
            LabeledPrice(label="Café", amount=25800),
            LabeledPrice(label="Envío", amount=9900),
        ],
    }
    fields.update(overrides)
    return await bot.send_invoice(**fields)


async def test_an_invoice_pre_checkout_and_payment_flow(bot, telegram, clock):
    sent = await send_invoice(bot)
    assert sent.invoice.total_amount == 35700
    [stored] = telegram.messages(ANA)
    assert stored.kind == "invoice" and stored.invoice["payload"] == "order:42"
    with pytest.raises(AssertionError, match="no invoice"):
        telegram.pre_checkout(ANA, "order:42", 99, "MXN")  # not the amount invoiced
    update = telegram.pre_checkout(ANA, "order:42", 35700, "MXN")
    query = Update.model_validate(update).pre_checkout_query
    assert isinstance(query, PreCheckoutQuery)
    clock.now += 2.5
    assert await bot.answer_pre_checkout_query(query.id, ok=True)
    assert telegram.pre_checkout_answers[query.id] == (True, None, 2.5)
    paid = telegram.successful_payment(ANA, "order:42", 35700, "MXN", "tg-1", "prov-1")
    assert (
        Update.model_validate(paid).message.successful_payment.telegram_payment_charge_id == "tg-1"
    )


async def test_pre_checkout_answers_telegram_refuses(bot, telegram, clock):
    await send_invoice(bot)
    first = telegram.pre_checkout(ANA, "order:42", 35700, "MXN")["pre_checkout_query"]["id"]
    with pytest.raises(TelegramBadRequest) as no_reason:
        await bot.answer_pre_checkout_query(first, ok=False)
    assert no_reason.value.message == 'Bad Request: parameter "error_message" is required'
    await bot.answer_pre_checkout_query(first, ok=False, error_message="Se agotó")
    assert telegram.pre_checkout_answers[first] == (False, "Se agotó", 0.0)
    with pytest.raises(TelegramBadRequest, match=QUERY_TOO_OLD):
        await bot.answer_pre_checkout_query(first, ok=True)
    late = telegram.pre_checkout(ANA, "order:42", 35700, "MXN")["pre_checkout_query"]["id"]
    clock.now += 10.5
    with pytest.raises(TelegramBadRequest, match=QUERY_TOO_OLD):
        await bot.answer_pre_checkout_query(late, ok=True)
    with pytest.raises(AssertionError, match="no approved pre-checkout"):
        telegram.successful_payment(ANA, "order:42", 35700, "MXN", "tg-1", "prov-1")


REFUSED_INVOICES: dict[str, tuple[dict[str, Any], str]] = {
    "no provider token": ({"provider_token": None}, "Bad Request: PAYMENT_PROVIDER_INVALID"),
    "lowercase currency": ({"currency": "mxn"}, "Bad Request: CURRENCY_TOTAL_AMOUNT_INVALID"),
    "no prices": ({"prices": []}, "Bad Request: there must be at least one price"),
    "nothing to pay": (
        {"prices": [LabeledPrice(label="Gratis", amount=0)]},
        "Bad Request: total price must be positive",
    ),
    "title over 32": ({"title": "t" * 33}, "Bad Request: INVOICE_TITLE_INVALID"),
    "description over 255": (
        {"description": "d" * 256},
        "Bad Request: INVOICE_DESCRIPTION_INVALID",
    ),
    "payload over 128 bytes": ({"payload": "ñ" * 65}, "Bad Request: INVOICE_PAYLOAD_INVALID"),
    "keyboard without a pay button first": (
        {"reply_markup": keyboard([("Pagar", "pay")])},
        "Bad Request: REPLY_MARKUP_BUY_EMPTY",
    ),
}


@pytest.mark.parametrize("case", REFUSED_INVOICES, ids=list(REFUSED_INVOICES))
async def test_invoices_telegram_refuses(bot, telegram, case):
    overrides, description = REFUSED_INVOICES[case]
    with pytest.raises(TelegramBadRequest) as refused:
        await send_invoice(bot, **overrides)
    assert refused.value.message == description


async def test_a_stars_invoice_needs_no_provider_token(bot, telegram):
    sent = await send_invoice(
        bot, provider_token=None, currency="XTR", prices=[LabeledPrice(label="Pedido", amount=50)]
    )
    assert sent.invoice.currency == "XTR"


# --------------------------------------------------------------------------------------
# Commands
# --------------------------------------------------------------------------------------


async def test_commands_are_stored_per_scope_and_language(bot, telegram):
    await bot.set_my_commands([BotCommand(command="/pedidos", description="Mis pedidos")])
    admin_scope = BotCommandScopeChat(chat_id=ADMINS)
    await bot.set_my_commands(
        [BotCommand(command="stock", description="Existencias")],
        scope=admin_scope,
        language_code="es",
    )
    assert telegram.commands[("default", "")] == [
        {"command": "pedidos", "description": "Mis pedidos"}
    ]
    key = (telegram.scope_key({"type": "chat", "chat_id": ADMINS}), "es")
    assert telegram.commands[key][0]["command"] == "stock"
    fetched = await bot.get_my_commands(scope=admin_scope, language_code="es")
    assert [c.command for c in fetched] == ["stock"]


REFUSED_COMMANDS: dict[str, tuple[list[BotCommand], str]] = {
    "uppercase": (
        [BotCommand(command="Start", description="x")],
        "Bad Request: BOT_COMMAND_INVALID",
    ),
    "hyphen": (
        [BotCommand(command="mis-pedidos", description="x")],
        "Bad Request: BOT_COMMAND_INVALID",
    ),
    "33 characters": (
        [BotCommand(command="c" * 33, description="x")],
        "Bad Request: command length must not exceed 32",
    ),
    "blank description": (
        [BotCommand(command="start", description=" ")],
        "Bad Request: command description must be non-empty",
    ),
    "101 commands": (
        [BotCommand(command=f"c{n}", description="x") for n in range(101)],
        "Bad Request: BOT_COMMANDS_TOO_MUCH",
    ),
}


@pytest.mark.parametrize("case", REFUSED_COMMANDS, ids=list(REFUSED_COMMANDS))
async def test_commands_telegram_refuses(bot, telegram, case):
    commands, description = REFUSED_COMMANDS[case]
    with pytest.raises(TelegramBadRequest) as refused:
        await bot.set_my_commands(commands)
    assert refused.value.message == description
    assert telegram.commands == {}


# --------------------------------------------------------------------------------------
# Updates: long polling, webhooks
# --------------------------------------------------------------------------------------


async def test_long_polling_returns_a_pushed_update_and_honours_offset(bot, telegram):
    [start] = await bot.get_updates(timeout=5)
    waiting = asyncio.create_task(bot.get_updates(offset=start.update_id + 1, timeout=5))
    await telegram.until(lambda: len(telegram.calls_to("getUpdates")) == 2)
    assert not waiting.done()
    telegram.user_says(ANA, "¿dónde está mi pedido?")
    [pushed] = await asyncio.wait_for(waiting, 2)
    assert pushed.message.text == "¿dónde está mi pedido?"
    assert await bot.get_updates(offset=pushed.update_id + 1) == []
    assert telegram.pending_updates == []


async def test_updates_are_filtered_by_allowed_updates(bot, telegram):
    sent = await bot.send_message(ANA, "Menú", reply_markup=keyboard([("Pizza", "p")]))
    telegram.user_presses(ANA, sent.message_id, "p")
    updates = await bot.get_updates(allowed_updates=["message"])
    assert [u.message.text for u in updates] == ["/start"]
    assert [u.event_type for u in await bot.get_updates()] == ["message"]


async def test_a_second_poller_terminates_the_first(telegram):
    first, second = connect(telegram), connect(telegram)
    [start] = await first.get_updates()
    after = start.update_id + 1
    waiting = asyncio.create_task(first.get_updates(offset=after, timeout=5))
    await telegram.until(lambda: len(telegram.calls_to("getUpdates")) == 2)
    replacing = asyncio.create_task(second.get_updates(offset=after, timeout=5))
    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates request"):
        await waiting
    telegram.user_says(ANA, "hola")
    assert [u.message.text for u in await replacing] == ["hola"]
    await first.session.close()
    await second.session.close()


async def test_get_updates_conflicts_while_a_webhook_is_set(bot, telegram):
    assert await bot.set_webhook("https://pedidos.example.com/telegram", secret_token="s3cr3t-_")
    with pytest.raises(TelegramConflictError) as conflict:
        await bot.get_updates()
    assert conflict.value.message == (
        "Conflict: can't use getUpdates method while webhook is active; "
        "use deleteWebhook to delete the webhook first"
    )
    info = await bot.get_webhook_info()
    assert info.url == "https://pedidos.example.com/telegram"
    assert await bot.delete_webhook() and telegram.webhook is None
    assert len(await bot.get_updates()) == 1


REFUSED_WEBHOOKS: dict[str, tuple[dict[str, Any], str]] = {
    "plain http": (
        {"url": "http://pedidos.example.com/hook"},
        "Bad Request: bad webhook: An HTTPS URL must be provided for webhook",
    ),
    "odd port": (
        {"url": "https://pedidos.example.com:8080/hook"},
        "Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443",
    ),
    "secret with spaces": (
        {"url": "https://pedidos.example.com/hook", "secret_token": "no spaces"},
        "Bad Request: secret token contains unallowed characters",
    ),
    "secret too long": (
        {"url": "https://pedidos.example.com/hook", "secret_token": "s" * 257},
        "Bad Request: secret token is too long",
    ),
}


@pytest.mark.parametrize("case", REFUSED_WEBHOOKS, ids=list(REFUSED_WEBHOOKS))
async def test_webhooks_telegram_refuses(bot, telegram, case):
    fields, description = REFUSED_WEBHOOKS[case]
    with pytest.raises(TelegramBadRequest) as refused:
        await bot.set_webhook(**fields)
    assert refused.value.message == description and telegram.webhook is None


async def test_post_update_reaches_the_webhook_with_the_secret_header(bot, telegram):
    received: list[tuple[str | None, dict]] = []

    async def hook(request: web.Request) -> web.Response:
        secret = request.headers.get("X-Telegram-Bot-Api-Secret-Token")
        received.append((secret, await request.json()))
        return web.Response(status=200 if secret == "s3cr3t" else 403)

    app = web.Application()
    app.router.add_post("/telegram/webhook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        await bot.set_webhook(f"http://{host}:{port}/telegram/webhook", secret_token="s3cr3t")
        update = telegram.user_says(ANA, "hola")
        assert await telegram.post_update(update) == 200
        assert await telegram.post_update(update, secret=None) == 403
        assert received == [("s3cr3t", update), (None, update)]
        # "hola" went to the webhook only; /start was queued before the webhook was set
        assert [u["message"]["text"] for u in telegram.pending_updates] == ["/start"]
    finally:
        await runner.cleanup()


async def test_an_update_the_bot_did_not_ask_for_is_posted_only_when_told(bot, telegram):
    async def hook(request: web.Request) -> web.Response:
        return web.Response(status=200)

    app = web.Application()
    app.router.add_post("/telegram/webhook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        url = f"http://{host}:{port}/telegram/webhook"
        await bot.set_webhook(url, secret_token="s3cr3t", allowed_updates=["message"])
        poll = {"update_id": 1, "poll_answer": {"poll_id": "1", "option_ids": [0]}}
        with pytest.raises(AssertionError, match="allowed_updates excludes it"):
            await telegram.post_update(poll)
        # Created before setWebhook narrowed allowed_updates: Telegram still sends it.
        assert await telegram.post_update(poll, despite_allowed_updates=True) == 200
    finally:
        await runner.cleanup()


async def test_an_update_recorded_elsewhere_makes_its_people_chats_and_queries_real(bot, telegram):
    luis = {"id": 5002, "is_bot": False, "first_name": "Luis", "language_code": "es"}
    chat = {"id": 5002, "first_name": "Luis", "type": "private"}
    menu = {
        "message_id": 41,
        "from": {"id": telegram.bot_id, "is_bot": True, "first_name": "Pedidos"},
        "chat": chat,
        "date": 1793552340,
        "text": "Elige",
        "reply_markup": {"inline_keyboard": [[{"text": "Menú", "callback_data": "m"}]]},
    }
    pressed = {"id": "77", "from": luis, "message": menu, "chat_instance": "1", "data": "m"}
    update = {"update_id": 9, "callback_query": pressed}

    assert telegram.received(update) == update

    assert await bot.answer_callback_query("77")
    edited = await bot.edit_message_text("Menú principal", chat_id=5002, message_id=41)
    assert edited.text == "Menú principal"
    assert (await bot.send_message(5002, "hola")).message_id == 42  # after the recorded one
    assert telegram.rejected == []


# --------------------------------------------------------------------------------------
# Failures on demand and flood control
# --------------------------------------------------------------------------------------


async def test_fail_next_makes_aiogram_raise_retry_after_and_is_not_a_rejection(bot, telegram):
    telegram.fail_next(1, retry_after=7)
    with pytest.raises(TelegramRetryAfter) as flood:
        await bot.send_message(ANA, "hola")
    assert flood.value.retry_after == 7
    assert telegram.calls[-1].error == "Too Many Requests: retry after 7"
    await bot.send_message(ANA, "hola")
    assert telegram.texts(ANA) == ["hola"] and telegram.rejected == []
    assert [c.ok for c in telegram.calls_to("sendMessage")] == [False, True]


async def test_fail_next_with_server_errors_and_chosen_methods(bot, telegram):
    telegram.fail_next(1, status=502, methods={"getMe"})
    await bot.send_message(ANA, "no afectado")
    with pytest.raises(TelegramServerError, match="Bad Gateway"):
        await bot.get_me()
    telegram.fail_next(1, status=500)
    with pytest.raises(TelegramServerError, match="Internal Server Error"):
        await bot.send_document(ANA, BufferedInputFile(b"a,b", "r.csv"))
    assert telegram.rejected == []


async def test_flood_control_per_chat(clock):
    async with BotApiDouble(per_chat_per_second=1, per_chat_burst=1, clock=clock) as telegram:
        telegram.user_says(ANA, "/start")
        telegram.user_says(2002, "/start")
        bot = connect(telegram)
        await bot.send_message(ANA, "1")
        await bot.send_message(2002, "otro chat")  # a different chat has its own budget
        with pytest.raises(TelegramRetryAfter) as flood:
            await bot.send_message(ANA, "2")
        assert flood.value.retry_after == 1
        assert [c.error for c in telegram.rejected] == ["Too Many Requests: retry after 1"]
        clock.now += 1.01
        await bot.send_message(ANA, "2")
        assert telegram.texts(ANA) == ["1", "2"]
        await bot.session.close()


async def test_flood_control_overall(clock):
    async with BotApiDouble(global_per_second=2, clock=clock) as telegram:
        for user in (1, 2, 3):
            telegram.user_says(user, "/start")
        bot = connect(telegram)
        await bot.send_message(1, "a")
        await bot.send_message(2, "b")
        with pytest.raises(TelegramRetryAfter):
            await bot.send_message(3, "c")
        clock.now += 0.5
        with pytest.raises(TelegramRetryAfter):
            await bot.send_message(3, "c")
        clock.now += 0.6
        await bot.send_message(3, "c")
        assert len(telegram.rejected) == 2
        await bot.session.close()


async def test_by_default_a_chat_takes_a_short_burst_then_one_message_a_second(clock):
    async with BotApiDouble(clock=clock) as telegram:  # Telegram's limits
        telegram.user_says(ANA, "/start")
        telegram.user_says(2002, "/start")
        bot = connect(telegram)
        first = await bot.send_message(ANA, "0")
        for n in range(1, 5):  # a short burst is allowed ...
            await bot.send_message(ANA, f"{n}")
        with pytest.raises(TelegramRetryAfter) as flood:  # ... then 1 a second
            await bot.send_message(ANA, "5")
        assert flood.value.retry_after == 1
        await bot.send_message(2002, "otro chat")  # another chat has its own budget
        clock.now += 1.0
        await bot.send_message(ANA, "5")
        with pytest.raises(TelegramRetryAfter):  # edits count like sends
            await bot.edit_message_text("editado", chat_id=ANA, message_id=first.message_id)
        clock.now += 1.0
        await bot.edit_message_text("editado", chat_id=ANA, message_id=first.message_id)
        assert telegram.texts(ANA) == ["editado", "1", "2", "3", "4", "5"]
        assert [c.method for c in telegram.rejected] == ["sendMessage", "editMessageText"]
        await bot.session.close()


async def test_by_default_a_group_takes_twenty_messages_a_minute(clock):
    async with BotApiDouble(clock=clock) as telegram:
        telegram.add_chat(ADMINS, title="Admins Pedidos")
        bot = connect(telegram)
        for n in range(20):
            await bot.send_message(ADMINS, f"pedido {n}")
            clock.now += 1.5  # within the per-chat rate
        with pytest.raises(TelegramRetryAfter) as flood:
            await bot.send_message(ADMINS, "pedido 20")
        assert flood.value.retry_after == 30  # the first of the minute leaves in 30 s
        clock.now += 30
        await bot.send_message(ADMINS, "pedido 20")
        await bot.session.close()


async def test_by_default_thirty_messages_a_second_overall(clock):
    async with BotApiDouble(clock=clock) as telegram:
        for user in range(1, 32):
            telegram.user_says(user, "/start")
        bot = connect(telegram)
        for user in range(1, 31):
            await bot.send_message(user, "aviso")
        with pytest.raises(TelegramRetryAfter):
            await bot.send_message(31, "aviso")
        clock.now += 1.0
        await bot.send_message(31, "aviso")
        assert [c.error for c in telegram.rejected] == ["Too Many Requests: retry after 1"]
        await bot.session.close()


async def test_check_at_close_fails_on_undeclared_refusals_unanswered_presses_and_apologies(
    clock,
):
    from tests.crash_guard import APOLOGY

    async with BotApiDouble(clock=clock) as telegram:
        telegram.user_says(ANA, "/start")
        bot = connect(telegram)
        telegram.check_at_close()  # nothing happened: clean
        keyboard = [[InlineKeyboardButton(text="Carrito", callback_data="cart")]]
        menu = await bot.send_message(
            ANA, "Menú", reply_markup=InlineKeyboardMarkup(inline_keyboard=keyboard)
        )
        update = telegram.user_presses(ANA, menu.message_id, "cart")
        telegram.check_at_close()  # a press the bot never received is owed nothing
        await bot.get_updates()  # now it has it
        with pytest.raises(AssertionError, match="never answered"):
            telegram.check_at_close()
        await bot.answer_callback_query(update["callback_query"]["id"])
        telegram.check_at_close()

        with pytest.raises(TelegramBadRequest):
            await bot.send_message(ANA, "")
        with pytest.raises(AssertionError, match="refused calls: sendMessage: Bad Request"):
            telegram.check_at_close()
        telegram.expect_rejections("message text is empty", 2)
        with pytest.raises(AssertionError, match=r"2 refusals matching .* expected, 1 seen"):
            telegram.check_at_close()
        with pytest.raises(TelegramBadRequest):
            await bot.send_message(ANA, "")
        telegram.check_at_close()  # declared, and as many as declared

        await bot.send_message(ANA, APOLOGY.format(ref="ABC123"))
        with pytest.raises(AssertionError, match="crash apology"):
            telegram.check_at_close()
        await bot.session.close()


# --------------------------------------------------------------------------------------
# Tokens, methods, updates' shape, and a whole aiogram dispatcher
# --------------------------------------------------------------------------------------


async def test_a_wrong_token_is_unauthorized_and_an_unknown_method_not_found(telegram):
    stranger = connect(telegram, token="654321:WRONG")
    with pytest.raises(TelegramUnauthorizedError, match="Unauthorized"):
        await stranger.get_me()
    await stranger.session.close()
    status, body = await raw_call(telegram, "sendTelepathy", json={"chat_id": ANA})
    assert (status, body) == (404, {"ok": False, "error_code": 404, "description": "Not Found"})


async def test_every_update_the_users_make_is_one_aiogram_reads(telegram):
    updates = [
        telegram.user_says(ANA, "/pedido@pedidos_test_bot PED-7K3F y /ayuda"),
        telegram.user_says(3003, "hola", chat_id=-1001234567890123),
        telegram.user_shares_contact(ANA, "+5215512345678"),
        telegram.user_shares_location(ANA, 19.4326, -99.1332),
        telegram.user_sends_photo(ANA, "comprobante"),
        telegram.user_sends_document(ANA),
    ]
    parsed = [Update.model_validate(update) for update in updates]
    command = parsed[0].message
    assert [(e.type, e.offset, e.length) for e in command.entities] == [
        ("bot_command", 0, 24),
        ("bot_command", 36, 6),
    ]
    assert parsed[1].message.chat.type == "supergroup"
    assert parsed[2].message.contact.user_id == ANA
    assert parsed[4].message.photo[-1].file_unique_id
    assert parsed[5].message.document.mime_type == "application/pdf"


async def test_a_real_dispatcher_polls_answers_and_presses(telegram):
    dispatcher = Dispatcher()

    @dispatcher.message(F.text == "/start")
    async def start(message: Message) -> None:
        await message.answer("¡Hola!", reply_markup=keyboard([("Ver catálogo", "catalog")]))

    @dispatcher.callback_query(F.data == "catalog")
    async def catalog(query: CallbackQuery) -> None:
        await query.answer()
        await query.message.edit_text("Catálogo: café, té")

    bot = connect(telegram)
    polling = asyncio.create_task(
        dispatcher.start_polling(bot, polling_timeout=1, handle_signals=False)
    )
    try:
        await telegram.until(lambda: telegram.texts(ANA) == ["¡Hola!"])
        telegram.user_presses(ANA, telegram.messages(ANA)[0].message_id, "catalog")
        await telegram.until(lambda: telegram.texts(ANA) == ["Catálogo: café, té"])
        assert telegram.callback_answers and telegram.rejected == []
        polled = telegram.calls_to("getUpdates")[0].params["allowed_updates"]
        assert set(polled) == {"message", "callback_query"}
    finally:
        await dispatcher.stop_polling()
        await polling


# A few of TDLib's own test cases (test/message_entities.cpp), which the ported parsers pass.
TDLIB_HTML_ERRORS = {
    "🏟 🏟&lt;<abacaba": "Unclosed start tag at byte offset 13",
    "🏟 🏟&lt;<abac aba>": 'Unsupported start tag "abac" at byte offset 13',
    "🏟 🏟&lt;<i   =aba>": 'Empty attribute name in the tag "i" at byte offset 13',
    "🏟 🏟&lt;<i    aba  =  190azAz-.,": "Unexpected end of name token at byte offset 27",
    "🏟 🏟&lt;<b></b></": "Unexpected end tag at byte offset 20",
    "🏟 🏟&lt;<i>a</i   ": "Unclosed end tag at byte offset 17",
    "&#xDFDF;": "Text contains invalid Unicode characters after decoding HTML entities, "
    "check for unmatched surrogate code units",
}
TDLIB_MARKDOWN_V2_ERRORS = {
    "🏟 🏟_abac * asd _": "Can't find end of Italic entity at byte offset 21",
    "🏟 🏟```a ": "Can't find end of PreCode entity at byte offset 9",
    "[telegram\\.org](asd": "Can't find end of a URL at byte offset 16",
    "🏟 🏟||test\\|": "Can't find end of Spoiler entity at byte offset 9",
    "🏟 🏟![👍]": "Custom emoji entity must contain a tg://emoji URL",
    ">asd\n>q||ew\n||asdad": "Can't find end of Spoiler entity at byte offset 7",
    "a-b": "Character '-' is reserved and must be escaped with the preceding '\\'",
}


@pytest.mark.parametrize(("text", "error"), TDLIB_HTML_ERRORS.items())
def test_the_html_parser_reports_what_tdlib_reports(text, error):
    with pytest.raises(EntityParseError) as refused:
        parse_html(text)
    assert str(refused.value) == error


@pytest.mark.parametrize(("text", "error"), TDLIB_MARKDOWN_V2_ERRORS.items())
def test_the_markdown_v2_parser_reports_what_tdlib_reports(text, error):
    with pytest.raises(EntityParseError) as refused:
        parse_markdown_v2(text)
    assert str(refused.value) == error


def test_the_parsers_produce_tdlib_entities():
    assert parse_html("🏟 🏟&lt;<i>🏟 &lt🏟</i>") == (
        "🏟 🏟<🏟 <🏟",
        [{"offset": 6, "length": 6, "type": "italic"}],
    )
    assert parse_html('<pre><code class="language-python">x</code></pre>')[1] == [
        {"offset": 0, "length": 1, "type": "pre", "language": "python"}
    ]
    assert parse_html("<a href='t.me/pedidos'>tienda</a>")[1][0]["url"] == "http://t.me/pedidos"
    assert parse_html("&ge;&#12345678;") == ("&ge;&#12345678;", [])
    assert parse_markdown_v2(">asd\n>q||e||w||\nasdad") == (
        "asd\nqew\nasdad",
        [
            {"offset": 0, "length": 8, "type": "expandable_blockquote"},
            {"offset": 5, "length": 1, "type": "spoiler"},
        ],
    )
    assert parse_markdown("*Pedido* _PED-7K3F_") == (
        "Pedido PED-7K3F",
        [
            {"offset": 0, "length": 6, "type": "bold"},
            {"offset": 7, "length": 8, "type": "italic"},
        ],
    )
