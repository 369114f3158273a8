"""Week and month periods for the calendar pages, and placing meetings on their days. No Flask."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


@dataclass(frozen=True)
class Period:
    kind: str
    first: date  # first day shown
    last: date  # last day shown
    anchor: date
    previous: date
    next: date

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.first, time.min, ZONE)

    @property
    def end_at(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time.min, ZONE)


def week(anchor: date) -> Period:
    monday = anchor - timedelta(days=anchor.weekday())
    return Period("week", monday, monday + timedelta(days=6), anchor, monday - timedelta(days=7),
                  monday + timedelta(days=7))


def month(anchor: date) -> Period:
    first_of_month = anchor.replace(day=1)
    next_month = (first_of_month + timedelta(days=32)).replace(day=1)
    previous_month = (first_of_month - timedelta(days=1)).replace(day=1)
    first = first_of_month - timedelta(days=first_of_month.weekday())
    last_of_month = next_month - timedelta(days=1)
    last = last_of_month + timedelta(days=6 - last_of_month.weekday())
    return Period("month", first, last, first_of_month, previous_month, next_month)


@dataclass
class Day:
    day: date
    in_period: bool
    meetings: list


def place(period: Period, meetings: list) -> list[list[Day]]:
    """Weeks of days, each day with the meetings that touch it (a two-day meeting shows on both)."""
    days: list[Day] = []
    current = period.first
    while current <= period.last:
        in_period = period.kind == "week" or current.month == period.anchor.month
        days.append(Day(current, in_period, []))
        current += timedelta(days=1)
    index = {d.day: d for d in days}
    for meeting in sorted(meetings, key=lambda m: m.start_at):
        day = meeting.start_at.astimezone(ZONE).date()
        last = (meeting.end_at - timedelta(seconds=1)).astimezone(ZONE).date()
        while day <= last:
            if day in index:
                index[day].meetings.append(meeting)
            day += timedelta(days=1)
    return [days[i:i + 7] for i in range(0, len(days), 7)]
