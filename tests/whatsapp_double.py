"""A strict double of the WhatsApp Cloud API (Meta Graph API) that speaks real HTTP.

This is the second of the two fakes the suite allows (DESIGN.md, "Conventions"): the real
pywa client sends its requests over HTTP to this server exactly as it sends them to
graph.facebook.com, and it refuses what the Cloud API refuses, answering with Graph's own
error JSON, e.g. ``{"error": {"message": "(#131009) Parameter value is not valid",
"type": "OAuthException", "code": 131009, "error_data": {"messaging_product": "whatsapp",
"details": "Button title length invalid. Min length: 1, Max length: 20"},
"fbtrace_id": "A..."}}``.

    async with GraphApiDouble(templates={"order_update": {"es"}}) as graph:
        session = httpx.AsyncClient(transport=RedirectTransport(graph.base_url))
        wa = WhatsApp(phone_id=graph.phone_id, token=graph.token, session=session,
                      app_secret=graph.app_secret, verify_token="v", server=None)
        update = graph.user_text("5215512345678", "hola")    # the webhook JSON Meta sends
        await graph.post_webhook("http://127.0.0.1:8080/whatsapp", update)
        await graph.until(lambda: graph.texts("5215512345678"))

pywa hard-codes ``https://graph.facebook.com/v{version}`` as its base URL; RedirectTransport
sends every request (Graph calls and media downloads from lookaside.fbsbx.com alike) to the
double, keeping path and query.

What is modelled:

* POST /{phone_id}/messages for text, interactive (button, list, cta_url,
  location_request_message), image, document, template, location and reaction messages,
  plus read marks / typing indicators (``{"status": "read", "message_id": ...}``).
* POST /{phone_id}/media (multipart upload), GET /{media_id} (media URL), DELETE
  /{media_id}, and GET of the returned lookaside URL (needs the bearer token, like Meta).
* The 24-hour customer service window: every inbound helper records the user's last message
  time (``clock()``); a non-template message to a user who never wrote, or last wrote more
  than 24 h ago, is refused with 131047. Templates may be sent at any time, to anyone.
* Business-scoped user ids (BSUIDs): since April 2026 Meta adds ``contacts[].user_id`` and
  ``messages[].from_user_id`` to every inbound webhook. pywa 4.5 requires them (it reads
  ``contacts[0]["user_id"]``) and, by default, replies with ``{"recipient": "<BSUID>"}``
  instead of ``{"to": "<wa_id>"}``. The double issues a stable BSUID per wa_id
  (``bsuid(wa_id)``) and files messages to either under the wa_id in ``sent()``. As Meta
  documents it, ``to`` takes a phone number and ``recipient`` a BSUID (``to`` wins when
  both are given); a BSUID in ``to`` or a phone number in ``recipient`` is refused with
  131009 (Meta does not publish that answer's words).
* Usernames: a person who adopts a username and has not written for 30 days reaches the
  business without their phone number: ``hide_phone(wa_id)`` makes their webhooks carry
  the BSUID only (no ``from``, no ``contacts[].wa_id``, no ``recipient_id`` in statuses).
  A person known only by a BSUID (from a recorded payload) is filed under the BSUID.
* Recorded payloads: ``received(payload)`` takes a webhook payload written elsewhere (an
  SDK's test fixture, Meta's examples) and notes its senders, their ids and their messages
  as if they had just written, so answers to them are inside the 24-hour window.
* Webhook deliveries: ``post_webhook`` signs the exact bytes it sends with
  ``X-Hub-Signature-256`` (HMAC-SHA256 of the body with the app secret). Like Meta, the JSON
  is compact with non-ASCII characters escaped as ``\\uXXXX`` (lowercase hex) and ``/``
  escaped as ``\\/``, so a receiver that re-serialises the JSON before checking the
  signature fails here as it fails in production.

Deliberate differences from the real service:

* 131047 (re-engagement) is answered synchronously with HTTP 400. The real Cloud API usually
  accepts the request (200 + wamid) and reports 131047 later in a "failed" status webhook;
  a bot must handle both (``status_update(wamid, "failed", errors=[...])`` builds the
  latter).
* The exact ``details`` wording of Graph errors is not published; the codes and messages are
  Meta's, the details are close to what Meta sends. Missing message fields answer 131008,
  bad values 131009, transport-level problems (``messaging_product``, unknown types, text
  length) 100 "Invalid parameter", as the Cloud API does.
* A cta_url message holds one URL button (Meta's reference); one that also carries reply
  buttons or list sections is refused with 131009 (Meta does not publish its words).
* A cta_url button to a host no phone can reach (a name without a dot such as
  ``localhost``, ``*.localhost``, an IP address that is not public: ``http://127.0.0.1:8080``,
  ``http://192.168.1.5/``) is refused with 131009. Meta publishes no rule for the URL
  beyond "URL to load in the device's default web browser"; the double holds WhatsApp to
  what the Telegram double holds Telegram to, so a bot never sends a button its customer
  cannot open.
* Message types the double does not model (audio, video, sticker, contacts, interactive
  product/flow, ...) are refused with code 100 and details saying so, so tests notice.
* Failed status webhooks omit the ``contacts`` array (Meta's BSUID documentation says so);
  pywa 4.5's ``MessageStatus.from_update`` needs it (KeyError). Pass ``contacts=True`` to
  ``status_update`` to include it anyway.
* Rate limits, on by default. Throughput: at most ``throughput_per_second`` (80, the
  Cloud API's default per business number) messages in any one-second window, else
  130429. Pair rate: Meta states about one message every 6 seconds to one user (10 a
  minute, 600 an hour), bursts of up to 45 allowed but borrowed from later (a burst of
  20 is followed by about 2 minutes of nothing); the double models that as a token bucket
  per user holding ``pair_burst`` (45) messages refilled at ``pair_per_second`` (1/6),
  else 131056. Only sends count (not read marks, uploads or media lookups); a refused
  send takes nothing from the budgets. Their time is ``rate_clock`` (monotonic seconds,
  a test can hand it a virtual clock; ``clock`` stays the wall-clock time of the
  24-hour window and the webhooks' timestamps). None lifts a limit.
* ``check_at_close()`` is what a harness asserts when it closes: no refused call the test
  did not declare with ``expect_rejections``, every button or list reply the webhook
  delivered (validly signed, answered 200) followed by a message to that person, and no
  message carrying the crash apology.
* Not modelled: groups, marketing messages (MM Lite), message edits/revokes, flows, calls,
  webhook retries.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import hashlib
import hmac
import inspect
import io
import ipaddress
import json
import re
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import httpx
from aiohttp import ClientSession, ClientTimeout, web

__all__ = [
    "ERROR_MESSAGES",
    "WINDOW_SECONDS",
    "GraphApiDouble",
    "GraphCall",
    "RedirectTransport",
]
from tests.local_server import LocalServer

WINDOW_SECONDS = 24 * 3600
MAX_TEXT = 4096
MAX_INTERACTIVE_BODY = 1024
MAX_HEADER_TEXT = 60
MAX_FOOTER_TEXT = 60
MAX_BUTTONS = 3
MAX_BUTTON_TITLE = 20
MAX_BUTTON_ID = 256
MAX_LIST_BUTTON = 20
MAX_SECTIONS = 10
MAX_ROWS = 10
MAX_SECTION_TITLE = 24
MAX_ROW_TITLE = 24
MAX_ROW_DESCRIPTION = 72
MAX_ROW_ID = 200
MAX_CAPTION = 1024
MAX_TRACKER = 512
MAX_UPLOAD_BYTES = 100 * 1024 * 1024
# Rate limits (Meta: throughput and pair rate limits; the bucket is this double's model).
THROUGHPUT_PER_SECOND = 80.0
PAIR_PER_SECOND = 1 / 6
PAIR_BURST = 45
THROUGHPUT_DETAILS = "Cloud API message throughput has been reached."
PAIR_DETAILS = (
    "Message failed to send because there were too many messages sent from this phone "
    "number to the same phone number in a short period of time."
)

ERROR_MESSAGES = {
    4: "Application request limit reached",
    100: "Invalid parameter",
    190: "Invalid OAuth access token - Cannot parse access token",
    80007: "Rate limit issues",
    130429: "Rate limit hit",
    131000: "Something went wrong",
    131008: "Required parameter is missing",
    131009: "Parameter value is not valid",
    131016: "Service unavailable",
    131026: "Message undeliverable",
    131047: "Re-engagement message",
    131048: "Spam rate limit hit",
    131053: "Media upload error",
    131056: "(Business Account, Consumer Account) pair rate limit hit",
    132000: "Number of parameters does not match the expected number of params",
    132001: "Template name does not exist in the translation",
}
INJECTED_DETAILS = {
    4: "Too many API calls.",
    80007: "The WhatsApp Business Account has reached its rate limit.",
    130429: "Cloud API message throughput has been reached.",
    131000: "Message failed to send due to an unknown error.",
    131016: "A service is temporarily unavailable.",
    131048: "Message failed to send because there are restrictions on how many messages can "
    "be sent from this phone number.",
    131056: "Message failed to send because there were too many messages sent from this "
    "phone number to the same phone number in a short period of time.",
}
WINDOW_DETAILS = (
    "Message failed to send because more than 24 hours have passed since the customer last "
    "replied to this number."
)
UNDELIVERABLE_DETAILS = "Message failed to send because the recipient is not a WhatsApp user."
ERROR_HREF = "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"
MESSAGE_TYPES = (
    "audio",
    "contacts",
    "document",
    "image",
    "interactive",
    "location",
    "reaction",
    "sticker",
    "template",
    "text",
    "video",
)
IMAGE_TYPES = frozenset({"image/jpeg", "image/png"})
UPLOAD_TYPES = {  # supported media types -> size limit in bytes
    "image/jpeg": 5 << 20,
    "image/png": 5 << 20,
    "image/webp": 500 << 10,
    "text/plain": 100 << 20,
    "application/pdf": 100 << 20,
    "application/msword": 100 << 20,
    "application/vnd.ms-excel": 100 << 20,
    "application/vnd.ms-powerpoint": 100 << 20,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": 100 << 20,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": 100 << 20,
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": 100 << 20,
    "audio/aac": 16 << 20,
    "audio/amr": 16 << 20,
    "audio/mpeg": 16 << 20,
    "audio/mp4": 16 << 20,
    "audio/ogg": 16 << 20,
    "video/3gpp": 16 << 20,
    "video/mp4": 16 << 20,
}
STATUSES = ("sent", "delivered", "read", "failed")
# Dialling prefix -> ISO country, for the country part of a BSUID ("MX.1234...").
_COUNTRIES = {
    "1": "US",
    "7": "RU",
    "33": "FR",
    "34": "ES",
    "39": "IT",
    "44": "GB",
    "49": "DE",
    "51": "PE",
    "52": "MX",
    "53": "CU",
    "54": "AR",
    "55": "BR",
    "56": "CL",
    "57": "CO",
    "58": "VE",
    "91": "IN",
    "502": "GT",
    "503": "SV",
    "504": "HN",
    "505": "NI",
    "506": "CR",
    "507": "PA",
    "591": "BO",
    "593": "EC",
    "595": "PY",
    "598": "UY",
    "972": "IL",
}
_VERSIONED = re.compile(r"/v\d+(?:\.\d+)?(/.*)?")
_BSUID = re.compile(r"[A-Z]{2}\.\d+")
_PHONE_NOISE = re.compile(r"[+\-\s().]")
_MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


# --------------------------------------------------------------------------------------
# Records the tests read
# --------------------------------------------------------------------------------------


@dataclass
class GraphCall:
    """One HTTP request the client made. ``body`` is the parsed JSON (or the form fields of
    a multipart upload, or the query of a GET); ``files`` maps a form field to
    (filename, bytes, mime type); ``error`` is Graph's ``error`` object when refused."""

    method: str
    path: str
    body: Any
    at: float
    files: dict[str, tuple[str, bytes, str]] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    status: int = 0
    ok: bool = False
    error: dict | None = None
    response: Any = None
    injected: bool = False  # answered by fail_next: asked for, not the client's fault


