"""The intent classifier at runtime: two TF-IDF blocks (character n-grams inside words,
word uni/bigrams) and a multinomial logistic regression, read from the artefact the
build step wrote (training.py) and evaluated with numpy: no scikit-learn, no scipy in
the bot's process."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .features import char_wb_columns, tfidf, weigh, word_ngrams

FORMAT = 1  # bump when the artefact's layout changes: older files are rebuilt


@dataclass(frozen=True)
class LinearModel:
    classes: tuple[str, ...]
    char_range: tuple[int, int]
    word_range: tuple[int, int]
    char_vocabulary: dict[str, int]
    char_idf: list[float]
    word_vocabulary: dict[str, int]
    word_idf: list[float]
    weights: np.ndarray  # (features, classes), char block first, then word block
    intercept: np.ndarray  # (classes,)
    threshold: float  # below it the best intent is "not sure" (chosen in training.py)
    data_hash: str  # of the training data it was fitted on: a stale artefact is rebuilt

    @classmethod
    def load(cls, path: Path) -> LinearModel:
        with np.load(path, allow_pickle=False) as saved:
            if int(saved["format"]) != FORMAT:
                raise ValueError(f"{path} has format {int(saved['format'])}, not {FORMAT}")
            char_terms = saved["char_terms"].tolist()
            word_terms = saved["word_terms"].tolist()
            return cls(
                classes=tuple(saved["classes"].tolist()),
                char_range=tuple(saved["char_range"].tolist()),
                word_range=tuple(saved["word_range"].tolist()),
                char_vocabulary={term: i for i, term in enumerate(char_terms)},
                char_idf=saved["char_idf"].tolist(),
                word_vocabulary={term: i for i, term in enumerate(word_terms)},
                word_idf=saved["word_idf"].tolist(),
                weights=np.ascontiguousarray(saved["weights"], dtype=np.float32),
                intercept=saved["intercept"].astype(np.float32),
                threshold=float(saved["threshold"]),
                data_hash=str(saved["data_hash"]),
            )

    def __post_init__(self) -> None:
        # Customers reuse the same few thousand words: their n-gram columns are looked up
        # once (bounded, so a flood of random words cannot grow it).
        lookup = lru_cache(maxsize=8192)(
            lambda word: char_wb_columns(word, *self.char_range, self.char_vocabulary)
        )
        object.__setattr__(self, "_word_columns", lookup)

    def features(self, text: str) -> tuple[list[int], list[float]]:
        """The sparse feature row of an already normalised text."""
        counts: Counter[int] = Counter()
        for word in text.split():
            counts.update(self._word_columns(word))  # type: ignore[attr-defined]
        char_cols, char_vals = weigh(counts, self.char_idf, 0)
        word_cols, word_vals = tfidf(
            word_ngrams(text, *self.word_range),
            self.word_vocabulary,
            self.word_idf,
            len(self.char_idf),
        )
        return char_cols + word_cols, char_vals + word_vals

    def decision(self, text: str) -> np.ndarray:
        columns, values = self.features(text)
        if not columns:
            return self.intercept.astype(np.float64)
        rows = self.weights[columns]
        return np.asarray(values, dtype=np.float32) @ rows + self.intercept

    def probabilities(self, text: str) -> np.ndarray:
        """Softmax of the decision values, as LogisticRegression.predict_proba."""
        return self.probabilities_many([text])[0]

    def probabilities_many(self, texts: list[str]) -> np.ndarray:
        """One row of probabilities per text, with one pass through numpy for all of them
        (a run-on message is classified whole and clause by clause: numpy's per-call cost
        would otherwise be paid once per clause)."""
        columns: list[int] = []
        values: list[float] = []
        starts: list[int] = []  # where each text's columns begin
        for text in texts:
            cols, vals = self.features(text)
            starts.append(len(columns))
            columns += cols
            values += vals
        scores = np.empty((len(texts), len(self.classes)))
        scores[:] = self.intercept
        ends = [*starts[1:], len(columns)]
        filled = [
            row for row, (start, end) in enumerate(zip(starts, ends, strict=True)) if end > start
        ]
        if filled:
            weighted = self.weights[columns] * np.asarray(values, dtype=np.float32)[:, None]
            # the filled texts' starts cut `columns` into exactly their runs
            scores[filled] += np.add.reduceat(weighted, [starts[row] for row in filled])
        scores -= scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        return exp / exp.sum(axis=1, keepdims=True)


def save(
    path: Path,
    *,
    classes: list[str],
    char_range: tuple[int, int],
    word_range: tuple[int, int],
    char_terms: list[str],
    char_idf: np.ndarray,
    word_terms: list[str],
    word_idf: np.ndarray,
    weights: np.ndarray,
    intercept: np.ndarray,
    threshold: float,
    data_hash: str,
) -> None:
    """Write the artefact atomically: a bot starting meanwhile reads the old or the new."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp.npz")
    np.savez_compressed(
        partial,
        format=np.array(FORMAT),
        classes=np.array(classes),
        char_range=np.array(char_range),
        word_range=np.array(word_range),
        char_terms=np.array(char_terms),
        char_idf=np.asarray(char_idf, dtype=np.float64),
        word_terms=np.array(word_terms),
        word_idf=np.asarray(word_idf, dtype=np.float64),
        weights=np.asarray(weights, dtype=np.float32),
        intercept=np.asarray(intercept, dtype=np.float32),
        threshold=np.array(threshold),
        data_hash=np.array(data_hash),
    )
    partial.replace(path)
