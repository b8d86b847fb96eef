"""The WhatsApp channel's settings (WHATSAPP_*, ADMIN_WHATSAPP_NUMBERS)."""

from __future__ import annotations

import re
from typing import Annotated, ClassVar, Self

from pydantic import Field, field_validator, model_validator
from pydantic_settings import NoDecode

from bot.channels import ChannelSettings, comma_list


class WhatsAppSettings(ChannelSettings):
    secret_fields: ClassVar[frozenset[str]] = frozenset(
        {"whatsapp_token", "whatsapp_app_secret", "whatsapp_verify_token"}
    )

    # WhatsApp Cloud API: the phone id and token turn the channel on.
    whatsapp_phone_id: str = ""
    whatsapp_token: str = ""
    whatsapp_verify_token: str = ""
    whatsapp_app_secret: str = ""
    whatsapp_api_url: str = "https://graph.facebook.com"
    # The number customers write to, as they dial it (+52 55 1234 5678): the tracking
    # page's "back to the chat" button opens https://wa.me/<its digits>. Empty: no button.
    whatsapp_display_number: str = ""
    whatsapp_template_name: str = "pedido_actualizacion"
    whatsapp_template_languages: dict[str, str] = Field(
        default_factory=lambda: {"es": "es_MX", "en": "en_US"}
    )
    whatsapp_global_per_second: float = Field(default=80.0, gt=0)
    whatsapp_per_user_per_second: float = Field(default=1.0, gt=0)
    # Comma-separated; more can be added with `pedidos admin add`.
    admin_whatsapp_numbers: Annotated[list[str], NoDecode] = Field(default_factory=list)

    @field_validator("admin_whatsapp_numbers", mode="before")
    @classmethod
    def _comma_list(cls, value: object) -> object:
        return comma_list(value)

    @field_validator("whatsapp_display_number")
    @classmethod
    def _phone_number(cls, value: str) -> str:
        digits = re.sub(r"[\s().-]", "", value).removeprefix("+")
        if digits and not re.fullmatch(r"[0-9]{8,15}", digits):
            raise ValueError("a phone number with its country code, e.g. +52 55 1234 5678")
        return digits

    def chat_link(self) -> str:
        """Where a customer opens the chat with the shop ("" when the number is not set)."""
        number = self.whatsapp_display_number
        return f"https://wa.me/{number}" if number else ""

    @property
    def whatsapp_configured(self) -> bool:
        return bool(self.whatsapp_phone_id and self.whatsapp_token)

    @model_validator(mode="after")
    def _whatsapp_is_signed(self) -> Self:
        # Without the app secret no webhook call can be verified: anyone could write as
        # any customer or admin.
        if self.whatsapp_configured and not self.whatsapp_app_secret:
            raise ValueError(
                "WHATSAPP_APP_SECRET is required when WhatsApp is on (WHATSAPP_PHONE_ID and "
                "WHATSAPP_TOKEN are set): every webhook call is verified with it"
            )
        return self