@dataclass
class _Sent:
    wamid: str
    wa_id: str
    body: dict
    at: float


@dataclass
class _Inbound:
    wamid: str
    wa_id: str
    message: dict


@dataclass
class _Media:
    media_id: str
    filename: str
    data: bytes
    mime: str
    sha256: str
    from_user: bool


@dataclass
class _Failure:
    code: int
    http_status: int
    read_marks: bool


class _GraphError(Exception):
    """A refusal, answered as Graph's error JSON."""

    def __init__(
        self,
        code: int,
        details: str | None = None,
        *,
        http_status: int = 400,
        message: str | None = None,
        kind: str = "OAuthException",
        subcode: int | None = None,
    ) -> None:
        super().__init__(details or message or str(code))
        self.code = code
        self.details = details
        self.http_status = http_status
        self.message = message or f"(#{code}) {ERROR_MESSAGES.get(code, 'Error')}"
        self.kind = kind
        self.subcode = subcode

    def as_json(self) -> dict:
        error: dict[str, Any] = {"message": self.message, "type": self.kind, "code": self.code}
        if self.subcode is not None:
            error["error_subcode"] = self.subcode
        if self.details is not None:
            error["error_data"] = {"messaging_product": "whatsapp", "details": self.details}
        error["fbtrace_id"] = "A" + secrets.token_urlsafe(16)[:22]
        return {"error": error}


def _missing(name: str) -> _GraphError:
    return _GraphError(131008, f"The parameter {name} is required.")


def _invalid(details: str) -> _GraphError:
    return _GraphError(131009, details)


def _unsupported(method: str, object_id: str) -> _GraphError:
    return _GraphError(
        100,
        message=(
            f"Unsupported {method.lower()} request. Object with ID '{object_id}' does not "
            "exist, cannot be loaded due to missing permissions, or does not support this "
            "operation. Please read the Graph API documentation at "
            "https://developers.facebook.com/docs/graph-api"
        ),
        kind="GraphMethodException",
        subcode=33,
    )


def _not_modelled(what: str) -> _GraphError:
    return _GraphError(100, f"{what} is not modelled by the test double (tests/whatsapp_double.py)")


# --------------------------------------------------------------------------------------
# The transport the real client uses to reach the double
# --------------------------------------------------------------------------------------


class RedirectTransport(httpx.AsyncBaseTransport):
    """Sends every request to base_url's scheme/host/port, keeping path and query.

    pywa sets ``https://graph.facebook.com/v{version}`` as its session's base URL and
    downloads media from lookaside.fbsbx.com URLs; with this transport both reach the
    double. Give it to ``httpx.AsyncClient(transport=...)`` and that client to
    ``WhatsApp(session=...)``."""

    def __init__(self, base_url: str) -> None:
        target = httpx.URL(base_url)
        self._scheme = target.scheme
        self._host = target.host
        self._port = target.port
        self._netloc = target.netloc.decode("ascii")
        self._inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(scheme=self._scheme, host=self._host, port=self._port)
        request.headers["Host"] = self._netloc
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


# --------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------


def _query(request: web.Request) -> dict[str, str]:
    return {k: v for k, v in request.query.items() if k != "access_token"}


def _json_response(body: Any, status: int) -> web.Response:
    return web.json_response(body, status=status, dumps=lambda o: json.dumps(o, ensure_ascii=False))


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _length(value: Any, name: str, low: int, high: int, what: str) -> str:
    """The string value, or 131008 (absent) / 131009 (not a string, or length outside)."""
    if value is None:
        raise _missing(name)
    if not isinstance(value, str) or not low <= len(value) <= high:
        raise _invalid(f"{what} length invalid. Min length: {low}, Max length: {high}")
    return value


def _http_link(link: Any, name: str) -> None:
    if not isinstance(link, str):
        raise _invalid(f"Param {name} must be a valid URL")
    parts = urlsplit(link)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _invalid(f"Param {name} must be a valid http or https URL")


def _public_link(link: str, name: str) -> None:
    """A URL a phone can open: its host a public IP address or a name with a dot."""
    host = (urlsplit(link).hostname or "").lower().rstrip(".")
    try:
        reachable = ipaddress.ip_address(host).is_global
    except ValueError:  # a name
        reachable = "." in host and not host.endswith(".localhost")
    if not reachable:
        raise _invalid(f"Param {name} must be a public URL, not {host}")


def _wire_json(payload: Any) -> bytes:
    """JSON the way Meta writes webhook bodies: compact, non-ASCII as lowercase \\uXXXX,
    slashes escaped."""
    text = json.dumps(payload, separators=(",", ":"), ensure_ascii=True)
    return text.replace("/", "\\/").encode("ascii")


def _price_number(price: Any) -> int | float:
    amount = Decimal(str(price))
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def _default_jpeg() -> bytes:
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - Pillow ships with the dev dependencies
        return b"\xff\xd8\xff\xe0" + b"\x00" * 64 + b"\xff\xd9"
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (40, 160, 90)).save(buffer, "JPEG")
    return buffer.getvalue()


