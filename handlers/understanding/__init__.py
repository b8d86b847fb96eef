"""Understanding customers' chat messages: intents with confidence, and entities.

Pure: no I/O at import, no database, no SDK. The classifier is trained at build time
(`make understanding`, training.py, scikit-learn) and evaluated at runtime with numpy
(model.py). docs/understanding.md has the design and the measurements."""

from __future__ import annotations

from .labels import ENTITY_TYPES, INTENTS, PAYMENT_METHODS
from .results import CatalogEntry, Entity, Understanding
from .understander import ModelMissing, Understander, load_all

__all__ = [
    "ENTITY_TYPES",
    "INTENTS",
    "PAYMENT_METHODS",
    "CatalogEntry",
    "Entity",
    "ModelMissing",
    "Understander",
    "Understanding",
    "load_all",
]
