"""Build step: fit the intent classifier with scikit-learn and export it for numpy.

    python -m handlers.understanding.training             # both languages (make understanding)
    python -m handlers.understanding.training --compare   # the model comparison in docs/

scikit-learn and scipy are imported here only, never by the bot: together they would add
about 60 MB to every bot process (docs/understanding.md). The fitted TF-IDF vocabularies,
idf vectors and logistic-regression weights go to build/<lang>.npz, which model.py
evaluates with numpy alone; tests/unit/test_understanding_model.py proves both agree."""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import model as model_file
from .labels import INTENTS, MOOD, SOCIAL
from .lexicon import LANGUAGES, data_hash, examples, lexicon
from .text_norm import normalize

BUILD_DIR = Path(__file__).resolve().parent / "build"
SEED = 12

# Greetings and sign-offs glued to requests, so the classifier learns that "hola buenas
# tardes" in front of a question does not make it a greeting (voice-note run-ons).
OPENERS = {
    "es": [
        "hola",
        "hola buenas tardes",
        "buenas",
        "buenos dias",
        "hola que tal",
        "que onda",
        "buenas noches",
        "hola buen dia",
        "oye",
        "disculpa",
        "hola, una pregunta",
    ],
    "en": [
        "hi",
        "hello",
        "hey",
        "good morning",
        "hi there",
        "hey, quick question",
        "hello, good afternoon",
        "excuse me",
        "yo",
    ],
}
CLOSERS = {
    "es": ["gracias", "porfa", "por favor", "muchas gracias", "saludos", "xfa", "😊", "🙏"],
    "en": ["thanks", "please", "pls", "thank you", "thx", "🙏"],
}


@dataclass(frozen=True)
class Config:
    """One candidate model. `kind` is "lr" (probabilities: the runtime's) or "svm"
    (LinearSVC, compared on accuracy only)."""

    name: str
    char: tuple[int, int] | None = (2, 5)
    word: tuple[int, int] | None = (1, 2)
    kind: str = "lr"
    c: float = 20.0
    augment: bool = True


CHOSEN = Config("char 2-5 + word 1-2, LR C=20, augmented")
CANDIDATES = (
    CHOSEN,
    Config("char 2-5 + word 1-2, LR C=20, not augmented", augment=False),
    Config("char 2-5 + word 1-2, LR C=5", c=5.0),
    Config("char 2-5 + word 1-2, LR C=50", c=50.0),
    Config("char 2-5 only, LR C=20", word=None),
    Config("word 1-2 only, LR C=20", char=None),
    Config("char 2-5 + word 1-2, LinearSVC C=1", kind="svm", c=1.0),
)


def training_rows(lang: str, augment: bool) -> list[tuple[str, str, int]]:
    """(normalised text, intent, index of the file example it comes from): the file's
    examples, plus (augment) copies of requests with a greeting in front or thanks
    behind, chosen with a fixed seed."""
    abbreviations = lexicon().abbreviations
    pairs = list(examples(lang))
    rows = [(text, intent, i) for i, (text, intent) in enumerate(pairs)]
    if augment:
        rng = random.Random(SEED)
        for i, (text, intent) in enumerate(pairs):
            if intent in SOCIAL or intent in MOOD:
                continue
            if rng.random() < 0.35:
                opener = rng.choice(OPENERS[lang])
                glue = rng.choice([", ", " ", "! ", ". "])
                rows.append((f"{opener}{glue}{text}", intent, i))
            if rng.random() < 0.15:
                rows.append((f"{text} {rng.choice(CLOSERS[lang])}", intent, i))
    return [(normalize(text, abbreviations), intent, i) for text, intent, i in rows]


def training_set(lang: str, augment: bool) -> tuple[list[str], list[str]]:
    rows = training_rows(lang, augment)
    return [text for text, _, _ in rows], [intent for _, intent, _ in rows]


def pipeline(config: Config) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, Pipeline
    from sklearn.svm import LinearSVC

    blocks = []
    if config.char:
        blocks.append(
            (
                "char",
                TfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=config.char,
                    lowercase=False,
                    sublinear_tf=True,
                    dtype=np.float64,
                ),
            )
        )
    if config.word:
        blocks.append(
            (
                "word",
                TfidfVectorizer(
                    analyzer="word",
                    ngram_range=config.word,
                    lowercase=False,
                    sublinear_tf=True,
                    dtype=np.float64,
                ),
            )
        )
    if config.kind == "svm":
        classifier = LinearSVC(C=config.c)
    else:
        classifier = LogisticRegression(C=config.c, max_iter=3000)
    return Pipeline([("features", FeatureUnion(blocks)), ("classifier", classifier)])


