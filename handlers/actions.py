"""Button actions: what a button does, as a small typed value that packs itself into the
button's payload and back.

Each feature declares its actions next to the code that handles them:

    @dataclass(frozen=True)
    class ShowOrder(Action, prefix="t"):
        code: str

    @handles(ShowOrder)
    async def show_order(turn: Turn, action: ShowOrder) -> None: ...

    Button(_("Track my order"), ShowOrder(code).pack())

A payload is "prefix:field:field" (ASCII, at most 64 bytes: Telegram's limit for
callback data). Fields are `str` or `int`; a trailing field may default to None, and is
then left out of the payload. Parsing checks what a person could have forged or an old
message could still carry: an unknown prefix, a field that is not a number, too many or
too few fields all give None, which the conversation answers as a stale button.

`admin=True` on a class says the action is for the shop's team: a customer who presses
it is refused (and the service behind it checks the claim again). Two classes with one
prefix fail at import.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar, Self, TypeVar

from handlers.payloads import MAX_PAYLOAD_BYTES, whole_number

SEPARATOR = ":"

_BY_PREFIX: dict[str, type[Action]] = {}
_HANDLERS: dict[type[Action], Callable[[Any, Any], Awaitable[object]]] = {}


class Action:
    """Base of every button action; subclasses are frozen dataclasses."""

    prefix: ClassVar[str]
    admin: ClassVar[bool]
    _types: ClassVar[tuple[tuple[str, type, bool], ...] | None]

    def __init_subclass__(cls, *, prefix: str, admin: bool = False, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not prefix or not prefix.isascii() or SEPARATOR in prefix:
            raise ValueError(f"{cls.__name__}: a prefix is short ASCII without ':'")
        if (other := _BY_PREFIX.get(prefix)) is not None:
            raise ValueError(
                f"button prefix {prefix!r} of {cls.__qualname__} is taken by "
                f"{other.__module__}.{other.__qualname__}"
            )
        cls.prefix, cls.admin, cls._types = prefix, admin, None
        _BY_PREFIX[prefix] = cls

    @classmethod
    def _fields(cls) -> tuple[tuple[str, type, bool], ...]:
        """(name, int or str, optional) per field, read once from the annotations."""
        if cls._types is None:
            hints = typing.get_type_hints(cls)
            found = []
            for field in dataclasses.fields(cls):  # type: ignore[arg-type]
                kinds = set(typing.get_args(hints[field.name])) or {hints[field.name]}
                base = int if int in kinds else str
                found.append((field.name, base, type(None) in kinds))
            cls._types = tuple(found)
        return cls._types

    def pack(self) -> str:
        parts = [self.prefix]
        for name, _kind, _optional in self._fields():
            value = getattr(self, name)
            if value is not None:
                parts.append(str(value))
        payload = SEPARATOR.join(parts)
        if len(payload.encode()) > MAX_PAYLOAD_BYTES or not payload.isascii():
            raise ValueError(f"payload too long or not ASCII: {payload!r}")
        return payload

    @classmethod
    def from_parts(cls, parts: list[str]) -> Self | None:
        fields = cls._fields()
        if len(parts) > len(fields):
            return None
        values: dict[str, object] = {}
        for index, (name, kind, optional) in enumerate(fields):
            if index >= len(parts):
                if optional or _has_default(cls, name):
                    continue
                return None
            value: object = parts[index]
            if kind is int and (value := whole_number(parts[index])) is None:
                return None
            values[name] = value
        return cls(**values)


def _has_default(cls: type, name: str) -> bool:
    field = next(f for f in dataclasses.fields(cls) if f.name == name)
    return field.default is not dataclasses.MISSING


def parse(payload: str) -> Action | None:
    """The action a payload names, or None for one no button of ours carries."""
    prefix, *parts = payload.split(SEPARATOR)
    kind = _BY_PREFIX.get(prefix)
    return kind.from_parts(parts) if kind is not None else None


def is_admin_payload(payload: str) -> bool:
    """Whether the payload's prefix is an admin action's (whatever its fields say)."""
    kind = _BY_PREFIX.get(payload.split(SEPARATOR)[0])
    return kind is not None and kind.admin


A = TypeVar("A", bound=Action)
Handler = Callable[[Any, A], Awaitable[object]]


def handles(kind: type[A]) -> Callable[[Handler[A]], Handler[A]]:
    """Registers the function that carries out an action of this type."""

    def register(handler: Handler[A]) -> Handler[A]:
        if kind in _HANDLERS:
            raise ValueError(f"{kind.__qualname__} already has a handler")
        _HANDLERS[kind] = handler
        return handler

    return register


def handler_for(action: Action) -> Callable[[Any, Any], Awaitable[object]] | None:
    return _HANDLERS.get(type(action))


def registered() -> dict[str, type[Action]]:
    """Every action class by prefix (for tests and the docs)."""
    return dict(_BY_PREFIX)


def unhandled() -> list[type[Action]]:
    """Action classes without a handler: a button nobody answers (tests check it's empty)."""
    return [kind for kind in _BY_PREFIX.values() if kind not in _HANDLERS]
