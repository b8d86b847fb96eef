"""A rating as people type it: "5", "5 estrellas", "⭐⭐⭐⭐⭐", "4/5", "excelente"."""

from __future__ import annotations

import re

from handlers.intents import fold

_STARS = re.compile(r"^[\s⭐★🌟*]+$")
_NUMBER = re.compile(r"^\s*([1-5])\s*(?:/\s*5|de\s*5|of\s*5|estrellas?|stars?|⭐+|★+)?\s*[!.]*\s*$")
_NUMBER_WORDS = {"una": 1, "uno": 1, "one": 1, "dos": 2, "two": 2, "tres": 3, "three": 3,
                 "cuatro": 4, "four": 4, "cinco": 5, "five": 5}  # fmt: skip
_STAR_WORDS = {"estrella", "estrellas", "star", "stars"}
# What people say instead of a number, from the best to the worst.
_WORDS = {
    5: ("excelente", "excellent", "perfecto", "perfect", "muy bueno", "muy buena",
        "buenisimo", "buenisima", "increible", "amazing", "great", "genial", "me encanto",
        "loved it", "super", "lo maximo", "10 de 10", "awesome", "fantastico", "fantastic"),
    4: ("bueno", "buena", "bien", "good", "muy bien", "very good", "me gusto", "nice"),
    3: ("regular", "mas o menos", "normal", "ok", "okay", "so so", "meh", "average"),
    2: ("malo", "mala", "mal", "bad", "poor", "no me gusto"),
    1: ("pesimo", "pesima", "terrible", "horrible", "muy malo", "muy mala", "awful",
        "very bad", "fatal", "lo peor", "worst"),
}  # fmt: skip


# Outside the rating question only what can be nothing but a rating counts: "ok" or a
# bare "5" may answer something else.
_CLEAR_WORDS = set(_WORDS[5]) | set(_WORDS[1])


def parse_rating(text: str, *, clear_only: bool = False) -> int | None:
    """Stars from 1 to 5, or None when the text is not a rating."""
    if _STARS.match(text) and (count := sum(text.count(s) for s in "⭐★🌟*")) <= 5:
        return count or None
    if number := _NUMBER.match(text):
        return None if clear_only and text.strip().isdecimal() else int(number.group(1))
    folded = fold(text).rstrip("!. ")
    if clear_only and folded not in _CLEAR_WORDS and not folded.endswith(tuple(_STAR_WORDS)):
        return None
    words = folded.split()
    if len(words) == 2 and words[0] in _NUMBER_WORDS and words[1] in _STAR_WORDS:
        return _NUMBER_WORDS[words[0]]
    for stars, phrases in _WORDS.items():
        if folded in phrases:
            return stars
    return None
