"""TF-IDF features computed exactly as scikit-learn's TfidfVectorizer computes them for
analyzer="char_wb" and analyzer="word" (lowercase=False, sublinear_tf=True, norm="l2"),
so a model fitted by sklearn at build time predicts here with numpy alone."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

TOKEN_PATTERN = r"(?u)\b\w\w+\b"  # sklearn's default token_pattern
_TOKENS = re.compile(TOKEN_PATTERN)


def char_wb_ngrams(text: str, min_n: int, max_n: int) -> list[str]:
    """sklearn's _char_wb_ngrams: n-grams inside each space-padded word; a word shorter
    than n is counted once, whole, and no longer n-grams are taken from it. (A list built
    by comprehensions: this is the hot loop of a turn.)"""
    grams: list[str] = []
    for word in text.split():
        padded = f" {word} "
        length = len(padded)
        for n in range(min_n, max_n + 1):
            if n >= length:
                grams.append(padded)
                break
            grams += [padded[i : i + n] for i in range(length - n + 1)]
    return grams


def word_ngrams(text: str, min_n: int, max_n: int) -> list[str]:
    """sklearn's _word_ngrams over its default token pattern."""
    tokens = _TOKENS.findall(text)
    grams: list[str] = []
    for n in range(min_n, max_n + 1):
        grams += [" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
    return grams


def tfidf(
    terms: Iterable[str], vocabulary: Mapping[str, int], idf: Sequence[float], offset: int
) -> tuple[list[int], list[float]]:
    """Column indices (shifted by `offset`, the block's place in the stacked features)
    and l2-normalised sublinear tf-idf values of the known terms."""
    get = vocabulary.get
    columns: list[int] = []
    values: list[float] = []
    for term, count in Counter(terms).items():
        column = get(term)
        if column is not None:
            columns.append(column + offset)
            values.append((1.0 + math.log(count)) * idf[column] if count > 1 else idf[column])
    if not values:
        return [], []
    norm = math.sqrt(sum(v * v for v in values))
    return columns, [v / norm for v in values]


def char_wb_columns(word: str, min_n: int, max_n: int, vocabulary: Mapping[str, int]) -> list[int]:
    """The vocabulary columns of one word's char_wb n-grams (unknown n-grams dropped):
    what a message's words contribute, cached per word by the model."""
    get = vocabulary.get
    found = (get(gram) for gram in char_wb_ngrams(word, min_n, max_n))
    return [column for column in found if column is not None]


def weigh(
    counts: Mapping[int, int], idf: Sequence[float], offset: int
) -> tuple[list[int], list[float]]:
    """Sublinear tf x idf, l2-normalised, for columns already looked up."""
    columns = [column + offset for column in counts]
    values = [(1.0 + math.log(n)) * idf[c] if n > 1 else idf[c] for c, n in counts.items()]
    if not values:
        return [], []
    norm = math.sqrt(sum(v * v for v in values))
    return columns, [v / norm for v in values]
