"""The data the understanding step reads: training examples (locales/<lang>/intents.yml)
and small word lists (handlers/understanding/data/*.yml). Read when first needed, never
at import, and kept: they are a few kilobytes."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from .labels import INTENTS
from .text_norm import fold

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = PACKAGE_DIR / "data"
LOCALES_DIR = PACKAGE_DIR.parent.parent / "locales"
LANGUAGES = ("es", "en")
DATA_FILES = ("text.yml", "numbers.yml", "payments.yml", "places.yml", "products.yml")


def _read(path: Path) -> Any:
    with path.open(encoding="utf-8") as file:
        return yaml.safe_load(file)


def intents_file(lang: str) -> Path:
    return LOCALES_DIR / lang / "intents.yml"


@cache
def examples(lang: str) -> tuple[tuple[str, str], ...]:
    """(text, intent) pairs of one language's training file, in file order."""
    if lang not in LANGUAGES:
        raise ValueError(f"no training data for language {lang!r}")
    pairs: list[tuple[str, str]] = []
    for block in _read(intents_file(lang))["nlu"]:
        intent = block["intent"]
        if intent not in INTENTS:
            raise ValueError(f"{intents_file(lang)}: unknown intent {intent!r}")
        for line in block["examples"].splitlines():
            line = line.strip()
            if line.startswith("- "):
                pairs.append((line[2:].strip(), intent))
    return tuple(pairs)


def data_hash(lang: str) -> str:
    """What the model of `lang` was trained from: its examples and the word lists that
    shape the features. A different hash means the artefact is stale."""
    digest = hashlib.sha256()
    for path in (intents_file(lang), DATA_DIR / "text.yml"):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _phrases(items: list[str]) -> tuple[str, ...]:
    """Folded, one space between words, punctuation as a space ("7-eleven" -> "7 eleven",
    as the message's words will be). YAML reads a bare no/yes/on as a boolean: quote them."""
    for item in items:
        if not isinstance(item, str):
            raise ValueError(f"{item!r} in a word list is not text: quote it in the YAML")
    return tuple(" ".join(re.findall(r"\w+", fold(item))) for item in items)


@dataclass(frozen=True, eq=False)  # hashed by identity: it keys the catalog index cache
class Lexicon:
    abbreviations: dict[str, str]
    openers: tuple[str, ...]  # longest first
    closers: dict[str, tuple[str, ...]]  # intent -> phrases
    stopwords: frozenset[str]
    number_words: dict[str, dict[str, int]]  # lang -> word -> value
    number_phrases: dict[str, int]
    not_before: frozenset[str]
    not_after: frozenset[str]
    partitive: frozenset[str]  # "dos de las": still a quantity
    payment_phrases: dict[str, str]  # phrase -> method
    payment_negations: tuple[str, ...]
    places: frozenset[str]
    place_max_words: int
    place_countries: dict[str, frozenset[str]]  # place -> {"MX", "ES", "" (another)}
    synonyms: dict[str, str]  # word -> the first word of its group
    generic_products: frozenset[str]
    modifiers: frozenset[str]
    categories: dict[str, str]  # word -> the first word of its group
    # per phrase list ("place", "payment", "number"): the first words of its phrases, so
    # a message's other words are skipped at once, and its longest phrase in words
    starts: dict[str, frozenset[str]]
    longest: dict[str, int]


COUNTRY_GROUPS = {"mexico": "MX", "spain": "ES"}  # places.yml groups inside one country
COUNTRY_NAMES = {"mexico": "MX", "espana": "ES", "spain": "ES"}  # in the "countries" group


def _place_countries(places: dict[str, list[str]]) -> dict[str, frozenset[str]]:
    """Which countries each known place is in (Guadalajara and León are in both), so a
    shop can say it doesn't ship there."""
    found: dict[str, set[str]] = {}
    for group, names in places.items():
        for name in _phrases(names):
            country = COUNTRY_GROUPS.get(group) or COUNTRY_NAMES.get(name, "")
            found.setdefault(name, set()).add(country)
    return {name: frozenset(countries) for name, countries in found.items()}


def country_of(place: str, home: str = "") -> str | None:
    """ "MX" or "ES" for a place we know there (home when it is there too), "" for
    another country, None: unknown."""
    countries = lexicon().place_countries.get(fold(place))
    if countries is None:
        return None
    return home if home in countries else sorted(countries)[-1]


@cache
def lexicon() -> Lexicon:
    text = _read(DATA_DIR / "text.yml")
    numbers = _read(DATA_DIR / "numbers.yml")
    payments = _read(DATA_DIR / "payments.yml")
    places = _read(DATA_DIR / "places.yml")
    products = _read(DATA_DIR / "products.yml")

    payment_phrases: dict[str, str] = {}
    aliases = payments.get("aliases", {})
    for method, phrases in payments["methods"].items():
        for phrase in _phrases(phrases):
            payment_phrases[phrase] = aliases.get(method, method)

    place_names = frozenset(_phrases([p for group in places.values() for p in group]))

    def groups(items: list[list[str]]) -> dict[str, str]:
        mapping: dict[str, str] = {}
        for group in items:
            folded = _phrases(group)
            for word in folded:
                mapping.setdefault(word, folded[0])
        return mapping

    number_phrases = {fold(k): int(v) for k, v in numbers["phrases"].items()}
    lists = {"place": place_names, "payment": payment_phrases, "number": number_phrases}
    return Lexicon(
        starts={k: frozenset(p.split()[0] for p in v) for k, v in lists.items()},
        longest={k: max(len(p.split()) for p in v) for k, v in lists.items()},
        abbreviations={fold(k): fold(v) for k, v in text["abbreviations"].items()},
        openers=tuple(sorted(_phrases(text["openers"]), key=len, reverse=True)),
        closers={
            intent: tuple(sorted(_phrases(words), key=len, reverse=True))
            for intent, words in text["closers"].items()
        },
        stopwords=frozenset(_phrases(text["stopwords"])),
        number_words={
            lang: {fold(k): int(v) for k, v in words.items()}
            for lang, words in numbers["words"].items()
        },
        number_phrases=number_phrases,
        not_before=frozenset(_phrases(numbers["not_before"])),
        not_after=frozenset(_phrases(numbers["not_after"])),
        partitive=frozenset(_phrases(numbers["partitive"])),
        payment_phrases=payment_phrases,
        payment_negations=_phrases(payments["negations"]),
        places=place_names,
        place_max_words=max(len(p.split()) for p in place_names),
        place_countries=_place_countries(places),
        synonyms=groups(products["synonyms"]),
        generic_products=frozenset(_phrases(products["generic"])),
        modifiers=frozenset(_phrases(products.get("modifiers", []))),
        categories=groups(products.get("categories", [])),
    )
