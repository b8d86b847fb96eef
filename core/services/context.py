"""What every service needs: the database, the settings and a clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from core.domain.actors import Actor, ActorKind
from core.domain.errors import NotAllowed
from core.domain.pricing import PricingPolicy
from core.settings import Settings
from core.store.database import Database
from core.store.uow import SqlUnitOfWork


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Shop:
    db: Database
    settings: Settings
    clock: Callable[[], datetime] = utc_now
    policy: PricingPolicy = field(init=False)

    def __post_init__(self) -> None:
        self.policy = self.settings.pricing_policy()

    def uow(self, *, write: bool = True) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.db, write=write)

    def now(self) -> datetime:
        return self.clock()

    @property
    def currency(self) -> str:
        return self.settings.currency


def require_merchant(actor: Actor, action: str) -> None:
    """Merchant actions are authorised here, whatever a menu shows."""
    if actor.kind not in (ActorKind.MERCHANT, ActorKind.SYSTEM):
        raise NotAllowed(action=action, actor=str(actor))
