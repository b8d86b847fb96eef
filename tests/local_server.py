"""What every API double shares: an aiohttp server on 127.0.0.1, on a free port, that
hands each request to the double's `_handle`, and `async with` to start and stop it."""

from __future__ import annotations

from typing import Self

from aiohttp import ClientSession, web


class LocalServer:
    """Subclasses define `_handle(request)`; `base_url` says where they listen."""

    base_url = ""
    client_max_size = 1024**2  # aiohttp's default request size
    _runner: web.AppRunner | None = None
    _client: ClientSession | None = None  # a double that calls out (webhooks) keeps one

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        raise NotImplementedError

    async def start(self) -> None:
        """Serve on 127.0.0.1, on a free port; base_url tells where."""
        app = web.Application(client_max_size=self.client_max_size)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        host, port = self._runner.addresses[0][:2]
        self.base_url = f"http://{host}:{port}"

    async def stop(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()
