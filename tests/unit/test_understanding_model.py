"""The classifier: the numpy runtime reproduces scikit-learn exactly, and the measured
accuracy does not fall below its floors (docs/understanding.md has the figures)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from handlers.understanding import INTENTS, Understander
from handlers.understanding.evaluation import BLIND_DIR, blind_messages, dev_messages, evaluate

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

# Measured: blind 93.6 %, dev 90.4 % (docs/understanding.md). A few points under, so a
# change that makes understanding worse fails here instead of in a customer's chat.
BLIND_FLOOR = 0.90
DEV_FLOOR = 0.87


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["es", "en"])
def test_the_numpy_runtime_gives_sklearns_probabilities_on_the_training_set(lang):
    pytest.importorskip("sklearn")
    from handlers.understanding.training import fit_chosen

    fitted, texts = fit_chosen(lang)
    expected = fitted.predict_proba(texts)
    model = Understander.load(lang).model
    classes = list(fitted.classes_)
    assert list(model.classes) == classes
    got = model.probabilities_many(texts)
    assert np.allclose(got, expected, atol=1e-4)
    assert (got.argmax(axis=1) == expected.argmax(axis=1)).all()


def test_one_text_alone_scores_as_it_does_among_others():
    model = Understander.load("es").model
    texts = ["hola", "", "donde esta mi pedido", "zzzz"]
    together = model.probabilities_many(texts)
    for row, text in enumerate(texts):
        assert np.allclose(model.probabilities(text), together[row])


def _understand(catalog):
    understanders = {lang: Understander.load(lang) for lang in ("es", "en")}
    return lambda m: understanders[m.lang].understand(m.text, catalog)


def _demo_catalog():
    from bench.understanding import demo_catalog

    return demo_catalog()


def test_the_dev_set_is_understood_at_least_as_well_as_measured():
    report = evaluate(dev_messages(), _understand(_demo_catalog()))
    assert report.total >= 150
    assert report.accuracy >= DEV_FLOOR


@pytest.mark.skipif(not (BLIND_DIR / "en.yml").exists(), reason="blind set not present")
def test_the_blind_set_is_understood_at_least_as_well_as_measured():
    # aggregate only: which messages fail is deliberately not shown (bench/understanding_eval)
    report = evaluate(blind_messages(), _understand(_demo_catalog()))
    assert report.accuracy >= BLIND_FLOOR, f"blind accuracy {report.accuracy:.1%}"


def test_the_dev_set_uses_only_known_labels():
    for message in dev_messages():
        assert message.intent in INTENTS
        assert set(message.also) <= set(INTENTS)
