"""The Telegram channel (aiogram 3): settings, capabilities, webhook route, start.

The work is done by bot/telegram/channel.py (updates in, the dispatcher's Sender) and
bot/telegram/render.py (replies as Bot API calls); both need aiogram, which is loaded
by `open` (bot/telegram/models.py: its models built when first used), so nothing here
imports it.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, cast

from bot.channels import Capabilities, Channel, Live
from bot.telegram.settings import TelegramSettings

if TYPE_CHECKING:
    from fastapi import APIRouter

    from bot.telegram.channel import TelegramChannel
    from core.services.context import Shop


# The Bot API's limits, declared in the capabilities and kept by bot/telegram/render.py.
TEXT_LIMIT = 4096  # characters in a message
CAPTION_LIMIT = 1024  # characters under a document or photo


class Telegram(Channel):
    name = "telegram"
    settings_class = TelegramSettings
    settings: TelegramSettings

    def capabilities(self) -> Capabilities:
        return Capabilities(
            buttons_per_message=100,  # an inline keyboard's buttons
            list_rows=None,
            text_limit=TEXT_LIMIT,
            payments=bool(self.settings.telegram_payment_provider_token),
            documents=True,
        )

    def configured(self) -> bool:
        return bool(self.settings.telegram_bot_token)

    def admins(self) -> list[str]:
        return self.settings.admin_telegram_ids

    def chat_link(self) -> str:
        return self.settings.chat_link()

    def admin_group(self) -> str | None:
        group = self.settings.telegram_admin_chat_id
        return None if group is None else str(group)

    def router(self, live: Live | None) -> APIRouter:
        from bot.telegram.web import webhook_router

        return webhook_router(cast("TelegramChannel | None", live), self.settings.webhook_secret())

    def open(self, shop: Shop) -> TelegramChannel:
        from bot.telegram import models

        models.load_aiogram()  # before anything imports aiogram
        from bot.telegram.channel import TelegramChannel

        return TelegramChannel(shop, self.settings)

    async def start(
        self, live: Live, *, poll: bool, stop: asyncio.Event
    ) -> list[asyncio.Task[None]]:
        telegram = cast("TelegramChannel", live)
        settings = self.settings
        tasks = []
        await telegram.set_commands()
        if poll and not settings.telegram_webhook_url:
            tasks.append(asyncio.create_task(telegram.poll(stop), name="telegram-polling"))
        else:
            await telegram.set_webhook(settings.telegram_webhook_url, settings.webhook_secret())
            await telegram.resume_unhandled()
        telegram.build_models()  # now, not while the first customer waits
        return tasks


CHANNEL = Telegram
