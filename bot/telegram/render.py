"""Reply -> Telegram Bot API calls, within Telegram's limits: 4096-character texts
(longer ones are split on line boundaries), 1024-character captions (the rest follows
as a message), inline keyboards with callback data under 64 bytes (a reply's link is a
URL button in a row of its own, above them; a link to this machine, which Telegram
refuses as a button, is written in the text: bot/links.py), reply keyboards for sharing
a phone or a location, documents and invoices."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import TYPE_CHECKING

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramRetryAfter
from aiogram.types import (
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    LabeledPrice,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from bot.links import link_written_out
from bot.ratelimit import RateLimiter
from bot.telegram import CAPTION_LIMIT, TEXT_LIMIT
from bot.text import split_text
from handlers.i18n import Translator
from handlers.types import Reply

if TYPE_CHECKING:
    from bot.dispatcher import Pieces


def inline_keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    rows = [
        [InlineKeyboardButton(text=b.label[:64], callback_data=b.payload) for b in row]
        for row in reply.buttons
    ]
    if reply.link is not None:  # the page to open first, alone in its row
        rows.insert(0, [InlineKeyboardButton(text=reply.link.label[:64], url=reply.link.url)])
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


def share_keyboard(t: Translator, reply: Reply) -> ReplyKeyboardMarkup:
    _ = t.gettext
    buttons = []
    if reply.request_contact:
        buttons.append(KeyboardButton(text=_("Share my phone number"), request_contact=True))
    if reply.request_location:
        buttons.append(KeyboardButton(text=_("Share my location"), request_location=True))
    return ReplyKeyboardMarkup(keyboard=[buttons], resize_keyboard=True, one_time_keyboard=True)


class TelegramRenderer:
    """Sends one batch of replies; every API call first waits its turn with the limiter
    (paced: the per-chat limit applies too, as for notifications). With `pieces` (an
    outbox row's), every API call is one piece: those an earlier attempt sent are skipped
    (no call, no turn; None where a Message would be) and each sent one is counted."""

    def __init__(
        self,
        bot: Bot,
        payment_token: str,
        limiter: RateLimiter,
        paced: bool,
        pieces: Pieces | None = None,
    ) -> None:
        self.bot = bot
        self.payment_token = payment_token
        self.limiter = limiter
        self.paced = paced
        self.pieces = pieces

    async def _turn(self, chat_id: int) -> None:
        await self.limiter.wait(chat_id, paced=self.paced)

    async def _call(self, target: int, method, **params):
        if self.pieces is None:
            return await self._attempt(target, method, **params)
        return await self.pieces.send(lambda: self._attempt(target, method, **params))

    async def _attempt(self, target: int, method, **params):
        """One Bot API call in its turn. An answer to a person that meets Telegram's
        flood control waits retry_after and goes again (a notification instead goes back
        to the outbox, which waits for it)."""
        for attempt in range(3):
            await self._turn(target)
            try:
                return await method(**params)
            except TelegramRetryAfter as error:
                if self.paced or attempt == 2:
                    raise
                await asyncio.sleep(error.retry_after)
        raise AssertionError("unreachable")

    async def send(
        self, chat_id: int, replies: list[Reply], t: Translator, *, pressed: Message | None
    ) -> list[tuple[int, Reply]]:
        """Send the replies; the first one replaces the pressed text menu in place.
        Returns (message id, reply) of what is now on the screen."""
        sent: list[tuple[int, Reply]] = []
        for index, reply in enumerate(replies):
            reply = link_written_out(reply)  # a link Telegram refuses as a button
            if index == 0 and pressed is not None and self._editable(reply):
                await self._edit(chat_id, pressed, reply)
                sent.append((pressed.message_id, reply))
                continue
            shown = await self._send_one(chat_id, reply, t)
            sent += [(m.message_id, reply) for m in shown if m is not None]  # None: sent before
        return sent

    @staticmethod
    def _editable(reply: Reply) -> bool:
        plain = not (reply.image_url or reply.document or reply.invoice)
        fits = len(reply.text.strip()) > 0 and len(reply.text) <= TEXT_LIMIT
        return plain and fits and not (reply.request_contact or reply.request_location)

    async def _edit(self, chat_id: int, pressed: Message, reply: Reply) -> None:
        markup = inline_keyboard(reply)
        if pressed.text == reply.text and pressed.reply_markup == markup:
            return  # it already shows exactly this (Telegram would refuse the edit)
        try:
            await self._call(
                chat_id,
                self.bot.edit_message_text,
                chat_id=chat_id,
                message_id=pressed.message_id,
                text=reply.text,
                reply_markup=markup,
            )
        except TelegramBadRequest as error:
            # Telegram hands a link back normalised ("https://x.mx" as "https://x.mx/"),
            # so the comparison above can miss a message that already shows this.
            if "message is not modified" not in error.message:
                raise

    async def _send_one(self, chat_id: int, reply: Reply, t: Translator) -> list[Message | None]:
        markup = inline_keyboard(reply)
        if reply.link is not None and not reply.text.strip():
            # A button needs a message to sit on: the link's label is that message.
            reply = replace(reply, text=reply.link.label)
        if reply.invoice is not None:
            return [await self._invoice(chat_id, reply, t)]
        if reply.document is not None:
            caption, rest = _caption(reply.text)
            message = await self._call(
                chat_id,
                self.bot.send_document,
                chat_id=chat_id,
                document=BufferedInputFile(reply.document.content, reply.document.filename),
                caption=caption or None,
                reply_markup=None if rest else markup,
            )
            return [message, *await self._texts(chat_id, rest, markup)]
        if reply.image_url:
            caption, rest = _caption(reply.text)
            message = await self._call(
                chat_id,
                self.bot.send_photo,
                chat_id=chat_id,
                photo=reply.image_url,
                caption=caption or None,
                reply_markup=None if rest else markup,
            )
            return [message, *await self._texts(chat_id, rest, markup)]
        sent = await self._texts(chat_id, reply.text, markup)
        if reply.request_contact or reply.request_location:
            hint = t.gettext("Or use the button below.")
            sent.append(
                await self._call(
                    chat_id,
                    self.bot.send_message,
                    chat_id=chat_id,
                    text=hint,
                    reply_markup=share_keyboard(t, reply),
                )
            )
        elif reply.remove_keyboard:
            sent.append(
                await self._call(
                    chat_id,
                    self.bot.send_message,
                    chat_id=chat_id,
                    text=t.gettext("OK."),
                    reply_markup=ReplyKeyboardRemove(),
                )
            )
        return sent

    async def _texts(self, chat_id: int, text: str, markup) -> list[Message | None]:
        if not text.strip():
            return []
        pieces = split_text(text, TEXT_LIMIT)
        messages = []
        for number, piece in enumerate(pieces, 1):
            messages.append(
                await self._call(
                    chat_id,
                    self.bot.send_message,
                    chat_id=chat_id,
                    text=piece,
                    reply_markup=markup if number == len(pieces) else None,
                )
            )
        return messages

    async def _invoice(self, chat_id: int, reply: Reply, t: Translator) -> Message | None:
        invoice = reply.invoice
        assert invoice is not None
        if reply.text.strip():  # its link, if any, rides on the text (the invoice pays)
            link = replace(reply, buttons=[]) if reply.link is not None else None
            await self._texts(chat_id, reply.text, inline_keyboard(link) if link else None)
        return await self._call(
            chat_id,
            self.bot.send_invoice,
            chat_id=chat_id,
            title=invoice.title[:32],
            description=invoice.description[:255],
            payload=invoice.order_code,  # a reference to the order, far under 128 bytes
            provider_token=self.payment_token,
            currency=invoice.currency,
            prices=[LabeledPrice(label=invoice.description[:32], amount=invoice.amount)],
        )


def _caption(text: str) -> tuple[str, str]:
    """(caption, rest): a caption up to 1024 characters; longer text follows after."""
    if len(text) <= CAPTION_LIMIT:
        return text, ""
    return "", text
