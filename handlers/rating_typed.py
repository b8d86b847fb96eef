"""A rating as people type it: "5", "5 estrellas", "⭐⭐⭐⭐⭐", "4/5", "excelente"."""

from __future__ import annotations

import re
from dataclasses import dataclass

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


@dataclass(frozen=True)
class TypedRating:
    """A rating typed with a comment: "5 estrellas, muy bien todo"."""

    stars: int
    comment: str
    clear: bool  # stars or a scale were written: a rating whenever one is due


_NUMBER_WORD = "|".join(_NUMBER_WORDS)
_STAR_RUN = r"(?:[⭐★🌟]\ufe0f?){1,5}"
# "/5", "de 5", "out of 5", "estrellas", "⭐": what makes a number a rating on its own.
_UNIT = rf"(?:\s*/\s*5|\s+(?:de|of|out\s+of)\s+5|\s*(?:estrellas?|stars?)\b|\s*{_STAR_RUN})"
# "le doy un 4", "I'd give it a 4", "mi calificación es 4": a number said as a rating.
_GIVE = (
    r"(?:(?:yo\s+)?(?:le|les|te)\s+(?:doy|pongo)|(?:mi\s+)?calificaci[oó]n(?:\s+es)?:?|"
    r"i(?:'d|\s+would)?\s+(?:give|rate)\s+(?:it|you|this|them|the\s+order)|"
    r"(?:my\s+)?rating(?:\s+is)?:?)\s+(?:(?:un|una|a|an)\s+)?"
)
_SEPARATOR = " \t\n,.;:!¡-–—"
_LEAD = re.compile(
    rf"^\s*(?:(?P<run>{_STAR_RUN})|(?P<give>{_GIVE})?(?P<number>[1-5]|{_NUMBER_WORD})\b"
    rf"(?P<unit>{_UNIT})?)(?P<rest>.*)$",
    re.IGNORECASE | re.DOTALL,
)
_TRAIL = re.compile(
    rf"^(?P<rest>.*?)[\s,.;:\-–—]+(?:(?P<run>{_STAR_RUN})|(?P<number>[1-5]|{_NUMBER_WORD})"
    rf"(?P<unit>{_UNIT}))\s*[!.]*\s*$",
    re.IGNORECASE | re.DOTALL,
)
_CLAUSE_END = re.compile(r"[,.;!\-–—]")


def _stars_of(match: re.Match[str]) -> int:
    if run := match.group("run"):
        return sum(run.count(s) for s in "⭐★🌟")
    number = match.group("number").lower()
    return int(number) if number.isdecimal() else _NUMBER_WORDS[number]


def rating_with_comment(text: str, *, asked: bool = False) -> TypedRating | None:
    """A rating with words around it: stars or a number first ("⭐⭐⭐⭐⭐ excelente",
    "le doy un 4, llegó tarde") or stars last ("todo bien, 5 estrellas"). A bare number
    counts only with punctuation after it ("4, llegó tarde": "2 tazas" is no rating);
    asked (at the rating question) also a rating word first ("excelente, llegó rápido",
    kept whole as the comment: the word is the customer's opinion). None otherwise."""
    if (lead := _LEAD.match(text)) is not None:
        rest, number = lead.group("rest"), lead.group("number")
        clear = bool(lead.group("run") or lead.group("unit"))
        spoken = clear or bool(lead.group("give"))
        punctuated = rest.lstrip()[:1] in {",", ".", ";", ":", "!", "-", "–", "—"}
        word_alone = number is not None and not number.isdecimal() and not clear
        if (not rest or rest[:1] in _SEPARATOR) and (spoken or punctuated) and not word_alone:
            return TypedRating(_stars_of(lead), rest.strip(_SEPARATOR), clear)
    if (trail := _TRAIL.match(text)) is not None and trail.group("rest").strip(_SEPARATOR):
        return TypedRating(_stars_of(trail), trail.group("rest").strip(_SEPARATOR), True)
    if asked and (cut := _CLAUSE_END.search(text)) is not None:
        stars = parse_rating(text[: cut.start()])
        if stars is not None and text[cut.end() :].strip(_SEPARATOR):
            return TypedRating(stars, text.strip(), False)
    return None
