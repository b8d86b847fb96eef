"""The WhatsApp channel (pywa, Cloud API): settings, capabilities, webhook routes.

The work is done by bot/whatsapp/channel.py (messages in, the dispatcher's Sender) and
bot/whatsapp/render.py (replies within WhatsApp's limits); pywa (11 MiB) loads in
`open`, only when the channel runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from bot.channels import Capabilities, Channel, Live
from bot.whatsapp import render  # without pywa: its limits, no SDK
from bot.whatsapp.settings import WhatsAppSettings

if TYPE_CHECKING:
    from fastapi import APIRouter

    from bot.whatsapp.channel import WhatsAppChannel
    from core.services.context import Shop

# No settings change them: the running channel (bot/whatsapp/channel.py) reads them too.
CAPABILITIES = Capabilities(
    buttons_per_message=render.BUTTONS,
    list_rows=render.ROWS,
    text_limit=render.TEXT_LIMIT,
    payments=False,
    documents=True,
)


class WhatsApp(Channel):
    name = "whatsapp"
    settings_class = WhatsAppSettings
    person_ids_are_phone_numbers = True  # a wa_id is the person's number (or a BSUID)
    settings: WhatsAppSettings

    def capabilities(self) -> Capabilities:
        return CAPABILITIES

    def configured(self) -> bool:
        return self.settings.whatsapp_configured

    def admins(self) -> list[str]:
        return self.settings.admin_whatsapp_numbers

    def chat_link(self) -> str:
        return self.settings.chat_link()

    def router(self, live: Live | None) -> APIRouter:
        from bot.whatsapp.web import webhook_router

        return webhook_router(cast("WhatsAppChannel | None", live))

    def open(self, shop: Shop) -> WhatsAppChannel:
        from bot.whatsapp.channel import WhatsAppChannel

        return WhatsAppChannel(shop, self.settings)


CHANNEL = WhatsApp
