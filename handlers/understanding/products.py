"""Products and categories named in a message, matched against the live catalog the
caller passes in: accents, plurals, small typos and es/en synonyms don't matter
("playeras negras" finds "Camiseta negra", "mug" finds "Taza de talavera").

The catalog is indexed once per distinct catalog (the index is cached by the entries'
value), so a turn costs lookups, not a rebuild."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz, process

from .entities import Token, tokens
from .lexicon import Lexicon
from .results import CatalogEntry, Entity
from .text_norm import fold

CONNECTORS = frozenset({"de", "del", "of", "for", "with", "con", "para"})
NAME, HEAD, DESCRIPTION = 1.0, 2.0, 0.3  # how much a word counts towards naming a product


def forms(word: str) -> tuple[str, ...]:
    """The word and its possible singulars: "tazas"→"taza", "cojines"→"cojin",
    "candles"→"candle" (which ending to drop depends on the word, so try both)."""
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        if len(word) > 4 and word.endswith("es"):
            return word, word[:-1], word[:-2]
        return word, word[:-1]
    return (word,)


def singular(word: str) -> str:
    return forms(word)[1] if len(forms(word)) > 1 else word


def canonical(word: str, synonyms: dict[str, str]) -> str:
    """The word every synonym of `word` shares, or its singular."""
    for form in forms(word):
        if form in synonyms:
            return synonyms[form]
    return singular(word)


def _lookup(word: str, synonyms: dict[str, str], known: Collection[str]) -> str:
    """The form of `word` that `known` has (the catalog's words), else its canonical."""
    for form in forms(word):
        base = synonyms.get(form, form)
        if base in known:
            return base
    return canonical(word, synonyms)


@dataclass
class CatalogIndex:
    words: dict[str, list[tuple[int, float]]] = field(default_factory=dict)  # -> (entry, weight)
    heads: set[str] = field(default_factory=set)  # first words of names: "taza", "gorra"
    categories: dict[str, str] = field(default_factory=dict)  # canonical word -> category
    entries: tuple[CatalogEntry, ...] = ()

    def add(self, word: str, entry: int, weight: float) -> None:
        hits = self.words.setdefault(word, [])
        if all(e != entry or w < weight for e, w in hits):
            hits.append((entry, weight))


def _content_words(text: str, lexicon: Lexicon) -> list[str]:
    return [
        canonical(w.text, lexicon.synonyms)
        for w in tokens(fold(text))
        if len(w.text) > 1 and not w.text.isdigit() and w.text not in lexicon.stopwords
    ]


@lru_cache(maxsize=8)
def index_catalog(entries: tuple[CatalogEntry, ...], lexicon: Lexicon) -> CatalogIndex:
    index = CatalogIndex(entries=entries)
    for number, entry in enumerate(entries):
        name_words = _content_words(entry.name, lexicon)
        for position, word in enumerate(name_words):
            index.add(word, number, HEAD if position == 0 else NAME)
            if position == 0:
                index.heads.add(word)
        for word in _content_words(entry.description, lexicon):
            if len(word) > 3:
                index.add(word, number, DESCRIPTION)
        if entry.category:
            for word in [fold(entry.category), *_content_words(entry.category, lexicon)]:
                index.categories[lexicon.categories.get(word, word)] = entry.category
    return index


@dataclass(frozen=True)
class _Hit:
    position: int
    word: str  # canonical catalog or lexicon word it matched
    head: bool  # names a kind of product (not just a colour or material)
    score: float  # 1 exact, less when fuzzy


def _hits(
    words: list[Token],
    index: CatalogIndex,
    lexicon: Lexicon,
    known: Collection[str],
    skip: set[int],
) -> list[_Hit]:
    hits: list[_Hit] = []
    vocabulary = list(index.words)
    for position, token in enumerate(words):
        word = token.text
        if position not in skip and len(word) == 1 and position + 1 < len(words):
            # two-word synonyms typed with a hyphen or a space: "t-shirts", "t shirt"
            pair = f"{word} {singular(words[position + 1].text)}"
            if pair in lexicon.synonyms:
                skip.add(position + 1)
                hits.append(_Hit(position, lexicon.synonyms[pair], True, 1.0))
                hits.append(_Hit(position + 1, lexicon.synonyms[pair], False, 0.0))
                continue
        if (
            position in skip
            or len(word) < 2
            or word.isdigit()
            or word in lexicon.stopwords
            or word in lexicon.generic_products
        ):
            continue
        base = _lookup(word, lexicon.synonyms, index.words)
        is_noun = base in lexicon.synonyms.values() or base in index.heads
        if base in index.words or is_noun:
            hits.append(_Hit(position, base, is_noun, 1.0))
        elif word in lexicon.modifiers or singular(word) in lexicon.modifiers:
            hits.append(_Hit(position, base, False, 0.0))  # "roja": picks, names nothing
        elif len(word) >= 4 and word not in known:
            # a typo of a catalog word ("camsa", "talabera"); words the classifier knows
            # from its training text are real words, not typos, and are not tried
            best = process.extractOne(
                base, vocabulary, scorer=fuzz.ratio, score_cutoff=80 if len(word) > 4 else 85
            )
            if best:
                match = best[0]
                hits.append(_Hit(position, match, match in index.heads, best[1] / 100))
    return hits


def products(
    text: str,
    words: list[Token],
    catalog: Sequence[CatalogEntry],
    lexicon: Lexicon,
    known: Collection[str],
    skip: set[int],
) -> list[Entity]:
    """One entity per product named: the customer's words (a product word with the
    colours, materials and catalog words around it) and the catalog entries they fit,
    best first. A product the catalog lacks is still an entity, with no matches."""
    index = index_catalog(tuple(catalog), lexicon)
    hits = _hits(words, index, lexicon, known, skip)
    by_position = {hit.position: hit for hit in hits}
    found: list[Entity] = []
    used: set[int] = set()
    anchors = [h for h in hits if h.head] or [
        h
        for h in hits
        if h.word in index.words and h.score > 0 and any(w >= NAME for _, w in index.words[h.word])
    ]
    for anchor in anchors:
        if anchor.position in used:
            continue
        first = last = anchor.position
        while (
            first - 1 in by_position and not by_position[first - 1].head and first - 1 not in used
        ):
            first -= 1
        while True:
            if last + 1 in by_position and not by_position[last + 1].head:
                last += 1
            elif (
                last + 2 in by_position
                and not by_position[last + 2].head
                and words[last + 1].text in CONNECTORS
            ):
                last += 2
            else:
                break
        used.update(range(first, last + 1))
        span = [by_position[p] for p in range(first, last + 1) if p in by_position]
        start, end = words[first].start, words[last].end
        found.append(
            Entity("product", text[start:end], text[start:end], start, end, _ranked(span, index))
        )
    return found


def _ranked(span: list[_Hit], index: CatalogIndex) -> tuple[str, ...]:
    scores: dict[int, float] = {}
    for hit in span:
        for entry, weight in index.words.get(hit.word, []):
            scores[entry] = scores.get(entry, 0.0) + weight * hit.score
    if not scores:
        return ()
    best = max(scores.values())
    ranked = sorted(
        (e for e, s in scores.items() if s >= max(best * 0.6, NAME)), key=lambda e: -scores[e]
    )
    return tuple(index.entries[e].key for e in ranked)


def categories(
    text: str, words: list[Token], catalog: Sequence[CatalogEntry], lexicon: Lexicon
) -> list[Entity]:
    index = index_catalog(tuple(catalog), lexicon)
    found = []
    for token in words:
        word = singular(token.text) if token.text not in lexicon.categories else token.text
        group = lexicon.categories.get(token.text, lexicon.categories.get(word, word))
        category = index.categories.get(group)
        if category:
            found.append(
                Entity(
                    "category",
                    category,
                    text[token.start : token.end],
                    token.start,
                    token.end,
                    (category,),
                )
            )
    return found
