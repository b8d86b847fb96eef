"""The privacy settings: a notice address that is not a web address, or a retention of
no days, stops `pedidos` at start with the setting named."""

from __future__ import annotations

import pytest

from core.settings import Settings, SettingsError, load_settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
        monkeypatch.delenv(name, raising=False)


def test_by_default_there_is_no_notice_and_abandoned_data_goes_after_30_days():
    settings = load_settings(_env_file=None)
    assert settings.privacy_notice_url == ""
    assert settings.abandoned_data_keep_days == 30


def test_a_notice_url_is_a_web_address(monkeypatch):
    monkeypatch.setenv("PRIVACY_NOTICE_URL", " https://tienda.example/privacidad ")
    assert load_settings(_env_file=None).privacy_notice_url == "https://tienda.example/privacidad"


@pytest.mark.parametrize(
    ("name", "value"),
    [("PRIVACY_NOTICE_URL", "tienda.example/privacidad"), ("ABANDONED_DATA_KEEP_DAYS", "0")],
)
def test_a_wrong_privacy_setting_is_named(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings(_env_file=None)
    assert name in str(caught.value)
