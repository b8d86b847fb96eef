"""Shipping zones: the destination picks the fee and the days of each method."""

from __future__ import annotations

import json

import pytest

from core.domain.money import Money
from core.domain.pricing import compute_totals
from core.domain.shipping_zones import Destination
from core.settings import Settings, SettingsError, load_settings

ZONES = [
    {
        "name": "Norte",
        "places": ["Nuevo León", "Monterrey", "Chihuahua"],
        "postal_prefixes": ["64", "65", "66", "67"],
        "methods": {"standard": {"fee": "149.00", "min_days": 4, "max_days": 6}},
    },
    {
        "name": "Centro de Monterrey",
        "places": [],
        "postal_prefixes": ["640"],
        "methods": {"standard": {"fee": "59.00", "min_days": 1, "max_days": 2}},
    },
]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)


@pytest.fixture
def policy(monkeypatch):
    monkeypatch.setenv("SHIPPING_ZONES", json.dumps(ZONES))
    return load_settings(_env_file=None).pricing_policy()


def fee(policy, method: str = "standard", **where: str) -> int:
    return policy.shipping_to(Destination(**where))[method].fee.amount


def test_a_place_no_zone_names_pays_the_default_fee(policy):
    assert fee(policy, city="Mérida", state="Yucatán", postal_code="97000") == 9900


def test_a_state_or_city_is_matched_without_case_or_accents(policy):
    assert fee(policy, state="nuevo leon") == 14900
    assert fee(policy, city="MONTERREY") == 14900


def test_the_longest_postal_prefix_wins_over_a_shorter_one_and_over_the_place(policy):
    assert fee(policy, postal_code="66450", city="Mérida") == 14900
    assert fee(policy, postal_code="64000", state="Nuevo León") == 5900


def test_methods_a_zone_leaves_out_keep_their_default(policy):
    express = policy.shipping_to(Destination(state="Chihuahua"))["express"]
    assert (express.fee.amount, express.min_days, express.max_days) == (19900, 1, 2)


def test_the_zone_and_its_days_reach_the_order_totals(policy):
    norte = compute_totals([Money(50000, "MXN")], policy, "standard", Destination(state="NL"))
    assert norte.shipping_fee.amount == 9900  # "NL" is not a name the zone lists
    norte = compute_totals(
        [Money(50000, "MXN")], policy, "standard", Destination(state="Nuevo León")
    )
    assert (norte.shipping_fee.amount, norte.total.amount) == (14900, 64900)
    assert policy.shipping_to(Destination(state="Nuevo León"))["standard"].max_days == 6


def test_free_shipping_still_applies_in_a_zone(policy):
    big = compute_totals(
        [Money(120000, "MXN")], policy, "standard", Destination(state="Nuevo León")
    )
    assert big.shipping_fee.amount == 0


def method(fee: str = "1") -> dict:
    return {"fee": fee, "min_days": 1, "max_days": 1}


@pytest.mark.parametrize(
    ("zone", "named"),
    [
        ({"name": "X", "places": ["a"], "methods": {"boat": method()}}, "boat"),
        ({"name": "X", "places": ["a"], "methods": {"standard": method("1.001")}}, "1.001"),
        ({"name": "X", "methods": {"standard": method()}}, "names no place"),
        ({"name": "X", "postal_prefixes": ["6a"], "methods": {}}, "SHIPPING_ZONES"),
    ],
)
def test_a_wrong_zone_is_named_at_start(monkeypatch, zone, named):
    monkeypatch.setenv("SHIPPING_ZONES", json.dumps([zone]))
    with pytest.raises(SettingsError) as caught:
        load_settings(_env_file=None)
    assert "SHIPPING_ZONES" in str(caught.value) and named in str(caught.value)
