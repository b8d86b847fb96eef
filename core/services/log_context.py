"""What the current task is handling: the update (its channel and id), the order code
once one is known, and how the update ended. Log lines carry these as fields
(LOG_FORMAT=json, bot/logs.py) and the web app counts updates by outcome (bot/metrics.py).

A context variable, so each update's task sees its own, with no argument passed through
every layer: the channel opens one where it starts handling an update, the services fill
in the order code where they load an order, and the conversation says how it answered.
Outside an update (jobs, the CLI) nothing is open and the notes do nothing.
"""

from __future__ import annotations

from contextvars import ContextVar, Token
from dataclasses import dataclass


@dataclass(slots=True)
class UpdateContext:
    channel: str
    update_id: str
    order_code: str = ""
    outcome: str = ""  # empty until someone says: answered, silent, refused, error...


_CURRENT: ContextVar[UpdateContext | None] = ContextVar("pedidos_update", default=None)


def begin(channel: str, update_id: str) -> tuple[UpdateContext, Token]:
    """Open the context of one update; end() with the token when it is handled."""
    context = UpdateContext(channel, update_id)
    return context, _CURRENT.set(context)


def end(token: Token) -> None:
    _CURRENT.reset(token)


def current() -> UpdateContext | None:
    return _CURRENT.get()


def note_order(code: str) -> None:
    """The update is about this order (the last one loaded wins)."""
    context = _CURRENT.get()
    if context is not None:
        context.order_code = code


def note_outcome(outcome: str) -> None:
    """How the update ended, unless something said so already (the first word wins: a
    crash answered with an apology stays an error)."""
    context = _CURRENT.get()
    if context is not None and not context.outcome:
        context.outcome = outcome
