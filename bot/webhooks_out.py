"""The outgoing webhooks' sender: fans the shop's events out to the endpoints, signs
each message per Standard Webhooks and POSTs it, and records every attempt.

Each loop: events not fanned out yet become deliveries (core/services/webhooks.py
`fan_out`), the due deliveries are claimed with a lease (several workers never send one
delivery at once), the deliveries this sender claimed for one endpoint go in order,
different endpoints' at the same time: at least once, order usually but not strictly
kept (docs/webhooks.md says what a receiver can count on). An answer 2xx is delivered;
anything else (3xx included: redirects are not followed), a timeout or a network error
is a failed attempt, tried again later.

Only public internet addresses are sent to (unless WEBHOOKS_ALLOW_PRIVATE_ADDRESSES):
at each attempt the URL's host is resolved, every address it gives is checked, and the
connection goes to a checked address (the Host header and TLS's server name stay the
URL's), so a name that resolves to a public address when registered and to a private
one later (DNS rebinding) still cannot reach this machine or its network.

The webhook-timestamp header is the real time of the attempt (the receiver checks it
against its own clock, five minutes either way); the message's own "timestamp" is when
the event happened, on the shop's clock.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Self

import httpx
from standardwebhooks import Webhook

from core.domain.errors import StoreUnavailable
from core.domain.webhooks import (
    RESPONSE_EXCERPT,
    TIMEOUT_SECONDS,
    AttemptResult,
    DueDelivery,
    clean_text,
    is_public_address,
)
from core.services import webhooks
from core.services.context import Shop

log = logging.getLogger("pedidos.webhooks")

USER_AGENT = "Pedidos-Webhooks/1"
READ_AT_MOST = 4096  # bytes of an answer read for the log; the rest is not wanted
FORGET_EVERY_SECONDS = 3600


def signature_header(delivery: DueDelivery, body: str, at: datetime) -> str:
    """ "v1,<base64>" for each secret in force, space-separated (the spec's way to sign
    with the old and the new secret during a rotation)."""
    return " ".join(Webhook(secret).sign(delivery.msg_id, at, body) for secret in delivery.secrets)


def _excerpt(raw: bytes | str) -> str:
    """The start of an answer (or an error) for the log: any bytes as UTF-8, with no
    control characters (a NUL would stop PostgreSQL from recording it), on one line."""
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
    return " ".join(clean_text(text).split())[:RESPONSE_EXCERPT]


class Refused(Exception):
    """The URL's host is (or resolves to) an address messages may not go to."""


async def addresses(host: str, port: int, *, allow_private: bool) -> list[str]:
    """The addresses to connect to for host, in the resolver's order; Refused when
    one of them is not public (all are checked: which one a connection would take is
    the resolver's choice)."""
    try:
        found = [ipaddress.ip_address(host)]
    except ValueError:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        # sockaddr[0] is the address; an IPv6 one may end with "%zone"
        found = [ipaddress.ip_address(str(info[4][0]).partition("%")[0]) for info in infos]
    unique = list(dict.fromkeys(found))
    if not allow_private:
        for address in unique:
            if not is_public_address(address):
                named = "" if str(address) == host else f" ({address})"
                raise Refused(f"{host}{named} is not a public address")
    return [str(address) for address in unique]


