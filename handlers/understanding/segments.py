"""Cutting a message into the parts that may each carry an intent: sentences and
clauses, a greeting in front ("hola buenas tardes …") and thanks or goodbye behind. A
voice note's question must not be lost behind its greeting, so the greeting is cut off
by word list, punctuation or not."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from .lexicon import Lexicon
from .text_norm import fold

_CLAUSE_END = re.compile(r"[.!?;\n,¿¡]+|\s+(?:pero|but|ademas|also|y tambien|and also)\s+")
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Segment:
    start: int
    end: int
    known: str | None = None  # an intent known from the word lists (greeting, thanks…)


def _words(folded: str, start: int, end: int) -> list[re.Match[str]]:
    return list(_WORD.finditer(folded, start, end))


def _leading(words: list[str], phrases: frozenset[str], longest: int) -> int:
    """How many of `words` the longest phrase of the set covers at their start (0: none)."""
    for size in range(min(longest, len(words)), 0, -1):
        if " ".join(words[:size]) in phrases:
            return size
    return 0


def split(text: str, lexicon: Lexicon) -> list[Segment]:
    folded = fold(text)
    bounds: list[tuple[int, int]] = []
    start = 0
    for cut in _CLAUSE_END.finditer(folded):
        bounds.append((start, cut.start()))
        start = cut.end()
    bounds.append((start, len(folded)))
    clauses = [(s, e) for s, e in bounds if _WORD.search(folded, s, e)]
    if not clauses:
        return [Segment(0, len(text))]

    openers, openers_longest = _openers(lexicon)
    closers = _closers(lexicon)
    segments: list[Segment] = []
    for index, (s, e) in enumerate(clauses):
        words = _words(folded, s, e)
        if index == 0:
            # greetings at the very start, possibly several ("hola hola buenas tardes")
            while words:
                covered = _leading([w.group() for w in words], openers, openers_longest)
                if not covered:
                    break
                segments.append(Segment(words[0].start(), words[covered - 1].end(), "greeting"))
                words = words[covered:]
            if not words:
                continue
            s = words[0].start()
        tail: Segment | None = None
        if index == len(clauses) - 1 and len(words) > 1:
            backwards = [w.group() for w in reversed(words)]
            for intent, (ends, longest) in closers.items():
                covered = _leading(backwards, ends, longest)
                if covered and covered < len(words):
                    tail = Segment(words[-covered].start(), words[-1].end(), intent)
                    e = words[-covered - 1].end()
                    break
        segments.append(Segment(s, e))
        if tail:
            segments.append(tail)
    return segments


@cache
def _openers(lexicon: Lexicon) -> tuple[frozenset[str], int]:
    return frozenset(lexicon.openers), max(len(p.split()) for p in lexicon.openers)


@cache
def _closers(lexicon: Lexicon) -> dict[str, tuple[frozenset[str], int]]:
    """Each closer phrase with its words reversed, matched from the message's end."""
    return {
        intent: (
            frozenset(" ".join(reversed(p.split())) for p in phrases),
            max(len(p.split()) for p in phrases),
        )
        for intent, phrases in lexicon.closers.items()
    }
