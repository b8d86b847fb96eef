"""Who is calling: the API key in `Authorization: Bearer <key>`, the scope a route needs,
and the per-key rate limit. Routes get a `Caller`; what the key may do to the shop is
checked again by the services (require_admin), as for an admin's chat."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from bot.api.idempotency import STATE_KEY, check_limit
from bot.api.problems import Problem
from core.domain.actors import Actor
from core.domain.api_keys import ApiKey
from core.services import api_keys
from core.services.context import Shop
from handlers.throttle import IncomingLimiter

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
    # A POST with an Idempotency-Key was authenticated and counted by the middleware
    # already (before its claim): counted once, not twice.
    key: ApiKey | None = getattr(request.state, STATE_KEY, None)
    if key is None:
        key = await api_keys.authenticate(shop, credentials.credentials) if credentials else None
        if key is None:
            raise Problem("unauthorized", headers={"WWW-Authenticate": "Bearer"})
        wait = check_limit(request.app.state.limiter, key.id)
        if wait is not None:
            raise Problem("too_many_requests", headers={"Retry-After": str(wait)})
    _refuse_nul(request)
    return Caller(key, api_keys.actor_of(key), shop)


def _refuse_nul(request: Request) -> None:
    """A NUL character (%00) in the path or the query: 422, before it reaches the store
    (PostgreSQL's text can't hold one). Bodies are checked by schemas.Strict."""
    where = [
        name
        for name, texts in (
            ("path", [request.scope["path"]]),
            ("query", [t for item in request.query_params.multi_items() for t in item]),
        )
        if any("\x00" in text for text in texts)
    ]
    if where:
        errors = [{"where": w, "message": "a NUL character (%00) is not allowed"} for w in where]
        raise Problem("invalid_request", errors=errors)


def scoped(scope: str) -> Callable[..., Awaitable[Caller]]:
    """A dependency: the caller, whose key must have this scope."""

    async def check(caller: Caller = Depends(authenticated)) -> Caller:
        if not caller.key.allows(scope):
            raise Problem("missing_scope", scope=scope)
        return caller

    check.__name__ = f"scope_{scope.replace(':', '_')}"
    return check