class WebhookSender:
    """Sends what is due; `async with` opens and closes its HTTP client."""

    def __init__(
        self,
        shop: Shop,
        *,
        lease: timedelta = webhooks.LEASE,
        timeout: float = TIMEOUT_SECONDS,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.shop = shop
        self.lease = lease
        self.timeout = timeout
        self.wall_clock = wall_clock
        self.allow_private = shop.settings.webhooks_allow_private_addresses
        self._client: httpx.AsyncClient | None = None
        self.backlog = False  # the last fan-out took a full batch: more events wait

    async def __aenter__(self) -> Self:
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(self.timeout),
            follow_redirects=False,
            headers={"user-agent": USER_AGENT},
            # Each attempt connects to the address it checked (`addresses`): no pooled
            # connection (keyed by that address, made for another endpoint's name) is
            # reused, and no proxy from the environment resolves the name instead.
            transport=httpx.AsyncHTTPTransport(limits=httpx.Limits(max_keepalive_connections=0)),
        )
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def run_once(self, limit: int = 50) -> int:
        """Fan out the new events and send the due deliveries; how many were claimed."""
        self.backlog = await webhooks.fan_out(self.shop) >= webhooks.FAN_OUT_BATCH
        claimed = await webhooks.claim_due(self.shop, self.lease, limit)
        by_endpoint: dict[int, list[DueDelivery]] = {}
        for delivery in claimed:
            by_endpoint.setdefault(delivery.endpoint_id, []).append(delivery)
        await asyncio.gather(*(self._send_in_order(found) for found in by_endpoint.values()))
        return len(claimed)

    async def _send_in_order(self, deliveries: list[DueDelivery]) -> None:
        for delivery in deliveries:
            await self.send(delivery)

    async def send(self, delivery: DueDelivery) -> str:
        """One attempt at one claimed delivery; what became of it ("taken": its lease
        ran out while earlier ones were sent, and another sender has it now)."""
        held = await webhooks.still_ours(self.shop, delivery, self.lease)
        if held is None:
            return "taken"
        result = await self.attempt(held)
        outcome = await webhooks.record_attempt(self.shop, held, result)
        if outcome == "disabled":
            log.warning("webhook endpoint %s disabled: it failed for a day", held.endpoint_id)
        return outcome

    async def attempt(self, delivery: DueDelivery) -> AttemptResult:
        """POST the signed message once."""
        assert self._client is not None, "use the sender inside `async with`"
        body = delivery.body
        at = datetime.fromtimestamp(self.wall_clock(), UTC)
        headers = {
            "content-type": "application/json",
            "webhook-id": delivery.msg_id,
            "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": signature_header(delivery, body, at),
        }
        started = time.monotonic()
        try:
            # httpx's timeout bounds each read; this bounds the whole attempt (resolving
            # the name too), so a receiver answering a byte at a time cannot outlast the
            # lease.
            async with asyncio.timeout(self.timeout):
                status, raw = await self._post(delivery.url, body, headers)
        except TimeoutError:
            return AttemptResult(False, None, f"no answer within {self.timeout:g} s", _ms(started))
        except Refused as refused:
            note = f"refused: {refused} (WEBHOOKS_ALLOW_PRIVATE_ADDRESSES)"
            return AttemptResult(False, None, _excerpt(note), _ms(started))
        except socket.gaierror as error:
            return AttemptResult(False, None, _excerpt(f"name not resolved: {error}"), _ms(started))
        except (httpx.HTTPError, httpx.InvalidURL) as error:
            return AttemptResult(
                False, None, _excerpt(f"{type(error).__name__}: {error}"), _ms(started)
            )
        except Exception as error:  # still an attempt: recorded, retried on the schedule
            log.exception("webhook delivery %s: the attempt failed", delivery.id)
            return AttemptResult(
                False, None, _excerpt(f"{type(error).__name__}: {error}"), _ms(started)
            )
        ok = 200 <= status < 300
        return AttemptResult(ok, status, _excerpt(raw), _ms(started))

    async def _post(self, url: str, body: str, headers: dict[str, str]) -> tuple[int, bytes]:
        """POST to each checked address of the URL's host until one takes the connection;
        the answer's status and its first bytes."""
        assert self._client is not None
        target = httpx.URL(url)
        host = target.raw_host.decode("ascii")  # a name in IDNA form, or an IP
        port = target.port or (443 if target.scheme == "https" else 80)
        found = await addresses(host, port, allow_private=self.allow_private)
        headers = {**headers, "host": target.netloc.decode("ascii")}
        extensions = {"sni_hostname": host} if target.scheme == "https" else {}
        for number, address in enumerate(found, start=1):
            try:
                async with self._client.stream(
                    "POST",
                    target.copy_with(host=address),
                    content=body.encode("utf-8"),
                    headers=headers,
                    extensions=extensions,
                ) as response:
                    raw = b""
                    async for chunk in response.aiter_bytes():
                        raw += chunk
                        if len(raw) >= READ_AT_MOST:
                            break
                    return response.status_code, raw
            except httpx.ConnectError:
                if number == len(found):
                    raise  # the last address refused too
        raise httpx.ConnectError(f"{host} has no address")

    async def run_forever(self, idle_seconds: float = 1.0) -> None:
        forgotten_at = 0.0
        while True:
            claimed, self.backlog = 0, False
            try:
                claimed = await self.run_once()
                if time.monotonic() - forgotten_at >= FORGET_EVERY_SECONDS:
                    forgotten_at = time.monotonic()
                    if gone := await webhooks.forget_old(self.shop):
                        log.info("deleted %d old webhook deliveries", gone)
            except StoreUnavailable:
                log.warning("database unavailable; the webhooks wait")
            except Exception:
                log.exception("sending webhooks failed; trying again later")
            if not claimed and not self.backlog:
                await asyncio.sleep(idle_seconds)


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


async def send_webhooks_forever(shop: Shop) -> None:
    """The sender `pedidos run` / `serve` keep running beside the outbox dispatcher."""
    async with WebhookSender(shop) as sender:
        await sender.run_forever()
