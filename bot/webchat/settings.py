"""The web chat's settings (WEB_CHAT, WEB_CHAT_EMBED_ORIGINS, WEB_CHAT_PER_MINUTE,
WEB_CHAT_BURST, WEB_CHAT_NEW_SESSIONS_PER_MINUTE)."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import NoDecode

from bot.channels import ChannelSettings

# A site's origin: scheme, host and an optional port; no path (frame-ancestors takes it).
ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?")


class WebChatSettings(ChannelSettings):
    # The chat at /chat on the web app (and its embeddable script): on unless turned off.
    web_chat: bool = True
    # Sites allowed to show the chat in a frame (their pages use /chat/embed.js), as
    # origins: https://shop.example, https://www.shop.example. Empty: only this app.
    web_chat_embed_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Messages per visitor's session (per worker): WEB_CHAT_BURST at once, then
    # WEB_CHAT_PER_MINUTE; faster, the visitor is asked to slow down and nothing is handled.
    web_chat_per_minute: int = Field(default=60, ge=1, le=6000)
    web_chat_burst: int = Field(default=20, ge=1, le=10_000)
    # New visitors per client address (per worker): a session starts with its first
    # post, and beyond this many a minute (at once, then one every 60/N seconds) that
    # post is asked to slow down and nothing is stored, so one address cannot mint
    # visitors without end (nor dodge the per-session limit with fresh cookies).
    web_chat_new_sessions_per_minute: int = Field(default=30, ge=1, le=6000)

    @field_validator("web_chat_embed_origins", mode="before")
    @classmethod
    def _origins(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if not isinstance(value, list):
            return value
        origins = []
        for origin in value:
            origin = str(origin).strip().rstrip("/")
            if not ORIGIN.fullmatch(origin):
                raise ValueError(
                    f"{origin!r} is not a site's origin such as https://shop.example "
                    "(scheme and host, no path)"
                )
            origins.append(origin)
        return origins
