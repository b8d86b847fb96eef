"""The payment-link providers' settings (MERCADOPAGO_*, STRIPE_*, PUBLIC_URL)."""

from __future__ import annotations

import re
from typing import ClassVar, Self

from pydantic import field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.settings import read_settings

# http:// only for this machine (trying the webhooks locally, the tests).
_PUBLIC_URL = re.compile(
    r"^(https://[^\s/]+|http://(localhost|127\.0\.0\.1|\[::1\])(:\d+)?)(/\S*)?$"
)


class PaymentSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", env_file_encoding="utf-8")
    secret_fields: ClassVar[frozenset[str]] = frozenset(
        {
            "mercadopago_access_token",
            "mercadopago_webhook_secret",
            "stripe_secret_key",
            "stripe_webhook_secret",
        }
    )

    # Mercado Pago (Checkout Pro): the access token turns it on.
    mercadopago_access_token: str = ""
    mercadopago_webhook_secret: str = ""
    mercadopago_api_url: str = "https://api.mercadopago.com"
    # Stripe (Checkout): the secret key turns it on.
    stripe_secret_key: str = ""
    stripe_webhook_secret: str = ""
    stripe_api_url: str = "https://api.stripe.com"
    # Where this server is reached from the internet: the providers send their webhooks
    # to PUBLIC_URL/payments/<provider>/webhook and customers come back to it.
    public_url: str = ""

    @classmethod
    def load(cls, **overrides: object) -> Self:
        return read_settings(cls, cls.secret_fields, **overrides)

    @field_validator(*secret_fields)
    @classmethod
    def _no_blanks(cls, value: str) -> str:
        # Blanks pasted around a key are not part of it; a key of blanks is no key (a
        # webhook secret of spaces would be a key anyone can guess).
        return value.strip()

    @field_validator("public_url")
    @classmethod
    def _web_address(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and not _PUBLIC_URL.fullmatch(value):
            raise ValueError("must start with https:// (http:// only for localhost)")
        return value

    @model_validator(mode="after")
    def _whole_providers(self) -> PaymentSettings:
        """A provider half set up would take payments nobody hears about: name what is
        missing."""
        for provider, fields in (
            ("Mercado Pago", ("mercadopago_access_token", "mercadopago_webhook_secret")),
            ("Stripe", ("stripe_secret_key", "stripe_webhook_secret")),
        ):
            given = [name for name in fields if getattr(self, name)]
            if not given:
                continue
            missing = [name.upper() for name in fields if not getattr(self, name)]
            if not self.public_url:
                missing.append("PUBLIC_URL")
            if missing:
                raise ValueError(
                    f"{provider} is half configured: set {' and '.join(missing)} "
                    f"(or leave {fields[0].upper()} empty to turn it off)"
                )
        return self

    def configured(self) -> list[str]:
        """The providers turned on, in order of preference for new links."""
        names = []
        if self.mercadopago_access_token:
            names.append("mercadopago")
        if self.stripe_secret_key:
            names.append("stripe")
        return names
