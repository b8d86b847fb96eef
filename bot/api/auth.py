"""Who is calling: the API key in `Authorization: Bearer <key>`, the scope a route needs,
and the per-key rate limit. Routes get a `Caller`; what the key may do to the shop is
checked again by the services (require_admin), as for an admin's chat."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from bot.api.problems import Problem
from core.domain.actors import Actor
from core.domain.api_keys import ApiKey
from core.services import api_keys
from core.services.context import Shop
from handlers.throttle import IncomingLimiter, Verdict

bearer = HTTPBearer(auto_error=False, description="An API key: `pedidos apikey create`.")


@dataclass(frozen=True)
class Caller:
    key: ApiKey
    actor: Actor
    shop: Shop


def limiter_for(shop: Shop) -> IncomingLimiter:
    return IncomingLimiter(shop.settings.api_requests_per_minute, shop.settings.api_burst)


async def authenticated(
    request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer)
) -> Caller:
    shop: Shop = request.app.state.shop
    key = await api_keys.authenticate(shop, credentials.credentials) if credentials else None
    if key is None:
        raise Problem("unauthorized", headers={"WWW-Authenticate": "Bearer"})
    limiter: IncomingLimiter = request.app.state.limiter
    if limiter.check("api", str(key.id)) is not Verdict.HANDLE:
        wait = max(1, math.ceil(limiter.seconds_to_next("api", str(key.id))))
        raise Problem("too_many_requests", headers={"Retry-After": str(wait)})
    request.state.api_key_id = key.id  # for the idempotency middleware's answer
    return Caller(key, api_keys.actor_of(key), shop)


def scoped(scope: str) -> Callable[..., Awaitable[Caller]]:
    """A dependency: the caller, whose key must have this scope."""

    async def check(caller: Caller = Depends(authenticated)) -> Caller:
        if not caller.key.allows(scope):
            raise Problem("missing_scope", scope=scope)
        return caller

    check.__name__ = f"scope_{scope.replace(':', '_')}"
    return check
