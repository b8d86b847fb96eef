"""Where tracking links and the embed script point: PUBLIC_URL, else HOST:PORT."""

from __future__ import annotations

import pytest

from core.settings import SettingsError, load_settings


def address(**settings: object) -> str:
    return load_settings(_env_file=None, **settings).web_address()


def test_public_url_wins_and_loses_its_trailing_slash():
    assert address(public_url="https://tienda.example/", port=9000) == "https://tienda.example"


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", "http://127.0.0.1:8080"),
        ("0.0.0.0", "http://127.0.0.1:8080"),  # every address: this machine's own
        ("::", "http://127.0.0.1:8080"),
        ("::1", "http://[::1]:8080"),  # IPv6 in brackets, or the port reads as part of it
        ("tienda.local", "http://tienda.local:8080"),
    ],
)
def test_without_public_url_the_web_apps_own_address(host, expected):
    assert address(host=host) == expected


@pytest.mark.parametrize("wrong", ["tienda.example", "ftp://tienda.example", "https://a b.mx"])
def test_a_public_url_that_is_no_web_address_stops_the_start(wrong):
    with pytest.raises(SettingsError, match="PUBLIC_URL"):
        load_settings(_env_file=None, public_url=wrong)
