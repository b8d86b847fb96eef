"""What a typed message asks of a quantity: "+1", "-1", "3", "quita uno", "pon 3",
"déjalo en 2", "one more", "remove it".

Pure parsing, in Spanish and English at once (people mix them). The screen decides
what the change applies to: the line being edited, the product on screen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from handlers.intents import fold
from handlers.understanding.lexicon import lexicon


class Kind(StrEnum):
    ADD = "add"  # n more
    SUBTRACT = "subtract"  # n fewer
    SET = "set"  # exactly n
    REMOVE = "remove"  # none at all


@dataclass(frozen=True)
class Change:
    kind: Kind
    amount: int = 0

    def applied_to(self, current: int) -> int:
        """The quantity after the change (never below 0)."""
        if self.kind is Kind.ADD:
            return current + self.amount
        if self.kind is Kind.SUBTRACT:
            return max(current - self.amount, 0)
        if self.kind is Kind.SET:
            return self.amount
        return 0


# Every minus a phone or a word processor types: ASCII, the minus sign, en and em dashes.
_SIGNED = re.compile(r"^\s*([+\-−–—])\s*(\d{1,12})\s*$")
_BARE = re.compile(r"^\s*[x×]?\s*(\d{1,12})\s*(?:[x×])?\s*$")

_ADD_WORDS = (
    "agrega", "agregale", "agregar", "anade", "anadele", "anadir", "suma", "sumale", "mas",
    "otro", "otra", "otros", "otras", "add", "more", "another", "plus", "dame", "give me",
)  # fmt: skip
_SUBTRACT_WORDS = (
    "quita", "quitale", "quitame", "quitar", "saca", "sacale", "resta", "restale", "menos",
    "elimina", "borra", "remove", "take off", "minus", "less", "fewer",
)  # fmt: skip
_SET_WORDS = (
    "pon", "ponme", "ponle", "poner", "dejalo en", "dejala en", "dejalos en", "dejalas en",
    "deja", "dejame", "que sean", "que sea", "cambia a", "cambialo a", "cambiala a", "solo",
    "nomas", "nada mas", "make it", "set to", "set it to", "change to", "change it to", "just",
    "only", "quiero", "i want", "son", "mejor",
)  # fmt: skip
_REMOVE_PHRASES = (
    "quitar", "quitalo", "quitala", "quitalos", "quitalas", "eliminar", "eliminalo",
    "eliminala", "borrar", "borralo", "borrala", "sacalo", "sacala", "ya no lo quiero",
    "ya no la quiero", "no lo quiero", "no la quiero", "remove", "remove it", "delete",
    "delete it", "ninguno", "ninguna", "none", "cero", "zero",
)  # fmt: skip
_FILLER = {
    "uno", "una", "unidad", "unidades", "pieza", "piezas", "pza", "pzas", "mas", "menos",
    "de", "del", "la", "el", "lo", "las", "los", "por", "favor", "porfa", "pf", "please",
    "pls", "one", "more", "less", "item", "items", "unit", "units", "of", "them", "it",
    "a", "an", "en", "to", "mejor", "y", "ya", "solo", "nomas", "just", "only",
}  # fmt: skip


_ONE = {"uno", "una", "one"}  # an article elsewhere ("una gorra"); after "solo", a number


@cache
def _numbers() -> dict[str, int]:
    words = lexicon()
    merged: dict[str, int] = {}
    for by_word in words.number_words.values():
        merged.update(by_word)
    merged.update(words.number_phrases)
    return merged


def _amount(words: list[str]) -> int | None:
    """The one number in the words left after the verb ("uno", "2", "un par"); 1 when
    there is none ("quita" alone is one less)."""
    numbers = _numbers()
    text = " ".join(words)
    for phrase, value in sorted(numbers.items(), key=lambda item: -len(item[0])):
        if " " in phrase and f" {phrase} " in f" {text} ":
            return value
    found = [int(w) for w in words if w.isdecimal() and len(w) <= 6]
    found += [numbers[w] for w in words if w in numbers and not w.isdecimal()]
    if len(found) > 1:
        return None
    leftover = [w for w in words if not w.isdecimal() and w not in numbers and w not in _FILLER]
    if leftover:
        return None  # other words: a product or a sentence, not a quantity change
    return found[0] if found else 1


def _after(folded: str, verbs: tuple[str, ...]) -> list[str] | None:
    for verb in sorted(verbs, key=len, reverse=True):
        if folded == verb or folded.startswith(verb + " "):
            return folded[len(verb) :].split()
        if folded.endswith(" " + verb) and verb in ("mas", "menos", "more", "less"):
            return folded[: -len(verb)].split()  # "uno más", "2 menos", "one more"
    return None


# A change of mind said first: "actually make it two", "no, mejor pon 3".
_SECOND_THOUGHTS = ("actually", "no wait", "wait", "better", "oh", "ok", "no mejor",
                    "mejor", "bueno", "pensandolo bien", "espera", "no")  # fmt: skip


def _without_second_thoughts(folded: str) -> str:
    for words in _SECOND_THOUGHTS:
        if folded.startswith(words + " "):
            return _without_second_thoughts(folded[len(words) + 1 :])
    return folded


def parse(text: str) -> Change | None:
    """The change a short typed message asks for, or None when it is about something
    else (a question, a product, a sentence)."""
    if len(text) > 40:
        return None
    if signed := _SIGNED.match(text):
        amount = int(signed.group(2))
        kind = Kind.ADD if signed.group(1) == "+" else Kind.SUBTRACT
        return Change(kind, amount) if amount else None
    if bare := _BARE.match(text):
        return Change(Kind.SET, int(bare.group(1)))
    if fold(text) in _REMOVE_PHRASES:  # before "no" is read as a change of mind
        return Change(Kind.REMOVE)
    folded = _without_second_thoughts(fold(text))
    if folded.isdecimal():  # "mejor 2", "actually 3"
        return Change(Kind.SET, int(folded[:12]))
    if folded in _REMOVE_PHRASES:
        return Change(Kind.REMOVE)
    if folded in _numbers():
        return Change(Kind.SET, _numbers()[folded])
    for verbs, kind in ((_SET_WORDS, Kind.SET), (_SUBTRACT_WORDS, Kind.SUBTRACT),
                        (_ADD_WORDS, Kind.ADD)):  # fmt: skip
        rest = _after(folded, verbs)
        if rest is None:
            continue
        said_one = any(w.isdecimal() or w in _ONE or w in _numbers() for w in rest)
        if kind is Kind.SET and not said_one:
            continue  # "solo quiero ver", "pon atención": no number, no change
        amount = _amount(rest)
        if amount is None:
            return None
        if amount == 0:
            return Change(Kind.REMOVE) if kind is Kind.SET else None
        return Change(kind, amount)
    words = folded.split()
    if any(w.isdecimal() or w in _numbers() for w in words):
        amount = _amount(words)  # "3 piezas", "dos por favor"
        if amount is not None:
            return Change(Kind.SET, amount) if amount else Change(Kind.REMOVE)
    return None
