"""A system that receives the shop's webhooks: a real HTTP server on 127.0.0.1 that
checks every request with the Standard Webhooks reference code
(`standardwebhooks.Webhook(secret).verify`), keeps what it got, and answers what the
test tells it to (204 by default; a list of statuses is answered in turn, its last one
from then on)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field

from aiohttp import web
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from tests.local_server import LocalServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: str
    verified_with: list[str] = field(default_factory=list)  # the secrets that verify it

    @property
    def msg_id(self) -> str:
        return self.headers["webhook-id"]

    @property
    def message(self) -> dict:
        return json.loads(self.body)

    @property
    def type(self) -> str:
        return self.message["type"]

    @property
    def data(self) -> dict:
        return self.message["data"]

    def verifies_with(self, secret: str) -> bool:
        """Verified by the spec's reference code, as a receiver would do it."""
        try:
            Webhook(secret).verify(self.body, self.headers)
        except WebhookVerificationError:
            return False
        return True


class WebhookReceiver(LocalServer):
    def __init__(self, *secrets: str, answers: list[int] | None = None) -> None:
        self.secrets = list(secrets)  # checked on arrival: whose signatures it carries
        self.answers = list(answers or [204])
        self.received: list[Received] = []
        self.redirect_to = ""  # with a 3xx answer, the Location given
        self._arrived = asyncio.Condition()
        self.hang = False  # never answer (until the server stops)

    def url(self, path: str = "/hooks") -> str:
        return self.base_url + path

    async def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        """Until `count` requests have come (a sender running on its own)."""
        async with self._arrived:
            await asyncio.wait_for(
                self._arrived.wait_for(lambda: len(self.received) >= count), timeout
            )
        return self.received

    def of_path(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path]

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = (await request.read()).decode("utf-8")
        got = Received(request.path, {k.lower(): v for k, v in request.headers.items()}, body)
        got.verified_with = [s for s in self.secrets if got.verifies_with(s)]
        self.received.append(got)
        async with self._arrived:
            self._arrived.notify_all()
        if self.hang:
            await asyncio.Event().wait()
        status = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if 300 <= status < 400:
            return web.Response(status=status, headers={"Location": self.redirect_to or "/"})
        return web.Response(status=status, text="ok" if status < 300 else "receiver is down")
