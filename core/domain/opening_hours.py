"""When the shop is open: a week of opening hours, from a setting such as
{"mon-fri": "09:00-18:00", "sat": "10:00-14:00"} (days not named are closed)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # datetime.weekday() order
_HOURS = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")


class BadOpeningHours(ValueError):
    pass


@dataclass(frozen=True)
class DayRange:
    first: int  # 0 = Monday
    last: int
    hours: tuple[time, time] | None  # None: closed


@dataclass(frozen=True)
class OpeningHours:
    week: tuple[tuple[time, time] | None, ...]  # seven days, Monday first

    @classmethod
    def parse(cls, spec: dict[str, str]) -> OpeningHours:
        week: list[tuple[time, time] | None] = [None] * 7
        for days, hours in spec.items():
            for day in _days(days):
                week[day] = _hours(hours)
        return cls(tuple(week))

    def ranges(self) -> list[DayRange]:
        """Consecutive days with the same hours, Monday to Sunday."""
        out: list[DayRange] = []
        for day, hours in enumerate(self.week):
            if out and out[-1].hours == hours:
                out[-1] = DayRange(out[-1].first, day, hours)
            else:
                out.append(DayRange(day, day, hours))
        return out

    def is_open(self, local: datetime) -> bool:
        hours = self.week[local.weekday()]
        return hours is not None and hours[0] <= local.time() < hours[1]

    def next_opening(self, local: datetime) -> datetime | None:
        """The next moment the shop opens after `local` (None: never open)."""
        for ahead in range(8):
            day = local.date() + timedelta(days=ahead)
            hours = self.week[day.weekday()]
            if hours is None:
                continue
            opens = datetime.combine(day, hours[0], local.tzinfo)
            if opens > local:
                return opens
        return None


def _days(text: str) -> list[int]:
    first, _, last = text.strip().lower().partition("-")
    if first not in DAYS or (last and last not in DAYS):
        raise BadOpeningHours(f"{text!r}: days are mon tue wed thu fri sat sun, or a range")
    start, end = DAYS.index(first), DAYS.index(last or first)
    if end < start:
        raise BadOpeningHours(f"{text!r}: a range goes from Monday towards Sunday")
    return list(range(start, end + 1))


def _hours(text: str) -> tuple[time, time] | None:
    text = text.strip().lower()
    if text == "closed":
        return None
    found = _HOURS.match(text.replace(" ", ""))
    if not found:
        raise BadOpeningHours(f"{text!r}: hours are like 09:00-18:00, or closed")
    h1, m1, h2, m2 = (int(g) for g in found.groups())
    opens, closes = time(h1, m1), time(h2, m2)
    if closes <= opens:
        raise BadOpeningHours(f"{text!r}: closing comes after opening")
    return opens, closes
