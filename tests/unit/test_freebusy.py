"""The interval arithmetic of the scheduling assistant."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from meetings.booking.conflicts import PortUse, busy_range, overlaps, peak_ports
from meetings.booking.freebusy import endpoint_blocks, free_windows, merge, port_blocks, round_up

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
SETUP = timedelta(minutes=30)


def t(hour, minute=0):
    return datetime(2026, 12, 8, hour, minute, tzinfo=ZONE)


DAY = (t(7, 30), t(17, 30))


def test_merge_joins_overlapping_and_touching_intervals():
    assert merge([(t(9), t(10)), (t(8), t(9)), (t(12), t(13)), (t(12, 30), t(12, 45))]) == [
        (t(8), t(10)), (t(12), t(13))]


def test_a_window_keeps_the_buffer_on_both_sides_of_a_meeting():
    holds = [busy_range(t(9), t(11), SETUP)]
    windows = free_windows(DAY, endpoint_blocks(holds, SETUP), 30)
    assert [(w.start, w.end) for w in windows] == [(t(7, 30), t(8, 30)), (t(11, 30), t(17, 30))]


def test_every_placement_inside_a_window_is_clear_of_every_hold():
    holds = [busy_range(t(8), t(9), SETUP), busy_range(t(10, 15), t(12), SETUP), busy_range(t(14), t(14, 30), SETUP)]
    for window in free_windows(DAY, endpoint_blocks(holds, SETUP), 45):
        start = window.start
        while start + timedelta(minutes=45) <= window.end:
            mine = busy_range(start, start + timedelta(minutes=45), SETUP)
            assert not any(overlaps(*mine, *hold) for hold in holds)
            start += timedelta(minutes=5)


def test_windows_shorter_than_the_meeting_are_left_out_and_the_list_is_bounded():
    holds = [busy_range(t(h), t(h, 20), SETUP) for h in range(8, 17, 2)]
    assert free_windows(DAY, endpoint_blocks(holds, SETUP), 45) == []
    assert len(free_windows(DAY, endpoint_blocks(holds, SETUP), 10, limit=3)) == 3


def test_port_blocks_are_the_instants_without_enough_ports():
    uses = [PortUse(t(9), t(11), 60), PortUse(t(10), t(12), 50)]
    assert port_blocks(uses, 20, 120) == [(t(10), t(11))]
    assert port_blocks(uses, 61, 120) == [(t(9), t(11))]
    assert port_blocks(uses, 71, 120) == [(t(9), t(12))]
    assert port_blocks(uses, 10, 120) == []
    for window in free_windows(DAY, port_blocks(uses, 20, 120), 60):
        assert peak_ports([u for u in uses if overlaps(window.start, window.end, u.start, u.end)]
                          + [PortUse(window.start, window.end, 20)]) <= 120


def test_round_up_to_five_minutes():
    assert round_up(t(10, 3)) == t(10, 5)
    assert round_up(t(10, 5)) == t(10, 5)
    assert round_up(t(10, 5) + timedelta(seconds=1)) == t(10, 10)
