"""Free time for a selection of endpoints: the pure part of the scheduling assistant. No Flask, no database.

A new meeting [s, e) conflicts with an endpoint's hold [busy_from, busy_until) — the other meeting plus
its set-up buffer — when s < busy_until and busy_from < e + setup (meetings.booking.conflicts with the
new meeting's own buffer). So a meeting fits between holds exactly when it lies in the complement of the
blocks [busy_from - setup, busy_until). The MCU adds blocks of its own: the instants at which the ports
already in use plus the new meeting's would pass the limit (meetings.booking.rules counts ports over the
meetings' own times, without the buffer). Every window returned here books without a conflict, whatever
part of it the meeting takes.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from meetings.booking.conflicts import PortUse

Interval = tuple[datetime, datetime]


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, non-overlapping intervals covering the same instants (touching ones are joined)."""
    merged: list[list[datetime]] = []
    for start, end in sorted(i for i in intervals if i[1] > i[0]):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def endpoint_blocks(holds: Iterable[Interval], setup: timedelta) -> list[Interval]:
    """Where a new meeting may not lie because of existing holds (each already ends with its buffer)."""
    return merge((busy_from - setup, busy_until) for busy_from, busy_until in holds)


def port_blocks(uses: Iterable[PortUse], ports_needed: int, limit: int) -> list[Interval]:
    """The instants at which the ports in use plus `ports_needed` would pass the MCU's limit."""
    uses = list(uses)
    if not uses:
        return []
    events: dict[datetime, int] = {}
    for use in uses:
        events[use.start] = events.get(use.start, 0) + use.ports
        events[use.end] = events.get(use.end, 0) - use.ports
    blocks: list[Interval] = []
    current = 0
    times = sorted(events)
    for index, instant in enumerate(times[:-1]):
        current += events[instant]
        if current + ports_needed > limit:
            blocks.append((instant, times[index + 1]))
    return merge(blocks)


def free_windows(day: Interval, blocks: Iterable[Interval], minutes: int, *, limit: int = 10) -> list[Window]:
    """The first windows of the day, outside every block, at least `minutes` long."""
    length = timedelta(minutes=minutes)
    start, end = day
    windows: list[Window] = []
    cursor = start
    for block_start, block_end in merge(blocks):
        if block_end <= cursor:
            continue
        if block_start >= end:
            break
        if min(block_start, end) - cursor >= length:
            windows.append(Window(cursor, min(block_start, end)))
        cursor = max(cursor, block_end)
        if cursor >= end or len(windows) >= limit:
            break
    if cursor < end and end - cursor >= length and len(windows) < limit:
        windows.append(Window(cursor, end))
    return windows[:limit]


def round_up(instant: datetime, step_minutes: int = 5) -> datetime:
    """The next instant on a multiple of `step_minutes` (a suggested start is never 10:03)."""
    base = instant.replace(second=0, microsecond=0)
    if base < instant:
        base += timedelta(minutes=1)
    extra = base.minute % step_minutes
    return base + timedelta(minutes=(step_minutes - extra) % step_minutes)
