"""The shop's settings from the environment and `.env`, read once by the composition
root. Each chat channel reads its own (bot/<channel>/settings.py), with `read_settings`."""

from __future__ import annotations

import re
from collections.abc import Collection
from decimal import Decimal
from typing import Annotated, Literal, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.domain.errors import InvalidAmount
from core.domain.money import Money
from core.domain.opening_hours import BadOpeningHours, OpeningHours
from core.domain.pricing import BASIS_POINTS, PricingPolicy, ShippingOption
from core.domain.shipping_zones import ShippingZone, fold_place


class ShippingMethodSetting(BaseModel):
    fee: Decimal = Field(ge=0)  # major units, "99.00"
    min_days: int = Field(ge=0)
    max_days: int = Field(ge=0)

    @model_validator(mode="after")
    def _days_in_order(self) -> ShippingMethodSetting:
        if self.max_days < self.min_days:
            raise ValueError("max_days must be >= min_days")
        return self


class ShippingZoneSetting(BaseModel):
    """Places (states, provinces, cities) and postal-code prefixes with their own fees."""

    name: str = Field(min_length=1, max_length=60)
    places: list[str] = Field(default_factory=list)
    postal_prefixes: list[Annotated[str, Field(pattern=r"^[0-9]{1,5}$")]] = Field(
        default_factory=list
    )
    methods: dict[str, ShippingMethodSetting]

    @model_validator(mode="after")
    def _names_somewhere(self) -> ShippingZoneSetting:
        if not self.places and not self.postal_prefixes:
            raise ValueError(f"zone {self.name!r} names no place and no postal-code prefix")
        if not self.methods:
            raise ValueError(f"zone {self.name!r} has no shipping method")
        return self


DEFAULT_SHIPPING = {
    "standard": ShippingMethodSetting(fee=Decimal("99.00"), min_days=3, max_days=5),
    "express": ShippingMethodSetting(fee=Decimal("199.00"), min_days=1, max_days=2),
}


