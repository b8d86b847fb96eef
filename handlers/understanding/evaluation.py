"""Scoring the understanding step against labelled messages (the dev set in tests/data,
the blind set in bench/understanding_eval): used by the bench, the tests and the model
comparison; never by the bot. Only aggregate figures come out of here."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .labels import ENTITY_TYPES, INTENTS
from .products import forms
from .results import Understanding
from .text_norm import fold

ROOT = Path(__file__).resolve().parents[2]
DEV_SET = ROOT / "tests" / "data" / "understanding_dev.yml"
BLIND_DIR = ROOT / "bench" / "understanding_eval"
BLIND_FILES = {"es_mx.yml": ("es", "es-MX"), "es_es.yml": ("es", "es-ES"), "en.yml": ("en", "en")}
LANG_OF_VARIANT = {"es-MX": "es", "es-ES": "es", "en": "en"}


@dataclass(frozen=True)
class Message:
    text: str
    intent: str
    lang: str
    variant: str
    also: tuple[str, ...] = ()
    entities: dict[str, str | int] = field(default_factory=dict)


def _message(raw: dict, lang: str, variant: str) -> Message:
    return Message(
        text=str(raw["text"]),
        intent=raw["intent"],
        lang=lang,
        variant=variant,
        also=tuple(raw.get("also") or ()),
        entities=dict(raw.get("entities") or {}),
    )


def dev_messages(path: Path = DEV_SET) -> list[Message]:
    raw = yaml.safe_load(path.read_text("utf-8"))["messages"]
    return [_message(m, LANG_OF_VARIANT[m["variant"]], m["variant"]) for m in raw]


def blind_messages(folder: Path = BLIND_DIR) -> list[Message]:
    """The blind set: loaded to be scored, never printed (its README explains why)."""
    found = []
    for name, (lang, variant) in BLIND_FILES.items():
        raw = yaml.safe_load((folder / name).read_text("utf-8"))["messages"]
        found += [_message(m, lang, variant) for m in raw]
    return found


def _words(text: str) -> set[str]:
    return {form for w in re.findall(r"\w+", fold(text)) if len(w) > 2 for form in forms(w)}


def entity_matches(type_: str, predicted: str | int, expected: str | int) -> bool:
    """Products and places are the customer's words, whose exact extent is a judgement
    ("tazas" vs "tazas de talavera"): they match when they share a word. The rest are
    normalised values and must be equal."""
    if type_ in ("product", "place"):
        return (
            bool(_words(str(predicted)) & _words(str(expected)))
            or fold(str(predicted)).strip() == fold(str(expected)).strip()
        )
    return str(predicted).upper() == str(expected).upper()


@dataclass
class Report:
    total: int = 0
    correct: int = 0
    low_confidence: int = 0
    by_variant: Counter = field(default_factory=Counter)
    right_by_variant: Counter = field(default_factory=Counter)
    true_positive: Counter = field(default_factory=Counter)
    predicted: Counter = field(default_factory=Counter)
    expected: Counter = field(default_factory=Counter)
    secondary_expected: int = 0
    secondary_found: int = 0
    entity_predicted: Counter = field(default_factory=Counter)
    entity_expected: Counter = field(default_factory=Counter)
    entity_right: Counter = field(default_factory=Counter)
    confident_right: int = 0
    confident: int = 0

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    def add(self, message: Message, result: Understanding) -> None:
        self.total += 1
        right = result.primary == message.intent
        self.correct += right
        self.low_confidence += not result.confident
        if result.confident:
            self.confident += 1
            self.confident_right += right
        self.by_variant[message.variant] += 1
        self.right_by_variant[message.variant] += right
        self.predicted[result.primary] += 1
        self.expected[message.intent] += 1
        self.true_positive[message.intent] += right
        self.secondary_expected += len(message.also)
        self.secondary_found += sum(1 for a in message.also if a in result.secondary)
        for type_ in ENTITY_TYPES:
            entity = result.entity(type_)
            wanted = message.entities.get(type_)
            if entity is not None:
                self.entity_predicted[type_] += 1
            if wanted is not None:
                self.entity_expected[type_] += 1
            if entity is not None and wanted is not None:
                self.entity_right[type_] += entity_matches(type_, entity.value, wanted)

    def intent_scores(self) -> dict[str, tuple[float, float, float, int]]:
        """intent -> (precision, recall, F1, support)"""
        scores = {}
        for intent in INTENTS:
            tp = self.true_positive[intent]
            p = tp / self.predicted[intent] if self.predicted[intent] else 0.0
            r = tp / self.expected[intent] if self.expected[intent] else 0.0
            f1 = 2 * p * r / (p + r) if p + r else 0.0
            scores[intent] = (p, r, f1, self.expected[intent])
        return scores

    def entity_scores(self) -> dict[str, tuple[float, float, int]]:
        """type -> (precision, recall, support)"""
        return {
            t: (
                self.entity_right[t] / self.entity_predicted[t]
                if self.entity_predicted[t]
                else 0.0,
                self.entity_right[t] / self.entity_expected[t] if self.entity_expected[t] else 0.0,
                self.entity_expected[t],
            )
            for t in ENTITY_TYPES
        }

    def lines(self) -> list[str]:
        """The aggregate figures, as text. No message appears in them."""
        out = [
            f"messages {self.total}: primary intent accuracy {self.accuracy:.1%}",
            "accuracy per variant: "
            + ", ".join(
                f"{v} {self.right_by_variant[v] / n:.1%} ({n})"
                for v, n in sorted(self.by_variant.items())
            ),
            f"secondary intents found: {self.secondary_found}/{self.secondary_expected}"
            + (
                f" ({self.secondary_found / self.secondary_expected:.1%})"
                if self.secondary_expected
                else ""
            ),
            f"low confidence: {self.low_confidence / self.total:.1%} of messages; accuracy when "
            f"confident {self.confident_right / max(self.confident, 1):.1%}",
            "",
            f"{'intent':<16} {'prec':>6} {'recall':>6} {'F1':>6} {'n':>4}",
        ]
        for intent, (p, r, f1, n) in self.intent_scores().items():
            out.append(f"{intent:<16} {p:6.2f} {r:6.2f} {f1:6.2f} {n:4d}")
        out += ["", f"{'entity':<16} {'prec':>6} {'recall':>6} {'n':>4}"]
        for type_, (p, r, n) in self.entity_scores().items():
            out.append(f"{type_:<16} {p:6.2f} {r:6.2f} {n:4d}")
        return out


def evaluate(messages: Sequence[Message], understand: Callable[[Message], Understanding]) -> Report:
    report = Report()
    for message in messages:
        report.add(message, understand(message))
    return report
