"""The carrier tracking webhooks' settings (AFTERSHIP_WEBHOOK_SECRET,
TRACKING_WEBHOOK_SECRET). Each secret turns its webhook on; neither set, no route."""

from __future__ import annotations

import base64
import binascii
from typing import ClassVar, Self

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.settings import read_settings

SECRET_PREFIX = "whsec_"


class TrackingSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", env_file_encoding="utf-8")
    secret_fields: ClassVar[frozenset[str]] = frozenset(
        {"aftership_webhook_secret", "tracking_webhook_secret"}
    )

    # AfterShip (Tracking > Settings > Webhooks > Webhook secret): POST /webhooks/aftership.
    aftership_webhook_secret: str = ""
    # Any other tracking source, signed per the Standard Webhooks spec with this secret
    # ("whsec_" and base64): POST /webhooks/tracking.
    tracking_webhook_secret: str = ""

    @classmethod
    def load(cls, **overrides: object) -> Self:
        return read_settings(cls, cls.secret_fields, **overrides)

    @field_validator(*secret_fields)
    @classmethod
    def _no_blanks(cls, value: str) -> str:
        # A secret of blanks is no secret (anybody could sign with it).
        return value.strip()

    @field_validator("tracking_webhook_secret")
    @classmethod
    def _standard_webhooks_key(cls, value: str) -> str:
        """A key the spec's libraries read: base64 (after "whsec_") of 24 to 64 bytes. A
        mistyped one would refuse every call, so it is refused at start instead."""
        if not value:
            return value
        body = value.removeprefix(SECRET_PREFIX)
        try:
            key = base64.b64decode(body + "=" * (-len(body) % 4), validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("must be whsec_ followed by base64 (e.g. whsec_MfKQ9r8G...)") from None
        if not 24 <= len(key) <= 64:
            raise ValueError("must hold 24 to 64 bytes of key (base64 after whsec_)")
        return value

    @property
    def configured(self) -> bool:
        return bool(self.aftership_webhook_secret or self.tracking_webhook_secret)
