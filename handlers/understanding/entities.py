"""Entities other than products: order codes, places, payment methods, quantities. Found
on the folded text (lower case, no accents, same length as the message), so each one
carries the customer's own words and where they are."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass

from core.domain.orders import normalize_order_code

from .lexicon import Lexicon
from .results import Entity

_WORD = re.compile(r"\w+")
# "PED-7K3FQ", "ped 7k3fq", "PED - H2N 8C", "#ped:7k3fq"
_PREFIXED_CODE = re.compile(r"\bped\s*[-#:.]*\s*([a-z0-9](?:\s?[a-z0-9]){4})\b")
_POSTAL_CODE = re.compile(r"(?<![\w$#])\d{5}(?![\w%])")
_TIMES = re.compile(r"^(?:x(\d{1,3})|(\d{1,3})x)$")  # "x2", "2x"
_CODE_CONTEXT = frozenset({"pedido", "orden", "order", "codigo", "code", "numero", "folio", "ped"})


@dataclass(frozen=True)
class Token:
    text: str  # folded
    start: int
    end: int


def tokens(folded: str) -> list[Token]:
    return [Token(m.group(), m.start(), m.end()) for m in _WORD.finditer(folded)]


def _entity(type_: str, value: str | int, text: str, start: int, end: int) -> Entity:
    return Entity(type_, value, text[start:end], start, end)


def order_codes(text: str, folded: str, words: list[Token], known: Collection[str]) -> list[Entity]:
    """Codes typed with the prefix in any spacing, or bare: a 5-character token of the
    code alphabet with a digit in it, or one of letters only right after "pedido"/"order"
    that is no word the classifier knows (so "tazas" is never an order)."""
    found: list[Entity] = []
    for match in _PREFIXED_CODE.finditer(folded):
        code = normalize_order_code("PED" + match.group(1).replace(" ", ""))
        if code:
            found.append(_entity("order_code", code, text, match.start(), match.end()))
    taken = [(e.start, e.end) for e in found]
    for index, token in enumerate(words):
        if len(token.text) != 5 or any(s <= token.start < e for s, e in taken):
            continue
        code = normalize_order_code(token.text)
        if not code:
            continue
        has_digit = any(ch.isdigit() for ch in token.text)
        has_letter = any(ch.isalpha() for ch in token.text)
        after_context = any(w.text in _CODE_CONTEXT for w in words[max(0, index - 2) : index])
        if (has_digit and has_letter) or (after_context and token.text not in known):
            found.append(_entity("order_code", code, text, token.start, token.end))
    return found


def phrase_matches(
    words: list[Token],
    longest: int,
    lookup: Callable[[str], object | None],
    starts: Collection[str],
) -> list[tuple[int, int, object]]:
    """(first word, past-last word, value) of every phrase `lookup` knows, longest first,
    not overlapping. `starts`: the phrases' first words (others are skipped cheaply)."""
    found = []
    index = 0
    while index < len(words):
        if words[index].text not in starts:
            index += 1
            continue
        for size in range(min(longest, len(words) - index), 0, -1):
            value = lookup(" ".join(w.text for w in words[index : index + size]))
            if value is not None:
                found.append((index, index + size, value))
                index += size
                break
        else:
            index += 1
    return found


def places(text: str, folded: str, words: list[Token], lexicon: Lexicon) -> list[Entity]:
    found = [
        _entity("place", m.group(), text, m.start(), m.end()) for m in _POSTAL_CODE.finditer(folded)
    ]
    names = lexicon.places
    for first, last, _ in phrase_matches(
        words,
        lexicon.place_max_words,
        lambda p: True if p in names else None,
        lexicon.starts["place"],
    ):
        if first and words[first - 1].text in {"real", "atletico", "atleti"}:
            continue  # a football club, not where a parcel goes
        start, end = words[first].start, words[last - 1].end
        found.append(_entity("place", text[start:end], text, start, end))
    return sorted(found, key=lambda e: e.start)


