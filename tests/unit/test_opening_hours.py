"""Opening hours: parsed from the setting, grouped for reading, open or closed now."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from core.domain.opening_hours import BadOpeningHours, OpeningHours

MX = ZoneInfo("America/Mexico_City")
HOURS = OpeningHours.parse({"mon-fri": "09:00-18:00", "sat": "10:00-14:00"})


def test_days_with_the_same_hours_are_grouped_and_unnamed_days_are_closed():
    groups = [(r.first, r.last, r.hours) for r in HOURS.ranges()]
    assert groups == [
        (0, 4, (time(9), time(18))),
        (5, 5, (time(10), time(14))),
        (6, 6, None),
    ]


def test_open_within_the_hours_and_closed_outside():
    assert HOURS.is_open(datetime(2026, 11, 2, 9, 0, tzinfo=MX))  # a Monday
    assert not HOURS.is_open(datetime(2026, 11, 2, 18, 0, tzinfo=MX))
    assert not HOURS.is_open(datetime(2026, 11, 8, 12, 0, tzinfo=MX))  # a Sunday


def test_the_next_opening_skips_closed_days():
    saturday_evening = datetime(2026, 11, 7, 15, 0, tzinfo=MX)
    assert HOURS.next_opening(saturday_evening) == datetime(2026, 11, 9, 9, 0, tzinfo=MX)
    assert OpeningHours.parse({}).next_opening(saturday_evening) is None


@pytest.mark.parametrize(
    "spec",
    [{"lun": "09:00-18:00"}, {"fri-mon": "09:00-18:00"}, {"mon": "9-18"}, {"mon": "18:00-09:00"}],
)
def test_a_wrong_day_or_hour_is_refused(spec):
    with pytest.raises(BadOpeningHours):
        OpeningHours.parse(spec)
