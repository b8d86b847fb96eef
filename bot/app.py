"""Composition root: settings -> database -> shop. Nothing here runs at import time."""

from __future__ import annotations

from collections.abc import Iterable

from bot.channels import Channel, roster
from core.services.context import Shop
from core.settings import Settings
from core.store.database import Database


def build_shop(settings: Settings, channels: Iterable[Channel] = ()) -> Shop:
    """The shop, told about these channels (their names, admins, admin group)."""
    return Shop(db=Database(settings.database_url), settings=settings, channels=roster(channels))