def payment_methods(text: str, words: list[Token], lexicon: Lexicon) -> list[Entity]:
    """Methods named, except one ruled out just before ("no tengo tarjeta", "sin paypal"):
    that customer asks about the others."""
    found = []
    phrases = lexicon.payment_phrases
    for first, last, method in phrase_matches(
        words, lexicon.longest["payment"], phrases.get, lexicon.starts["payment"]
    ):
        before = " ".join(w.text for w in words[max(0, first - 4) : first])
        if any(
            before == n or before.endswith(" " + n) or f" {n} " in f" {before} "
            for n in lexicon.payment_negations
        ):
            continue
        start, end = words[first].start, words[last - 1].end
        found.append(Entity("payment_method", str(method), text[start:end], start, end))
    return found


def quantities(
    text: str,
    folded: str,
    words: list[Token],
    lexicon: Lexicon,
    lang: str,
    taken: list[tuple[int, int]],
    product_starts: frozenset[int] = frozenset(),
) -> list[Entity]:
    """Stated amounts: digits, number words, "un par", "media docena". Not an article
    ("una gorra"), not a size, price, day or address, nothing inside another entity.
    "2 de lavanda" is two of a product when a product starts after "de" (product_starts:
    where the products found begin); "3 de junio" is a date."""
    found: list[Entity] = []
    phrases = lexicon.number_phrases
    covered: set[int] = set()
    for first, last, value in phrase_matches(
        words, lexicon.longest["number"], phrases.get, lexicon.starts["number"]
    ):
        start, end = words[first].start, words[last - 1].end
        found.append(Entity("quantity", int(value), text[start:end], start, end))  # type: ignore[arg-type]
        covered.update(range(first, last))
    number_words = lexicon.number_words.get(lang, {})
    for index, token in enumerate(words):
        if index in covered or any(s <= token.start < e for s, e in taken):
            continue
        value: int | None = None
        # isdecimal, not isdigit: "❶" or "¹" are digits to isdigit and no number to int.
        # 0, "-3" and "1000" are kept: a quantity out of range is refused in words, not
        # read as "1" (nine digits at most: longer runs are phones and references).
        if token.text.isdecimal() and len(token.text) <= 9:
            value = int(token.text) * (-1 if _minus_sign(folded, token) else 1)
        elif (times := _TIMES.match(token.text)) is not None:
            value = int(times.group(1) or times.group(2))
        elif token.text in number_words:
            value = number_words[token.text]
        if value is None or (value == 0 and not token.text.isdecimal()):
            continue
        before = words[index - 1].text if index else ""
        after = words[index + 1].text if index + 1 < len(words) else ""
        beyond = words[index + 2].text if index + 2 < len(words) else ""
        partitive = after in ("of", "de") and (
            beyond in lexicon.partitive or _product_follows(words, index + 2, product_starts)
        )
        if before in lexicon.not_before or (after in lexicon.not_after and not partitive):
            continue
        if _part_of_a_bigger_number(folded, token):
            continue
        found.append(
            Entity("quantity", value, text[token.start : token.end], token.start, token.end)
        )
    return sorted(found, key=lambda e: e.start)


_ARTICLES = frozenset({"el", "la", "lo", "un", "una", "the", "a"})


def _product_follows(words: list[Token], at: int, product_starts: frozenset[int]) -> bool:
    """A product named at words[at], or after an article there ("de la taza")."""
    if at < len(words) and words[at].text in _ARTICLES:
        at += 1
    return at < len(words) and words[at].start in product_starts


def _minus_sign(folded: str, token: Token) -> bool:
    """ "-3" said alone (not the end of a code like "XYZ-123")."""
    before = folded[token.start - 1] if token.start else " "
    previous = folded[token.start - 2] if token.start > 1 else " "
    return before == "-" and not previous.isalnum()


def _part_of_a_bigger_number(folded: str, token: Token) -> bool:
    """A price ("$349"), a time ("10:30"), a date ("3/5"), a decimal ("1.5"), a
    percentage or the end of a code ("XYZ-123"): the digits are not a quantity."""
    before = folded[token.start - 1] if token.start else " "
    after = folded[token.end] if token.end < len(folded) else " "
    beyond = folded[token.end + 1] if token.end + 1 < len(folded) else " "
    previous = folded[token.start - 2] if token.start > 1 else " "
    return (
        (before == "-" and previous.isalnum())
        or before in "$#€/:"
        or after in "%/:€$"
        or (after in ".," and beyond.isdigit())
        or (before in ".," and previous.isdigit())
    )
