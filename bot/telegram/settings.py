"""The Telegram channel's settings (TELEGRAM_*, ADMIN_TELEGRAM_IDS)."""

from __future__ import annotations

import hashlib
from typing import Annotated, ClassVar

from pydantic import Field, field_validator
from pydantic_settings import NoDecode

from bot.channels import ChannelSettings, comma_list


class TelegramSettings(ChannelSettings):
    secret_fields: ClassVar[frozenset[str]] = frozenset(
        {"telegram_bot_token", "telegram_payment_provider_token", "telegram_webhook_secret"}
    )

    # A token turns the channel on. Long polling unless a webhook URL is set.
    telegram_bot_token: str = ""
    telegram_api_url: str = "https://api.telegram.org"
    telegram_payment_provider_token: str = ""
    telegram_admin_chat_id: int | None = None
    # The bot's @username (without the @): the tracking page's "back to the chat" button
    # opens https://t.me/<username>. Empty: no button for Telegram customers.
    telegram_bot_username: str = Field(default="", pattern=r"^@?([A-Za-z0-9_]{5,32})?$")
    telegram_webhook_url: str = ""
    telegram_webhook_secret: str = Field(default="", pattern=r"^[A-Za-z0-9_-]{0,256}$")
    telegram_per_chat_per_second: float = Field(default=1.0, gt=0)
    telegram_global_per_second: float = Field(default=30.0, gt=0)
    # Comma-separated; more can be added with `pedidos admin add`.
    admin_telegram_ids: Annotated[list[str], NoDecode] = Field(default_factory=list)

    @field_validator("admin_telegram_ids", mode="before")
    @classmethod
    def _comma_list(cls, value: object) -> object:
        return comma_list(value)

    @field_validator("admin_telegram_ids")
    @classmethod
    def _numeric_ids(cls, value: list[str]) -> list[str]:
        if any(not part.lstrip("-").isdecimal() for part in value):
            raise ValueError("comma-separated numeric Telegram user ids, e.g. 12345,67890")
        return value

    @field_validator("telegram_admin_chat_id", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("telegram_bot_username")
    @classmethod
    def _without_at(cls, value: str) -> str:
        return value.removeprefix("@")

    def chat_link(self) -> str:
        """Where a customer opens the chat with the bot ("" when the username is not set)."""
        return f"https://t.me/{self.telegram_bot_username}" if self.telegram_bot_username else ""

    def webhook_secret(self) -> str:
        """The secret Telegram sends back with each webhook call: the setting, or one
        derived from the token (stable across restarts and workers)."""
        if self.telegram_webhook_secret:
            return self.telegram_webhook_secret
        if not self.telegram_bot_token:
            return ""  # no channel, nothing to verify: the check refuses an empty secret
        return hashlib.sha256(b"pedidos-webhook:" + self.telegram_bot_token.encode()).hexdigest()
