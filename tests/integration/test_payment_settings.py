"""The payment-link settings (MERCADOPAGO_*, STRIPE_*, PUBLIC_URL): a provider set up by
half stops `pedidos` at start, naming what is missing and never echoing a secret; whole
ones turn the providers on, Mercado Pago first."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.payments.providers import load_providers
from bot.payments.settings import PaymentSettings
from core.settings import SettingsError
from tests.integration.test_cli import DB_NAME, pedidos_process

MP_TOKEN = "APP_USR-8814357208291440-120311-f00dcafe"
MP_SECRET = "mp-webhook-secret-9d1c"
STRIPE_KEY = "sk_test_51SecretKeyNobodyMaySee"
STRIPE_SECRET = "whsec_StripeWebhookSecretNobodyMaySee"
PUBLIC = "https://tienda.example"

WHOLE_MP = {
    "mercadopago_access_token": MP_TOKEN,
    "mercadopago_webhook_secret": MP_SECRET,
    "public_url": PUBLIC,
}
WHOLE_STRIPE = {
    "stripe_secret_key": STRIPE_KEY,
    "stripe_webhook_secret": STRIPE_SECRET,
    "public_url": PUBLIC,
}


@pytest.fixture(autouse=True)
def no_payment_settings_around(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Only what a test passes counts: no exported MERCADOPAGO_*/STRIPE_* and no .env of
    the developer's (the folder the settings are read in is this test's own)."""
    for name in PaymentSettings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.chdir(tmp_path)


def refusal(**given: str) -> str:
    with pytest.raises(SettingsError) as refused:
        PaymentSettings.load(**given)
    return str(refused.value)


def test_no_payment_setting_at_all_turns_no_provider_on():
    settings = PaymentSettings.load()
    assert settings.configured() == []
    assert load_providers(settings) == ()


def test_a_mercadopago_token_without_its_webhook_secret_is_refused_naming_the_secret():
    message = refusal(mercadopago_access_token=MP_TOKEN, public_url=PUBLIC)
    assert "MERCADOPAGO_WEBHOOK_SECRET" in message
    assert "PUBLIC_URL" not in message  # it was given: only what is missing is named
    assert MP_TOKEN not in message


def test_a_mercadopago_webhook_secret_without_the_token_is_refused_naming_the_token():
    message = refusal(mercadopago_webhook_secret=MP_SECRET, public_url=PUBLIC)
    assert "MERCADOPAGO_ACCESS_TOKEN" in message
    assert MP_SECRET not in message


def test_a_stripe_key_without_a_public_url_is_refused_naming_public_url():
    message = refusal(stripe_secret_key=STRIPE_KEY, stripe_webhook_secret=STRIPE_SECRET)
    assert "PUBLIC_URL" in message
    assert "STRIPE_WEBHOOK_SECRET" not in message
    assert STRIPE_KEY not in message and STRIPE_SECRET not in message


def test_a_stripe_key_alone_names_both_settings_it_lacks():
    message = refusal(stripe_secret_key=STRIPE_KEY)
    assert "STRIPE_WEBHOOK_SECRET" in message and "PUBLIC_URL" in message
    assert STRIPE_KEY not in message


def test_a_whole_provider_does_not_excuse_the_other_half_configured_one():
    message = refusal(**WHOLE_MP, stripe_secret_key=STRIPE_KEY)
    assert "STRIPE_WEBHOOK_SECRET" in message
    assert "MERCADOPAGO" not in message
    assert MP_TOKEN not in message and STRIPE_KEY not in message


def test_a_webhook_secret_of_only_spaces_counts_as_missing():
    """A secret pasted as blanks would take every notice as unsigned (Stripe) or check
    them against a key anyone can guess (Mercado Pago)."""
    message = refusal(
        mercadopago_access_token=MP_TOKEN, mercadopago_webhook_secret="  ", public_url=PUBLIC
    )
    assert "MERCADOPAGO_WEBHOOK_SECRET" in message
    message = refusal(**{**WHOLE_STRIPE, "stripe_webhook_secret": " \t"})
    assert "STRIPE_WEBHOOK_SECRET" in message


