"""API keys (made, listed and revoked by the merchant) and the answers kept for
idempotent API requests. The API layer (bot/api/) authenticates with these; the services
it calls check the key again through require_admin, like an admin's chat."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy.exc import IntegrityError

from core.domain.actors import Actor, merchant
from core.domain.api_keys import (
    API_CHANNEL,
    ApiKey,
    IdempotentRequest,
    InvalidKeyName,
    StoredAnswer,
    digest,
    idempotent_request,
    new_key,
    prefix_of,
)
from core.services.context import Shop, require_admin

# last_used_at is written at most this often per key: not one write per request.
TOUCH_EVERY = timedelta(minutes=1)
# How long a repeat of a POST gets the first answer (Stripe keeps them a day too).
KEEP_ANSWERS = timedelta(hours=24)
# A request still unanswered after this long was abandoned (no request runs for minutes).
ABANDONED = timedelta(minutes=2)


def actor_of(key: ApiKey) -> Actor:
    """Who a key acts as: a merchant, authorised while the key is not revoked."""
    return merchant(f"{API_CHANNEL}:{key.id}")


async def create_key(
    shop: Shop, actor: Actor, name: str, scopes: frozenset[str]
) -> tuple[ApiKey, str]:
    """A new key and its secret text, which is shown this once and never stored."""
    name = name.strip()
    if not name or len(name) > 80:
        raise InvalidKeyName(name=name)
    prefix, key = new_key()
    async with shop.uow() as uow:
        await require_admin(uow, actor, "create_api_key")
        made = await uow.api_keys.add(name, prefix, digest(key), scopes, shop.now())
        await uow.commit(shop.now())
    return made, key


async def list_keys(shop: Shop, actor: Actor) -> list[ApiKey]:
    async with shop.uow(write=False) as uow:
        await require_admin(uow, actor, "list_api_keys")
        return await uow.api_keys.all()


async def revoke_key(shop: Shop, actor: Actor, key_id: int) -> bool:
    """False when there is no such active key."""
    async with shop.uow() as uow:
        await require_admin(uow, actor, "revoke_api_key")
        revoked = await uow.api_keys.revoke(key_id, shop.now())
        await uow.commit(shop.now())
    return revoked


async def authenticate(shop: Shop, key: str) -> ApiKey | None:
    """The active key this text is, or None."""
    prefix = prefix_of(key)
    if prefix is None:
        return None
    async with shop.uow(write=False) as uow:
        found = await uow.api_keys.by_prefix(prefix)
    if found is None or not found.matches(key):
        return None
    now = shop.now()
    if found.last_used_at is None or now - found.last_used_at >= TOUCH_EVERY:
        async with shop.uow(one_statement=True) as uow:
            await uow.api_keys.touch(found.id, now)
            await uow.commit(now)
    return found


async def recall(shop: Shop, key_id: int, idempotency_key: str) -> StoredAnswer | None:
    async with shop.uow(write=False) as uow:
        return await uow.idempotency.find(key_id, idempotency_key)


async def claim(shop: Shop, key_id: int, idempotency_key: str, fingerprint: str) -> bool:
    """Hold the key for this request; False when another request holds it already.
    A claim older than ABANDONED whose answer never came (the process died mid-request)
    is taken over, unless its change was committed: without that, the key would answer
    409 for a day; with a committed change taken over, the change would be made twice."""
    try:
        async with shop.uow(one_statement=True) as uow:
            await uow.idempotency.begin(key_id, idempotency_key, fingerprint, shop.now())
            await uow.commit(shop.now())
    except IntegrityError:
        now = shop.now()
        async with shop.uow(one_statement=True) as uow:
            taken = await uow.idempotency.take_over(
                key_id, idempotency_key, fingerprint, now - ABANDONED, now
            )
            await uow.commit(now)
        return taken
    return True


async def remember(shop: Shop, key_id: int, idempotency_key: str, answer: StoredAnswer) -> None:
    async with shop.uow(one_statement=True) as uow:
        await uow.idempotency.finish(key_id, idempotency_key, answer)
        await uow.commit(shop.now())


async def release(shop: Shop, key_id: int, idempotency_key: str) -> bool:
    """The request failed on our side before its change was committed: a retry with the
    same key may try again. False when its change was committed: the claim stays."""
    async with shop.uow(one_statement=True) as uow:
        released = await uow.idempotency.forget(key_id, idempotency_key)
        await uow.commit(shop.now())
    return released


@contextmanager
def answering(key_id: int, idempotency_key: str) -> Iterator[IdempotentRequest]:
    """Around the route of a claimed request: every unit of work it commits marks the
    claim committed in that unit's transaction (SqlUnitOfWork.commit); `committed` on
    the request says afterwards whether one did."""
    running = IdempotentRequest(key_id, idempotency_key)
    token = idempotent_request.set(running)
    try:
        yield running
    finally:
        running.open = False  # a task the route left behind marks nothing any more
        idempotent_request.reset(token)


def answer_lost(shop: Shop, kept: StoredAnswer) -> bool:
    """The request holding the key committed its change, then its process died before
    answering: its answer will never come, and the change must not be made again."""
    return (
        kept.status is None
        and kept.committed
        and kept.started_at is not None
        and kept.started_at < shop.now() - ABANDONED
    )


async def forget_old_answers(shop: Shop) -> int:
    async with shop.uow(one_statement=True) as uow:
        removed = await uow.idempotency.forget_older_than(shop.now() - KEEP_ANSWERS)
        await uow.commit(shop.now())
    return removed
