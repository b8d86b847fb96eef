"""Chat channels as plug-ins: the contract each one fulfils, and the registry.

A channel is one package in bot/ (bot/telegram/, bot/whatsapp/, bot/terminal/) whose
`__init__` defines `CHANNEL`, a `Channel` subclass: its settings (a `ChannelSettings`
class reading its own environment variables), its capabilities, whether those settings
turn it on, the admins they name, its webhook routes and how it starts. The modules
that do the work (receiving, the dispatcher's Sender, the renderer) live beside it and
are loaded by `open`, only when the channel runs: a channel's SDK costs nothing to a
process that does not use it.

Adding a channel: write its package, then add it to `CHANNEL_PACKAGES` below. The web
app, the runner, the CLI and the outbox dispatcher go through the channels they are
given; none of them, and nothing in core, names one.

Core is told what it needs as plain data, a `ChannelRoster` (`roster`): the channel
names (where an admin can be added), the admins the settings name as (channel, user
id) pairs, and the one admin group, if a channel has one, as a (channel, chat) address.
"""

from __future__ import annotations

import asyncio
import importlib
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, ClassVar, Protocol, Self

from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.dispatcher import Sender
from core.services.context import ChannelRoster
from core.settings import read_settings
from handlers.capabilities import Capabilities  # in handlers: the conversation reads them

if TYPE_CHECKING:
    from fastapi import APIRouter

    from core.services.context import Shop

# The channel packages, in the order they are listed to people (`pedidos admin add`).
CHANNEL_PACKAGES: tuple[str, ...] = ("bot.telegram", "bot.whatsapp", "bot.terminal", "bot.webchat")


class ChannelSettings(BaseSettings):
    """A channel's settings: from the environment or `.env`, like the core's, under
    the same variable names the README and `.env.example` give."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", env_file_encoding="utf-8")
    # Never echoed in an error message: they hold tokens and secrets.
    secret_fields: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def load(cls, **overrides: object) -> Self:
        """Read and check them; a SettingsError names a wrong one."""
        return read_settings(cls, cls.secret_fields, **overrides)


def comma_list(value: object) -> object:
    """An environment variable's "a, b,+c" as ["a", "b", "c"] (ids and phone numbers)."""
    if isinstance(value, str):
        return [part.strip().lstrip("+") for part in value.split(",") if part.strip()]
    return value


class Live(Sender, Protocol):
    """A running channel: the outbox dispatcher's Sender, and what the runner stops."""

    async def resume_unhandled(self, older_than: timedelta | None = None) -> None:
        """Handle the updates received but not finished (a worker died)."""

    async def close(self) -> None: ...


class Channel(ABC):
    """A channel plug-in: what the runner, the web app and the CLI need to know."""

    name: ClassVar[str]
    settings_class: ClassVar[type[ChannelSettings]] = ChannelSettings
    # Its person ids are phone numbers the platform verified (ChannelRoster.phone_ids).
    person_ids_are_phone_numbers: ClassVar[bool] = False
    # A messaging platform's account turns it on (a token). `pedidos run` with none of
    # these on opens the terminal chat beside the web app (the web chat is no platform).
    platform: ClassVar[bool] = True

    def __init__(self, settings: ChannelSettings) -> None:
        self.settings = settings

    @classmethod
    def from_environment(cls, **overrides: object) -> Self:
        return cls(cls.settings_class.load(**overrides))

    @abstractmethod
    def capabilities(self) -> Capabilities: ...

    def configured(self) -> bool:
        """Whether its settings turn it on: `pedidos serve` runs the channels that are."""
        return False

    def admins(self) -> Iterable[str]:
        """The user ids its settings name as admins."""
        return ()

    def chat_link(self) -> str:
        """Where a customer opens this channel's chat (the tracking page's button back to
        it); "" when the settings do not say."""
        return ""

    def admin_group(self) -> str | None:
        """A chat where admin news go instead of to each admin on this channel."""
        return None

    def router(self, live: Live | None) -> APIRouter | None:
        """Its webhook routes on the web app; live is None when the channel is not on
        (its routes still answer, refusing)."""
        return None

    def open(self, shop: Shop) -> Live:
        """The running channel (its SDK loads here)."""
        raise NotImplementedError(f"the {self.name} channel is not served")

    async def start(
        self, live: Live, *, poll: bool, stop: asyncio.Event
    ) -> list[asyncio.Task[None]]:
        """Whatever it does at start (registering a webhook, the updates a dead worker
        left); the tasks it runs until stopped (polling)."""
        await live.resume_unhandled()
        return []


def channel_classes(packages: Sequence[str] = CHANNEL_PACKAGES) -> list[type[Channel]]:
    """The `CHANNEL` each package defines."""
    found = [importlib.import_module(package).CHANNEL for package in packages]
    names = [channel.name for channel in found]
    if len(set(names)) != len(names):
        raise ValueError(f"two channel packages share a name: {names}")
    return found


def load_channels(packages: Sequence[str] = CHANNEL_PACKAGES) -> list[Channel]:
    """Every registered channel with its settings read (SettingsError when wrong)."""
    return [channel.from_environment() for channel in channel_classes(packages)]


def roster(channels: Iterable[Channel]) -> ChannelRoster:
    """What core is told about these channels (see ChannelRoster)."""
    channels = list(channels)
    groups = [(c.name, group) for c in channels if (group := c.admin_group()) is not None]
    if len(groups) > 1:
        raise ValueError(f"one admin group at most: {groups}")
    return ChannelRoster(
        names=tuple(c.name for c in channels),
        admins=frozenset((c.name, user_id) for c in channels for user_id in c.admins()),
        admin_group=groups[0] if groups else None,
        phone_ids=frozenset(c.name for c in channels if c.person_ids_are_phone_numbers),
    )


def served(channels: Iterable[Channel]) -> list[Channel]:
    """The channels the settings turn on."""
    return [channel for channel in channels if channel.configured()]


def platforms_served(channels: Iterable[Channel]) -> list[Channel]:
    """The messaging platforms the settings turn on (Telegram, WhatsApp)."""
    return [channel for channel in served(channels) if channel.platform]
