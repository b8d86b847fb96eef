"""Understanding one chat message: its intents with their confidence, best first, the
distinct intents in the order they were said, and its entities.

    understander = Understander.load("es")        # cached per language
    result = understander.understand("hola buenas, ya lo enviaron?? PED-7K3FQ", catalog)
    result.primary, result.confident, result.secondary, result.entity("order_code")

The classifier is evaluated with numpy (model.py); nothing is read at import, and the
model is read on the first load of each language."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import entities as found_in
from .labels import INTENTS, MOOD, SOCIAL
from .lexicon import LANGUAGES, Lexicon, data_hash, lexicon
from .model import LinearModel
from .products import CatalogIndex, categories, index_catalog, products
from .results import CatalogEntry, Entity, Understanding
from .segments import split
from .text_norm import fold, normalize

BUILD_DIR = Path(__file__).resolve().parent / "build"
MAKE_TARGET = "make understanding"

_loaded: dict[str, Understander] = {}
_loading = threading.Lock()


class ModelMissing(RuntimeError):
    pass


def _artefact(lang: str) -> Path:
    """The model file of `lang`, (re)built if missing or trained on other data. Training
    runs in a child process so scikit-learn never enters this one's memory."""
    path = BUILD_DIR / f"{lang}.npz"
    current = data_hash(lang)
    if path.exists():
        try:
            if LinearModel.load(path).data_hash == current:
                return path
        except (OSError, ValueError, KeyError):
            pass  # unreadable or an older format: rebuild it
    command = [sys.executable, "-m", "handlers.understanding.training", "--lang", lang]
    done = subprocess.run(
        command, cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True
    )
    if done.returncode != 0 or not path.exists():
        raise ModelMissing(
            f"the understanding model for {lang!r} is missing or stale and could not be "
            f"trained here ({done.stderr.strip().splitlines()[-1:] or 'no output'}); "
            f"run `{MAKE_TARGET}` (it needs the dev dependencies: scikit-learn)"
        )
    return path


@dataclass(frozen=True)
class _Scored:
    start: int
    intent: str
    confidence: float


class Understander:
    def __init__(self, lang: str, model: LinearModel, words: Lexicon) -> None:
        self.lang = lang
        self.model = model
        self.lexicon = words
        self.threshold = model.threshold
        # words the classifier learnt from real sentences: never taken for a typo of a
        # product or for an order code ("tazas" is not PED-TAZAS)
        self.known_words = frozenset(t for t in model.word_vocabulary if " " not in t)
        self._order = np.array([model.classes.index(intent) for intent in INTENTS])

    @classmethod
    def load(cls, lang: str) -> Understander:
        if lang not in LANGUAGES:
            raise ValueError(f"no understanding model for language {lang!r}")
        with _loading:
            if lang not in _loaded:
                _loaded[lang] = cls(lang, LinearModel.load(_artefact(lang)), lexicon())
            return _loaded[lang]

    def index(self, catalog: Sequence[CatalogEntry]) -> CatalogIndex:
        """The catalog prepared for matching; pass it instead of the entries when one
        catalog serves many messages (it is cached by value otherwise)."""
        return index_catalog(tuple(catalog), self.lexicon)

    def probabilities(self, text: str) -> np.ndarray:
        """P(intent) for each of INTENTS, of the whole text as one."""
        return self._probabilities([text])[0]

    def _probabilities(self, texts: list[str]) -> np.ndarray:
        normalized = [normalize(text, self.lexicon.abbreviations) for text in texts]
        return self.model.probabilities_many(normalized)[:, self._order]

    def understand(
        self, text: str, catalog: Sequence[CatalogEntry] | CatalogIndex = ()
    ) -> Understanding:
        segments = split(text, self.lexicon)
        clauses = [s for s in segments if not s.known] if len(segments) > 1 else []
        scored = self._probabilities([text] + [text[s.start : s.end] for s in clauses])
        whole = scored[0]
        by_clause = dict(zip(clauses, scored[1:], strict=True))
        combined = whole.copy()
        parts: list[_Scored] = []
        for segment in segments:
            if segment.known:
                parts.append(_Scored(segment.start, segment.known, 1.0))
                continue
            probabilities = by_clause.get(segment, whole)
            np.maximum(combined, probabilities, out=combined)
            best = int(probabilities.argmax())
            if probabilities[best] >= self.threshold or len(segments) == 1:
                parts.append(_Scored(segment.start, INTENTS[best], float(probabilities[best])))

        primary = self._primary(whole, combined, parts)
        found: list[str] = []
        for part in parts:
            if part.intent not in found:
                found.append(part.intent)
        if primary not in found:
            found.append(primary)
        others = sorted(
            (
                (INTENTS[i], float(combined[i]))
                for i in range(len(INTENTS))
                if INTENTS[i] != primary
            ),
            key=lambda pair: -pair[1],
        )
        confidence = max(float(combined[INTENTS.index(primary)]), _known(parts, primary))
        return Understanding(
            text=text,
            intents=[(primary, confidence), *others],
            found=found,
            entities=self.entities(text, catalog, primary),
            threshold=self.threshold,
        )

    def _primary(self, whole: np.ndarray, combined: np.ndarray, parts: list[_Scored]) -> str:
        """What to answer. A request beats a greeting, thanks or anger said with it; among
        requests the whole message's reading wins, else the surest clause's."""
        best = INTENTS[int(whole.argmax())]
        if best not in SOCIAL and best not in MOOD:
            return best
        requests = [p for p in parts if p.intent not in SOCIAL and p.intent not in MOOD]
        if requests:
            return max(requests, key=lambda p: p.confidence).intent
        if best in SOCIAL:
            # "gracias, adiós": the clause lists know the social intent for certain
            social = [p.intent for p in parts if p.intent in SOCIAL]
            return best if best in social or not social else social[0]
        return best

    def entities(
        self, text: str, catalog: Sequence[CatalogEntry] | CatalogIndex, primary: str = ""
    ) -> list[Entity]:
        folded = fold(text)
        words = found_in.tokens(folded)
        codes = found_in.order_codes(text, folded, words, self.known_words)
        places = found_in.places(text, folded, words, self.lexicon)
        if primary == "out_of_scope":
            places = []  # "¿vas con el Madrid?" names a club, not a destination
        payments = found_in.payment_methods(text, words, self.lexicon)
        taken = [(e.start, e.end) for e in (*codes, *places)]
        quantities = found_in.quantities(text, folded, words, self.lexicon, self.lang, taken)
        taken += [(e.start, e.end) for e in (*payments, *quantities)]
        skip = {i for i, w in enumerate(words) if any(s <= w.start < e for s, e in taken)}
        entries = catalog.entries if isinstance(catalog, CatalogIndex) else catalog
        named = products(text, words, entries, self.lexicon, self.known_words, skip)
        if named:  # "dame 2 de lavanda": a number before "de" and a product is a quantity
            starts = frozenset(e.start for e in named)
            seen = {(e.start, e.end) for e in quantities}
            quantities += [
                q
                for q in found_in.quantities(
                    text, folded, words, self.lexicon, self.lang, taken, starts
                )
                if (q.start, q.end) not in seen
            ]
        sections = categories(text, words, entries, self.lexicon) if entries else []
        return sorted(
            [*named, *sections, *quantities, *codes, *places, *payments], key=lambda e: e.start
        )


def _known(parts: list[_Scored], intent: str) -> float:
    return max((p.confidence for p in parts if p.intent == intent), default=0.0)


def load_all() -> None:
    """Load every language's model now (serving does it at start, so the first customer
    who types does not wait for it)."""
    for lang in LANGUAGES:
        Understander.load(lang)
