"""API keys: who may call the REST API, and what each key may do (its scopes).

A key is shown once when it is made ("pdk_<prefix>_<secret>"); the shop keeps its
prefix, to find it, and a SHA-256 digest of the whole key, to check it. The secret is
random (32 bytes), so a fast digest is enough: there is nothing to guess a word from.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime

from core.domain.errors import DomainError

KEY_MARK = "pdk"
API_CHANNEL = "api"  # the merchant actor of a key is "merchant:api:<key id>"

# What each resource allows: read, or read and change.
RESOURCES = ("products", "stock", "orders", "returns", "customers", "carriers", "reports")
SCOPES = frozenset(
    [f"{r}:read" for r in RESOURCES]
    + [f"{r}:write" for r in RESOURCES if r != "reports"]
    + ["webhooks:read", "webhooks:write"]
)


class UnknownScope(DomainError):
    code = "unknown_scope"


class InvalidKeyName(DomainError):
    code = "invalid_key_name"


def parse_scopes(text: str) -> frozenset[str]:
    """ "orders:read,orders:write" -> the scopes; "all" -> every scope."""
    wanted = {s.strip() for s in text.split(",") if s.strip()}
    if wanted == {"all"}:
        return SCOPES
    unknown = sorted(wanted - SCOPES)
    if unknown or not wanted:
        raise UnknownScope(scopes=unknown, known=sorted(SCOPES))
    return frozenset(wanted)


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> tuple[str, str]:
    """(prefix, the whole key)."""
    prefix = secrets.token_hex(4)
    return prefix, f"{KEY_MARK}_{prefix}_{secrets.token_urlsafe(32)}"


def prefix_of(key: str) -> str | None:
    mark, _, rest = key.partition("_")
    prefix, _, secret = rest.partition("_")
    if mark != KEY_MARK or len(prefix) != 8 or not secret:
        return None
    if any(c not in "0123456789abcdef" for c in prefix):  # new_key's hex; nothing else is
        return None
    return prefix


@dataclass(frozen=True)
class ApiKey:
    id: int
    name: str
    prefix: str
    key_digest: str
    scopes: frozenset[str]
    created_at: datetime
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def matches(self, key: str) -> bool:
        return self.active and hmac.compare_digest(self.key_digest, digest(key))

    def allows(self, scope: str) -> bool:
        return scope in self.scopes


@dataclass(frozen=True)
class StoredAnswer:
    """The first answer to a POST sent with an Idempotency-Key, kept to be replayed."""

    fingerprint: str  # method, path and body digest of the first request
    status: int | None  # None while the first request is still being handled
    body: bytes = b""
    content_type: str = "application/json"
    # The first request's change was committed: it is never run again with this key.
    committed: bool = False
    # The answer carried a signing secret, kept as null (the secret is shown once).
    secret_withheld: bool = False
    started_at: datetime | None = None  # when the request holding the key began


@dataclass
class IdempotentRequest:
    """The API request now running under an Idempotency-Key claim. While it is set (by
    the API's middleware, around the route), each unit of work that commits marks the
    claim committed in its own transaction: then a failure after it keeps the answer
    instead of letting a retry make the change again."""

    api_key_id: int
    idempotency_key: str
    open: bool = True  # False once the route has answered: a straggler task marks nothing
    committed: bool = False  # a unit committed (and marked the claim) in this request


idempotent_request: ContextVar[IdempotentRequest | None] = ContextVar(
    "idempotent_request", default=None
)
