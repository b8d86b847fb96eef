"""Conversation drafts: what a conversation has gathered so far (a checkout's name and
address, a return's quantity), as a typed value instead of loose keys in a dict.

A draft is a dataclass whose fields are keys of the conversation's stored data (the
`conversations` table keeps them as JSON; the keys stay as they were, so a conversation
in progress at an upgrade carries on):

    @dataclass
    class RatingDraft(Draft):
        code: str = ""
        stars: int | None = None

    draft = RatingDraft.read(turn.data)  # MalformedDraft if a stored value is not an int
    draft.stars = 5
    draft.write(turn.data)               # None leaves the key out

Reading checks each stored value against its field's type (str, int, float, bool,
lists and str-keyed dicts of those, a nested Draft): a row written by an older version or
by hand, with a value of the wrong shape, gives MalformedDraft naming the fields, and
the conversation answers it by asking its question again instead of failing somewhere
further on. `need()` does the same for an answer a step cannot go without.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from collections.abc import Callable
from typing import Any, ClassVar, Self


class MalformedDraft(Exception):
    """Stored draft values of the wrong shape, or a needed one missing."""

    def __init__(self, draft: type[Draft], fields: list[str]) -> None:
        super().__init__(f"{draft.__name__}: malformed or missing {', '.join(fields)}")
        self.draft = draft
        self.fields = fields


@dataclasses.dataclass
class Draft:
    """Base of the drafts; subclasses are dataclasses whose fields all have defaults."""

    _hints: ClassVar[dict[str, Any] | None] = None

    @classmethod
    def _types(cls) -> dict[str, Any]:
        if cls.__dict__.get("_hints") is None:
            hints = typing.get_type_hints(cls)
            cls._hints = {f.name: hints[f.name] for f in dataclasses.fields(cls)}
        return cls._hints  # type: ignore[return-value]

    @classmethod
    def read(cls, data: dict) -> Self:
        """The draft kept in a conversation's data; MalformedDraft if a value is off."""
        values: dict[str, object] = {}
        wrong: list[str] = []
        for name, hint in cls._types().items():
            if data.get(name) is None:
                continue  # not asked yet: the field's default
            value = _shaped(data[name], hint)
            if value is _WRONG:
                wrong.append(name)
            else:
                values[name] = value
        if wrong:
            raise MalformedDraft(cls, wrong)
        return cls(**values)

    def write(self, data: dict) -> None:
        """Store the fields back under their keys; a field that is None is removed, and
        one still at its default is not added (the stored row stays as small as it was)."""
        defaults = {f.name: _default(f) for f in dataclasses.fields(self)}
        for name in self._types():
            value = getattr(self, name)
            if value is None:
                data.pop(name, None)
            elif name in data or value != defaults[name]:
                data[name] = _stored(value)

    def need(self, *names: str) -> None:
        """A step that cannot go on without these answers: MalformedDraft if one is empty
        (missing, "", an empty list or dict)."""
        missing = [name for name in names if getattr(self, name) in (None, "", [], {})]
        if missing:
            raise MalformedDraft(type(self), missing)

    @classmethod
    def keys(cls) -> tuple[str, ...]:
        return tuple(cls._types())


_WRONG = object()


def _default(field: dataclasses.Field) -> object:
    if field.default_factory is not dataclasses.MISSING:
        return field.default_factory()
    return None if field.default is dataclasses.MISSING else field.default


def _shaped(value: object, hint: Any) -> object:
    """The value as the type says (a stored list for a tuple field), or _WRONG."""
    return _checker(hint)(value)


Check = Callable[[object], object]


@functools.cache
def _checker(hint: Any) -> Check:
    """The check of a stored value against a field's type, worked out once per type: a
    turn reads its drafts several times, and asking typing about a hint each time cost
    a few percent of an update (bench/mixed.py --profile)."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(hint)
        nullable = type(None) in args
        options = [_checker(option) for option in args if option is not type(None)]

        def one_of(value: object) -> object:
            if value is None and nullable:
                return None  # inside a list or dict (a field's None is its default)
            for check in options:
                if (shaped := check(value)) is not _WRONG:
                    return shaped
            return _WRONG

        return one_of
    if hint is Any or hint is object:
        return lambda value: value
    if isinstance(hint, type) and issubclass(hint, Draft):
        return functools.partial(_nested, hint)
    if hint in _SIMPLE:
        return _SIMPLE[hint]
    if origin in (list, tuple):
        return _sequence_checker(hint, origin)
    if origin is dict:
        item = _checker((typing.get_args(hint) or (str, Any))[1])

        def mapping(value: object) -> object:
            if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
                return _WRONG
            shaped = {k: item(v) for k, v in value.items()}
            return _WRONG if any(v is _WRONG for v in shaped.values()) else shaped

        return mapping
    raise TypeError(f"a draft field of type {hint!r} is not supported")


def _nested(kind: type[Draft], value: object) -> object:
    if not isinstance(value, dict):
        return _WRONG
    try:
        return kind.read(value)
    except MalformedDraft:
        return _WRONG


def _whole(value: object) -> object:
    return value if isinstance(value, int) and not isinstance(value, bool) else _WRONG


def _real(value: object) -> object:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    return float(value) if ok else _WRONG  # type: ignore[arg-type]


_SIMPLE: dict[type, Check] = {
    str: lambda value: value if isinstance(value, str) else _WRONG,
    bool: lambda value: value if isinstance(value, bool) else _WRONG,
    int: _whole,
    float: _real,
}


def _sequence_checker(hint: Any, origin: type) -> Check:
    args = typing.get_args(hint)
    fixed = origin is tuple and bool(args) and args[-1] is not Ellipsis  # tuple[int, str]
    checks = [_checker(arg) for arg in args] if fixed else [_checker(args[0] if args else Any)]

    def sequence(value: object) -> object:
        if not isinstance(value, list | tuple):
            return _WRONG
        if fixed:
            if len(checks) != len(value):
                return _WRONG
            items = [check(item) for item, check in zip(value, checks, strict=True)]
        else:
            items = [checks[0](item) for item in value]
        if any(item is _WRONG for item in items):
            return _WRONG
        return tuple(items) if origin is tuple else items

    return sequence


def _stored(value: object) -> object:
    """A value as the JSON column keeps it (a tuple as a list, a nested draft as a dict)."""
    if isinstance(value, Draft):
        nested: dict = {}
        value.write(nested)
        return nested
    if isinstance(value, list | tuple):
        return [_stored(item) for item in value]
    if isinstance(value, dict):
        return {k: _stored(v) for k, v in value.items()}
    return value
