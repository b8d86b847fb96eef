"""Request bodies are capped before anything reads them: a huge POST is refused with 413
on every endpoint of the web app, streamed or not, and the shop goes on answering."""

from __future__ import annotations

import httpx

from bot.body_limit import MAX_BODY_BYTES
from tests.e2e.whatsapp_driver import whatsapp_shop

ANA = "5215512345678"
CHUNK = 64 * 1024


class Stream:
    """A chunked body of `total` bytes that counts how much of it the server took."""

    def __init__(self, total: int) -> None:
        self.total, self.sent = total, 0

    async def __aiter__(self):
        while self.sent < self.total:
            self.sent += CHUNK
            yield b"x" * CHUNK


async def post(url: str, **kwargs) -> int:
    async with httpx.AsyncClient(timeout=30) as client:
        try:
            return (await client.post(url, **kwargs)).status_code
        except (httpx.RemoteProtocolError, httpx.WriteError, httpx.ReadError):
            return -1  # the server hung up mid-upload, after answering


async def test_a_body_over_the_cap_is_refused_before_it_is_read(demo_shop):
    async with whatsapp_shop(demo_shop) as wa:
        huge = b"{" + b" " * (MAX_BODY_BYTES + 1) + b"}"
        headers = {"X-Hub-Signature-256": wa.double.signature(huge)}
        assert await post(wa.url, content=huge, headers=headers) == 413
        base = wa.url.removesuffix("/whatsapp/webhook")
        assert await post(base + "/telegram/webhook", content=huge) == 413
        # the control: a message of ordinary size is still answered
        assert await wa.deliver(wa.double.user_text(ANA, "Hola")) == 200
        assert wa.double.texts(ANA)


async def test_a_streamed_body_is_cut_off_at_the_cap(demo_shop):
    async with whatsapp_shop(demo_shop) as wa:
        stream = Stream(total=64 * MAX_BODY_BYTES)  # 64 MiB offered, chunked
        status = await post(wa.url, content=stream)
        assert status in (413, -1)
        assert stream.sent < 4 * MAX_BODY_BYTES  # the upload stopped near the cap
        assert await wa.deliver(wa.double.user_text(ANA, "Hola")) == 200


async def test_a_body_just_under_the_cap_reaches_the_endpoint(demo_shop):
    async with whatsapp_shop(demo_shop) as wa:
        body = b"{" + b" " * (MAX_BODY_BYTES - 2) + b"}"
        # it passes the cap and is refused for its signature, by the endpoint itself
        assert await post(wa.url, content=body, headers={"X-Hub-Signature-256": "x"}) == 403
