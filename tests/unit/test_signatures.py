"""Webhook signature checks: an empty secret verifies nothing."""

from __future__ import annotations

import hashlib
import hmac

from bot.signatures import hmac_sha256_matches, token_matches

BODY = b'{"entry": []}'


def sign(secret: str, body: bytes = BODY) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_a_body_signed_with_the_secret_verifies():
    assert hmac_sha256_matches("s3cret", BODY, sign("s3cret"), prefix="sha256=")


def test_a_signature_made_with_an_empty_key_never_verifies():
    assert not hmac_sha256_matches("", BODY, sign(""), prefix="sha256=")


def test_a_wrong_or_missing_signature_does_not_verify():
    assert not hmac_sha256_matches("s3cret", BODY, sign("other"), prefix="sha256=")
    assert not hmac_sha256_matches("s3cret", BODY, None, prefix="sha256=")
    assert not hmac_sha256_matches("s3cret", BODY + b" ", sign("s3cret"), prefix="sha256=")


def test_an_empty_shared_token_never_matches():
    assert not token_matches("", "")
    assert not token_matches(None, "")
    assert not token_matches("anything", "")
    assert token_matches("t0ken", "t0ken")
    assert not token_matches("t0ken", "t0ken2")
