"""Recognising a crash from what a person was shown: the apology the conversation sends
when a handler raised, in whichever language the chat speaks (built from the catalogs,
so a reworded or newly translated apology is still recognised)."""

from __future__ import annotations

import gc
import json
import logging
import re
import sqlite3
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from handlers.i18n import SUPPORTED, translations

APOLOGY = "Sorry, something went wrong on our side (reference {ref}). Please try again in a moment."


@cache
def apology_openings() -> tuple[str, ...]:
    """The apology's words before the reference, in every language we speak."""
    return tuple(translations(lang).gettext(APOLOGY).split("{ref}")[0] for lang in SUPPORTED)


def apology_in(text: str) -> bool:
    """True when text holds the crash apology, in any of our languages."""
    flat = " ".join(text.split())
    return any(" ".join(opening.split()) in flat for opening in apology_openings())


# ---------------------------------------------------------------------------------------
# The guard every test runs under (hooked in by tests/conftest.py).
#
# The shop swallows crashes on purpose: the conversation logs the exception and answers
# with the apology, the inbox logs and marks the update handled, the dispatcher logs and
# retries. A test asserting that nothing happened would pass when the handler crashed.
# So every ERROR record logged while a test runs (setup, call, teardown; from any logger:
# the shop's, asyncio's "Task exception was never retrieved", aiohttp's servers), every
# incident row (an outbox row of kind "internal_error") in a database the test opened,
# and every apology a driver shows fails the test, unless the test declares it:
#
#     @pytest.mark.expects_error(r"conversation error", r"outbox message \d+ failed")
#
# Each pattern is searched in "<logger>: <message>" plus the exception's last line. A
# declared pattern that matches nothing fails the test too, so markers cannot go stale.
# An incident row or an apology carries the reference of the logged crash: it is
# declared when the record holding that reference is.

REFERENCE = re.compile(r"\b[0-9a-f]{8}\b")


class CrashShown(AssertionError):
    """A person was shown the crash apology and the test did not declare the crash."""


@dataclass
class Event:
    text: str
    reference: str | None = None  # incidents and apologies: the crash's reference


@dataclass
class Guard:
    name: str
    patterns: list[re.Pattern[str]]
    records: list[str] = field(default_factory=list)  # ERROR records, as text
    others: list[Event] = field(default_factory=list)  # incidents, apologies
    databases: set[str] = field(default_factory=set)  # SQLAlchemy URLs the test opened
    checked: set[str] = field(default_factory=set)

    def declared_references(self) -> set[str]:
        found: set[str] = set()
        for text in self.records:
            if any(p.search(text) for p in self.patterns):
                found.update(REFERENCE.findall(text))
        return found

    def declared(self, event: Event) -> bool:
        if any(p.search(event.text) for p in self.patterns):
            return True
        return event.reference is not None and event.reference in self.declared_references()

    def verdict(self) -> str | None:
        """Why the test fails, or None."""
        problems: list[str] = []
        unexpected = [t for t in self.records if not any(p.search(t) for p in self.patterns)]
        unexpected += [e.text for e in self.others if not self.declared(e)]
        if unexpected:
            problems.append(
                "errors the test did not declare (a swallowed crash?); if the test provokes "
                "them on purpose, mark it @pytest.mark.expects_error(<regex>):\n"
                + "\n".join(f"  - {text}" for text in unexpected)
            )
        stale = [
            p.pattern
            for p in self.patterns
            if not any(p.search(t) for t in [*self.records, *(e.text for e in self.others)])
        ]
        if stale:
            problems.append(
                "declared errors that did not happen: " + ", ".join(repr(p) for p in stale)
            )
        return "\n".join(problems) or None


_current: Guard | None = None
_original_call_handlers = logging.Logger.callHandlers


def _describe(record: logging.LogRecord) -> str:
    text = f"{record.name}: {record.getMessage()}"
    if record.exc_info and record.exc_info[1] is not None:
        error = record.exc_info[1]
        text += f" [{type(error).__name__}: {error}]"
    return text


def _call_handlers(self: logging.Logger, record: logging.LogRecord) -> None:
    # Seen here rather than by a handler on the root logger, so a test that configures
    # logging in process (bot/cli.py's configure_logging replaces handlers) or a logger
    # that does not propagate cannot hide a record from the guard.
    if _current is not None and record.levelno >= logging.ERROR:
        _current.records.append(_describe(record))
    _original_call_handlers(self, record)


def start(item: pytest.Item) -> None:
    global _current
    logging.Logger.callHandlers = _call_handlers  # type: ignore[method-assign]
    patterns = [
        re.compile(pattern)
        for marker in item.iter_markers("expects_error")
        for pattern in marker.args
    ]
    _current = Guard(item.nodeid, patterns)


def finish() -> str | None:
    """Stop watching; why the test fails, or None."""
    global _current
    guard = _current
    if guard is None:
        return None
    # A task whose exception nobody retrieved logs it when collected. The test's own
    # garbage is young: a full collection of the suite's heap each test cost minutes.
    gc.collect(1)
    for url in sorted(guard.databases - guard.checked):
        guard.others += _sqlite_incidents(url)
    _current = None
    return guard.verdict()


def watch(database_url: str) -> None:
    """Look for incident rows in this database when the test ends."""
    if _current is not None:
        _current.databases.add(database_url)


def _incident(payload: object) -> Event:
    data = json.loads(payload) if isinstance(payload, str) else payload
    data = data if isinstance(data, dict) else {}
    reference = str(data.get("reference", ""))
    return Event(f"incident {reference} at {data.get('where', '?')}", reference or None)


def _sqlite_incidents(database_url: str) -> list[Event]:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database:
        return []
    path = Path(url.database)
    if not path.exists():
        return []
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = connection.execute(
            "SELECT payload FROM outbox WHERE kind = 'internal_error'"
        ).fetchall()
    except sqlite3.OperationalError:  # not a shop's database (or not migrated)
        return []
    finally:
        connection.close()
    return [_incident(payload) for (payload,) in rows]


async def check_postgres(database_url: str) -> None:
    """Note the incident rows of a PostgreSQL database, before the test drops it."""
    if _current is None:
        return
    dsn = make_url(database_url).set(drivername="postgresql")
    connection = await asyncpg.connect(dsn.render_as_string(hide_password=False))
    try:
        rows = await connection.fetch("SELECT payload FROM outbox WHERE kind = 'internal_error'")
    except asyncpg.UndefinedTableError:
        rows = []
    finally:
        await connection.close()
    _current.others += [_incident(row["payload"]) for row in rows]
    _current.checked.add(database_url)


def check_shown(text: str) -> None:
    """Fail at once when a person was shown the crash apology the test did not declare
    (the drivers call it on every screen)."""
    if not apology_in(text):
        return
    flat = " ".join(text.split())
    after = [flat.split(" ".join(o.split()), 1) for o in apology_openings()]
    references = [REFERENCE.match(rest[1].lstrip()) for rest in after if len(rest) == 2]
    reference = next((found.group() for found in references if found), None)
    event = Event(f"apology shown: {flat}", reference)
    guard = _current
    if guard is not None and guard.declared(event):
        guard.others.append(event)
        return
    raise CrashShown(f"the person was shown the crash apology:\n{text}")
