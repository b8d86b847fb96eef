"""What every service needs: the database, the settings and a clock."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import ParamSpec, TypeVar

from core.domain.actors import Actor, ActorKind
from core.domain.errors import NotAllowed
from core.domain.payment_links import PaymentProvider
from core.domain.pricing import PricingPolicy
from core.settings import Settings
from core.store.database import Database
from core.store.orders_repo import ConcurrentUpdate
from core.store.uow import SqlUnitOfWork

log = logging.getLogger("pedidos.auth")


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ChannelRoster:
    """What the core knows of the chat channels, as plain data. The core names no
    channel: the composition root reads the channels' own settings (bot/channels.py
    `roster`) and hands the shop this.

    - names: the channels a person can write from, so where an admin can be added;
    - admins: (channel, user id) of the admins the channels' settings name (more are
      added with `pedidos admin add`, in the admins table);
    - admin_group: (channel, chat) where admin news go instead of to each admin on that
      channel, when a channel has such a group;
    - phone_ids: the channels whose person ids are phone numbers the platform verified
      (digits, country code first), so a number the merchant types finds the person's
      chat there, and an order taken by phone becomes theirs when they first write
      (core/services/phone_orders.py).
    """

    names: tuple[str, ...] = ()
    admins: frozenset[tuple[str, str]] = frozenset()
    admin_group: tuple[str, str] | None = None
    phone_ids: frozenset[str] = frozenset()


@dataclass
class Shop:
    db: Database
    settings: Settings
    clock: Callable[[], datetime] = utc_now
    channels: ChannelRoster = field(default_factory=ChannelRoster)
    # The payment-link providers the settings configure (bot/payments/), in order of
    # preference: the first makes new links; each one's webhooks and refunds are served.
    payment_providers: tuple[PaymentProvider, ...] = ()
    policy: PricingPolicy = field(init=False)
    # Secrets read from the database once (core/services/web.py): they never change.
    secrets: dict[str, str] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.policy = self.settings.pricing_policy()

    def uow(self, *, write: bool = True, one_statement: bool = False) -> SqlUnitOfWork:
        """A unit of work; one_statement: the caller writes exactly one statement (no
        outbox rows), which commits on its own (Database.transaction)."""
        return SqlUnitOfWork(
            self.db,
            write=write,
            one_statement=one_statement,
            configured_admins=self.channels.admins,
            admin_group=self.channels.admin_group,
        )

    def now(self) -> datetime:
        return self.clock()

    @property
    def currency(self) -> str:
        return self.settings.currency

    @property
    def link_provider(self) -> PaymentProvider | None:
        """Who makes new payment links (None: no provider is configured)."""
        return self.payment_providers[0] if self.payment_providers else None

    def payment_provider(self, name: str) -> PaymentProvider | None:
        return next((p for p in self.payment_providers if p.name == name), None)


async def require_admin(uow: SqlUnitOfWork, actor: Actor, action: str) -> None:
    """Merchant actions are authorised here, whatever a menu shows: the actor must be
    the system (CLI, jobs) or an admin of the shop on the channel it speaks from.
    A refusal is logged and changes nothing."""
    if actor.kind is ActorKind.SYSTEM:
        return
    if actor.kind is ActorKind.MERCHANT:
        channel, _, user_id = actor.id.partition(":")
        if await uow.is_admin(channel, user_id):
            return
    log.warning("refused %s to %s", action, actor)
    raise NotAllowed(action=action, actor=str(actor))


P = ParamSpec("P")
R = TypeVar("R")
ATTEMPTS = 4


def retry_on_conflict(service: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """Run the service again when another transaction changed the same order between
    our read and our write (optimistic locking). The second run sees the new state and
    decides again: the move is made once, or refused with the order's current status."""

    @functools.wraps(service)
    async def run(*args: P.args, **kwargs: P.kwargs) -> R:
        for attempt in range(ATTEMPTS):
            try:
                return await service(*args, **kwargs)
            except ConcurrentUpdate:
                if attempt == ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    return run
