"""Translations (gettext catalogs compiled with Babel) and locale-aware formatting.

Catalogs live in locales/<lang>/LC_MESSAGES/messages.po; `make` compiles them to .mo.
When a .mo is missing or older than its .po (a fresh checkout run without make), the
.po is read directly, so a person never sees an untranslated message id.
"""

from __future__ import annotations

import gettext
import io
from datetime import date, datetime
from functools import cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_timedelta
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal

from core.domain.money import Money

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
SUPPORTED = ("es", "en")
DEFAULT = "es"

# Numbers and dates follow the language and the shop's country (STORE_COUNTRY):
# es + MX -> es_MX ("$1,299.00 MXN"), es + ES -> es_ES ("12,50 €"). Where Babel has no
# such pair (en_MX), the language's usual format is used.
FALLBACK_FORMATS = {"es": "es_MX", "en": "en_US"}


def N_(message: str) -> str:
    """Marks a text for the catalogs where it is declared; it is translated where shown
    (`t.gettext(command.menu)`)."""
    return message


@cache
def format_locale(lang: str, country: str) -> Locale:
    """Parsed once per pair: given a locale's name, Babel parses it again on every call."""
    try:
        return Locale.parse(f"{lang}_{country.upper()}")
    except (UnknownLocaleError, ValueError):
        return Locale.parse(FALLBACK_FORMATS[lang])


def pick_locale(code: str | None, fallback: str = DEFAULT) -> str:
    """'es-MX', 'en_GB', 'EN' -> 'es' / 'en'; anything else -> fallback."""
    lang = (code or "").replace("-", "_").split("_")[0].lower()
    return lang if lang in SUPPORTED else fallback


def accepted_locale(accept_language: str) -> str:
    """The language we speak that an Accept-Language header likes best ("fr, en;q=0.8"
    -> "en"); "" when it names none of them."""
    ranked = []
    for position, item in enumerate(accept_language.split(",")):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        lang = pick_locale(tag.strip(), "")
        if lang and quality > 0:
            ranked.append((-quality, position, lang))
    return min(ranked)[2] if ranked else ""


@cache
def translations(locale: str) -> gettext.NullTranslations:
    lang = pick_locale(locale)
    folder = LOCALES_DIR / lang / "LC_MESSAGES"
    po, mo = folder / "messages.po", folder / "messages.mo"
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as handle:
            return gettext.GNUTranslations(handle)
    if po.exists():
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=lang)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        return gettext.GNUTranslations(buffer)
    return gettext.NullTranslations()


class Translator:
    """gettext for one locale plus Babel formatting for money and dates."""

    def __init__(self, locale: str, country: str = "MX") -> None:
        self.locale = pick_locale(locale)
        self.country = country
        self.format_locale = format_locale(self.locale, country)
        self._t = translations(self.locale)

    def switched(self, locale: str) -> Translator:
        return Translator(locale, self.country)

    def gettext(self, message: str) -> str:
        return self._t.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._t.ngettext(singular, plural, n)

    def money(self, amount_minor: int, currency: str) -> str:
        """Babel's format for the locale; a bare "$" gets its ISO code, since "$" means
        pesos in Mexico, dollars next door, and pesos of another kind further south."""
        text = format_currency(
            Money(amount_minor, currency).to_major(), currency, locale=self.format_locale
        )
        if "$" in text and not any(ch.isalpha() for ch in text):
            text = f"{text} {currency}"
        return text

    def date(self, value: datetime) -> str:
        return format_date(value, format="medium", locale=self.format_locale)

    def date_short(self, value: date) -> str:
        return format_date(value, format="d MMM", locale=self.format_locale)

    def decimal(self, value: float, places: int = 2) -> str:
        """1.25 in Mexico, 1,25 in Spain: the shop's country decides the separator."""
        return format_decimal(value, format="0." + "0" * places, locale=self.format_locale)

    def duration(self, seconds: float) -> str:
        return format_timedelta(seconds, locale=self.format_locale, threshold=1.1)
