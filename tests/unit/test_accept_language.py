"""The language an Accept-Language header asks for, among the ones the shop speaks (the
REST API's problems and receipts, the web chat's first words)."""

from __future__ import annotations

import pytest

from handlers.i18n import accepted_locale


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("es-MX,es;q=0.9,en;q=0.8", "es"),
        ("fr, en;q=0.8", "en"),  # French is not spoken: the next one liked
        ("en;q=0.2, es;q=0.7", "es"),  # by quality, not by order
        ("en-GB, es-ES", "en"),  # equal quality: the first
        ("es;q=0, en", "en"),  # q=0 means "not this one"
        ("fr, de", ""),
        ("", ""),
        ("es;q=nonsense, en;q=0.1", "en"),  # a quality that is no number counts as 0
    ],
)
def test_the_best_liked_language_the_shop_speaks(header, expected):
    assert accepted_locale(header) == expected
