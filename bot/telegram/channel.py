"""The Telegram channel (aiogram 3): Telegram updates -> Incoming, Replies -> Bot API.

Every update is written to the inbox before it is handled, so a repeated update_id
(Telegram redelivers after a timeout, or after a restart in polling mode) is handled
once, and one left half-done by a crash is handled on the next start. Updates of one
person are handled in order; different people's concurrently.

Only the kinds the shop asks for are written down (a webhook may still bring others for
a while after allowed_updates changed); a message that is only Telegram's notice (a pin,
a member joining, a refund) is not answered. An update aiogram's models can't read whole
(another Bot API version's payload) is read in the parts the shop uses.

Loaded by `bot.telegram.Telegram.open` once aiogram is (bot/telegram/models.py).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import (
    AnswerCallbackQuery,
    AnswerPreCheckoutQuery,
    DeleteWebhook,
    EditMessageText,
    GetUpdates,
    Response,
    SendDocument,
    SendInvoice,
    SendMessage,
    SendPhoto,
    SetMyCommands,
    SetWebhook,
    TelegramMethod,
)
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    CallbackQuery,
    Message,
    PreCheckoutQuery,
    Update,
)
from pydantic import ValidationError

from bot.background import Background
from bot.dispatcher import PermanentFailure, Pieces, TemporaryFailure
from bot.metrics import DUPLICATE, IGNORED, updates_of
from bot.ratelimit import RateLimiter
from bot.telegram import Telegram, models
from bot.telegram.render import TelegramRenderer
from bot.telegram.settings import TelegramSettings
from core.domain.errors import StoreUnavailable
from core.domain.money import Money
from core.services import admins, customers, inbox, log_context, payments
from core.services.context import Shop
from handlers import commands
from handlers.commands import Audience
from handlers.conversation import Conversation
from handlers.i18n import Translator, pick_locale
from handlers.types import Attachment, Incoming, Location, PaymentEvent, Reply

log = logging.getLogger("pedidos.telegram")

CHANNEL = "telegram"
POLL_TIMEOUT = 25
ALLOWED_UPDATES = ["message", "callback_query", "pre_checkout_query"]
# A message holding one of these is Telegram's notice of something that happened in the
# chat (https://core.telegram.org/bots/api#message), not something a person wrote.
SERVICE_FIELDS = frozenset(
    {
        "new_chat_members", "left_chat_member", "new_chat_title", "new_chat_photo",
        "delete_chat_photo", "group_chat_created", "supergroup_chat_created",
        "channel_chat_created", "message_auto_delete_timer_changed", "migrate_to_chat_id",
        "migrate_from_chat_id", "pinned_message", "refunded_payment", "users_shared",
        "user_shared", "chat_shared", "gift", "unique_gift", "gift_upgrade_sent",
        "connected_website", "write_access_allowed", "passport_data",
        "proximity_alert_triggered", "boost_added", "chat_background_set",
        "checklist_tasks_done", "checklist_tasks_added", "direct_message_price_changed",
        "forum_topic_created", "forum_topic_edited", "forum_topic_closed",
        "forum_topic_reopened", "general_forum_topic_hidden", "general_forum_topic_unhidden",
        "giveaway_created", "giveaway_winners", "giveaway_completed", "managed_bot_created",
        "paid_message_price_changed", "poll_option_added", "poll_option_deleted",
        "suggested_post_approved", "suggested_post_approval_failed", "suggested_post_declined",
        "suggested_post_paid", "suggested_post_refunded", "video_chat_scheduled",
        "video_chat_started", "video_chat_ended", "video_chat_participants_invited",
        "web_app_data", "chat_owner_left", "chat_owner_changed", "community_chat_added",
        "community_chat_removed", "community_chat_joined",
    }
)  # fmt: skip
# What the channel reads of a message, and what names it: an update the models can't
# read whole is read again with only these (see _parsed).
MESSAGE_READ = frozenset(
    {
        "message_id", "from", "chat", "date", "text", "caption", "contact", "location",
        "photo", "document", "animation", "successful_payment", "reply_to_message",
        "reply_markup",
    }
)  # fmt: skip
MESSAGE_IDENTITY = frozenset({"message_id", "from", "chat", "date"})


class GetRawUpdates(GetUpdates):
    """getUpdates answered as plain JSON objects: each update is then read like a
    webhook's, so one the models can't read never stops the polling."""

    __returning__ = list[dict[str, Any]]


class PinnedResponseSession(AiohttpSession):
    """aiogram's session, keeping the response models it builds alive.

    aiogram reads every answer through Response[<the method's result type>], a pydantic
    generic model that pydantic caches only while something refers to it: after each
    garbage collection it is built again, about 3 ms a time (bench/mixed.py spent 4% of
    the shop's CPU on that). Built once per result type here and kept by the session.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.pinned: dict[Any, type[Response]] = {}

    def check_response(
        self, bot: Bot, method: TelegramMethod, status_code: int, content: str
    ) -> Response:
        self.pin(method.__returning__)
        return super().check_response(bot, method, status_code, content)

    def pin(self, returning: Any) -> None:
        if returning not in self.pinned:
            self.pinned[returning] = Response[returning]  # type: ignore[valid-type]


# Every Bot API method the channel calls (here and in render.py).
METHODS_USED = (
    SendMessage, EditMessageText, SendPhoto, SendDocument, SendInvoice, AnswerCallbackQuery,
    AnswerPreCheckoutQuery, SetMyCommands, SetWebhook, DeleteWebhook, GetRawUpdates,
)  # fmt: skip


def build_models() -> None:
    """The models this channel reads and sends built now: at start, not for the first
    customer (bot/telegram/models.py builds the others only if used)."""
    models.build(Update, *METHODS_USED)


def make_bot(token: str, api_url: str) -> Bot:
    session = PinnedResponseSession(api=TelegramAPIServer.from_base(api_url))
    return Bot(token, session=session)


class TelegramChannel:
    channel = CHANNEL

    def __init__(self, shop: Shop, settings: TelegramSettings, *, bot: Bot | None = None) -> None:
        self.shop = shop
        self.settings = settings
        self.bot = bot or make_bot(settings.telegram_bot_token, settings.telegram_api_url)
        self.payment_token = settings.telegram_payment_provider_token
        self.admin_chat_id = settings.telegram_admin_chat_id
        # Its capabilities: a card is offered only with a payment provider's token.
        self.conversation = Conversation(shop, Telegram(settings).capabilities())
        self.limiter = RateLimiter(
            settings.telegram_per_chat_per_second, settings.telegram_global_per_second
        )
        self.background = Background()
        self.metrics = updates_of(shop)  # /metrics counts each update by outcome

    def build_models(self) -> None:
        """The models the channel uses, and their answers' models, built now (at start)."""
        build_models()
        if isinstance(self.bot.session, PinnedResponseSession):
            for method in METHODS_USED:
                self.bot.session.pin(method.__returning__)

    # -- receiving ---------------------------------------------------------------------

    async def accept(self, raw: dict) -> bool:
        """Write the update down; False when this update_id was already received, or
        when the update asks nothing of the shop (not written down)."""
        update_id = str(raw["update_id"])
        if not _wanted(raw):
            log.info("telegram update %s (%s) needs no answer", update_id, _kind_of(raw))
            self.metrics.count(CHANNEL, IGNORED)
            return False
        fresh = await inbox.receive(self.shop, CHANNEL, update_id, _user_of(raw), raw)
        if not fresh:
            self.metrics.count(CHANNEL, DUPLICATE)
        return fresh

    async def receive(self, raw: dict) -> None:
        """Accept and handle now (polling)."""
        if await self.accept(raw):
            await self.handle_raw(raw)

    def schedule(self, raw: dict) -> None:
        """Handle after answering the webhook (the answer must not wait for it)."""
        self.background.spawn(self.handle_raw(raw))

    async def drain(self) -> None:
        await self.background.drain()

    async def resume_unhandled(self, older_than: timedelta | None = None) -> None:
        """Handle what was received but not finished (a worker died): each waiting
        person's queue, under their lock, so a live worker's update isn't done twice."""
        for user in await inbox.waiting_people(self.shop, CHANNEL, older_than=older_than):
            await inbox.handle_waiting(self.shop, CHANNEL, user, self._handle_stored)

    async def handle_raw(self, raw: dict) -> None:
        """Handle this update and any earlier one of the same person still waiting, in
        the order they arrived, while holding that person's lock (in every worker)."""
        await inbox.handle_waiting(self.shop, CHANNEL, _user_of(raw), self._handle_stored)

    async def _handle_stored(self, payload: dict) -> None:
        with self.metrics.handling(CHANNEL):  # timed, and counted with its outcome
            update = _parsed(payload, self.bot)
            if update is not None:
                await self.process(update)

    async def process(self, update: Update) -> None:
        if update.pre_checkout_query is not None:
            await self.pre_checkout(update.pre_checkout_query)
        elif update.callback_query is not None:
            await self.callback(update.callback_query)
        elif update.message is not None:
            await self.message(update.message)

    async def message(self, message: Message) -> None:
        user = message.from_user
        if user is None or user.is_bot or not await self._chat_allowed(message.chat.id, user.id):
            return
        base: dict[str, Any] = {
            "channel": CHANNEL,
            "user_id": str(user.id),
            "chat_id": str(message.chat.id),
            "locale": user.language_code or "",
            "name": user.first_name or "",
        }
        paid = message.successful_payment
        if paid is not None:
            event = PaymentEvent(
                order_code=paid.invoice_payload,
                amount=paid.total_amount,
                currency=paid.currency,
                provider="telegram",
                provider_charge_id=paid.provider_payment_charge_id,
                channel_charge_id=paid.telegram_payment_charge_id,
            )
            incoming = Incoming(**base, payment=event)
        elif message.contact is not None:
            incoming = Incoming(**base, contact_phone=message.contact.phone_number)
        elif message.location is not None:
            location = Location(message.location.latitude, message.location.longitude)
            incoming = Incoming(**base, location=location)
        elif message.photo:
            photo = Attachment("photo", message.photo[-1].file_id, message.caption or "")
            incoming = Incoming(**base, attachment=photo)
        elif message.document is not None and message.animation is None:  # a GIF has both
            document = Attachment("document", message.document.file_id, message.caption or "")
            incoming = Incoming(**base, attachment=document)
        else:
            ref = ""
            if message.reply_to_message is not None:
                ref = (
                    await inbox.ref_of(
                        self.shop,
                        CHANNEL,
                        str(message.chat.id),
                        str(message.reply_to_message.message_id),
                    )
                    or ""
                )
            incoming = Incoming(**base, text=message.text or message.caption or "", reply_ref=ref)
            if (message.text or "").startswith("/start") and await admins.is_admin(
                self.shop, CHANNEL, str(user.id)
            ):
                await self.set_admin_commands(user.id)
        await self.answer(message.chat.id, incoming, pressed=None)

    async def callback(self, query: CallbackQuery) -> None:
        # Answer first: the button stops spinning at once, whatever the handling takes.
        try:
            await self.bot.answer_callback_query(query.id)
        except TelegramBadRequest:
            log.info("callback %s was already answered or expired", query.id)
        if query.message is None:
            return  # a button on an inline message: the shop sends none, it isn't ours
        chat_id = query.message.chat.id
        if not await self._chat_allowed(chat_id, query.from_user.id):
            return
        incoming = Incoming(
            CHANNEL,
            str(query.from_user.id),
            str(chat_id),
            query.from_user.language_code or "",
            query.from_user.first_name or "",
            payload=query.data or "",
        )
        pressed = query.message if isinstance(query.message, Message) else None
        # Only a text menu can be edited into the next one (not a photo or a document).
        await self.answer(chat_id, incoming, pressed=pressed if pressed and pressed.text else None)

    async def pre_checkout(self, query: PreCheckoutQuery) -> None:
        """Telegram waits at most 10 s: check the order and answer, nothing else."""
        problem = await payments.check_payable(
            self.shop, query.invoice_payload, Money(query.total_amount, query.currency)
        )
        log_context.note_outcome("answered")  # Telegram's question, not the conversation's
        if problem is None:
            await self.bot.answer_pre_checkout_query(query.id, ok=True)
            return
        t = await self.translator(str(query.from_user.id), query.from_user.language_code)
        _ = t.gettext
        reasons = {
            "expired": _("This order expired before it was paid. Please order again."),
            "amount_changed": _("The total of this order changed. Please check out again."),
            "unknown_order": _("This order no longer exists. Please order again."),
        }
        message = reasons.get(problem, _("This order can no longer be paid."))
        await self.bot.answer_pre_checkout_query(query.id, ok=False, error_message=message)

    async def _chat_allowed(self, chat_id: int, user_id: int) -> bool:
        """Private chats; in the admin group (when configured), the admins only."""
        if chat_id == user_id:
            return True
        if self.admin_chat_id is None or chat_id != self.admin_chat_id:
            return False
        return await admins.is_admin(self.shop, CHANNEL, str(user_id))

    async def answer(self, chat_id: int, incoming: Incoming, *, pressed: Message | None) -> None:
        replies = await self.conversation.handle(incoming)
        if replies:
            t = Translator(replies[0].locale, self.shop.settings.store_country)
            await self.send(chat_id, replies, t, pressed=pressed, paced=False)

    async def translator(self, user_id: str, language_code: str | None) -> Translator:
        customer = await customers.identify(self.shop, CHANNEL, user_id)
        fallback = pick_locale(language_code, self.shop.settings.default_locale)
        return Translator(customer.locale or fallback, self.shop.settings.store_country)

    async def send(
        self,
        chat_id: int,
        replies: list[Reply],
        t: Translator,
        *,
        pressed: Message | None = None,
        paced: bool,
        pieces: Pieces | None = None,
    ) -> None:
        renderer = TelegramRenderer(self.bot, self.payment_token, self.limiter, paced, pieces)
        for message_id, reply in await renderer.send(chat_id, replies, t, pressed=pressed):
            if reply.ref:
                await inbox.remember_message(
                    self.shop, CHANNEL, str(chat_id), str(message_id), reply.ref
                )

    # -- the dispatcher's Sender ---------------------------------------------------------

    async def deliver(self, address: str, replies: list[Reply], pieces: Pieces) -> None:
        """Every Bot API call is a piece: one sent before is not sent again."""
        if replies and replies[0].locale:
            t = Translator(replies[0].locale, self.shop.settings.store_country)
        else:
            t = await self.translator(address, None)
        try:
            await self.send(int(address), replies, t, paced=True, pieces=pieces)
        except TelegramRetryAfter as error:
            raise TemporaryFailure(str(error), retry_after=error.retry_after) from error
        except (TelegramServerError, TelegramNetworkError, TimeoutError) as error:
            raise TemporaryFailure(str(error)) from error
        except TelegramForbiddenError as error:
            await customers.mark_unreachable(self.shop, CHANNEL, address)
            raise PermanentFailure(str(error)) from error
        except TelegramBadRequest as error:
            raise PermanentFailure(str(error)) from error

    # -- running ---------------------------------------------------------------------------

    async def poll(self, stop: asyncio.Event) -> None:
        """Long polling: Telegram keeps an update until a later offset confirms it."""
        await self.bot.delete_webhook(drop_pending_updates=False)
        await self.resume_unhandled()
        offset: int | None = None
        failures = 0
        while not stop.is_set():
            try:
                asked = GetRawUpdates(
                    offset=offset, timeout=POLL_TIMEOUT, allowed_updates=ALLOWED_UPDATES
                )
                updates = await self.bot(asked)
                failures = 0
            except (TelegramNetworkError, TelegramServerError, TelegramRetryAfter) as error:
                failures += 1
                wait = getattr(error, "retry_after", None) or min(2**failures, 60)
                log.warning("getUpdates failed (%s); again in %ss", error, wait)
                await asyncio.sleep(wait)
                continue
            for raw in updates:
                try:
                    await self.receive(raw)
                except StoreUnavailable:
                    # Not written down: don't confirm it; Telegram gives it again.
                    log.warning("database unavailable; polling again in a moment")
                    await asyncio.sleep(1)
                    break
                offset = int(raw["update_id"]) + 1

    async def set_webhook(self, url: str, secret: str) -> None:
        await self.bot.set_webhook(
            url, secret_token=secret, allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False
        )

    async def set_commands(self) -> None:
        """The command menu per language; admins see theirs in their own chats."""
        for language in ("es", "en"):
            t = Translator(language)
            customer_menu = _customer_commands(t)
            await self.bot.set_my_commands(
                customer_menu, scope=BotCommandScopeDefault(), language_code=language
            )
        for channel, user_id, _source in await admins.list_admins(self.shop):
            if channel != CHANNEL or not user_id.lstrip("-").isdecimal():
                continue
            if await customers.has_written(self.shop, CHANNEL, user_id):
                await self.set_admin_commands(int(user_id))
        await self.bot.set_my_commands(
            _customer_commands(Translator(self.shop.settings.default_locale)),
            scope=BotCommandScopeDefault(),
        )

    async def set_admin_commands(self, chat_id: int) -> None:
        """An admin's own command menu; Telegram only allows it once they opened the bot,
        so it is also set when an admin sends /start."""
        for language in ("es", "en"):
            try:
                await self.bot.set_my_commands(
                    _admin_commands(Translator(language)),
                    scope=BotCommandScopeChat(chat_id=chat_id),
                    language_code=language,
                )
            except (TelegramBadRequest, TelegramForbiddenError) as error:
                log.info("no admin menu for %s yet: %s", chat_id, error)
                return

    async def close(self) -> None:
        await self.drain()
        await self.bot.session.close()


def _kind_of(raw: dict) -> str:
    """An update's kind: the one field beside update_id ("message", "poll"...)."""
    return next((key for key in raw if key != "update_id"), "")


def _wanted(raw: dict) -> bool:
    """Of a kind the shop handles, and not a message that is only Telegram's notice."""
    kind = _kind_of(raw)
    if kind not in ALLOWED_UPDATES or not isinstance(raw[kind], dict):
        return False
    return kind != "message" or not SERVICE_FIELDS & raw[kind].keys()


def _parsed(raw: dict, bot: Bot) -> Update | None:
    """The update as aiogram's models read it; when they can't read all of it (a payload
    of another Bot API version), only the parts the shop uses, then only who wrote: a
    person who wrote still gets an answer. None when not even that can be read."""
    for keep in (None, MESSAGE_READ, MESSAGE_IDENTITY):
        try:
            return Update.model_validate(_only(raw, keep), context={"bot": bot})
        except ValidationError as error:
            log.warning(
                "telegram update %s: %d fields can't be read (%s)",
                raw.get("update_id"),
                error.error_count(),
                error.errors()[0]["loc"],
            )
    log.warning("telegram update %s names nobody who can be answered", raw.get("update_id"))
    return None


def _only(raw: dict, keep: frozenset[str] | None) -> dict:
    """The update with its messages (also the one a button is on, and the one answered)
    cut down to these fields; None keeps everything."""
    if keep is None:
        return raw

    def cut(message: object, fields: frozenset[str]) -> object:
        if not isinstance(message, dict):
            return message
        kept = {key: value for key, value in message.items() if key in fields}
        if "reply_to_message" in kept:
            kept["reply_to_message"] = cut(kept["reply_to_message"], MESSAGE_IDENTITY)
        return kept

    update = dict(raw)
    if "message" in update:
        update["message"] = cut(update["message"], keep)
    if isinstance(update.get("callback_query"), dict):
        query = dict(update["callback_query"])
        if "message" in query:
            query["message"] = cut(query["message"], keep)
        update["callback_query"] = query
    return update


def _user_of(raw: dict) -> str:
    """Whose update this is (their updates are handled in order); "" for nobody's."""
    content = raw.get(_kind_of(raw))
    sender = content.get("from") if isinstance(content, dict) else None
    return str(sender.get("id", "")) if isinstance(sender, dict) else ""


def _customer_commands(t: Translator) -> list[BotCommand]:
    return _command_menu(t, Audience.CUSTOMER)


def _admin_commands(t: Translator) -> list[BotCommand]:
    return _command_menu(t, Audience.ADMIN)


def _command_menu(t: Translator, audience: Audience) -> list[BotCommand]:
    """The command menu in t's language, from the catalogue (handlers/commands.py)."""
    return [
        BotCommand(command=name, description=t.gettext(description))
        for name, description in commands.menu(audience, t.locale)
    ]
