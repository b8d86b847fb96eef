"""Idempotency-Key on every POST: the first answer is kept for a day (per key) and a
repeat gets it again, with `Idempotent-Replayed: true`, without doing the change twice.
The same Idempotency-Key with another request is refused (422); while the first request
is still running, a repeat gets 409.

The claim on the key is tied to the change's commit: while the route runs, each unit of
work that commits marks the claim committed in its own transaction (SqlUnitOfWork.commit).
An answer that asks for a retry (a 5xx or a crash, 429 too many requests, 401, 409
"changed meanwhile") is not kept, so the retry really tries again, but only while
nothing was committed: once the change is, whatever was answered is kept and replayed
(a 5xx too), and a retry never makes the change a second time.

An answer marked `Cache-Control: no-store` (one showing a webhook's signing secret) is
kept with its top-level "secret" set to null, and its replay says so
(`Idempotent-Secret-Withheld: true`): a secret is shown once, not stored for a day.

The per-key rate limit is checked here, before the claim: a throttled key costs no
write. The route's dependency then does not count the request again.

ASGI middleware rather than a dependency: it must see (and keep) the whole answer."""

from __future__ import annotations

import hashlib
import json
import math

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.api.problems import PROBLEM_TYPE, problem_response
from core.domain.api_keys import ApiKey, StoredAnswer
from core.services import api_keys
from core.services.context import Shop
from handlers.throttle import IncomingLimiter, Verdict

HEADER = "Idempotency-Key"
MAX_KEY = 255
MAX_KEPT = 1_000_000  # an answer larger than this is not kept (none is, today)
# Problems that say "try again": keeping them would replay the refusal to every retry.
RETRY_LATER = {"unauthorized", "too_many_requests", "concurrent_update", "store_unavailable"}
SECRET_WITHHELD = "Idempotent-Secret-Withheld"
# The request.state member the route's `authenticated` dependency reads: the key this
# middleware authenticated and counted against its limit.
STATE_KEY = "api_key"


def check_limit(limiter: IncomingLimiter, key_id: int) -> int | None:
    """Count one request of this key: None if it may go on, else the seconds to wait."""
    if limiter.check("api", str(key_id)) is Verdict.HANDLE:
        return None
    return max(1, math.ceil(limiter.seconds_to_next("api", str(key_id))))


