"""Recognising a crash from what a person was shown: the apology the conversation sends
when a handler raised, in whichever language the chat speaks (built from the catalogs,
so a reworded or newly translated apology is still recognised)."""

from __future__ import annotations

from functools import cache

from handlers.i18n import SUPPORTED, translations

APOLOGY = "Sorry, something went wrong on our side (reference {ref}). Please try again in a moment."


@cache
def apology_openings() -> tuple[str, ...]:
    """The apology's words before the reference, in every language we speak."""
    return tuple(translations(lang).gettext(APOLOGY).split("{ref}")[0] for lang in SUPPORTED)


def apology_in(text: str) -> bool:
    """True when text holds the crash apology, in any of our languages."""
    flat = " ".join(text.split())
    return any(" ".join(opening.split()) in flat for opening in apology_openings())
