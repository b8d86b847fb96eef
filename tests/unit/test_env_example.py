"""The .env.example a merchant copies documents every setting, with its default."""

from __future__ import annotations

import re
from pathlib import Path

from bot.channels import channel_classes
from bot.payments.settings import PaymentSettings
from bot.tracking.settings import TrackingSettings
from core.settings import Settings, load_settings

EXAMPLE = Path(__file__).resolve().parents[2] / ".env.example"


def test_env_example_names_every_setting_and_nothing_else():
    documented = set(re.findall(r"^([A-Z_]+)=", EXAMPLE.read_text(), re.MULTILINE))
    classes = [
        Settings,
        PaymentSettings,
        TrackingSettings,
        *(channel.settings_class for channel in channel_classes()),
    ]
    assert documented == {name.upper() for settings in classes for name in settings.model_fields}


def test_env_example_values_are_the_defaults():
    from_example = load_settings(_env_file=str(EXAMPLE))
    defaults = load_settings(_env_file=None)
    assert from_example == defaults
    for channel in channel_classes():
        settings = channel.settings_class
        assert settings.load(_env_file=str(EXAMPLE)) == settings.load(_env_file=None)
    assert PaymentSettings.load(_env_file=str(EXAMPLE)) == PaymentSettings.load(_env_file=None)
    assert TrackingSettings.load(_env_file=str(EXAMPLE)) == TrackingSettings.load(_env_file=None)
