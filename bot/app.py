"""Composition root: settings -> database -> shop. Nothing here runs at import time."""

from __future__ import annotations

from collections.abc import Iterable

from bot.channels import Channel, roster
from core.domain.payment_links import PaymentProvider
from core.services.context import Shop
from core.settings import Settings
from core.store.database import Database


def build_shop(
    settings: Settings,
    channels: Iterable[Channel] = (),
    payment_providers: Iterable[PaymentProvider] = (),
) -> Shop:
    """The shop, told about these channels (their names, admins, admin group) and
    payment-link providers (bot/payments/)."""
    return Shop(
        db=Database(settings.database_url),
        settings=settings,
        channels=roster(channels),
        payment_providers=tuple(payment_providers),
    )
