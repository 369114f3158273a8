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