class Idempotency:
    def __init__(self, app: ASGIApp, shop: Shop) -> None:
        self.app = app
        self.shop = shop

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            return await self.app(scope, receive, send)
        request = Request(scope)
        key_text = request.headers.get(HEADER)
        credentials = request.headers.get("authorization", "")
        if key_text is None or not credentials.lower().startswith("bearer "):
            return await self.app(scope, receive, send)  # no key: the route answers
        if not 0 < len(key_text) <= MAX_KEY or "\x00" in key_text:
            answer = problem_response(request, "invalid_request", detail=f"{HEADER}: 1-255")
            return await answer(scope, receive, send)
        api_key = await api_keys.authenticate(self.shop, credentials[7:].strip())
        if api_key is None:
            return await self.app(scope, receive, send)  # the route answers 401
        wait = check_limit(scope["app"].state.limiter, api_key.id)
        if wait is not None:  # before the claim: a throttled key writes nothing
            answer = problem_response(
                request, "too_many_requests", headers={"Retry-After": str(wait)}
            )
            return await answer(scope, receive, send)
        scope.setdefault("state", {})[STATE_KEY] = api_key
        body = await _read_body(receive)
        fingerprint = hashlib.sha256(
            b"\n".join([scope["path"].encode(), scope.get("query_string", b""), body])
        ).hexdigest()

        if not await api_keys.claim(self.shop, api_key.id, key_text, fingerprint):
            kept = await api_keys.recall(self.shop, api_key.id, key_text)
            return await self._answer_repeat(request, kept, fingerprint, send, receive)
        await self._run(request, api_key, key_text, fingerprint, body, receive, send)

    async def _run(
        self,
        request: Request,
        api_key: ApiKey,
        key_text: str,
        fingerprint: str,
        body: bytes,
        receive: Receive,
        send: Send,
    ) -> None:
        status, headers, chunks = 500, [], []

        async def keep(message: Message) -> None:
            nonlocal status, headers
            if message["type"] == "http.response.start":
                status, headers = message["status"], list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        claim = (api_key.id, key_text)
        crash: BaseException | None = None
        with api_keys.answering(api_key.id, key_text) as running:
            try:
                await self.app(request.scope, _replay(body, receive), keep)
            except BaseException as error:
                crash = error
        if crash is not None:
            # Answered by the server's last resort (500): kept once a change committed.
            if running.committed or not await api_keys.release(self.shop, *claim):
                lost = problem_response(request, "internal_error")
                await self._remember(api_key.id, key_text, fingerprint, 500, lost.body, headers=[])
            raise crash
        content = b"".join(chunks)
        content_type = _header(headers, b"content-type") or "application/json"
        retry = status >= 500 or len(content) > MAX_KEPT or _asks_retry(content_type, content)
        # Not released when a unit committed after all (its commit's answer was lost).
        if retry and not running.committed and await api_keys.release(self.shop, *claim):
            return
        await self._remember(api_key.id, key_text, fingerprint, status, content, headers)

    async def _remember(
        self,
        key_id: int,
        key_text: str,
        fingerprint: str,
        status: int,
        content: bytes,
        headers: list[tuple[bytes, bytes]],
    ) -> None:
        content_type = _header(headers, b"content-type") or (
            PROBLEM_TYPE if status >= 400 else "application/json"
        )
        withheld = "no-store" in (_header(headers, b"cache-control") or "").lower()
        if withheld:
            content = _without_secret(content)
        await api_keys.remember(
            self.shop,
            key_id,
            key_text,
            StoredAnswer(fingerprint, status, content, content_type, secret_withheld=withheld),
        )

    async def _answer_repeat(
        self,
        request: Request,
        kept: StoredAnswer | None,
        fingerprint: str,
        send: Send,
        receive: Receive,
    ) -> None:
        if kept is not None and kept.fingerprint != fingerprint:
            answer = problem_response(request, "idempotency_key_reused")
        elif kept is not None and api_keys.answer_lost(self.shop, kept):
            answer = problem_response(request, "idempotency_answer_lost")
        elif kept is None or kept.status is None:  # still running (or just released)
            answer = problem_response(request, "idempotency_key_in_use")
        else:
            headers = [
                (b"content-type", kept.content_type.encode()),
                (b"content-length", str(len(kept.body)).encode()),
                (b"idempotent-replayed", b"true"),
            ]
            if kept.secret_withheld:
                headers += [(b"cache-control", b"no-store"), (SECRET_WITHHELD.encode(), b"true")]
            await send({"type": "http.response.start", "status": kept.status, "headers": headers})
            await send({"type": "http.response.body", "body": kept.body})
            return
        await answer(request.scope, receive, send)


async def _read_body(receive: Receive) -> bytes:
    parts = []
    while True:
        message = await receive()
        parts.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(parts)


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> str | None:
    return next((v.decode("latin-1") for k, v in headers if k.lower() == name), None)


def _asks_retry(content_type: str, content: bytes) -> bool:
    if not content_type.startswith(PROBLEM_TYPE):
        return False
    try:
        return json.loads(content).get("code") in RETRY_LATER
    except (ValueError, AttributeError):
        return False


def _without_secret(content: bytes) -> bytes:
    """The answer with its top-level "secret" member null; one that is not a JSON object
    keeps nothing (a secret could be anywhere in it)."""
    try:
        document = json.loads(content)
    except ValueError:
        return b""
    if not isinstance(document, dict):
        return b""
    if "secret" in document:
        document["secret"] = None
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body already read, then the client's own messages (its disconnect)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
