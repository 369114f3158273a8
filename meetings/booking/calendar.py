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


@dataclass
class Placed:
    """A meeting on a day of the week grid: where it sits (percent of the day's height) and in which lane."""

    meeting: object
    top: float
    height: float
    lane: int = 0
    lanes: int = 1


def hour_span(meetings: list, default: tuple[int, int] = (7, 18)) -> tuple[int, int]:
    """The hours the week grid shows: the working day, widened to every meeting of the week."""
    first, last = default
    for meeting in meetings:
        start, end = meeting.start_at.astimezone(ZONE), meeting.end_at.astimezone(ZONE)
        if start.date() == end.date():
            first = min(first, start.hour)
            last = max(last, end.hour + (1 if end.minute else 0))
        else:
            first, last = 0, 24
    return first, last


def lay_out(day: date, meetings: list, hours: tuple[int, int]) -> list[Placed]:
    """The meetings of one day on the hour axis, side by side where they overlap."""
    first, last = hours
    span = (last - first) * 60
    day_start = datetime.combine(day, time(first), ZONE)
    placed: list[Placed] = []
    for meeting in sorted(meetings, key=lambda m: (m.start_at, m.end_at)):
        top = max(0.0, (meeting.start_at - day_start).total_seconds() / 60)
        bottom = min(float(span), (meeting.end_at - day_start).total_seconds() / 60)
        placed.append(Placed(meeting, 100 * top / span, max(2.5, 100 * (bottom - top) / span)))
    # lanes: each meeting takes the first lane free at its start; overlapping clusters share the width
    cluster: list[Placed] = []
    lane_ends: list[float] = []
    cluster_end = -1.0
    for item in placed:
        if item.top >= cluster_end and cluster:
            for member in cluster:
                member.lanes = len(lane_ends)
            cluster, lane_ends = [], []
        for index, end in enumerate(lane_ends):
            if end <= item.top:
                item.lane, lane_ends[index] = index, item.top + item.height
                break
        else:
            item.lane = len(lane_ends)
            lane_ends.append(item.top + item.height)
        cluster.append(item)
        cluster_end = max(cluster_end, item.top + item.height)
    for member in cluster:
        member.lanes = len(lane_ends)
    return placed
