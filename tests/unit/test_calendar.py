"""Calendar periods start on Monday and meetings land on the days they touch, in Hà Nội time."""
from datetime import UTC, date, datetime
from types import SimpleNamespace

from meetings.booking.calendar import month, place, week


def test_week_runs_monday_to_sunday():
    period = week(date(2026, 12, 3))  # a Thursday
    assert (period.first, period.last) == (date(2026, 11, 30), date(2026, 12, 6))
    assert period.next == date(2026, 12, 7) and period.previous == date(2026, 11, 23)


def test_month_covers_whole_weeks():
    period = month(date(2026, 12, 15))
    assert period.first == date(2026, 11, 30) and period.last == date(2027, 1, 3)
    assert period.next == date(2027, 1, 1) and period.previous == date(2026, 11, 1)


def test_meeting_lands_on_its_hanoi_day_and_spans_two_days():
    period = week(date(2026, 12, 3))
    late = SimpleNamespace(start_at=datetime(2026, 12, 1, 18, 0, tzinfo=UTC),  # 01:00 on the 2nd
                           end_at=datetime(2026, 12, 2, 18, 0, tzinfo=UTC))
    days = [d for w in place(period, [late]) for d in w]
    with_meeting = [d.day for d in days if d.meetings]
    assert with_meeting == [date(2026, 12, 2), date(2026, 12, 3)]


def test_the_week_grid_widens_to_every_meeting_and_puts_overlaps_side_by_side():
    from datetime import datetime
    from types import SimpleNamespace
    from zoneinfo import ZoneInfo

    from meetings.booking.calendar import hour_span, lay_out

    zone = ZoneInfo("Asia/Ho_Chi_Minh")

    def meeting(h1, m1, h2, m2):
        return SimpleNamespace(start_at=datetime(2026, 12, 8, h1, m1, tzinfo=zone),
                               end_at=datetime(2026, 12, 8, h2, m2, tzinfo=zone))

    early, overlap, later = meeting(6, 30, 9, 0), meeting(8, 0, 10, 0), meeting(13, 0, 18, 30)
    assert hour_span([]) == (7, 18)
    assert hour_span([early, later]) == (6, 19)
    placed = lay_out(early.start_at.date(), [later, overlap, early], (6, 19))
    assert [p.meeting for p in placed] == [early, overlap, later]
    assert [(p.lane, p.lanes) for p in placed] == [(0, 2), (1, 2), (0, 1)]
    assert placed[0].top == 100 * 30 / (13 * 60) and round(placed[2].height, 2) == round(100 * 330 / 780, 2)
