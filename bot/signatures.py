"""Checks of signed webhook calls. An empty secret never verifies anything.

A signature made with an empty key is one anybody can make, and an empty shared token is
one anybody can send: every webhook check goes through these two, so a missing secret
means every call is refused, whatever path the settings took to get here.
"""

from __future__ import annotations

import hashlib
import hmac


def token_matches(given: str | None, secret: str) -> bool:
    """A shared secret sent back as is (Telegram's X-Telegram-Bot-Api-Secret-Token)."""
    if not secret or not given:
        return False
    return hmac.compare_digest(given.encode(), secret.encode())


def hmac_sha256_matches(secret: str, body: bytes, header: str | None, prefix: str = "") -> bool:
    """A hex HMAC-SHA256 of the body with the secret, after `prefix` (WhatsApp's
    X-Hub-Signature-256 is "sha256=<hex>")."""
    if not secret or not header:
        return False
    expected = prefix + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(header.encode(), expected.encode())
