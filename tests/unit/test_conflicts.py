"""The overlap rule and port counting, checked against brute force."""
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from meetings.booking.conflicts import PortUse, busy_range, overlaps, peak_ports

BASE = datetime(2027, 1, 4, tzinfo=UTC)
minutes = st.integers(min_value=0, max_value=24 * 60)
durations = st.integers(min_value=1, max_value=8 * 60)


def _at(offset: int) -> datetime:
    return BASE + timedelta(minutes=offset)


@given(minutes, durations, minutes, durations)
def test_overlap_matches_a_minute_by_minute_check(a_start, a_len, b_start, b_len):
    a = set(range(a_start, a_start + a_len))
    b = set(range(b_start, b_start + b_len))
    assert overlaps(_at(a_start), _at(a_start + a_len), _at(b_start), _at(b_start + b_len)) == bool(a & b)


@given(minutes, durations, minutes, durations)
def test_overlap_is_symmetric(a_start, a_len, b_start, b_len):
    a = (_at(a_start), _at(a_start + a_len))
    b = (_at(b_start), _at(b_start + b_len))
    assert overlaps(*a, *b) == overlaps(*b, *a)


@given(minutes, durations, st.integers(min_value=0, max_value=120), durations)
def test_two_meetings_of_one_endpoint_need_the_setup_gap(a_start, a_len, gap, b_len):
    setup = timedelta(minutes=30)
    first = busy_range(_at(a_start), _at(a_start + a_len), setup)
    second_start = a_start + a_len + gap
    second = busy_range(_at(second_start), _at(second_start + b_len), setup)
    assert overlaps(*first, *second) == (gap < 30)


def test_a_meeting_may_start_exactly_when_the_buffer_ends():
    setup = timedelta(minutes=30)
    first = busy_range(_at(0), _at(120), setup)
    assert not overlaps(*first, *busy_range(_at(150), _at(200), setup))
    assert overlaps(*first, *busy_range(_at(149), _at(200), setup))


@given(st.lists(st.tuples(minutes, durations, st.integers(min_value=1, max_value=50)), max_size=12))
def test_peak_ports_matches_a_minute_by_minute_count(uses):
    expected = 0
    for minute in range(0, 24 * 60 + 8 * 60):
        expected = max(expected, sum(n for s, d, n in uses if s <= minute < s + d))
    assert peak_ports(PortUse(_at(s), _at(s + d), n) for s, d, n in uses) == expected


def test_back_to_back_meetings_do_not_add_up():
    assert peak_ports([PortUse(_at(0), _at(60), 70), PortUse(_at(60), _at(120), 70)]) == 70