def test_blanks_pasted_around_a_key_are_not_part_of_it():
    settings = PaymentSettings.load(
        mercadopago_access_token=f" {MP_TOKEN}\n",
        mercadopago_webhook_secret=f"{MP_SECRET} ",
        public_url=PUBLIC,
    )
    assert settings.mercadopago_access_token == MP_TOKEN
    assert settings.mercadopago_webhook_secret == MP_SECRET


@pytest.mark.parametrize(
    "address",
    ["http://example.com", "http://tienda.example:8080", "ftp://tienda.example", "tienda.example"],
)
def test_a_public_url_other_than_https_is_refused_outside_this_machine(address: str):
    message = refusal(**{**WHOLE_MP, "public_url": address})
    assert "PUBLIC_URL" in message
    assert "https://" in message  # says what is expected
    assert MP_TOKEN not in message and MP_SECRET not in message


@pytest.mark.parametrize(
    ("address", "kept"),
    [
        ("http://localhost:8080", "http://localhost:8080"),
        ("http://127.0.0.1:8000/", "http://127.0.0.1:8000"),  # no slash before /payments
        ("https://tienda.example/pedidos/", "https://tienda.example/pedidos"),
    ],
)
def test_a_public_url_on_https_or_on_this_machine_is_taken(address: str, kept: str):
    assert PaymentSettings.load(**{**WHOLE_MP, "public_url": address}).public_url == kept


async def test_both_providers_whole_turn_on_mercadopago_first_then_stripe():
    settings = PaymentSettings.load(**{**WHOLE_MP, **WHOLE_STRIPE})
    providers = load_providers(settings)
    try:
        assert [p.name for p in providers] == ["mercadopago", "stripe"]
    finally:
        for provider in providers:
            await provider.close()


async def test_stripe_alone_is_the_only_provider():
    providers = load_providers(PaymentSettings.load(**WHOLE_STRIPE))
    try:
        assert [p.name for p in providers] == ["stripe"]
    finally:
        for provider in providers:
            await provider.close()


def test_the_settings_are_read_from_the_environment_and_the_env_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    (tmp_path / ".env").write_text(
        f"MERCADOPAGO_ACCESS_TOKEN={MP_TOKEN}\nPUBLIC_URL={PUBLIC}\n", encoding="utf-8"
    )
    monkeypatch.setenv("MERCADOPAGO_WEBHOOK_SECRET", MP_SECRET)
    settings = PaymentSettings.load(_env_file=str(tmp_path / ".env"))
    assert settings.configured() == ["mercadopago"]
    assert settings.public_url == PUBLIC


# ---- the real command ------------------------------------------------------------------


def test_a_half_configured_provider_stops_pedidos_at_start_naming_the_missing_setting(
    tmp_path: Path,
):
    # The token in the folder's .env, as a merchant sets it; the secret forgotten.
    (tmp_path / ".env").write_text(
        f"MERCADOPAGO_ACCESS_TOKEN={MP_TOKEN}\nPUBLIC_URL={PUBLIC}\n", encoding="utf-8"
    )
    result = pedidos_process(tmp_path, "db", "upgrade")

    assert result.returncode == 2
    assert "MERCADOPAGO_WEBHOOK_SECRET" in result.stderr
    assert MP_TOKEN not in result.stderr + result.stdout
    assert not (tmp_path / DB_NAME).exists()  # stopped before touching the database


def test_a_stripe_key_without_public_url_stops_pedidos_naming_public_url(tmp_path: Path):
    result = pedidos_process(
        tmp_path,
        "db",
        "upgrade",
        STRIPE_SECRET_KEY=STRIPE_KEY,
        STRIPE_WEBHOOK_SECRET=STRIPE_SECRET,
    )
    assert result.returncode == 2
    assert "PUBLIC_URL" in result.stderr
    assert STRIPE_KEY not in result.stderr and STRIPE_SECRET not in result.stderr
    assert not (tmp_path / DB_NAME).exists()


def test_pedidos_starts_with_both_providers_whole(tmp_path: Path):
    """The control for the two above: the same command runs once nothing is missing."""
    whole = {name.upper(): value for name, value in {**WHOLE_MP, **WHOLE_STRIPE}.items()}
    result = pedidos_process(tmp_path, "db", "upgrade", **whole)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / DB_NAME).exists()
