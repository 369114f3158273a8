"""Meetings that have taken place, for the attendance and savings tests: booked in the future through the API,
then moved back in time in the database (booking refuses the past)."""
from __future__ import annotations

from datetime import datetime, timedelta

from meetings.booking.models import Meeting
from meetings.extensions import db
from tests.integration.booking_helpers import ZONE, at, future_day, meeting_body

ENDPOINTS = ["thads-ha-noi", "thads-nghe-an", "thads-ca-mau", "thads-an-giang"]


def book(client, headers, *, endpoints=ENDPOINTS, days: int = 1, weeks: int = 3, **extra) -> int:
    """Book a meeting 08:00–11:30 (or over `days` days, ending 17:00) some weeks ahead; returns its id."""
    day = future_day(weeks=weeks)
    body = meeting_body(day, endpoints=endpoints, **extra)
    if days > 1:
        body["end"] = at(day + timedelta(days=days - 1), 17)
    response = client.post("/api/v1/meetings", json=body, headers=headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["id"]


def move_to_past(meeting_id: int, *, days_ago: int = 10) -> Meeting:
    """Shift the meeting (and its participants' busy ranges) so that it started `days_ago` days ago."""
    meeting = db.session.get(Meeting, meeting_id)
    local_start = meeting.start_at.astimezone(ZONE)
    target = datetime.combine((datetime.now(ZONE) - timedelta(days=days_ago)).date(), local_start.timetz())
    shift = target - local_start
    meeting.start_at += shift
    meeting.end_at += shift
    if meeting.test_at:
        meeting.test_at += shift
    for participant in meeting.participants:
        participant.busy_from += shift
        participant.busy_until += shift
    db.session.commit()
    return meeting


def held_meeting(client, headers, *, days_ago: int = 10, **kwargs) -> Meeting:
    """A meeting in the past, still `scheduled` (attendance can be recorded; completing it stores savings)."""
    return move_to_past(book(client, headers, **kwargs), days_ago=days_ago)


def csv_bytes(rows: list[tuple[str, str, str, str]]) -> bytes:
    lines = ["Remote party,Connect time,Disconnect time,Duration"] + [",".join(row) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def local(meeting: Meeting, hour: int, minute: int = 0) -> str:
    """The meeting's first day at hh:mm, as a CDR writes it."""
    return meeting.start_at.astimezone(ZONE).replace(hour=hour, minute=minute).strftime("%Y-%m-%d %H:%M:%S")
