"""REST API tests (/api/v1): shared fixtures in conftest.py."""

from __future__ import annotations


def bearer(key: str, **headers: str) -> dict[str, str]:
    """Request headers carrying this API key (plus any others, e.g. Idempotency-Key:
    bearer(key, **{"Idempotency-Key": "k1"}))."""
    return {"Authorization": f"Bearer {key}", **headers}
