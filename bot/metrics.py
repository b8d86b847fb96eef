"""Prometheus metrics (docs/operations.md lists each one).

Two sources:

- the updates this process's channels handled, counted as they happen: by channel and
  outcome, with the time each took (`UpdateMetrics`, one per shop; the channels hold it);
- what the database holds (the outbox's queue, deliveries by result, orders by status
  transition), read when /metrics is asked (core/services/metrics.py), so every worker
  reports the same figures and a restart loses none (`DatabaseCollector`).

Each web app exposes them on a registry of its own (`metrics_registry`), never the
library's global one: several apps in one process (the tests) never mix their figures.
"""

from __future__ import annotations

import logging
import time
import weakref
from collections.abc import Iterator
from types import TracebackType
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from core.domain.errors import StoreUnavailable
from core.services import log_context
from core.services.metrics import OperationsFigures

if TYPE_CHECKING:
    from core.services.context import Shop

log = logging.getLogger("pedidos.metrics")

# How an update ended (docs/operations.md): "answered", "silent" (nothing to say: a
# reaction, an edit, a payment the outbox tells about), "refused" (over the incoming
# limit), "error" (a crash: the person got the apology), "unavailable" (the database was
# away: "try again in a minute"), "duplicate" (a redelivery, handled before), "ignored"
# (a kind of update the shop does not handle, such as Telegram's service notices).
DUPLICATE, IGNORED, ERROR, UNAVAILABLE, SILENT = (
    "duplicate",
    "ignored",
    "error",
    "unavailable",
    "silent",
)
# A chat bot answers in milliseconds; a slow database or a platform's rate limit shows
# as seconds.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class UpdateMetrics(Collector):
    """The updates one shop's channels handled in this process."""

    def __init__(self) -> None:
        self.handled = Counter(
            "pedidos_updates_handled",
            "Chat updates handled by this process, by channel and outcome.",
            ["channel", "outcome"],
            registry=None,
        )
        self.latency = Histogram(
            "pedidos_update_handling_seconds",
            "Time from the start of an update's handling to its answer sent, by channel.",
            ["channel"],
            buckets=LATENCY_BUCKETS,
            registry=None,
        )
        # The labelled children, found once: labels() costs more than the increment.
        self._counters: dict[tuple[str, str], Counter] = {}
        self._timers: dict[str, Histogram] = {}

    def count(self, channel: str, outcome: str, seconds: float | None = None) -> None:
        """One update; seconds: how long its handling took (none when not handled)."""
        counter = self._counters.get((channel, outcome))
        if counter is None:
            counter = self._counters[channel, outcome] = self.handled.labels(channel, outcome)
        counter.inc()
        if seconds is not None:
            timer = self._timers.get(channel)
            if timer is None:
                timer = self._timers[channel] = self.latency.labels(channel)
            timer.observe(seconds)

    def handling(self, channel: str, update_id: str | None = None) -> Handling:
        """`with metrics.handling(channel):` around one update's handling: timed and
        counted with the outcome the conversation noted (log_context). update_id opens
        the update's log context here (the terminal); the channels that write updates
        to the inbox have it opened by core/services/inbox.py."""
        return Handling(self, channel, update_id)

    def collect(self) -> Iterator[Metric]:
        yield from self.handled.collect()
        yield from self.latency.collect()


class Handling:
    """Times one update and counts it with its outcome when it ends."""

    __slots__ = ("channel", "context", "metrics", "started", "token", "update_id")

    def __init__(self, metrics: UpdateMetrics, channel: str, update_id: str | None) -> None:
        self.metrics = metrics
        self.channel = channel
        self.update_id = update_id
        self.token = None
        self.context: log_context.UpdateContext | None = None

    def __enter__(self) -> Handling:
        if self.update_id is not None:
            self.context, self.token = log_context.begin(self.channel, self.update_id)
        else:
            self.context = log_context.current()
        self.started = time.perf_counter()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        seconds = time.perf_counter() - self.started
        if self.token is not None:
            log_context.end(self.token)
        if exc_type is None:
            outcome = (self.context.outcome if self.context is not None else "") or SILENT
        elif issubclass(exc_type, StoreUnavailable):
            outcome = UNAVAILABLE
        elif issubclass(exc_type, Exception):
            outcome = ERROR
        else:
            return  # cancelled (the worker is stopping): not an outcome
        self.metrics.count(self.channel, outcome, seconds)


# One UpdateMetrics per shop, for as long as the shop lives: the channels count into it
# and every web app made for the shop shows it. Keyed by id (a Shop is not hashable).
_BY_SHOP: dict[int, UpdateMetrics] = {}


def updates_of(shop: Shop) -> UpdateMetrics:
    key = id(shop)
    metrics = _BY_SHOP.get(key)
    if metrics is None:
        metrics = _BY_SHOP[key] = UpdateMetrics()
        weakref.finalize(shop, _BY_SHOP.pop, key, None)
    return metrics


class DatabaseCollector(Collector):
    """The figures read from the database for the scrape being answered: the /metrics
    route reads them (`figures`, async) just before the registry is rendered."""

    def __init__(self) -> None:
        self.figures: OperationsFigures | None = None  # None: the database did not answer

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "pedidos_database_up",
            "1 when the database answered this scrape's queries, else 0 (and the "
            "outbox and order figures are missing from this scrape).",
        )
        up.add_metric([], 1 if self.figures is not None else 0)
        yield up
        figures = self.figures
        if figures is None:
            return
        waiting = GaugeMetricFamily(
            "pedidos_outbox_pending",
            "Messages to people not sent yet (waiting, being sent, or waiting for a retry).",
            labels=["channel", "recipient"],
        )
        age = GaugeMetricFamily(
            "pedidos_outbox_oldest_pending_age_seconds",
            "How long the oldest message not sent yet has waited since it was written.",
            labels=["channel", "recipient"],
        )
        for queue in figures.queues:
            waiting.add_metric([queue.channel, queue.recipient], queue.waiting)
            age.add_metric([queue.channel, queue.recipient], queue.oldest_age_seconds)
        yield waiting
        yield age
        deliveries = GaugeMetricFamily(
            "pedidos_outbox_deliveries",
            "Outbox messages by delivery result: sent, failed (for good), retrying "
            "(not sent yet after a failed attempt).",
            labels=["channel", "result"],
        )
        for (channel, result), rows in sorted(figures.deliveries.items()):
            deliveries.add_metric([channel, result], rows)
        yield deliveries
        receipts = GaugeMetricFamily(
            "pedidos_outbox_receipts",
            "Outbox messages by the latest delivery receipt the channel sent back "
            "(WhatsApp: sent, delivered, read, failed).",
            labels=["channel", "status"],
        )
        for (channel, status), rows in sorted(figures.receipts.items()):
            receipts.add_metric([channel, status], rows)
        yield receipts
        transitions = CounterMetricFamily(
            "pedidos_order_transitions",
            'Order status changes, from the orders\' timelines ("cart" when placed).',
            labels=["from_status", "to_status"],
        )
        for (before, after), events in sorted(figures.transitions.items()):
            transitions.add_metric([before, after], events)
        yield transitions


def metrics_registry(shop: Shop, database: DatabaseCollector) -> CollectorRegistry:
    """A web app's own registry: the shop's update counts and the database's figures."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(updates_of(shop))
    registry.register(database)
    return registry
