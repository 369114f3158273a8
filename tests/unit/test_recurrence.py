"""Recurrence: what the ministry accepts, and expansion checked against python-dateutil."""
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import MONTHLY, WEEKLY, rrule
from hypothesis import given
from hypothesis import strategies as st

from meetings.booking.recurrence import RecurrenceError, expand, normalise_rule

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


@given(
    frequency=st.sampled_from(["WEEKLY", "MONTHLY"]),
    count=st.integers(min_value=1, max_value=60),
    interval=st.integers(min_value=1, max_value=4),
    day=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2030, 12, 31)),
)
def test_expansion_agrees_with_dateutil(frequency, count, interval, day):
    local_start = day.replace(second=0, microsecond=0, tzinfo=ZONE)
    rule = f"FREQ={frequency};COUNT={count};INTERVAL={interval}"
    got = expand(rule, local_start.astimezone(UTC), zone=ZONE, maximum=100)
    reference = list(rrule(WEEKLY if frequency == "WEEKLY" else MONTHLY, count=count, interval=interval,
                           dtstart=local_start))
    assert got == [d.astimezone(UTC) for d in reference]


def test_weekly_keeps_the_wall_clock_time_in_hanoi():
    start = datetime(2026, 12, 7, 8, 0, tzinfo=ZONE).astimezone(UTC)
    starts = expand("RRULE:FREQ=WEEKLY;COUNT=10", start, zone=ZONE, maximum=100)
    assert len(starts) == 10
    assert all(s.astimezone(ZONE).hour == 8 and s.astimezone(ZONE).weekday() == 0 for s in starts)
    assert starts[-1] - starts[0] == timedelta(weeks=9)


def test_until_as_a_date_includes_that_day():
    start = datetime(2026, 12, 7, 8, 0, tzinfo=ZONE)
    starts = expand("FREQ=WEEKLY;UNTIL=20261228", start, zone=ZONE, maximum=100)
    assert [s.astimezone(ZONE).day for s in starts] == [7, 14, 21, 28]


@pytest.mark.parametrize("rule, reason", [
    ("FREQ=WEEKLY", "no_end"),
    ("FREQ=DAILY;COUNT=3", "frequency"),
    ("FREQ=WEEKLY;COUNT=3;UNTIL=20270101", "count_and_until"),
    ("FREQ=WEEKLY;COUNT=abc", "malformed"),
    ("FREQ=WEEKLY;COUNT=3;BYHOUR=9", "unsupported_part"),
    ("garbage", "malformed"),
])
def test_rules_the_ministry_does_not_accept(rule, reason):
    with pytest.raises(RecurrenceError) as error:
        normalise_rule(rule, ZONE)
    assert error.value.reason == reason


def test_more_occurrences_than_allowed_is_refused_not_cut():
    start = datetime(2026, 12, 7, 8, 0, tzinfo=ZONE)
    with pytest.raises(RecurrenceError) as error:
        expand("FREQ=WEEKLY;COUNT=101", start, zone=ZONE, maximum=100)
    assert error.value.reason == "too_many"
    with pytest.raises(RecurrenceError):
        expand("FREQ=WEEKLY;UNTIL=20400101", start, zone=ZONE, maximum=100)
