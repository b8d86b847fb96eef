"""aiogram, loaded with its Telegram models built when they are first used.

aiogram declares a pydantic model for every Bot API type and method, about 900, with
pydantic's defer_build, and then builds every type at import anyway (model_rebuild in
aiogram/types/__init__.py): about 85 MB of validators, most for updates a shop never
receives. Loaded through `load_aiogram`, that rebuild only hands each model the names
its annotations refer to, and pydantic builds a model the first time one is validated:
the few the shop uses cost about 15 MB. What is validated, and how, does not change.

Nothing happens at import: the Telegram channel calls `load_aiogram` when it starts
(`bot.telegram.Telegram.open`), before anything imports aiogram. aiogram imported
before that loads as usual, every model built: slower and bigger, still correct.

This reaches into library internals, each checked by name in
tests/unit/test_telegram_models.py (`INTERNALS` lists them):
- pydantic: `BaseModel.model_rebuild(_types_namespace=..., _parent_namespace_depth=...)`,
  `__pydantic_complete__`, and a deferred model resolving its forward references in
  `__pydantic_parent_namespace__` when first validated;
- aiogram: its models' `defer_build`, `aiogram.types` calling
  `model_rebuild(_types_namespace=...)` at import, and `__all__` of `aiogram.types` and
  `aiogram.methods` listing the models.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pydantic import BaseModel

log = logging.getLogger("pedidos.telegram")

INTERNALS = (
    "pydantic.BaseModel.model_rebuild(_types_namespace=, _parent_namespace_depth=)",
    "pydantic.BaseModel.__pydantic_complete__",
    "pydantic.BaseModel.__pydantic_parent_namespace__",
    "aiogram.types.base.TelegramObject.model_config['defer_build']",
    "aiogram.types (its __init__ calls model_rebuild(_types_namespace=...))",
    "aiogram.types.__all__, aiogram.methods.__all__",
)


def load_aiogram() -> bool:
    """Import aiogram's types and methods with their models built when first used.
    Idempotent: once aiogram is loaded (this way or another) it does nothing. True when
    this call loaded it lazily."""
    if "aiogram.types" in sys.modules:
        return False
    with _rebuilds_deferred() as namespaces:
        import aiogram.methods
        import aiogram.types
    if not namespaces:  # aiogram no longer rebuilds at import through model_rebuild
        log.warning("aiogram loaded without deferring its models (see bot/telegram/models.py)")
        return False
    names = {name: value for namespace in namespaces for name, value in namespace.items()}
    for model in _models_of(aiogram.types, aiogram.methods):
        _resolve_names_in(model, names)
    return True


@contextmanager
def _rebuilds_deferred() -> Iterator[list[dict[str, Any]]]:
    """While aiogram loads, model_rebuild(_types_namespace=...) records the names
    instead of building; the names are what a model needs when pydantic builds it.
    pydantic's own model_rebuild is back in place when this ends, whatever happens."""
    build_now = BaseModel.model_rebuild.__func__  # type: ignore[attr-defined]
    namespaces: list[dict[str, Any]] = []

    def record_names(cls: type[BaseModel], **options: Any) -> bool | None:
        names = options.get("_types_namespace")
        if names is None or cls.__pydantic_complete__:
            options["_parent_namespace_depth"] = options.get("_parent_namespace_depth", 2) + 1
            return build_now(cls, **options)
        if not namespaces or namespaces[-1] is not names:
            namespaces.append(names)
        return None

    BaseModel.model_rebuild = classmethod(record_names)  # type: ignore[assignment,method-assign]
    try:
        yield namespaces
    finally:
        BaseModel.model_rebuild = classmethod(build_now)  # type: ignore[method-assign]


def build(*models: type[BaseModel]) -> None:
    """Build these models now rather than when first used (about 50 ms for Update): a
    serving process builds the ones it uses at start, not while a customer waits."""
    for model in models:
        if not model.__pydantic_complete__:
            model.model_rebuild(_parent_namespace_depth=0)  # names: _resolve_names_in


def _models_of(*modules: Any) -> Iterator[type[BaseModel]]:
    for module in modules:
        for name in module.__all__:
            value = getattr(module, name)
            if isinstance(value, type) and issubclass(value, BaseModel):
                yield value


def _resolve_names_in(model: type[BaseModel], names: dict[str, Any]) -> None:
    """pydantic resolves a model's forward references, and those of the models nested
    in it, in its parent namespace when it builds it on first use. aiogram's methods
    need it too: their fields hold types that are not built yet."""
    own = model.__dict__.get("__pydantic_parent_namespace__") or {}
    model.__pydantic_parent_namespace__ = {**names, **own}
