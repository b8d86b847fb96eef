"""Composition root: settings -> database -> shop. Nothing here runs at import time."""

from __future__ import annotations

from core.services.context import Shop
from core.settings import Settings
from core.store.database import Database


def build_shop(settings: Settings) -> Shop:
    return Shop(db=Database(settings.database_url), settings=settings)
