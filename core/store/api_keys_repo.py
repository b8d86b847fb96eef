"""API keys and the answers kept for idempotent API requests."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from core.domain.api_keys import ApiKey, StoredAnswer
from core.store.tables import api_idempotency, api_keys


def _key(row) -> ApiKey:
    return ApiKey(
        id=row.id,
        name=row.name,
        prefix=row.prefix,
        key_digest=row.key_digest,
        scopes=frozenset(s for s in row.scopes.split(",") if s),
        created_at=row.created_at,
        revoked_at=row.revoked_at,
        last_used_at=row.last_used_at,
    )


class SqlApiKeyRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def add(
        self, name: str, prefix: str, key_digest: str, scopes: frozenset[str], at: datetime
    ) -> ApiKey:
        result = await self.conn.execute(
            insert(api_keys)
            .values(
                name=name,
                prefix=prefix,
                key_digest=key_digest,
                scopes=",".join(sorted(scopes)),
                created_at=at,
            )
            .returning(api_keys)
        )
        return _key(result.one())

    async def by_prefix(self, prefix: str) -> ApiKey | None:
        row = (await self.conn.execute(select(api_keys).where(api_keys.c.prefix == prefix))).first()
        return _key(row) if row else None

    async def get(self, key_id: int) -> ApiKey | None:
        row = (await self.conn.execute(select(api_keys).where(api_keys.c.id == key_id))).first()
        return _key(row) if row else None

    async def all(self) -> list[ApiKey]:
        rows = await self.conn.execute(select(api_keys).order_by(api_keys.c.id))
        return [_key(r) for r in rows]

    async def revoke(self, key_id: int, at: datetime) -> bool:
        result = await self.conn.execute(
            update(api_keys)
            .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
            .values(revoked_at=at)
        )
        return result.rowcount == 1

    async def touch(self, key_id: int, at: datetime) -> None:
        await self.conn.execute(
            update(api_keys).where(api_keys.c.id == key_id).values(last_used_at=at)
        )


class SqlIdempotencyRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def find(self, key_id: int, idempotency_key: str) -> StoredAnswer | None:
        row = (
            await self.conn.execute(
                select(api_idempotency).where(
                    api_idempotency.c.api_key_id == key_id,
                    api_idempotency.c.idempotency_key == idempotency_key,
                )
            )
        ).first()
        if row is None:
            return None
        return StoredAnswer(
            row.fingerprint,
            row.status,
            row.body.encode(),
            row.content_type,
            committed=row.committed,
            secret_withheld=row.secret_withheld,
            started_at=row.created_at,
        )

    async def begin(
        self, key_id: int, idempotency_key: str, fingerprint: str, at: datetime
    ) -> None:
        """Claim the key (IntegrityError: another request holds it already)."""
        await self.conn.execute(
            insert(api_idempotency).values(
                api_key_id=key_id,
                idempotency_key=idempotency_key,
                fingerprint=fingerprint,
                status=None,
                body="",
                content_type="",
                created_at=at,
                committed=False,
                secret_withheld=False,
            )
        )

    async def take_over(
        self, key_id: int, idempotency_key: str, fingerprint: str, before: datetime, at: datetime
    ) -> bool:
        """Claim a key whose same request started before `before` and never finished
        (its process died) before its change was committed: True if it is ours now. A
        claim whose change was committed is never taken: the change is not made twice."""
        result = await self.conn.execute(
            update(api_idempotency)
            .where(
                api_idempotency.c.api_key_id == key_id,
                api_idempotency.c.idempotency_key == idempotency_key,
                api_idempotency.c.fingerprint == fingerprint,
                api_idempotency.c.status.is_(None),
                api_idempotency.c.committed.is_(False),
                api_idempotency.c.created_at < before,
            )
            .values(created_at=at)
        )
        return result.rowcount == 1

    async def finish(self, key_id: int, idempotency_key: str, answer: StoredAnswer) -> None:
        await self.conn.execute(
            update(api_idempotency)
            .where(
                api_idempotency.c.api_key_id == key_id,
                api_idempotency.c.idempotency_key == idempotency_key,
            )
            .values(
                status=answer.status,
                body=answer.body.decode(),
                content_type=answer.content_type,
                secret_withheld=answer.secret_withheld,
            )
        )

    async def mark_committed(self, key_id: int, idempotency_key: str) -> None:
        """The claimed request's change is being committed (in this same transaction)."""
        await self.conn.execute(
            update(api_idempotency)
            .where(
                api_idempotency.c.api_key_id == key_id,
                api_idempotency.c.idempotency_key == idempotency_key,
                api_idempotency.c.status.is_(None),
            )
            .values(committed=True)
        )

    async def forget(self, key_id: int, idempotency_key: str) -> bool:
        """Drop a claim whose change was not committed: False when it was (it stays)."""
        result = await self.conn.execute(
            delete(api_idempotency).where(
                api_idempotency.c.api_key_id == key_id,
                api_idempotency.c.idempotency_key == idempotency_key,
                api_idempotency.c.committed.is_(False),
            )
        )
        return result.rowcount == 1

    async def forget_older_than(self, before: datetime) -> int:
        result = await self.conn.execute(
            delete(api_idempotency).where(api_idempotency.c.created_at < before)
        )
        return result.rowcount
