"""Which links a chat may make a button of. Telegram refuses a URL button to a host
without a dot (http://localhost:8080) or to an IP address that is not public
(http://127.0.0.1:8080: "BUTTON_URL_INVALID"), and a phone could not open such a page
anyway. Without PUBLIC_URL the tracking pages are at http://HOST:PORT, so Telegram and
WhatsApp write such a link out in the message's text instead, for whoever sits at the
shop's machine (the terminal prints every link; the web chat runs on that machine)."""

from __future__ import annotations

import ipaddress
from dataclasses import replace
from urllib.parse import urlsplit

from handlers.types import Reply


def opens_from_a_phone(url: str) -> bool:
    """An http(s) link to a public IP address or to a name with a dot (not *.localhost)."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:  # a malformed port or IPv6 address
        return False
    if parts.scheme not in ("http", "https") or not host:
        return False
    try:
        return ipaddress.ip_address(host).is_global
    except ValueError:  # a name, not an address
        return "." in host.strip(".") and not host.rstrip(".").endswith(".localhost")


def link_written_out(reply: Reply) -> Reply:
    """The reply (a copy) with a link no phone can open written at the end of its text
    instead of offered as a button; the reply itself when its link can be a button."""
    link = reply.link
    if link is None or opens_from_a_phone(link.url):
        return reply
    line = f"🔗 {link.label}: {link.url}"
    return replace(reply, text=f"{reply.text}\n\n{line}" if reply.text.strip() else line, link=None)
