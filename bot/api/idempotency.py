"""Idempotency-Key on every POST: the first answer is kept for a day (per key) and a
repeat gets it again, with `Idempotent-Replayed: true`, without doing the change twice.
The same Idempotency-Key with another request is refused (422); while the first request
is still running, a repeat gets 409. An answer that asks for a retry (a 5xx, 429 too many
requests, 401, 409 "changed meanwhile") is not kept, so the retry really tries again.

ASGI middleware rather than a dependency: it must see (and keep) the whole answer."""

from __future__ import annotations

import hashlib
import json

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.api.problems import PROBLEM_TYPE, problem_response
from core.domain.api_keys import StoredAnswer
from core.services import api_keys
from core.services.context import Shop

HEADER = "Idempotency-Key"
MAX_KEY = 255
MAX_KEPT = 1_000_000  # an answer larger than this is not kept (none is, today)
# Problems that say "try again": keeping them would replay the refusal to every retry.
RETRY_LATER = {"unauthorized", "too_many_requests", "concurrent_update", "store_unavailable"}


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
        if not 0 < len(key_text) <= MAX_KEY:
            answer = problem_response(request, "invalid_request", detail=f"{HEADER}: 1-255")
            return await answer(scope, receive, send)
        api_key = await api_keys.authenticate(self.shop, credentials[7:].strip())
        if api_key is None:
            return await self.app(scope, receive, send)  # the route answers 401
        body = await _read_body(receive)
        fingerprint = hashlib.sha256(
            b"\n".join([scope["path"].encode(), scope.get("query_string", b""), body])
        ).hexdigest()

        if not await api_keys.claim(self.shop, api_key.id, key_text, fingerprint):
            kept = await api_keys.recall(self.shop, api_key.id, key_text)
            return await self._answer_repeat(request, kept, fingerprint, send, receive)

        status, headers, chunks = 500, [], []

        async def keep(message: Message) -> None:
            nonlocal status, headers
            if message["type"] == "http.response.start":
                status, headers = message["status"], list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, _replay(body, receive), keep)
        except BaseException:
            await api_keys.release(self.shop, api_key.id, key_text)
            raise
        content = b"".join(chunks)
        content_type = next(
            (v.decode() for k, v in headers if k.lower() == b"content-type"), "application/json"
        )
        if status >= 500 or len(content) > MAX_KEPT or _asks_retry(content_type, content):
            await api_keys.release(self.shop, api_key.id, key_text)
            return
        await api_keys.remember(
            self.shop,
            api_key.id,
            key_text,
            StoredAnswer(fingerprint, status, content, content_type),
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
        elif kept is None or kept.status is None:  # still running (or just released)
            answer = problem_response(request, "idempotency_key_in_use")
        else:
            await send(
                {
                    "type": "http.response.start",
                    "status": kept.status,
                    "headers": [
                        (b"content-type", kept.content_type.encode()),
                        (b"content-length", str(len(kept.body)).encode()),
                        (b"idempotent-replayed", b"true"),
                    ],
                }
            )
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


def _asks_retry(content_type: str, content: bytes) -> bool:
    if not content_type.startswith(PROBLEM_TYPE):
        return False
    try:
        return json.loads(content).get("code") in RETRY_LATER
    except (ValueError, AttributeError):
        return False


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
