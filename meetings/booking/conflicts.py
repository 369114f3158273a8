"""The overlap rule and MCU port counting. Pure functions: no Flask, no database."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta


def busy_range(start: datetime, end: datetime, setup: timedelta) -> tuple[datetime, datetime]:
    """The time an endpoint is held: the meeting plus the set-up buffer after it.

    Holding [start, end + setup) for every meeting means two meetings of one endpoint must be at
    least `setup` apart, and a meeting may start exactly `setup` after the previous one ends.
    """
    return start, end + setup


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    """Half-open ranges [start, end) overlap when each starts before the other ends."""
    return a_start < b_end and b_start < a_end


@dataclass(frozen=True)
class PortUse:
    start: datetime
    end: datetime
    ports: int


def peak_ports(uses: Iterable[PortUse]) -> int:
    """The largest number of ports in use at any one instant (a sweep over start and end events)."""
    events: list[tuple[datetime, int]] = []
    for use in uses:
        events.append((use.start, use.ports))
        events.append((use.end, -use.ports))
    # At equal times, ends (-) sort before starts (+): a meeting ending at 10:00 frees its ports
    # for one starting at 10:00.
    events.sort(key=lambda event: (event[0], event[1]))
    peak = current = 0
    for _, delta in events:
        current += delta
        peak = max(peak, current)
    return peak


def group_by_meeting(conflicts: Iterable[dict]) -> list[dict]:
    """Conflicts (one per endpoint and meeting, as rules.find_conflicts gives them) grouped by the meeting in
    the way, in the order met: [{"meeting", "title", "start", "end", "endpoints": [{"code", "name"}]}]."""
    groups: dict[int, dict] = {}
    for conflict in conflicts:
        group = groups.setdefault(conflict["meeting"], {
            "meeting": conflict["meeting"], "title": conflict["title"], "start": conflict["start"],
            "end": conflict["end"], "endpoints": []})
        if all(e["code"] != conflict["endpoint"] for e in group["endpoints"]):
            group["endpoints"].append({"code": conflict["endpoint"], "name": conflict.get("endpoint_name", "")})
    return list(groups.values())
