"""Translations (gettext catalogs compiled with Babel) and locale-aware formatting.

Catalogs live in locales/<lang>/LC_MESSAGES/messages.po; `make` compiles them to .mo.
When a .mo is missing or older than its .po (a fresh checkout run without make), the
.po is read directly, so a person never sees an untranslated message id.
"""

from __future__ import annotations

import gettext
from datetime import datetime
from functools import cache
from pathlib import Path

from babel.dates import format_date, format_datetime, format_timedelta
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
SUPPORTED = ("es", "en")
DEFAULT = "es"

# Babel locale used for numbers and dates per language: Mexican Spanish formats
# ("$1,299.00") are the default for es; a merchant in Spain sets LOCALE_REGION.
FORMAT_LOCALES = {"es": "es_MX", "en": "en_US"}


def pick_locale(code: str | None, fallback: str = DEFAULT) -> str:
    """'es-MX', 'en_GB', 'EN' -> 'es' / 'en'; anything else -> fallback."""
    lang = (code or "").replace("-", "_").split("_")[0].lower()
    return lang if lang in SUPPORTED else fallback


@cache
def translations(locale: str) -> gettext.NullTranslations:
    lang = pick_locale(locale)
    folder = LOCALES_DIR / lang / "LC_MESSAGES"
    po, mo = folder / "messages.po", folder / "messages.mo"
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as handle:
            return gettext.GNUTranslations(handle)
    if po.exists():
        import io

        with po.open("rb") as handle:
            catalog = read_po(handle, locale=lang)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        return gettext.GNUTranslations(buffer)
    return gettext.NullTranslations()


class Translator:
    """gettext for one locale plus Babel formatting for money and dates."""

    def __init__(self, locale: str) -> None:
        self.locale = pick_locale(locale)
        self.format_locale = FORMAT_LOCALES[self.locale]
        self._t = translations(self.locale)

    def gettext(self, message: str) -> str:
        return self._t.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._t.ngettext(singular, plural, n)

    def money(self, amount_minor: int, currency: str) -> str:
        from core.domain.money import Money

        return format_currency(
            Money(amount_minor, currency).to_major(), currency, locale=self.format_locale
        )

    def date(self, value: datetime) -> str:
        return format_date(value, format="medium", locale=self.format_locale)

    def datetime(self, value: datetime, tz: str | None = None) -> str:
        return format_datetime(value, format="short", tzinfo=tz, locale=self.format_locale)

    def duration(self, seconds: float) -> str:
        return format_timedelta(seconds, locale=self.format_locale, threshold=1.1)
