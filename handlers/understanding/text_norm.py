"""Text normalisation shared by training and prediction: whatever the classifier was
trained on, it must see again at runtime, character for character."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache

_REPEATS = re.compile(r"(\w)\1{2,}")  # "holaaaa" -> "holaa": elongation is not a new word
_QUESTION = re.compile(r"\?+")
_NOT_WORD = re.compile(r"[^\w?]+")  # punctuation and symbols become spaces; "?" is kept
_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    """One character -> one character: lower case, accents stripped. Keeping the length
    lets entity spans found in the folded text be copied from the original."""
    if ch.isascii():
        return ch.lower()
    base = unicodedata.normalize("NFKD", ch)[0].lower()
    return base if len(base) == 1 and base.isalnum() else ch.lower()


def fold(text: str) -> str:
    """Lower case without accents, same length as `text`."""
    return "".join(map(_fold_char, text))


@lru_cache(maxsize=4096)
def _symbol_word(ch: str) -> str:
    """An emoji or symbol as a word ("😡" -> " e_pouting_face "), so the classifier can
    learn that 📦 means a package and 🙏 thanks; other punctuation disappears."""
    category = unicodedata.category(ch)
    if category == "So":
        name = unicodedata.name(ch, "")
        if name.startswith("REGIONAL INDICATOR"):
            return " e_flag "
        return " e_" + "_".join(name.lower().split()[:3]) + " " if name else " "
    if category.startswith("M"):
        return ""  # variation selectors, skin tones: carry nothing
    return ch


def normalize(text: str, abbreviations: Mapping[str, str]) -> str:
    """The classifier's view of a message: folded, emoji named, punctuation dropped except
    the question mark, elongations shortened, chat abbreviations expanded."""
    text = fold(text)
    if not text.isascii():
        text = "".join(map(_symbol_word, text))
    text = _REPEATS.sub(r"\1\1", text)
    text = _QUESTION.sub(" ? ", text)
    text = _NOT_WORD.sub(" ", text)
    words = [abbreviations.get(word, word) for word in text.split()]
    return _SPACES.sub(" ", " ".join(words)).strip()