def _visible_text(body: dict) -> str:
    kind = body.get("type", "text")
    content = body.get(kind) or {}
    if kind == "text":
        return content.get("body", "")
    if kind == "interactive":
        return (content.get("body") or {}).get("text", "")
    if kind in ("image", "document"):
        return content.get("caption", "")
    if kind == "template":
        return f"[template {content.get('name')}]"
    if kind == "location":
        return content.get("name") or f"[location {content['latitude']},{content['longitude']}]"
    if kind == "reaction":
        return content.get("emoji", "")
    return ""


# --------------------------------------------------------------------------------------
# The double
# --------------------------------------------------------------------------------------


class GraphApiDouble(LocalServer):
    """A WhatsApp Cloud API server for tests (see the module docstring)."""

    client_max_size = MAX_UPLOAD_BYTES + (1 << 20)  # media uploads

    def __init__(
        self,
        *,
        phone_id: str = "106540352242922",
        token: str = "EAAG-TEST-TOKEN",
        app_secret: str = "app-secret-for-tests",
        waba_id: str = "102290129340398",
        display_phone_number: str = "15550783881",
        templates: dict[str, set[str]] | None = None,
        template_params: dict[str, int] | None = None,
        clock: Callable[[], float] = time.time,
        throughput_per_second: float | None = THROUGHPUT_PER_SECOND,
        pair_per_second: float | None = PAIR_PER_SECOND,
        pair_burst: int = PAIR_BURST,
        rate_clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """templates: approved template name -> languages (``{"order_update": {"es"}}``).
        template_params: optional template name -> number of body parameters; a send with
        another count is refused with 132000, as Meta refuses it. The rate limits are
        Meta's (module docstring); None lifts one."""
        self.phone_id = phone_id
        self.token = token
        self.app_secret = app_secret
        self.waba_id = waba_id
        self.display_phone_number = display_phone_number
        self.templates = {name: set(languages) for name, languages in (templates or {}).items()}
        self.template_params = dict(template_params or {})
        self.clock = clock
        self.throughput_per_second = throughput_per_second
        self.pair_per_second = pair_per_second
        self.pair_burst = pair_burst
        self.rate_clock = rate_clock
        self.base_url = ""

        self.calls: list[GraphCall] = []
        self.read_marks: list[str] = []  # wamids the business marked as read, in order
        self.webhook_deliveries: list[tuple[dict, int]] = []

        self._sent: list[_Sent] = []
        self._sent_by_wamid: dict[str, _Sent] = {}
        self._inbound: dict[str, _Inbound] = {}
        self._last_inbound: dict[str, float] = {}
        self._names: dict[str, str] = {}
        self._bsuids: dict[str, str] = {}  # BSUID -> person (wa_id, or the BSUID itself)
        self._user_ids: dict[str, str] = {}  # person -> BSUID, when not the computed one
        self._usernames: dict[str, str] = {}  # people whose phone webhooks leave out
        self._media: dict[str, _Media] = {}
        self._failures: list[_Failure] = []
        self._recent_sends: deque[float] = deque()
        self._pair_buckets: dict[str, tuple[float, float]] = {}  # wa_id -> (level, at)
        self._expected_rejections: list[list[Any]] = []  # [pattern, count or None, seen]
        self._replies_due: dict[str, tuple[str, int]] = {}  # wamid -> (person, sends before)
        self._next_media_id = 1_000_000_000_000_000 + secrets.randbelow(10**14)
        self._runner: web.AppRunner | None = None
        self._client: ClientSession | None = None

    # ---- what tests read --------------------------------------------------------------

    @property
    def rejected(self) -> list[GraphCall]:
        """Answered calls Graph refused, except the ones fail_next was told to fail."""
        return [c for c in self.calls if c.status and not c.ok and not c.injected]

    def expect_rejections(self, pattern: str, count: int | None = None) -> None:
        """This test provokes refusals on purpose: those whose "code message details"
        matches pattern (a regex, searched), exactly count of them (None: any number).
        Every other refusal still fails check_at_close."""
        self._expected_rejections.append([re.compile(pattern), count, 0])

    def unexpected_rejections(self) -> list[str]:
        """Refused calls no expect_rejections declared (and declared counts not met)."""
        for expected in self._expected_rejections:
            expected[2] = 0
        unexpected = []
        for call in self.rejected:
            error = call.error or {}
            text = " ".join(
                str(part)
                for part in (
                    error.get("code"),
                    error.get("message"),
                    (error.get("error_data") or {}).get("details", ""),
                )
            )
            for expected in self._expected_rejections:
                pattern, count, seen = expected
                if pattern.search(text) and (count is None or seen < count):
                    expected[2] += 1
                    break
            else:
                unexpected.append(f"{call.method} {call.path}: {text}")
        for pattern, count, seen in self._expected_rejections:
            if count is not None and seen != count:
                unexpected.append(f"{count} refusals matching {pattern.pattern!r}, {seen} seen")
        return unexpected

    def unanswered_replies(self) -> list[str]:
        """Button and list replies the bot received and never followed with a message to
        that person: the tap went unanswered."""
        return [
            wamid
            for wamid, (person, before) in self._replies_due.items()
            if not any(s.wa_id == person for s in self._sent[before:])
        ]

    def apologies(self) -> list[tuple[str, str]]:
        """(wa_id, text) of every message sent that carries the crash apology."""
        from tests.crash_guard import apology_in

        found = [(s.wa_id, _visible_text(s.body)) for s in self._sent]
        return [(who, text) for who, text in found if apology_in(text)]

    def check_at_close(self) -> None:
        """What every harness asserts when it closes: no undeclared refusal, every tap
        answered, no crash apology sent to anyone."""
        problems = []
        if unexpected := self.unexpected_rejections():
            problems.append("refused calls: " + "; ".join(unexpected))
        if unanswered := self.unanswered_replies():
            problems.append(f"button or list replies never answered: {unanswered}")
        if apologies := self.apologies():
            problems.append(f"the crash apology was sent: {apologies}")
        if problems:
            raise AssertionError("WhatsApp double at close: " + " | ".join(problems))

    def sent(self, to: str) -> list[dict]:
        """Accepted message bodies to a user (wa_id, phone number or BSUID), in order; each
        a copy of what the client sent plus ``"_wamid"``."""
        wa_id = self._resolve(to)
        return [
            {**copy.deepcopy(s.body), "_wamid": s.wamid} for s in self._sent if s.wa_id == wa_id
        ]

    def texts(self, to: str) -> list[str]:
        """What the user reads of each message: text.body, the interactive body, the caption,
        ``"[template name]"``, a location's name, a reaction's emoji."""
        return [_visible_text(body) for body in self.sent(to)]

    def last_sent(self, to: str) -> dict:
        found = self.sent(to)
        if not found:
            raise AssertionError(f"nothing was sent to {to}")
        return found[-1]

    def message(self, wamid: str) -> dict:
        """The body of a message the business sent, by wamid."""
        stored = self._sent_by_wamid.get(wamid)
        if stored is None:
            raise AssertionError(f"the business sent no message {wamid}")
        return {**copy.deepcopy(stored.body), "_wamid": wamid}

    def media(self, media_id: str) -> tuple[str, bytes, str]:
        """(filename, bytes, mime type) of uploaded or user-sent media."""
        stored = self._media.get(str(media_id))
        if stored is None:
            raise AssertionError(f"no media {media_id}")
        return stored.filename, stored.data, stored.mime

    def sent_document_bytes(self, body: dict) -> bytes:
        """The bytes of a document (or image) message the business sent by media id."""
        kind = body.get("type")
        content = body.get(kind) if kind in ("document", "image") else None
        if content is None:
            raise AssertionError(f"not a document or image message: {kind!r}")
        if "id" not in content:
            raise AssertionError(f"sent by link ({content.get('link')}), the double has no bytes")
        return self.media(content["id"])[1]

    def bsuid(self, wa_id: str) -> str:
        """The business-scoped user id Meta gives this user (stable per wa_id and WABA)."""
        person = self._resolve(wa_id) if _BSUID.fullmatch(str(wa_id).strip()) else None
        if person is not None and not person.isdigit():
            return person  # known by the BSUID alone
        wa_id = person or self._digits(wa_id)
        if wa_id in self._user_ids:
            return self._user_ids[wa_id]
        country = next((_COUNTRIES[wa_id[:n]] for n in (3, 2, 1) if wa_id[:n] in _COUNTRIES), "US")
        digest = hashlib.sha256(f"{self.waba_id}:{wa_id}".encode()).hexdigest()
        bsuid = f"{country}.{int(digest[:16], 16) % 10**18 + 10**18}"
        self._bsuids[bsuid] = wa_id
        return bsuid

    def hide_phone(self, wa_id: str, username: str = "ana.compras") -> str:
        """The user adopted a username and had no contact with the business for 30 days:
        from now on their webhooks carry their BSUID (returned) and username, not their
        phone number. Messages to either id still reach them."""
        wa_id = self._digits(wa_id)
        self._usernames[wa_id] = username
        return self.bsuid(wa_id)

    def show_phone(self, wa_id: str) -> None:
        """Their phone number is in their webhooks again (they wrote to it, or it to them)."""
        self._usernames.pop(self._digits(wa_id), None)

    def window_open(self, wa_id: str) -> bool:
        last = self._last_inbound.get(self._resolve(wa_id))
        return last is not None and self.clock() - last <= WINDOW_SECONDS

    async def until(
        self, predicate: Callable[[], Any], timeout: float = 10.0, message: str = ""
    ) -> Any:
        """Poll predicate every 10 ms until it is truthy (returned); AssertionError after
        timeout seconds. Tests wait on conditions, never on fixed sleeps."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = predicate()
            if inspect.isawaitable(result):
                result = await result
            if result:
                return result
            if loop.time() >= deadline:
                recent = [
                    (c.method, c.path, (c.error or {}).get("code", "ok")) for c in self.calls[-5:]
                ]
                raise AssertionError(
                    message or f"condition not met within {timeout} s; last calls: {recent}"
                )
            await asyncio.sleep(0.01)

    # ---- arranging failures ------------------------------------------------------------

    def fail_next(
        self,
        count: int,
        *,
        code: int = 130429,
        http_status: int | None = None,
        read_marks: bool = False,
    ) -> None:
        """The next `count` message sends (POST /messages; read marks too if `read_marks`)
        answer Graph error `code`: 130429 "Rate limit hit", 131056 "(Business Account,
        Consumer Account) pair rate limit hit", 131000 "Something went wrong" (HTTP 500 by
        default; the others 400), ... They are recorded with ok False but not in `rejected`,
        and nothing is stored."""
        status = http_status if http_status is not None else (500 if code == 131000 else 400)
        self._failures.extend(_Failure(code, status, read_marks) for _ in range(count))

    # ---- users write to the business ---------------------------------------------------

    def user_text(
        self, wa_id: str, text: str, *, name: str = "Ana", context_wamid: str | None = None
    ) -> dict:
        """A text message (optionally quoting a message by wamid); returns the webhook JSON."""
        return self._user_message(wa_id, name, "text", {"body": text}, context_wamid)

    def user_reacts(self, wa_id: str, wamid: str, emoji: str = "👍", *, name: str = "Ana") -> dict:
        """The user reacts to a message the business sent them ("" takes it back)."""
        self._sent_to(wa_id, wamid)
        content = {"message_id": wamid, "emoji": emoji}
        return self._user_message(wa_id, name, "reaction", content, None)

    def user_sends(self, wa_id: str, kind: str, content: dict, *, name: str = "Ana") -> dict:
        """Any other kind of message: kind "sticker" with {"id": ..., "mime_type":
        "image/webp", "animated": False}, "audio", ..."""
        return self._user_message(wa_id, name, kind, content, None)

    def user_presses_button(
        self, wa_id: str, wamid: str, button_id: str, *, name: str = "Ana"
    ) -> dict:
        """The user taps a reply button of a message the business sent them: an interactive
        ``button_reply`` (or, for a template's quick-reply button, a ``button`` message)."""
        sent = self._sent_to(wa_id, wamid)
        kind = sent.body.get("type")
        if kind == "template":
            for component in sent.body["template"].get("components") or []:
                kind_of = str(component.get("type", "")).lower()
                sub_type = str(component.get("sub_type", "")).lower()
                if kind_of == "button" and sub_type == "quick_reply":
                    payloads = [p.get("payload") for p in component.get("parameters") or []]
                    if button_id in payloads:
                        content = {"payload": button_id, "text": button_id}
                        return self._user_message(wa_id, name, "button", content, wamid)
            raise AssertionError(f"template {wamid} has no quick-reply payload {button_id!r}")
        interactive = sent.body.get("interactive") or {}
        if kind != "interactive" or interactive.get("type") != "button":
            raise AssertionError(f"message {wamid} has no reply buttons (it is {kind})")
        for button in interactive["action"]["buttons"]:
            if button["reply"]["id"] == button_id:
                reply = {"id": button_id, "title": button["reply"]["title"]}
                content = {"type": "button_reply", "button_reply": reply}
                return self._user_message(wa_id, name, "interactive", content, wamid)
        ids = [b["reply"]["id"] for b in interactive["action"]["buttons"]]
        raise AssertionError(f"message {wamid} has no button {button_id!r}; it has {ids}")

    def user_picks_row(self, wa_id: str, wamid: str, row_id: str, *, name: str = "Ana") -> dict:
        """The user opens a list message the business sent them and picks a row."""
        sent = self._sent_to(wa_id, wamid)
        interactive = sent.body.get("interactive") or {}
        if sent.body.get("type") != "interactive" or interactive.get("type") != "list":
            raise AssertionError(f"message {wamid} is not a list message")
        rows = [row for s in interactive["action"]["sections"] for row in s["rows"]]
        for row in rows:
            if row["id"] == row_id:
                reply = {"id": row_id, "title": row["title"]}
                if row.get("description"):
                    reply["description"] = row["description"]
                content = {"type": "list_reply", "list_reply": reply}
                return self._user_message(wa_id, name, "interactive", content, wamid)
        raise AssertionError(
            f"message {wamid} has no row {row_id!r}; it has {[r['id'] for r in rows]}"
        )

    def user_location(
        self,
        wa_id: str,
        latitude: float,
        longitude: float,
        *,
        name: str = "Ana",
        place: str | None = None,
        address: str | None = None,
    ) -> dict:
        """A shared location (a pin; `place`/`address` for a named place)."""
        content: dict[str, Any] = {"latitude": latitude, "longitude": longitude}
        if place:
            content["name"] = place
        if address:
            content["address"] = address
        return self._user_message(wa_id, name, "location", content, None)

    def user_contacts(
        self, wa_id: str, phone: str, *, name: str = "Ana", contact_name: str | None = None
    ) -> dict:
        """A shared contact card with one phone number (the card's name defaults to the
        sender's profile name)."""
        card_name = contact_name or name
        first, _, last = card_name.partition(" ")
        person: dict[str, Any] = {"formatted_name": card_name, "first_name": first}
        if last:
            person["last_name"] = last
        number = {"phone": phone, "type": "CELL", "wa_id": self._digits(phone)}
        card = {"name": person, "phones": [number]}
        return self._user_message(wa_id, name, "contacts", [card], None)

    def user_image(
        self,
        wa_id: str,
        *,
        caption: str = "",
        name: str = "Ana",
        data: bytes | None = None,
        mime_type: str = "image/jpeg",
    ) -> dict:
        """A photo; its bytes can be downloaded through GET /{media id} like real media."""
        stored = self._store_media(data or _default_jpeg(), "", mime_type, from_user=True)
        content = {"mime_type": mime_type, "sha256": stored.sha256, "id": stored.media_id}
        if caption:
            content["caption"] = caption
        return self._user_message(wa_id, name, "image", content, None)

    def user_document(
        self,
        wa_id: str,
        *,
        filename: str = "comprobante.pdf",
        name: str = "Ana",
        caption: str = "",
        data: bytes | None = None,
        mime_type: str = "application/pdf",
    ) -> dict:
        """A document (a small PDF unless `data` is given), downloadable like real media."""
        stored = self._store_media(data or _MINIMAL_PDF, filename, mime_type, from_user=True)
        content = {
            "filename": filename,
            "mime_type": mime_type,
            "sha256": stored.sha256,
            "id": stored.media_id,
        }
        if caption:
            content["caption"] = caption
        return self._user_message(wa_id, name, "document", content, None)

    def user_order(
        self,
        wa_id: str,
        items: list[tuple[str, int, Any, str]],
        *,
        catalog_id: str = "CAT-1",
        text: str = "",
        name: str = "Ana",
    ) -> dict:
        """A cart sent from the catalog: items are (product_retailer_id, quantity,
        item_price, currency); the price goes out as a JSON number in major units
        ("12.50" -> 12.5), as Meta sends it."""
        products = [
            {
                "product_retailer_id": sku,
                "quantity": quantity,
                "item_price": _price_number(price),
                "currency": currency,
            }
            for sku, quantity, price, currency in items
        ]
        content: dict[str, Any] = {"catalog_id": catalog_id, "product_items": products}
        if text:
            content["text"] = text
        return self._user_message(wa_id, name, "order", content, None)

    def received(self, payload: dict) -> dict:
        """A webhook payload recorded elsewhere (an SDK's test fixture, Meta's examples),
        as if its senders had just written: the ids a message names its sender by (phone
        number, BSUID, or both) are one person, their name and message are noted and their
        24-hour window opens. Returns a copy to post with post_webhook."""
        for entry in payload.get("entry") or []:
            for change in (entry.get("changes") or []) if isinstance(entry, dict) else []:
                value = change.get("value") if isinstance(change, dict) else None
                if not isinstance(value, dict):
                    continue
                contacts = [c for c in value.get("contacts") or [] if isinstance(c, dict)]
                for message in value.get("messages") or []:
                    if isinstance(message, dict):
                        self._note_inbound(message, contacts)
        return copy.deepcopy(payload)

    def _note_inbound(self, message: dict, contacts: list[dict]) -> None:
        phone = str(message.get("from") or "")
        user_id = str(message.get("from_user_id") or "")
        contact = next(
            (
                c
                for c in contacts
                if (phone and c.get("wa_id") == phone) or (user_id and c.get("user_id") == user_id)
            ),
            contacts[0] if len(contacts) == 1 else {},
        )
        phone = phone or str(contact.get("wa_id") or "")
        user_id = user_id or str(contact.get("user_id") or "")
        if not phone and not user_id:
            return  # a system notice about nobody in particular
        person = self._digits(phone) if phone else self._person(user_id)
        if phone and user_id:
            self._bsuids[user_id] = person
            self._user_ids[person] = user_id
        name = (contact.get("profile") or {}).get("name")
        if name:
            self._names[person] = str(name)
        wamid = message.get("id")
        if isinstance(wamid, str):
            self._inbound[wamid] = _Inbound(wamid, person, copy.deepcopy(message))
        self._last_inbound[person] = self.clock()

    def status_update(
        self,
        wamid: str,
        status: str,
        *,
        errors: list[dict] | None = None,
        contacts: bool | None = None,
    ) -> dict:
        """The statuses webhook for a message the business sent (sent, delivered, read,
        failed). A failed status carries `errors` (default 131026 Message undeliverable);
        see the module docstring about `contacts`."""
        sent = self._sent_by_wamid.get(wamid)
        if sent is None:
            raise AssertionError(f"the business sent no message {wamid}")
        if status not in STATUSES:
            raise AssertionError(f"status must be one of {STATUSES}")
        bsuid = self.bsuid(sent.wa_id)
        entry: dict[str, Any] = {"id": wamid, "status": status, "timestamp": str(int(self.clock()))}
        if self._phone_shown(sent.wa_id):
            entry["recipient_id"] = sent.wa_id
        entry["recipient_user_id"] = bsuid
        if status == "failed":
            entry["errors"] = [self._status_error(e) for e in errors or [{"code": 131026}]]
        else:
            template = sent.body.get("type") == "template"
            entry["pricing"] = {
                "billable": template,
                "pricing_model": "PMP",
                "category": "utility" if template else "service",
                "type": "regular" if template else "free_customer_service",
            }
        if sent.body.get("biz_opaque_callback_data"):
            entry["biz_opaque_callback_data"] = sent.body["biz_opaque_callback_data"]
        value: dict[str, Any] = {}
        if contacts if contacts is not None else status != "failed":
            value["contacts"] = [self._contact(sent.wa_id)]
        value["statuses"] = [entry]
        return self._envelope(value)

    # ---- delivering webhooks ------------------------------------------------------------

    def signature(self, body: bytes) -> str:
        """The X-Hub-Signature-256 header Meta sends for `body`."""
        digest = hmac.new(self.app_secret.encode(), body, hashlib.sha256).hexdigest()
        return f"sha256={digest}"

    async def post_webhook(
        self, url: str, payload: dict, *, signature: str | None = "valid"
    ) -> int:
        """POST `payload` to the bot's webhook the way Meta does (see the module docstring
        about the bytes) with X-Hub-Signature-256: "valid" signs it with the app secret, any
        other string is sent as is, None sends no header. Returns the HTTP status."""
        body = _wire_json(payload)
        headers = {"Content-Type": "application/json", "User-Agent": "facebookexternalua"}
        if signature == "valid":
            headers["X-Hub-Signature-256"] = self.signature(body)
        elif signature is not None:
            headers["X-Hub-Signature-256"] = signature
        client = self._session()
        async with client.post(url, data=body, headers=headers) as reply:
            await reply.read()
            status = reply.status
        self.webhook_deliveries.append((copy.deepcopy(payload), status))
        if status == 200 and signature == "valid":
            self._note_taps(payload)
        return status

    def _note_taps(self, payload: dict) -> None:
        """The taps in a payload the bot accepted: each is owed an answer."""

        def dicts(value: Any) -> list[dict]:  # a malformed payload owes nothing
            return (
                [item for item in value if isinstance(item, dict)]
                if isinstance(value, list)
                else []
            )

        for entry in dicts(payload.get("entry")):
            for change in dicts(entry.get("changes")):
                value = change.get("value")
                for message in dicts(value.get("messages") if isinstance(value, dict) else None):
                    inbound = self._inbound.get(str(message.get("id")))
                    if inbound is not None and message.get("type") in ("interactive", "button"):
                        self._replies_due.setdefault(
                            inbound.wamid, (inbound.wa_id, len(self._sent))
                        )

    async def verify_webhook(self, url: str, verify_token: str) -> tuple[int, str]:
        """Meta's subscription check: GET url?hub.mode=subscribe&hub.challenge=...&
        hub.verify_token=...; returns (status, body). A correct endpoint echoes the
        challenge."""
        challenge = str(secrets.randbelow(10**9))
        params = {
            "hub.mode": "subscribe",
            "hub.challenge": challenge,
            "hub.verify_token": verify_token,
        }
        async with self._session().get(url, params=params) as reply:
            return reply.status, await reply.text()

    # ---- HTTP ---------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        call = GraphCall(request.method, request.path, {}, self.clock(), query=_query(request))
        self.calls.append(call)
        try:
            call.body, call.files = await self._read(request)
            if request.path.startswith("/whatsapp_business/attachments"):
                return self._download(request, call)
            self._authorize(request)
            result = self._route(request.method, request.path, call)
        except _GraphError as error:
            answer = error.as_json()
            call.status, call.ok, call.error = error.http_status, False, answer["error"]
            return _json_response(answer, error.http_status)
        except Exception as error:  # a bug in the double: make it loud, not a hang
            answer = _GraphError(131000, f"the test double failed: {error!r}").as_json()
            call.status, call.error = 500, answer["error"]
            return _json_response(answer, 500)
        call.status, call.ok, call.response = 200, True, result
        return _json_response(result, 200)

    async def _read(self, request: web.Request) -> tuple[Any, dict[str, tuple[str, bytes, str]]]:
        if request.method in ("GET", "DELETE") or not request.can_read_body:
            return _query(request), {}
        if request.content_type == "application/json":
            try:
                return await request.json(), {}
            except ValueError:
                raise _GraphError(100, "The request body is not valid JSON") from None
        form = await request.post()
        fields: dict[str, Any] = {}
        files: dict[str, tuple[str, bytes, str]] = {}
        for key, value in form.items():
            if isinstance(value, web.FileField):
                files[key] = (value.filename or key, value.file.read(), value.content_type)
            elif isinstance(value, str) and value[:1] in "{[":
                try:
                    fields[key] = json.loads(value)
                except ValueError:
                    fields[key] = value
            else:
                fields[key] = value
        return fields, files

    def _authorize(self, request: web.Request) -> None:
        header = request.headers.get("Authorization", "")
        token = header[7:] if header.startswith("Bearer ") else request.query.get("access_token")
        if not token:
            raise _GraphError(104, message="An access token is required to request this resource.")
        if token != self.token:
            raise _GraphError(190, message=ERROR_MESSAGES[190], http_status=401)

    def _route(self, method: str, path: str, call: GraphCall) -> Any:
        versioned = _VERSIONED.fullmatch(path)
        tail = (versioned.group(1) or "/") if versioned else path
        parts = [part for part in tail.split("/") if part]
        if len(parts) == 2 and parts[1] in ("messages", "media") and method == "POST":
            if parts[0] != self.phone_id:
                raise _unsupported(method, parts[0])
            if parts[1] == "messages":
                return self._messages(call)
            return self._upload(call)
        if len(parts) == 1 and method in ("GET", "DELETE"):
            stored = self._media.get(parts[0])
            if stored is None:
                raise _unsupported(method, parts[0])
            if method == "DELETE":
                del self._media[parts[0]]
                return {"success": True}
            return self._media_info(stored)
        if not parts:
            raise _GraphError(100, message="Unsupported request - method type: " + method.lower())
        if len(parts) == 1 or parts[0] != self.phone_id:
            raise _unsupported(method, parts[0])
        unknown = "/" + "/".join(parts[1:])
        raise _GraphError(2500, message=f"Unknown path components: {unknown}")

    def _session(self) -> ClientSession:
        if self._client is None:
            self._client = ClientSession(timeout=ClientTimeout(total=30))
        return self._client

    # ---- media --------------------------------------------------------------------------

    def _store_media(self, data: bytes, filename: str, mime: str, *, from_user: bool) -> _Media:
        self._next_media_id += 1 + secrets.randbelow(997)
        media_id = str(self._next_media_id)
        stored = _Media(
            media_id=media_id,
            filename=filename,
            data=data,
            mime=mime,
            sha256=hashlib.sha256(data).hexdigest(),
            from_user=from_user,
        )
        self._media[media_id] = stored
        return stored

    def _upload(self, call: GraphCall) -> dict:
        fields = call.body if isinstance(call.body, dict) else {}
        product = fields.get("messaging_product")
        if product is None:
            raise _GraphError(100, "The parameter messaging_product is required.")
        if product != "whatsapp":
            raise _GraphError(100, "Param messaging_product must be 'whatsapp'")
        upload = call.files.get("file")
        if upload is None:
            raise _GraphError(100, "The parameter file is required.")
        mime = fields.get("type")
        if not mime:
            raise _GraphError(100, "The parameter type is required.")
        mime = str(mime).split(";")[0].strip().lower()
        filename, data, _ = upload
        if mime not in UPLOAD_TYPES:
            raise _GraphError(
                131053,
                f"Param file must be a file with one of the following types: "
                f"{', '.join(sorted(UPLOAD_TYPES))}. Received file of type '{mime}'.",
            )
        if not data:
            raise _GraphError(131053, "The uploaded file is empty.")
        if len(data) > UPLOAD_TYPES[mime]:
            raise _GraphError(
                131053, f"File is too big: {len(data)} bytes; {mime} allows {UPLOAD_TYPES[mime]}."
            )
        return {"id": self._store_media(data, filename, mime, from_user=False).media_id}

    def _media_info(self, stored: _Media) -> dict:
        expires = int(self.clock()) + 300
        signature = hashlib.sha256(f"{stored.media_id}:{expires}".encode()).hexdigest()[:32]
        url = (
            "https://lookaside.fbsbx.com/whatsapp_business/attachments/"
            f"?mid={stored.media_id}&ext={expires}&hash={signature}"
        )
        return {
            "url": url,
            "mime_type": stored.mime,
            "sha256": stored.sha256,
            "file_size": len(stored.data),
            "id": stored.media_id,
            "messaging_product": "whatsapp",
        }

    def _download(self, request: web.Request, call: GraphCall) -> web.Response:
        """The lookaside URL: the bytes, for a request carrying the access token."""
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            call.status, call.ok = 401, False
            call.error = {"message": "lookaside needs the access token", "code": 401}
            return web.Response(status=401, text="Unauthorized")
        stored = self._media.get(request.query.get("mid", ""))
        if stored is None:
            call.status, call.ok = 404, False
            call.error = {"message": "no such media", "code": 404}
            return web.Response(status=404, text="Not Found")
        call.status, call.ok = 200, True
        return web.Response(body=stored.data, content_type=stored.mime)

    # ---- POST /messages -----------------------------------------------------------------

    def _messages(self, call: GraphCall) -> dict:
        body = call.body
        if not isinstance(body, dict):
            raise _GraphError(100, "The request body must be a JSON object")
        product = body.get("messaging_product")
        if product is None:
            raise _GraphError(100, "The parameter messaging_product is required.")
        if product != "whatsapp":
            raise _GraphError(100, "Param messaging_product must be 'whatsapp'")
        is_read_mark = "status" in body
        failure = self._take_failure(is_read_mark)
        if failure is not None:
            call.injected = True
            details = INJECTED_DETAILS.get(failure.code, "Injected by fail_next.")
            raise _GraphError(failure.code, details, http_status=failure.http_status)
        if is_read_mark:
            return self._mark_read(body)
        return self._send(body)

    def _take_failure(self, is_read_mark: bool) -> _Failure | None:
        for index, failure in enumerate(self._failures):
            if not is_read_mark or failure.read_marks:
                return self._failures.pop(index)
        return None

    def _mark_read(self, body: dict) -> dict:
        if body["status"] != "read":
            raise _GraphError(100, "Param status must be 'read'")
        wamid = body.get("message_id")
        if not wamid:
            raise _missing("message_id")
        if wamid not in self._inbound:
            raise _GraphError(100, f"Invalid message_id: {wamid} is not a message you received")
        indicator = body.get("typing_indicator")
        if indicator is not None and (
            not isinstance(indicator, dict) or indicator.get("type") != "text"
        ):
            raise _invalid("Param typing_indicator['type'] must be 'text'")
        self.read_marks.append(wamid)
        return {"success": True}

    def _send(self, body: dict) -> dict:
        wa_id, contact = self._recipient(body)
        kind = body.get("type", "text")  # the Cloud API defaults the type to text
        if kind not in MESSAGE_TYPES:
            raise _GraphError(100, f"Param type must be one of {{{', '.join(MESSAGE_TYPES)}}}")
        validate = {
            "text": self._check_text,
            "interactive": self._check_interactive,
            "image": self._check_image,
            "document": self._check_document,
            "template": self._check_template,
            "location": self._check_location,
            "reaction": self._check_reaction,
        }.get(kind)
        if validate is None:
            raise _not_modelled(f"Message type '{kind}'")
        content = body.get(kind)
        if content is None:
            raise _missing(kind)
        if not isinstance(content, dict):
            raise _GraphError(100, f"Param {kind} must be a JSON object")
        validate(content, wa_id)
        context = body.get("context")
        if context is not None and (
            not isinstance(context, dict) or not isinstance(context.get("message_id"), str)
        ):
            raise _invalid("Param context['message_id'] must be a message id")
        tracker = body.get("biz_opaque_callback_data")
        if tracker is not None and (not isinstance(tracker, str) or len(tracker) > MAX_TRACKER):
            raise _invalid(f"biz_opaque_callback_data length invalid. Max length: {MAX_TRACKER}")
        if kind != "template":
            last = self._last_inbound.get(wa_id)
            if last is None or self.clock() - last > WINDOW_SECONDS:
                raise _GraphError(131047, WINDOW_DETAILS)
        self._rate_check(wa_id)
        wamid = self._new_wamid(wa_id)
        stored = _Sent(wamid, wa_id, copy.deepcopy(body), self.clock())
        self._sent.append(stored)
        self._sent_by_wamid[wamid] = stored
        return {"messaging_product": "whatsapp", "contacts": [contact], "messages": [{"id": wamid}]}

    def _rate_check(self, wa_id: str) -> None:
        """130429 over the number's throughput, 131056 over the pair rate (module
        docstring); otherwise the send is counted against both."""
        now = self.rate_clock()
        if self.throughput_per_second:
            while self._recent_sends and self._recent_sends[0] <= now - 1.0:
                self._recent_sends.popleft()
            if len(self._recent_sends) >= max(1, int(self.throughput_per_second + 1e-9)):
                raise _GraphError(130429, THROUGHPUT_DETAILS)
        level = 0.0
        if self.pair_per_second:
            level, at = self._pair_buckets.get(wa_id, (float(self.pair_burst), now))
            level = min(float(self.pair_burst), level + max(0.0, now - at) * self.pair_per_second)
            if level < 1:
                raise _GraphError(131056, PAIR_DETAILS)
            self._pair_buckets[wa_id] = (level - 1, now)
        self._recent_sends.append(now)

    def _recipient(self, body: dict) -> tuple[str, dict]:
        recipient_type = body.get("recipient_type", "individual")
        if recipient_type != "individual":
            raise _not_modelled(f"recipient_type '{recipient_type}'")
        to, recipient = body.get("to"), body.get("recipient")
        if to is None and recipient is None:
            raise _missing("to")
        if to is None:  # `to` wins when both are given, as Meta documents
            if not isinstance(recipient, str) or not _BSUID.fullmatch(recipient.strip()):
                raise _invalid("Param recipient must be a business-scoped user id")
            recipient = recipient.strip()
            person = self._bsuids.get(recipient)
            if person is None:
                raise _GraphError(131026, UNDELIVERABLE_DETAILS)
            return person, {"input": recipient, "user_id": recipient}
        if not isinstance(to, str | int) or isinstance(to, bool):
            raise _invalid("Param to must be a phone number")
        to = str(to).strip()
        if _BSUID.fullmatch(to):
            raise _invalid(
                "Param to must be a phone number; a business-scoped user id goes in recipient"
            )
        digits = _PHONE_NOISE.sub("", to)
        if not digits.isdigit() or not 7 <= len(digits) <= 15:
            raise _invalid(f"Param to must be a phone number, got '{to}'")
        return digits, {"input": to, "wa_id": digits}

    # ---- content validation -------------------------------------------------------------

    def _check_text(self, content: dict, wa_id: str) -> None:
        text = content.get("body")
        if text is None:
            raise _missing("text['body']")
        if not isinstance(text, str):
            raise _GraphError(100, "Param text['body'] must be a string")
        if not text:
            raise _GraphError(100, "Param text['body'] must be at least 1 character long")
        if len(text) > MAX_TEXT:
            raise _GraphError(100, f"Param text['body'] must be at most {MAX_TEXT} characters long")
        if "preview_url" in content and not isinstance(content["preview_url"], bool):
            raise _invalid("Param text['preview_url'] must be a boolean")

    def _check_interactive(self, content: dict, wa_id: str) -> None:
        kind = content.get("type")
        if kind is None:
            raise _missing("interactive['type']")
        checks = {
            "button": self._check_buttons,
            "list": self._check_list,
            "cta_url": self._check_cta_url,
            "location_request_message": self._check_location_request,
        }
        if kind not in checks:
            raise _not_modelled(f"Interactive type '{kind}'")
        action = content.get("action")
        if action is None:
            raise _missing("interactive['action']")
        if not isinstance(action, dict):
            raise _invalid("Param interactive['action'] must be a JSON object")
        body = content.get("body")
        if body is None:
            raise _missing("interactive['body']")
        if not isinstance(body, dict):
            raise _invalid("Param interactive['body'] must be a JSON object")
        _length(
            body.get("text"), "interactive['body']['text']", 1, MAX_INTERACTIVE_BODY, "Body text"
        )
        header = content.get("header")
        if header is not None:
            self._check_header(header, kind)
        footer = content.get("footer")
        if footer is not None:
            if kind == "location_request_message":
                raise _invalid("Location request messages do not support a footer")
            if not isinstance(footer, dict):
                raise _invalid("Param interactive['footer'] must be a JSON object")
            _length(
                footer.get("text"),
                "interactive['footer']['text']",
                1,
                MAX_FOOTER_TEXT,
                "Footer text",
            )
        checks[kind](action)

    def _check_header(self, header: Any, kind: str) -> None:
        if not isinstance(header, dict):
            raise _invalid("Param interactive['header'] must be a JSON object")
        header_type = header.get("type")
        if header_type is None:
            raise _missing("interactive['header']['type']")
        if kind == "location_request_message":
            raise _invalid("Location request messages do not support a header")
        if header_type == "text":
            _length(
                header.get("text"),
                "interactive['header']['text']",
                1,
                MAX_HEADER_TEXT,
                "Header text",
            )
            return
        if header_type not in ("image", "document", "video"):
            raise _invalid(f"Invalid header type '{header_type}'")
        if kind == "list":
            raise _invalid("List messages only support a text header")
        media = header.get(header_type)
        if not isinstance(media, dict):
            raise _missing(f"interactive['header']['{header_type}']")
        if header_type == "video":
            self._check_media_reference(media, "video", allowed_mimes=None)
        else:
            self._check_media(media, header_type, allow_caption=False)

    def _check_buttons(self, action: dict) -> None:
        buttons = action.get("buttons")
        if buttons is None:
            raise _missing("interactive['action']['buttons']")
        if not isinstance(buttons, list) or not 1 <= len(buttons) <= MAX_BUTTONS:
            count = len(buttons) if isinstance(buttons, list) else "not a list"
            raise _invalid(
                f"Invalid buttons count. Min allowed buttons: 1, Max allowed buttons: "
                f"{MAX_BUTTONS}, received: {count}"
            )
        ids: list[str] = []
        titles: list[str] = []
        for button in buttons:
            if not isinstance(button, dict):
                raise _invalid("Each button must be a JSON object")
            if button.get("type") is None:
                raise _missing("interactive['action']['buttons'][]['type']")
            if button["type"] != "reply":
                raise _invalid(f"Invalid button type '{button['type']}'; reply buttons use 'reply'")
            reply = button.get("reply")
            if not isinstance(reply, dict):
                raise _missing("interactive['action']['buttons'][]['reply']")
            ids.append(_length(reply.get("id"), "reply['id']", 1, MAX_BUTTON_ID, "Button id"))
            titles.append(
                _length(reply.get("title"), "reply['title']", 1, MAX_BUTTON_TITLE, "Button title")
            )
        duplicated = sorted({i for i in ids if ids.count(i) > 1})
        if duplicated:
            raise _invalid(f"Duplicate button ids are not allowed: {', '.join(duplicated)}")
        duplicated = sorted({t for t in titles if titles.count(t) > 1})
        if duplicated:
            raise _invalid(
                f"Button titles must be unique within a message: {', '.join(duplicated)}"
            )

    def _check_list(self, action: dict) -> None:
        _length(
            action.get("button"),
            "interactive['action']['button']",
            1,
            MAX_LIST_BUTTON,
            "Button text",
        )
        sections = action.get("sections")
        if sections is None:
            raise _missing("interactive['action']['sections']")
        if not isinstance(sections, list) or not 1 <= len(sections) <= MAX_SECTIONS:
            count = len(sections) if isinstance(sections, list) else "not a list"
            raise _invalid(
                f"Invalid sections count. Min allowed sections: 1, Max allowed sections: "
                f"{MAX_SECTIONS}, received: {count}"
            )
        row_ids: list[str] = []
        for section in sections:
            if not isinstance(section, dict):
                raise _invalid("Each section must be a JSON object")
            title = section.get("title")
            if len(sections) > 1 and not title:
                raise _missing(
                    "interactive['action']['sections'][]['title'] (more than one section)"
                )
            if title is not None and (not isinstance(title, str) or len(title) > MAX_SECTION_TITLE):
                raise _invalid(
                    f"Section title length invalid. Min length: 0, Max length: {MAX_SECTION_TITLE}"
                )
            rows = section.get("rows")
            if rows is None:
                raise _missing("interactive['action']['sections'][]['rows']")
            if not isinstance(rows, list) or not rows:
                raise _invalid("Each section must have at least one row")
            for row in rows:
                if not isinstance(row, dict):
                    raise _invalid("Each row must be a JSON object")
                row_ids.append(_length(row.get("id"), "row['id']", 1, MAX_ROW_ID, "Row id"))
                _length(row.get("title"), "row['title']", 1, MAX_ROW_TITLE, "Row title")
                description = row.get("description")
                if description is not None and (
                    not isinstance(description, str) or len(description) > MAX_ROW_DESCRIPTION
                ):
                    raise _invalid(
                        f"Row description length invalid. Min length: 0, Max length: "
                        f"{MAX_ROW_DESCRIPTION}"
                    )
        if len(row_ids) > MAX_ROWS:
            raise _invalid(f"Total row count exceed max allowed count: {MAX_ROWS}")
        duplicated = sorted({i for i in row_ids if row_ids.count(i) > 1})
        if duplicated:
            raise _invalid(f"Row ids must be unique across all sections: {', '.join(duplicated)}")

    def _check_cta_url(self, action: dict) -> None:
        if action.get("name") != "cta_url":
            raise _invalid("Param interactive['action']['name'] must be 'cta_url'")
        if "buttons" in action or "sections" in action:  # one URL button, nothing else
            raise _invalid("A cta_url message takes no reply buttons or list sections")
        parameters = action.get("parameters")
        if not isinstance(parameters, dict):
            raise _missing("interactive['action']['parameters']")
        _length(
            parameters.get("display_text"),
            "parameters['display_text']",
            1,
            MAX_BUTTON_TITLE,
            "Display text",
        )
        if parameters.get("url") is None:
            raise _missing("interactive['action']['parameters']['url']")
        _http_link(parameters["url"], "interactive['action']['parameters']['url']")
        _public_link(parameters["url"], "interactive['action']['parameters']['url']")

    def _check_location_request(self, action: dict) -> None:
        if action.get("name") != "send_location":
            raise _invalid("Param interactive['action']['name'] must be 'send_location'")

    def _check_image(self, content: dict, wa_id: str) -> None:
        self._check_media(content, "image", allow_caption=True)

    def _check_document(self, content: dict, wa_id: str) -> None:
        self._check_media(content, "document", allow_caption=True)
        filename = content.get("filename")
        if filename is not None and (not isinstance(filename, str) or not filename):
            raise _invalid("Param document['filename'] must be a non-empty string")

    def _check_media(self, content: dict, kind: str, *, allow_caption: bool) -> None:
        self._check_media_reference(
            content, kind, allowed_mimes=IMAGE_TYPES if kind == "image" else None
        )
        caption = content.get("caption")
        if caption is not None:
            if not allow_caption:
                raise _invalid(f"Param {kind}['caption'] is not supported in a header")
            if not isinstance(caption, str) or len(caption) > MAX_CAPTION:
                raise _invalid(f"Caption length invalid. Min length: 0, Max length: {MAX_CAPTION}")
        if kind == "image" and "filename" in content:
            raise _invalid("Param image['filename'] is not supported")

    def _check_media_reference(
        self, content: dict, kind: str, allowed_mimes: frozenset | None
    ) -> None:
        has_link, has_id = "link" in content, "id" in content
        if has_link and has_id:
            raise _invalid(f"Param {kind} must have either 'link' or 'id', not both")
        if not has_link and not has_id:
            raise _missing(f"{kind}['link'] or {kind}['id']")
        if has_link:
            _http_link(content["link"], f"{kind}['link']")
            return
        stored = self._media.get(str(content["id"]))
        if stored is None:
            raise _invalid(f"Invalid media id for {kind}: '{content['id']}' was not uploaded")
        if allowed_mimes is not None and stored.mime not in allowed_mimes:
            raise _invalid(
                f"Media '{stored.media_id}' of type {stored.mime} cannot be sent as {kind}"
            )

    def _check_template(self, content: dict, wa_id: str) -> None:
        name = content.get("name")
        if name is None:
            raise _missing("template['name']")
        language = content.get("language")
        if not isinstance(language, dict) or language.get("code") is None:
            raise _missing("template['language']['code']")
        code = language["code"]
        if name not in self.templates or code not in self.templates[name]:
            raise _GraphError(132001, f"template name ({name}) does not exist in {code}")
        components = content.get("components") or []
        if not isinstance(components, list):
            raise _invalid("Param template['components'] must be an array")
        body_params = 0
        for component in components:  # Meta reads the enum values case-insensitively
            if not isinstance(component, dict) or not isinstance(component.get("type"), str):
                raise _missing("template['components'][]['type']")
            for parameter in component.get("parameters") or []:
                if not isinstance(parameter, dict) or not isinstance(parameter.get("type"), str):
                    raise _missing("template['components'][]['parameters'][]['type']")
                if parameter["type"].lower() == "text" and not (
                    isinstance(parameter.get("text"), str) and parameter["text"]
                ):
                    raise _GraphError(131008, "Parameter of type text is missing text value")
                if component["type"].lower() == "body":
                    body_params += 1
        expected = self.template_params.get(name)
        if expected is not None and body_params != expected:
            raise _GraphError(
                132000,
                f"body: number of localizable_params ({body_params}) does not match the "
                f"expected number of params ({expected})",
            )

    def _check_location(self, content: dict, wa_id: str) -> None:
        for axis, limit in (("latitude", 90), ("longitude", 180)):
            value = content.get(axis)
            if value is None:
                raise _missing(f"location['{axis}']")
            if not _is_number(value):
                raise _invalid(f"Param location['{axis}'] must be a number")
            if not -limit <= value <= limit:
                raise _invalid(f"Param location['{axis}'] must be between -{limit} and {limit}")
        for key in ("name", "address"):
            if content.get(key) is not None and not isinstance(content[key], str):
                raise _invalid(f"Param location['{key}'] must be a string")

    def _check_reaction(self, content: dict, wa_id: str) -> None:
        wamid = content.get("message_id")
        if wamid is None:
            raise _missing("reaction['message_id']")
        emoji = content.get("emoji")
        if emoji is None:
            raise _missing("reaction['emoji']")
        if not isinstance(emoji, str) or len(emoji) > 10:
            raise _invalid("Param reaction['emoji'] must be one emoji, or empty to remove")
        inbound = self._inbound.get(wamid)
        outbound = self._sent_by_wamid.get(wamid)
        if (inbound is None or inbound.wa_id != wa_id) and (
            outbound is None or outbound.wa_id != wa_id
        ):
            raise _invalid(f"Invalid reaction message_id: {wamid} is not in this conversation")

    # ---- building webhooks --------------------------------------------------------------

    def _user_message(
        self, wa_id: str, name: str, kind: str, content: Any, context_wamid: str | None
    ) -> dict:
        wa_id = self._person(wa_id)
        self._names[wa_id] = name
        wamid = self._new_wamid(wa_id)
        message: dict[str, Any] = {}
        if context_wamid is not None:
            if context_wamid not in self._inbound and context_wamid not in self._sent_by_wamid:
                raise AssertionError(f"no message {context_wamid} to reply to")
            message["context"] = {"from": self.display_phone_number, "id": context_wamid}
        if self._phone_shown(wa_id):
            message["from"] = wa_id
        message.update(
            {
                "from_user_id": self.bsuid(wa_id),
                "id": wamid,
                "timestamp": str(int(self.clock())),
                "type": kind,
                kind: content,
            }
        )
        self._inbound[wamid] = _Inbound(wamid, wa_id, copy.deepcopy(message))
        self._last_inbound[wa_id] = self.clock()
        return self._envelope({"contacts": [self._contact(wa_id)], "messages": [message]})

    def _contact(self, wa_id: str) -> dict:
        profile = {"name": self._names.get(wa_id, "")}
        if wa_id in self._usernames:
            profile["username"] = self._usernames[wa_id]
        contact: dict[str, Any] = {"profile": profile}
        if self._phone_shown(wa_id):
            contact["wa_id"] = wa_id
        contact["user_id"] = self.bsuid(wa_id)
        return contact

    def _phone_shown(self, person: str) -> bool:
        return person.isdigit() and person not in self._usernames

    def _envelope(self, value: dict) -> dict:
        metadata = {
            "display_phone_number": self.display_phone_number,
            "phone_number_id": self.phone_id,
        }
        change = {
            "value": {"messaging_product": "whatsapp", "metadata": metadata, **value},
            "field": "messages",
        }
        return copy.deepcopy(
            {
                "object": "whatsapp_business_account",
                "entry": [{"id": self.waba_id, "changes": [change]}],
            }
        )

    def _status_error(self, error: dict) -> dict:
        code = int(error.get("code", 131026))
        title = error.get("title") or ERROR_MESSAGES.get(code, "Error")
        details = {131047: WINDOW_DETAILS, 131026: UNDELIVERABLE_DETAILS}.get(code, title)
        return {
            "code": code,
            "title": title,
            "message": error.get("message", title),
            "error_data": error.get("error_data", {"details": details}),
            "href": ERROR_HREF,
        }

    # ---- identities ---------------------------------------------------------------------

    def _sent_to(self, wa_id: str, wamid: str) -> _Sent:
        sent = self._sent_by_wamid.get(wamid)
        if sent is None:
            raise AssertionError(f"the business sent no message {wamid}")
        if sent.wa_id != self._resolve(wa_id):
            raise AssertionError(f"message {wamid} was sent to {sent.wa_id}, not to {wa_id}")
        return sent

    def _resolve(self, who: str) -> str:
        """The person (wa_id, or the BSUID of someone known only by it) behind an id."""
        who = str(who).strip()
        if _BSUID.fullmatch(who):
            if who not in self._bsuids:
                raise AssertionError(f"unknown BSUID {who}")
            return self._bsuids[who]
        return self._digits(who)

    def _person(self, who: str) -> str:
        """Like _resolve, but a BSUID never seen is someone new known only by it."""
        who = str(who).strip()
        if _BSUID.fullmatch(who):
            return self._bsuids.setdefault(who, who)
        return self._digits(who)

    @staticmethod
    def _digits(phone: str) -> str:
        digits = _PHONE_NOISE.sub("", str(phone))
        if not digits.isdigit():
            raise AssertionError(f"not a phone number / wa_id: {phone!r}")
        return digits

    def _new_wamid(self, wa_id: str) -> str:
        raw = (
            b"\x1c\x18"
            + bytes([len(wa_id)])
            + wa_id.encode()
            + b"\x15\x02\x00\x12\x18\x14"
            + secrets.token_hex(10).upper().encode()
            + b"\x00"
        )
        return "wamid." + base64.b64encode(raw).decode()
