"""The web chat as a channel: the shop's conversation at /chat on the web app, and as a
floating chat box a shop puts on its own site (/chat/embed.js). No account, no SDK: a
visitor is known by a signed cookie (bot/webchat/session.py).

The work is done by bot/webchat/channel.py (messages in through the inbox, answers and
outbox news written to the visitor's transcript) and bot/webchat/web.py (the page, the
form posts, the live stream, the downloads); the transcript is rendered by
bot/webchat/render.py with the templates beside it.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, cast

from bot.channels import Capabilities, Channel, Live
from bot.webchat.settings import WebChatSettings

if TYPE_CHECKING:
    from fastapi import APIRouter

    from bot.webchat.channel import WebChatLive
    from core.services.context import Shop

# No settings change them: the running channel (bot/webchat/channel.py) reads them too.
CAPABILITIES = Capabilities(
    buttons_per_message=None,  # a page shows every button a reply has
    list_rows=None,
    text_limit=None,
    payments=False,  # a card is paid through a payment link (a Link), never inside
    documents=True,  # downloads: /chat/files/<id>
)


class WebChat(Channel):
    name = "web"
    settings_class = WebChatSettings
    # On by default and no messaging platform: `pedidos run` still opens the terminal
    # chat when no platform is set up.
    platform = False
    settings: WebChatSettings

    def capabilities(self) -> Capabilities:
        return CAPABILITIES

    def configured(self) -> bool:
        return self.settings.web_chat

    def chat_link(self) -> str:
        return "/chat"  # this web app's own page

    def router(self, live: Live | None) -> APIRouter:
        from bot.webchat.web import chat_router

        return chat_router(cast("WebChatLive | None", live), self.settings)

    def open(self, shop: Shop) -> WebChatLive:
        from bot.webchat.channel import WebChatLive

        return WebChatLive(shop, self.settings)

    async def start(
        self, live: Live, *, poll: bool, stop: asyncio.Event
    ) -> list[asyncio.Task[None]]:
        # The live streams end when the shop stops: the web server waits for every open
        # request before it stops, and a stream would otherwise run to its end.
        cast("WebChatLive", live).stopping = stop
        return await super().start(live, poll=poll, stop=stop)


CHANNEL = WebChat
