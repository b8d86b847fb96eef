"""Settings: sensible defaults, and a wrong value is named in the error."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from bot.channels import channel_classes, load_channels
from bot.telegram.settings import TelegramSettings
from bot.whatsapp.settings import WhatsAppSettings
from core.domain.money import Money
from core.domain.pricing import ShippingOption
from core.settings import Settings, SettingsError, load_settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No setting from the machine running the tests leaks in."""
    classes = [Settings, *(channel.settings_class for channel in channel_classes())]
    for name in (name for settings in classes for name in settings.model_fields):
        monkeypatch.delenv(name.upper(), raising=False)
        monkeypatch.delenv(name, raising=False)


def load() -> Settings:
    """The settings as `pedidos` reads them at start: the core's, then each channel's."""
    settings = load_settings(_env_file=None)
    load_channels()  # no .env: the tests' conftest turned it off for every channel
    return settings


def error_of(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> str:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load()
    return str(caught.value)


def test_defaults_are_a_mexican_shop_in_spanish_on_sqlite():
    settings = load()
    assert settings.currency == "MXN"
    assert settings.default_locale == "es"
    assert settings.tax_rate == Decimal("0.16")
    assert settings.prices_include_tax is True
    assert settings.database_url.startswith("sqlite+aiosqlite://")
    assert settings.store_timezone == "America/Mexico_City"


def test_the_default_pricing_policy_is_in_minor_units():
    policy = load().pricing_policy()
    assert policy.currency == "MXN"
    assert policy.tax_rate_bp == 1600
    assert policy.prices_include_tax is True
    assert policy.free_shipping_threshold == Money(99900, "MXN")
    assert policy.shipping == {
        "standard": ShippingOption("standard", Money(9900, "MXN"), 3, 5),
        "express": ShippingOption("express", Money(19900, "MXN"), 1, 2),
    }


def test_settings_are_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("CURRENCY", "eur")
    monkeypatch.setenv("TAX_RATE", "0.21")
    monkeypatch.setenv("PRICES_INCLUDE_TAX", "false")
    monkeypatch.setenv("FREE_SHIPPING_THRESHOLD", "50")
    settings = load()
    assert settings.currency == "EUR"
    policy = settings.pricing_policy()
    assert policy.tax_rate_bp == 2100
    assert policy.prices_include_tax is False
    assert policy.free_shipping_threshold == Money(5000, "EUR")


def test_a_tax_rate_that_is_not_a_number_is_named(monkeypatch):
    message = error_of(monkeypatch, "TAX_RATE", "abc")
    assert "TAX_RATE" in message
    assert "abc" in message


@pytest.mark.parametrize("rate", ["1", "1.5", "-0.01", "0.16005"])
def test_a_tax_rate_out_of_range_or_finer_than_a_basis_point_is_named(monkeypatch, rate):
    assert "TAX_RATE" in error_of(monkeypatch, "TAX_RATE", rate)


def test_a_currency_that_is_not_an_iso_code_is_named(monkeypatch):
    message = error_of(monkeypatch, "CURRENCY", "pesos")
    assert "CURRENCY" in message
    assert "pesos" in message


def test_a_shipping_fee_finer_than_a_cent_is_named_by_its_amount(monkeypatch):
    methods = {"standard": {"fee": "99.999", "min_days": 1, "max_days": 2}}
    message = error_of(monkeypatch, "SHIPPING_METHODS", json.dumps(methods))
    assert "99.999" in message
    assert "MXN" in message


def test_a_free_shipping_threshold_finer_than_a_yen_is_named_by_its_amount(monkeypatch):
    monkeypatch.setenv("CURRENCY", "JPY")
    monkeypatch.setenv(
        "SHIPPING_METHODS", '{"standard": {"fee": "500", "min_days": 1, "max_days": 2}}'
    )
    message = error_of(monkeypatch, "FREE_SHIPPING_THRESHOLD", "999.50")
    assert "999.50" in message
    assert "JPY" in message


def test_a_custom_shipping_method_replaces_the_defaults(monkeypatch):
    methods = {"moto": {"fee": "45.50", "min_days": 0, "max_days": 1}}
    monkeypatch.setenv("SHIPPING_METHODS", json.dumps(methods))
    policy = load().pricing_policy()
    assert policy.shipping == {"moto": ShippingOption("moto", Money(4550, "MXN"), 0, 1)}


def test_a_shipping_method_arriving_before_it_leaves_is_named(monkeypatch):
    methods = {"standard": {"fee": "99.00", "min_days": 5, "max_days": 3}}
    message = error_of(monkeypatch, "SHIPPING_METHODS", json.dumps(methods))
    assert "SHIPPING_METHODS" in message
    assert "max_days" in message


def test_no_shipping_method_at_all_is_named(monkeypatch):
    assert "SHIPPING_METHODS" in error_of(monkeypatch, "SHIPPING_METHODS", "{}")


def test_a_zero_minute_reservation_is_named(monkeypatch):
    assert "RESERVATION_EXPIRY_MINUTES" in error_of(monkeypatch, "RESERVATION_EXPIRY_MINUTES", "0")


def test_an_unknown_time_zone_is_named(monkeypatch):
    message = error_of(monkeypatch, "STORE_TIMEZONE", "Mars/Base")
    assert "STORE_TIMEZONE" in message
    assert "Mars/Base" in message


@pytest.mark.parametrize(
    "url", ["mysql://x", "sqlite:///pedidos.db", "postgresql://u@h/db", "postgresql+psycopg://h"]
)
def test_a_database_url_without_an_async_driver_is_named(monkeypatch, url):
    assert "DATABASE_URL" in error_of(monkeypatch, "DATABASE_URL", url)


def test_a_postgresql_asyncpg_url_is_accepted(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://pedidos@db/pedidos")
    assert load().database_url == "postgresql+asyncpg://pedidos@db/pedidos"


def test_every_wrong_setting_is_reported_at_once(monkeypatch):
    monkeypatch.setenv("TAX_RATE", "abc")
    monkeypatch.setenv("STORE_TIMEZONE", "Mars/Base")
    with pytest.raises(SettingsError) as caught:
        load()
    assert "TAX_RATE" in str(caught.value)
    assert "STORE_TIMEZONE" in str(caught.value)


def test_an_explicit_override_wins_over_the_environment(monkeypatch):
    monkeypatch.setenv("CURRENCY", "EUR")
    assert load_settings(_env_file=None, currency="USD").currency == "USD"


def test_a_wrong_amount_does_not_echo_the_database_password(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://pedidos:s3cret@db/pedidos")
    message = error_of(monkeypatch, "FREE_SHIPPING_THRESHOLD", "999.999")
    assert "999.999" in message
    assert "s3cret" not in message


def test_a_free_shipping_threshold_finer_than_a_cent_names_the_setting(monkeypatch):
    message = error_of(monkeypatch, "FREE_SHIPPING_THRESHOLD", "999.999")
    assert "FREE_SHIPPING_THRESHOLD" in message


@pytest.mark.parametrize("ids", ["12345,abc", "²"])  # "²" is a digit to str.isdigit()
def test_admin_telegram_ids_that_are_not_numbers_are_named(monkeypatch, ids):
    assert "ADMIN_TELEGRAM_IDS" in error_of(monkeypatch, "ADMIN_TELEGRAM_IDS", ids)


def test_whatsapp_without_its_app_secret_does_not_start(monkeypatch):
    """With no app secret, anyone could sign a webhook call (an HMAC with an empty key)."""
    monkeypatch.setenv("WHATSAPP_PHONE_ID", "1234567890")
    monkeypatch.setenv("WHATSAPP_TOKEN", "a-token")
    with pytest.raises(SettingsError) as caught:
        load()
    message = str(caught.value)
    assert "WHATSAPP_APP_SECRET" in message
    assert "a-token" not in message


def test_whatsapp_with_its_app_secret_starts(monkeypatch):
    monkeypatch.setenv("WHATSAPP_PHONE_ID", "1234567890")
    monkeypatch.setenv("WHATSAPP_TOKEN", "a-token")
    monkeypatch.setenv("WHATSAPP_APP_SECRET", "s3cret")
    load()
    assert WhatsAppSettings.load(_env_file=None).whatsapp_configured


def test_without_a_telegram_token_there_is_no_webhook_secret_to_guess():
    assert TelegramSettings.load(_env_file=None).webhook_secret() == ""


def test_the_demo_bank_details_are_a_placeholder_to_replace(monkeypatch):
    assert load().placeholders_in_use() == ["BANK_TRANSFER_DETAILS"]
    monkeypatch.setenv("BANK_TRANSFER_DETAILS", "BBVA · CLABE 012180001234567897 · Tienda Sol")
    assert load().placeholders_in_use() == []


def test_the_hoarding_and_flooding_limits_have_sensible_defaults():
    settings = load()
    assert settings.max_open_unpaid_orders == 3
    assert settings.unconfirmed_order_expiry_hours == 48
    assert settings.unconfirmed_order_reminder_hours == 12
    assert (settings.incoming_per_minute, settings.incoming_burst) == (600, 30)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("MAX_OPEN_UNPAID_ORDERS", "0"),
        ("UNCONFIRMED_ORDER_EXPIRY_HOURS", "1"),
        ("UNCONFIRMED_ORDER_EXPIRY_HOURS", "721"),
        ("UNCONFIRMED_ORDER_REMINDER_HOURS", "0"),
        ("INCOMING_PER_MINUTE", "0"),
        ("INCOMING_BURST", "0"),
    ],
)
def test_limits_out_of_bounds_are_named(monkeypatch, name, value):
    assert name in error_of(monkeypatch, name, value)


def test_the_reminder_must_come_before_the_release(monkeypatch):
    monkeypatch.setenv("UNCONFIRMED_ORDER_EXPIRY_HOURS", "24")
    message = error_of(monkeypatch, "UNCONFIRMED_ORDER_REMINDER_HOURS", "24")
    assert "UNCONFIRMED_ORDER_REMINDER_HOURS" in message
    assert "UNCONFIRMED_ORDER_EXPIRY_HOURS" in message
