"""Who a browser is, and whether a form post really comes from our page.

The session is a cookie holding a random visitor id, signed with the shop's web secret
(core.services.web.web_secret): a visitor keeps their id (their cart, their orders) for
a year, and nobody can write someone else's id into a cookie. A cookie whose signature
does not match is no session: the browser starts a new one.

CSRF: a form post carries a token derived from the visitor id with an HMAC (the page
writes it into every form and a meta tag), which another site cannot read, and a
browser's Origin header, when sent, must name this app.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from urllib.parse import urlsplit

from itsdangerous import BadSignature, URLSafeSerializer
from starlette.requests import Request
from starlette.responses import Response

COOKIE = "pedidos_chat"
YEAR = 365 * 24 * 3600
VISITOR = re.compile(r"w_[A-Za-z0-9_-]{16,40}")
CSRF_FIELD = "csrf"
CSRF_HEADER = "X-CSRF-Token"


def new_visitor() -> str:
    """The channel's user id for someone new: unguessable, and never a phone number."""
    return "w_" + secrets.token_urlsafe(18)


class Sessions:
    def __init__(self, secret: str) -> None:
        self.serializer = URLSafeSerializer(secret, salt="pedidos.web-chat.session")
        self.csrf_key = hmac.new(secret.encode(), b"pedidos.web-chat.csrf", hashlib.sha256).digest()

    def visitor(self, request: Request) -> str | None:
        """The visitor the request's cookie names; None without one, or a tampered one."""
        cookie = request.cookies.get(COOKIE)
        if not cookie:
            return None
        try:
            visitor = self.serializer.loads(cookie)
        except BadSignature:
            return None
        return visitor if isinstance(visitor, str) and VISITOR.fullmatch(visitor) else None

    def remember(self, response: Response, visitor: str, *, secure: bool) -> None:
        """Set (or renew for another year) the visitor's cookie. Over https it is sent
        to the chat framed on a shop's own site too (SameSite=None, partitioned by that
        site where the browser keeps third-party cookies apart)."""
        # Written by hand: Starlette's set_cookie takes Partitioned only on Python 3.14.
        framed = ["SameSite=None", "Secure", "Partitioned"]
        attributes = ["HttpOnly", *(framed if secure else ["SameSite=Lax"])]
        value = self.serializer.dumps(visitor)  # base64url and dots: a cookie's characters
        cookie = "; ".join([f"{COOKIE}={value}", f"Max-Age={YEAR}", "Path=/", *attributes])
        response.raw_headers.append((b"set-cookie", cookie.encode("latin-1")))

    def csrf_token(self, visitor: str) -> str:
        return hmac.new(self.csrf_key, visitor.encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, visitor: str, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(self.csrf_token(visitor), str(token))


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def same_origin(request: Request, public_address: str) -> bool:
    """No Origin header (an older browser), or the app's own: the address it was asked
    at or its public address. A form posted from a page whose referrer policy hides its
    origin says "null"; the browser's Sec-Fetch-Site (which no page can forge) then
    tells whether it came from this site."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    if origin == "null":
        return request.headers.get("sec-fetch-site") == "same-origin"
    host = request.headers.get("host", "")
    own = {f"{request.url.scheme}://{host}".lower(), origin_of(public_address)}
    return origin.lower() in own


def is_secure(request: Request, public_address: str) -> bool:
    """Served over https: asked so, or published at an https address (a proxy in front
    ends TLS)."""
    return request.url.scheme == "https" or public_address.startswith("https://")