def cross_validate(lang: str, config: Config, folds: int = 5) -> tuple[float, np.ndarray, list]:
    """Accuracy over stratified folds of the file's own examples (augmented copies only
    ever train, never test: a copy of a test example in training would flatter it), and
    the out-of-fold probabilities (LR only) for choosing the threshold."""
    from sklearn.model_selection import StratifiedKFold

    rows = training_rows(lang, config.augment)
    count = len(examples(lang))
    originals = [text for text, _, _ in rows[:count]]
    labels = [intent for _, intent, _ in rows[:count]]
    y = np.array(labels)
    probabilities = np.zeros((len(originals), len(INTENTS)))
    correct = 0
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=SEED)
    for train_idx, test_idx in splitter.split(originals, y):
        train_set = set(train_idx.tolist())
        fitted = pipeline(config).fit(
            [text for text, _, source in rows if source in train_set],
            [intent for _, intent, source in rows if source in train_set],
        )
        tests = [originals[i] for i in test_idx]
        predicted = fitted.predict(tests)
        correct += int((predicted == y[test_idx]).sum())
        if config.kind == "lr":
            order = [list(fitted.classes_).index(intent) for intent in INTENTS]
            probabilities[test_idx] = fitted.predict_proba(tests)[:, order]
    return correct / len(originals), probabilities, labels


def choose_threshold(probabilities: np.ndarray, labels: Sequence[str]) -> float:
    """The confidence below which the bot asks instead of answering. A wrong answer given
    with confidence costs the customer more than a clarifying question (which costs one
    tap), so we minimise 3 x (confident and wrong) + 1 x (not confident but right) over
    the out-of-fold probabilities."""
    best = np.argmax(probabilities, axis=1)
    confidence = probabilities.max(axis=1)
    right = np.array([INTENTS[b] == label for b, label in zip(best, labels, strict=True)])
    candidates = np.round(np.arange(0.10, 0.71, 0.01), 2)
    costs = [
        3 * int(((confidence >= t) & ~right).sum()) + int(((confidence < t) & right).sum())
        for t in candidates
    ]
    return float(candidates[int(np.argmin(costs))])


def export(lang: str, fitted: Any, threshold: float, path: Path) -> None:
    features = fitted.named_steps["features"]
    classifier = fitted.named_steps["classifier"]
    blocks = dict(features.transformer_list)
    char, word = blocks["char"], blocks["word"]

    def terms(vectorizer: Any) -> list[str]:
        vocabulary = vectorizer.vocabulary_
        ordered = [""] * len(vocabulary)
        for term, column in vocabulary.items():
            ordered[column] = term
        return ordered

    model_file.save(
        path,
        classes=[str(c) for c in classifier.classes_],
        char_range=char.ngram_range,
        word_range=word.ngram_range,
        char_terms=terms(char),
        char_idf=char.idf_,
        word_terms=terms(word),
        word_idf=word.idf_,
        weights=classifier.coef_.T,
        intercept=classifier.intercept_,
        threshold=threshold,
        data_hash=data_hash(lang),
    )


def build(lang: str, out_dir: Path = BUILD_DIR) -> Path:
    """Fit the chosen model on all of `lang`'s data and write its artefact."""
    _accuracy, probabilities, labels = cross_validate(lang, CHOSEN)
    threshold = choose_threshold(probabilities, labels)
    texts, intents = training_set(lang, augment=CHOSEN.augment)
    fitted = pipeline(CHOSEN).fit(texts, intents)
    path = out_dir / f"{lang}.npz"
    export(lang, fitted, threshold, path)
    return path


def fit_chosen(lang: str) -> tuple[Any, list[str]]:
    """The chosen pipeline fitted on all of `lang`'s data, and its training texts (for the
    test that the numpy runtime reproduces it)."""
    texts, intents = training_set(lang, augment=CHOSEN.augment)
    return pipeline(CHOSEN).fit(texts, intents), texts


def compare(langs: Sequence[str]) -> None:
    """Cross-validated accuracy of every candidate, and its accuracy on the dev set (the
    classifier alone, on the whole message)."""
    from .evaluation import dev_messages

    for lang in langs:
        dev = [m for m in dev_messages() if m.lang == lang]
        dev_texts = [normalize(m.text, lexicon().abbreviations) for m in dev]
        print(f"\n{lang}: {len(examples(lang))} examples, dev {len(dev)} messages")
        print(f"{'model':<48} {'cv acc':>7} {'dev acc':>8} {'fit s':>6}")
        for config in CANDIDATES:
            accuracy, _, _ = cross_validate(lang, config)
            started = time.perf_counter()
            texts, intents = training_set(lang, augment=config.augment)
            fitted = pipeline(config).fit(texts, intents)
            seconds = time.perf_counter() - started
            dev_accuracy = float(np.mean(fitted.predict(dev_texts) == [m.intent for m in dev]))
            print(f"{config.name:<48} {accuracy:7.3f} {dev_accuracy:8.3f} {seconds:6.1f}")
        accuracy, probabilities, labels = cross_validate(lang, CHOSEN)
        print(f"threshold (chosen model, out-of-fold): {choose_threshold(probabilities, labels)}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", nargs="*", default=list(LANGUAGES))
    parser.add_argument("--compare", action="store_true", help="print the model comparison")
    parser.add_argument("--out", type=Path, default=BUILD_DIR)
    args = parser.parse_args(argv)
    if args.compare:
        compare(args.lang)
        return 0
    for lang in args.lang:
        started = time.perf_counter()
        path = build(lang, args.out)
        print(f"{path} ({path.stat().st_size // 1024} KiB, {time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
