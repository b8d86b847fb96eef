"""Lists the authorisation and stale-button tests go through, read from the code rather
than kept by hand, so a service or a button added later is tested without anyone
remembering to add it."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import typing
from collections.abc import Callable
from functools import cache
from pathlib import Path

import core.services
from core.domain.actors import Actor
from core.services.context import Shop

HANDLERS = Path(__file__).resolve().parents[2] / "handlers"


@cache
def services_taking_an_actor() -> dict[str, Callable]:
    """Every public service that acts for someone: "module.function" -> the function,
    for each coroutine function of core.services.* whose first parameter is the Shop
    and one of whose parameters is an Actor. Given a merchant claim from someone who is
    not an admin, each must refuse (NotAllowed) and change nothing."""
    found = {}
    for module_info in pkgutil.iter_modules(core.services.__path__):
        module = importlib.import_module(f"core.services.{module_info.name}")
        for name, function in vars(module).items():
            if name.startswith("_") or not inspect.iscoroutinefunction(function):
                continue
            if function.__module__ != module.__name__:
                continue  # imported from elsewhere: listed under its own module
            hints = typing.get_type_hints(function)
            first = next(iter(inspect.signature(function).parameters), None)
            if hints.get(first) is Shop and Actor in hints.values():
                found[f"{module_info.name}.{name}"] = function
    return found


def packed_verbs(folder: Path = HANDLERS) -> dict[str, set[str]]:
    """The verb of every button payload the handlers build (`pack("verb", ...)`), with
    the files building it."""
    verbs: dict[str, set[str]] = {}
    for path in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and node.args):
                continue
            callee = node.func
            name = getattr(callee, "id", None) or getattr(callee, "attr", None)
            if name == "pack" and isinstance(node.args[0], ast.Constant):
                verbs.setdefault(node.args[0].value, set()).add(path.name)
    return verbs


@cache
def customer_button_verbs() -> frozenset[str]:
    """The prefixes of customers' buttons: every action class the features register
    (handlers/actions.py) that is not an admin one, and any verb still packed by hand."""
    typed = {prefix for prefix, kind in _actions().items() if not kind.admin}
    return frozenset((typed | set(packed_verbs())) - admin_button_prefixes())


@cache
def admin_button_prefixes() -> frozenset[str]:
    """The prefixes of the admin's buttons: every action class declared `admin=True`
    (a customer pressing one is refused)."""
    return frozenset(prefix for prefix, kind in _actions().items() if kind.admin)


def _actions() -> dict[str, type]:
    """Every action class the handlers declare (not those a test declares)."""
    import handlers.conversation  # noqa: F401  (imports every feature, registering its actions)
    from handlers import actions

    found = actions.registered().items()
    return {prefix: kind for prefix, kind in found if kind.__module__.startswith("handlers.")}


def admin_only_commands() -> list[str]:
    """Every name of a command only admins have ("/confirmar", "/confirm"), from the
    command catalogue: a customer typing one is refused."""
    from handlers import commands

    names = ("/" + name for command in commands.CATALOGUE for name in command.names)
    return sorted({name for name in names if commands.admin_only(name)})
