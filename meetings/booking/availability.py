"""The scheduling assistant: who is busy on a day, and the free slots for a whole selection.

The rules are booking's own (meetings.booking.rules): the same endpoints a booking would mean (host,
codes, groups), the same holds with their set-up buffer, the same MCU port count. A suggested slot
therefore books without a conflict. The interval arithmetic lives in meetings.booking.freebusy.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from meetings.booking import freebusy
from meetings.booking.conflicts import PortUse
from meetings.booking.models import HOLDING_STATUSES, Meeting, Participant
from meetings.booking.rules import resolve_endpoints, resolve_host, setup_buffer
from meetings.booking.validation import MINISTRY_ZONE
from meetings.core.formatting import isoformat_local
from meetings.database import utcnow
from meetings.endpoints.models import Endpoint
from meetings.errors import ValidationError
from meetings.extensions import db

MAX_SLOTS = 10


@dataclass(frozen=True)
class AvailabilityQuery:
    day: date
    minutes: int
    endpoints: list[str]
    groups: list[str]
    host: str | None = None
    exclude_meeting: int | None = None  # a meeting being changed does not stand in its own way


def parse_clock(value: str) -> time:
    """'07:30' -> time(7, 30); the working-day settings and the form's 24-hour times."""
    hours, _, minutes = value.strip().partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise ValueError(value)
    return time(int(hours), int(minutes))


def working_day(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, parse_clock(current_app.config["WORKDAY_START"]), MINISTRY_ZONE)
    end = datetime.combine(day, parse_clock(current_app.config["WORKDAY_END"]), MINISTRY_ZONE)
    return start, end


def availability(query: AvailabilityQuery, *, now: datetime | None = None) -> dict:
    """Busy blocks of the chosen endpoints on the day and the first free slots of `minutes` for all of them.

    Raises ValidationError (unknown endpoints or groups, bad minutes) like booking does.
    """
    if not 5 <= query.minutes <= 24 * 60:
        raise ValidationError({"minutes": _("Give the meeting's length in minutes, from 5 to 1440.")})
    now = now or utcnow()
    host = resolve_host(query.host)
    endpoints = resolve_endpoints(query.endpoints, query.groups, host)
    setup = setup_buffer()
    day_start, day_end = working_day(query.day)
    midnight = datetime.combine(query.day, time.min, MINISTRY_ZONE)
    low, high = min(midnight, day_start), max(midnight + timedelta(days=1), day_end) + setup
    exclude = {query.exclude_meeting} if query.exclude_meeting else set()

    holds = db.session.execute(
        select(Participant.endpoint_id, Participant.busy_from, Participant.busy_until, Meeting.id, Meeting.title,
               Meeting.start_at, Meeting.end_at)
        .join(Meeting, Participant.meeting_id == Meeting.id)
        .where(Participant.endpoint_id.in_([e.id for e in endpoints]), Participant.holds_slot.is_(True),
               Participant.busy_from < high, Participant.busy_until > low,
               Meeting.id.not_in(exclude) if exclude else True)
        .order_by(Meeting.start_at, Meeting.id)
    ).all()
    port_rows = db.session.execute(
        select(Meeting.start_at, Meeting.end_at, func.count(Participant.id))
        .join(Participant, Participant.meeting_id == Meeting.id)
        .where(Meeting.status.in_(HOLDING_STATUSES), Meeting.start_at < high, Meeting.end_at > low,
               Meeting.id.not_in(exclude) if exclude else True)
        .group_by(Meeting.id, Meeting.start_at, Meeting.end_at)
    ).all()

    limit = current_app.config["MCU_PORTS"]
    ports = len(endpoints)
    blocks = freebusy.endpoint_blocks([(row.busy_from, row.busy_until) for row in holds], setup)
    blocks += freebusy.port_blocks([PortUse(s, e, n) for s, e, n in port_rows], ports, limit)
    earliest = max(day_start, freebusy.round_up(now))
    free = [] if ports > limit or earliest >= day_end else freebusy.free_windows(
        (earliest, day_end), blocks, query.minutes, limit=MAX_SLOTS)

    by_id = {e.id: e for e in endpoints}
    return {
        "date": query.day.isoformat(),
        "minutes": query.minutes,
        "day": {"start": isoformat_local(day_start), "end": isoformat_local(day_end)},
        "setup_minutes": int(setup.total_seconds() // 60),
        "ports": {"needed": ports, "limit": limit},
        "endpoints": [_endpoint_json(e, host) for e in _ordered(endpoints, host)],
        "busy": [
            {"endpoint": by_id[row.endpoint_id].code, "start": isoformat_local(row.start_at),
             "end": isoformat_local(row.end_at), "busy_until": isoformat_local(row.busy_until),
             "meeting": row.id, "title": row.title}
            for row in holds
        ],
        "free": [{"start": isoformat_local(w.start), "end": isoformat_local(w.end), "minutes": w.minutes}
                 for w in free],
    }


def _ordered(endpoints: list[Endpoint], host: Endpoint) -> list[Endpoint]:
    return sorted(endpoints, key=lambda e: (e.id != host.id, e.sort_key, e.code))


def _endpoint_json(endpoint: Endpoint, host: Endpoint) -> dict:
    return {"code": endpoint.code, "name": endpoint.name, "province": endpoint.province,
            "region": endpoint.region, "is_host": endpoint.id == host.id}


def next_free_slot(query: AvailabilityQuery, *, after: datetime | None = None, days: int = 14,
                   now: datetime | None = None) -> dict | None:
    """Where a meeting of `query.minutes` fits first, at or after `after`: on the day, else on one of the
    following `days` working days (Monday to Friday). {"start", "end"} of the meeting itself, or None."""
    length = timedelta(minutes=query.minutes)
    day = query.day
    for offset in range(days + 1):
        if offset == 0 or day.weekday() < 5:
            found = availability(AvailabilityQuery(day, query.minutes, query.endpoints, query.groups, query.host,
                                                   query.exclude_meeting), now=now)["free"]
            for window in found:
                start, end = datetime.fromisoformat(window["start"]), datetime.fromisoformat(window["end"])
                if after is not None and offset == 0:
                    start = max(start, freebusy.round_up(after))
                if start + length <= end:
                    return {"start": isoformat_local(start), "end": isoformat_local(start + length)}
        day += timedelta(days=1)
    return None


def next_free_for(values, *, exclude_meeting_id: int | None = None) -> dict | None:
    """The next free slot for what a booking form or API body asked for (one meeting, not a series)."""
    if values.recurrence or not values.start or not values.end or values.end <= values.start:
        return None
    minutes = int((values.end - values.start).total_seconds() // 60)
    if not 5 <= minutes <= 24 * 60:
        return None
    local_start = values.start.astimezone(MINISTRY_ZONE)
    query = AvailabilityQuery(local_start.date(), minutes, values.endpoints or [], values.groups or [],
                              values.host, exclude_meeting_id)
    try:
        return next_free_slot(query, after=values.start)
    except ValidationError:
        return None