DEMO_BANK_TRANSFER_DETAILS = "Banco Demo · CLABE 002180000000000000 · Tienda Demo"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", env_file_encoding="utf-8")

    database_url: str = "sqlite+aiosqlite:///./pedidos.db"
    store_name: str = "Tienda Demo"
    store_address: str = "Av. Juárez 100, Centro, 06000 Ciudad de México, CDMX, México"
    store_phone: str = ""
    # The shop's tax id (RFC in Mexico, NIF in Spain), printed on receipts; optional.
    store_tax_id: str = Field(default="", max_length=40)
    # Send the customer their receipt (PDF) with the "delivered" message.
    receipt_on_delivery: bool = False
    # Opening hours by day or range of days (mon..sun); days not named are closed.
    store_hours: dict[str, str] = Field(
        default_factory=lambda: {"mon-fri": "09:00-18:00", "sat": "10:00-14:00"}
    )
    # The merchant's own words on returns, shown after the return window (optional).
    return_policy: str = Field(default="", max_length=1000)
    store_timezone: str = "America/Mexico_City"
    store_country: str = Field(default="MX", pattern=r"^[A-Za-z]{2}$")  # formats prices
    currency: str = "MXN"
    default_locale: Literal["es", "en"] = "es"
    tax_rate: Decimal = Field(default=Decimal("0.16"), ge=0, lt=1)
    prices_include_tax: bool = True
    shipping_methods: dict[str, ShippingMethodSetting] = Field(
        default_factory=lambda: dict(DEFAULT_SHIPPING)
    )
    # Fees and days by destination; places no zone names pay SHIPPING_METHODS.
    shipping_zones: list[ShippingZoneSetting] = Field(default_factory=list)
    free_shipping_threshold: Decimal | None = Field(default=Decimal("999.00"), ge=0)
    reservation_expiry_minutes: int = Field(default=30, gt=0, le=7 * 24 * 60)
    return_window_days: int = Field(default=30, ge=0, le=365)
    # Where customers send returned items; told when a return is approved. Empty: they
    # are told the shop will send it, and the admins are asked to (docs/architecture.md).
    return_address: str = Field(default="", max_length=500)
    low_stock_threshold: int = Field(default=3, ge=0)
    # Reorder suggestions (/reabastecer, docs/purchasing.md) cover the supplier's lead
    # time plus this many days of sales, against sales running faster than the last 28 days.
    reorder_safety_days: int = Field(default=7, ge=0, le=365)
    auto_confirm_paid_orders: bool = True
    # Stock hoarding: a customer with this many open orders not yet paid (card orders
    # awaiting payment, cash on delivery / transfer the shop has not been paid for and
    # not confirmed) must pay or cancel one before placing another.
    max_open_unpaid_orders: int = Field(default=3, ge=1, le=10_000)
    # Cash on delivery / transfer orders the shop has not confirmed this long after
    # checkout are released (stock back, customer told). The customer and the admins are
    # reminded UNCONFIRMED_ORDER_REMINDER_HOURS before, and the customer always gets at
    # least that much notice.
    unconfirmed_order_expiry_hours: int = Field(default=48, ge=2, le=30 * 24)
    unconfirmed_order_reminder_hours: int = Field(default=12, ge=1, le=30 * 24 - 1)
    bank_transfer_details: str = DEMO_BANK_TRANSFER_DETAILS  # a placeholder to replace
    # How long a dispatcher holds an outbox row it is sending before another may take it.
    outbox_lease_seconds: int = Field(default=60, ge=1, le=3600)
    # An update received but not handled this long (its worker died) is handled by
    # another worker.
    inbox_retry_seconds: int = Field(default=30, ge=1, le=3600)
    # Handled updates (the people's messages as the channel delivered them) are deleted
    # after this many days. At least 8: WhatsApp delivers a webhook again for up to 7
    # days, and the inbox is how a repeated delivery is recognised.
    inbox_keep_days: int = Field(default=14, ge=8, le=3650)
    # Personal data nobody needs any more is deleted after this many days: a checkout
    # left half-way (the name, phone and address typed so far) and any other
    # conversation state untouched that long, and updates that were never handled.
    abandoned_data_keep_days: int = Field(default=30, ge=1, le=3650)
    # Where customers read the shop's privacy notice (aviso de privacidad); empty: the
    # bot names the shop (STORE_NAME, STORE_PHONE) as the one to ask.
    privacy_notice_url: str = ""
    # Incoming messages per person (token bucket, per worker): INCOMING_BURST at once,
    # then INCOMING_PER_MINUTE. Above it a person gets one polite "slow down" and
    # silence; nothing they send meanwhile is handled. Admins are not limited.
    incoming_per_minute: int = Field(default=600, ge=1, le=60_000)
    incoming_burst: int = Field(default=30, ge=1, le=1_000_000)
    # REST API calls per key (token bucket, per worker, like the one above): API_BURST
    # at once, then API_REQUESTS_PER_MINUTE; over it the answer is 429 with Retry-After.
    api_requests_per_minute: int = Field(default=600, ge=1, le=600_000)
    api_burst: int = Field(default=60, ge=1, le=1_000_000)
    # The web app (webhooks, health, the tracking pages, the web chat).
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)  # 0: any free port (logged at start)
    # The address customers reach the web app at (https://shop.example): tracking links
    # and the web chat's embed script are written with it. Empty: http://HOST:PORT.
    public_url: str = ""
    # Signs the web chat's cookie and the tracking links. Empty: the shop makes one and
    # keeps it in the database; changing it invalidates every link and web session.
    web_secret: str = Field(default="", repr=False)
    # A finished order's tracking page (delivered, cancelled, expired) answers this many
    # days after its last change; then the link is a plain "not found".
    tracking_link_days: int = Field(default=90, ge=1, le=3650)
    # Operations (docs/operations.md): "json" writes one JSON object per log line, with
    # the update id, channel and order code as fields; "text" the usual lines.
    log_format: Literal["text", "json"] = "text"
    # When set, /metrics answers only `Authorization: Bearer <METRICS_TOKEN>`.
    metrics_token: str = ""
    # Outgoing webhooks (docs/webhooks.md) go only to public internet addresses: not to
    # this machine, a private network or the cloud's metadata service, which a receiver's
    # answer would let an API key read. true: a developer's receiver on their own machine.
    webhooks_allow_private_addresses: bool = False

    @field_validator("log_format", mode="before")
    @classmethod
    def _format_name(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("metrics_token")
    @classmethod
    def _no_blank_token(cls, value: str) -> str:
        # A token of blanks is no token: /metrics would be open to "Bearer  ".
        return value.strip()

    @field_validator("public_url")
    @classmethod
    def _site_address(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", value):
            raise ValueError("must be a web address such as https://shop.example (or empty)")
        return value

    def web_address(self) -> str:
        """Where people open the web app: PUBLIC_URL, or this machine's HOST:PORT."""
        if self.public_url:
            return self.public_url
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host
        if ":" in host:  # an IPv6 address is written in brackets in a URL
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    @field_validator("privacy_notice_url")
    @classmethod
    def _web_address(cls, value: str) -> str:
        value = value.strip()
        if value and not re.fullmatch(r"https?://\S+", value):
            raise ValueError("must be a web address starting with https:// (or empty)")
        return value

    def placeholders_in_use(self) -> list[str]:
        """Demo values a shop open to real customers must replace (warned at start)."""
        if self.bank_transfer_details == DEMO_BANK_TRANSFER_DETAILS:
            return ["BANK_TRANSFER_DETAILS"]
        return []

    @model_validator(mode="after")
    def _reminder_before_expiry(self) -> Settings:
        if self.unconfirmed_order_reminder_hours >= self.unconfirmed_order_expiry_hours:
            raise ValueError(
                "UNCONFIRMED_ORDER_REMINDER_HOURS must be less than "
                "UNCONFIRMED_ORDER_EXPIRY_HOURS (the reminder comes before the release)"
            )
        return self

    @field_validator("store_hours")
    @classmethod
    def _readable_hours(cls, value: dict[str, str]) -> dict[str, str]:
        try:
            OpeningHours.parse(value)
        except BadOpeningHours as exc:
            raise ValueError(str(exc)) from None
        return value

    def opening_hours(self) -> OpeningHours:
        return OpeningHours.parse(self.store_hours)

    @field_validator("currency")
    @classmethod
    def _iso_currency(cls, value: str) -> str:
        value = value.strip().upper()
        if not re.fullmatch(r"[A-Z]{3}", value):
            raise ValueError("must be a 3-letter ISO 4217 code such as MXN or EUR")
        return value

    @field_validator("store_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("must be an IANA time zone such as America/Mexico_City") from None
        return value

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value

    @field_validator("tax_rate")
    @classmethod
    def _basis_points(cls, value: Decimal) -> Decimal:
        if (value * BASIS_POINTS) != (value * BASIS_POINTS).to_integral_value():
            raise ValueError("at most 4 decimals (0.16 = 16 %)")
        return value

    @field_validator("shipping_methods")
    @classmethod
    def _has_methods(cls, value: dict) -> dict:
        if not value:
            raise ValueError("at least one shipping method is needed")
        for code in value:
            if not re.fullmatch(r"[a-z][a-z0-9_]{0,19}", code):
                raise ValueError(f"method code {code!r}: lowercase letters, digits, _")
        return value

    @field_validator("shipping_zones")
    @classmethod
    def _zone_methods_are_known(cls, value: list, info: ValidationInfo) -> list:
        known = info.data.get("shipping_methods") or {}
        for zone in value:
            unknown = sorted(set(zone.methods) - set(known))
            if unknown:
                raise ValueError(
                    f"zone {zone.name!r}: methods {', '.join(unknown)} are not in SHIPPING_METHODS"
                )
        return value

    @field_validator("shipping_methods", "free_shipping_threshold", "shipping_zones")
    @classmethod
    def _amounts_fit_currency(cls, value: object, info: ValidationInfo) -> object:
        currency = info.data.get("currency", "MXN")
        if isinstance(value, dict):
            amounts = [m.fee for m in value.values()]
        elif isinstance(value, list):
            amounts = [m.fee for zone in value for m in zone.methods.values()]
        else:
            amounts = [] if value is None else [value]
        for amount in amounts:
            try:
                Money.from_major(amount, currency)
            except InvalidAmount:
                raise ValueError(
                    f"amount {amount} has more decimals than {currency} allows"
                ) from None
        return value

    def pricing_policy(self) -> PricingPolicy:
        threshold = self.free_shipping_threshold
        return PricingPolicy(
            currency=self.currency,
            tax_rate_bp=int(self.tax_rate * BASIS_POINTS),
            prices_include_tax=self.prices_include_tax,
            free_shipping_threshold=(
                None if threshold is None else Money.from_major(threshold, self.currency)
            ),
            shipping={
                code: ShippingOption(
                    code, Money.from_major(m.fee, self.currency), m.min_days, m.max_days
                )
                for code, m in self.shipping_methods.items()
            },
            zones=tuple(
                ShippingZone(
                    zone.name,
                    frozenset(fold_place(p) for p in zone.places),
                    tuple(zone.postal_prefixes),
                    {
                        code: ShippingOption(
                            code, Money.from_major(m.fee, self.currency), m.min_days, m.max_days
                        )
                        for code, m in zone.methods.items()
                    },
                )
                for zone in self.shipping_zones
            ),
        )


class SettingsError(Exception):
    """A setting is wrong; the message names it and says what is expected."""


S = TypeVar("S", bound=BaseSettings)


def load_settings(**overrides: object) -> Settings:
    return read_settings(Settings, SECRET_FIELDS, **overrides)


def read_settings(
    settings_class: type[S], secret_fields: Collection[str] = (), **overrides: object
) -> S:
    """These settings read and checked (the core's, or a channel's): a wrong one raises
    SettingsError naming it, without echoing a secret_fields value."""
    try:
        return settings_class(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            field = str(err["loc"][0]) if err["loc"] else ""
            if not field:  # a check across settings names them in its message; its
                # input is every setting, secrets included, so it is never shown
                problems.append(err["msg"].removeprefix("Value error, "))
                continue
            shown = "" if field in secret_fields else f" (got {err.get('input')!r})"
            problems.append(f"{field.upper()}: {err['msg']}{shown}")
        raise SettingsError("Invalid setting " + "; ".join(problems)) from None


# Never echoed in an error message: it may hold a password.
SECRET_FIELDS = frozenset({"database_url", "metrics_token", "web_secret"})
