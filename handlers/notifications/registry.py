"""One renderer per event type: `@renders(OrderShipped)` on the function that writes an
OrderShipped (core/domain/events.py) in the reader's language. Two renderers for one
type fail at import; tests/integration/test_notification_rendering.py renders every
event type in every language."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from core.domain.events import Event
from core.services.context import Shop
from handlers.i18n import Translator
from handlers.tracking_links import add_tracking_link
from handlers.types import Reply

E = TypeVar("E", bound=Event)
Rendered = Reply | list[Reply] | None  # None or []: nothing to say
Renderer = Callable[["Context", E], Rendered | Awaitable[Rendered]]

_RENDERERS: dict[type[Event], Renderer[Any]] = {}


@dataclass(frozen=True)
class Context:
    """What a renderer writes with: the shop and the reader's language."""

    shop: Shop
    t: Translator

    @property
    def zone(self) -> str:
        """The shop's time zone, for the times a message names."""
        return self.shop.settings.store_timezone


def renders(event_type: type[E]) -> Callable[[Renderer[E]], Renderer[E]]:
    def register(renderer: Renderer[E]) -> Renderer[E]:
        if (other := _RENDERERS.get(event_type)) is not None:
            raise TypeError(
                f"{event_type.__name__} has a renderer already: "
                f"{other.__module__}.{other.__qualname__}"
            )
        _RENDERERS[event_type] = renderer
        return renderer

    return register


def links_tracking_page(renderer: Renderer[E]) -> Renderer[E]:
    """An order's news to its customer: the last reply (the one with the order's buttons)
    links the order's tracking page (handlers/tracking_links.py). The event has a `code`."""

    @functools.wraps(renderer)
    async def with_link(c: Context, event: E) -> Rendered:
        replies = _replies(await _rendered(renderer(c, event)))
        if replies:
            await add_tracking_link(c.shop, c.t, event.code, replies[-1])  # type: ignore[attr-defined]
        return replies

    return with_link


async def _rendered(rendered: Rendered | Awaitable[Rendered]) -> Rendered:
    return await rendered if inspect.isawaitable(rendered) else rendered


def _replies(rendered: Rendered) -> list[Reply]:
    return [] if rendered is None else [rendered] if isinstance(rendered, Reply) else rendered


def has_renderer(event_type: type[Event]) -> bool:
    return event_type in _RENDERERS


async def render_event(shop: Shop, t: Translator, event: Event) -> list[Reply]:
    """The replies for an event in t's language ([] for a type without words)."""
    renderer = _RENDERERS.get(type(event))
    if renderer is None:
        return []
    replies = _replies(await _rendered(renderer(Context(shop, t), event)))
    for reply in replies:
        reply.locale = t.locale
    return replies
