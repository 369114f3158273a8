"""A meeting's life: the scheduler starts and completes it; its .ics follows every change."""
from datetime import datetime, timedelta

import icalendar
import vobject
from sqlalchemy import select

from meetings.auth.models import AuditEntry
from meetings.booking.jobs import advance_meeting_statuses
from meetings.booking.models import Meeting
from meetings.extensions import db
from tests.factories import ZONE, at, future_day, meeting_body


def _ics(client, meeting_id, headers):
    response = client.get(f"/meetings/{meeting_id}.ics", headers=headers)
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    text = response.get_data(as_text=True)
    first = icalendar.Calendar.from_ical(text)
    second = vobject.readOne(text)
    event = next(iter(first.walk("VEVENT")))
    assert str(event["UID"]) == second.vevent.uid.value
    assert int(event["SEQUENCE"]) == int(second.vevent.sequence.value)
    return first, event


def test_ics_follows_a_time_change_and_a_cancellation(client, auth, bearer):
    headers = bearer("booker")
    day = future_day()
    meeting = client.post("/api/v1/meetings", json=meeting_body(day), headers=headers).get_json()
    auth.login("booker")
    calendar, event = _ics(client, meeting["id"], {})
    assert str(calendar["METHOD"]) == "REQUEST"
    uid, sequence = str(event["UID"]), int(event["SEQUENCE"])
    client.patch(f"/api/v1/meetings/{meeting['id']}", json={"start": at(day, 9), "end": at(day, 12)}, headers=headers)
    calendar, event = _ics(client, meeting["id"], {})
    assert str(event["UID"]) == uid and int(event["SEQUENCE"]) > sequence
    assert event.decoded("DTSTART").hour == 9
    client.delete(f"/api/v1/meetings/{meeting['id']}", headers=headers)
    calendar, event = _ics(client, meeting["id"], {})
    assert str(calendar["METHOD"]) == "CANCEL" and str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == uid


def test_the_scheduler_starts_and_completes_meetings_once(client, bearer):
    headers = bearer("booker")
    day = future_day()
    meeting = client.post("/api/v1/meetings", json=meeting_body(day), headers=headers).get_json()
    stored = db.session.get(Meeting, meeting["id"])
    assert advance_meeting_statuses(stored.start_at - timedelta(minutes=1)) == 0
    assert advance_meeting_statuses(stored.start_at + timedelta(minutes=1)) == 1
    assert stored.status == "in_progress"
    assert advance_meeting_statuses(stored.start_at + timedelta(minutes=2)) == 0
    assert advance_meeting_statuses(stored.end_at) == 1
    assert stored.status == "completed"
    assert advance_meeting_statuses(stored.end_at + timedelta(hours=1)) == 0
    actions = db.session.scalars(select(AuditEntry.actor_name).where(AuditEntry.action == "meeting.status")).all()
    assert actions == ["system", "system"]


def test_a_missed_sweep_completes_a_meeting_straight_away(client, bearer):
    meeting = client.post("/api/v1/meetings", json=meeting_body(future_day()), headers=bearer()).get_json()
    stored = db.session.get(Meeting, meeting["id"])
    assert advance_meeting_statuses(stored.end_at + timedelta(days=1)) == 1
    assert stored.status == "completed"


def test_booker_starts_and_completes_by_hand(client, auth, bearer):
    start = (datetime.now(ZONE) + timedelta(minutes=40)).replace(second=0, microsecond=0)  # in its test slot
    body = meeting_body(start) | {"start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat()}
    meeting = client.post("/api/v1/meetings", json=body, headers=bearer()).get_json()
    auth.login("booker")
    token = auth.csrf_token(f"/meetings/{meeting['id']}")
    client.post(f"/meetings/{meeting['id']}/status", data={"csrf_token": token, "status": "in_progress"})
    assert db.session.get(Meeting, meeting["id"]).status == "in_progress"
    client.post(f"/meetings/{meeting['id']}/status", data={"csrf_token": token, "status": "completed"})
    assert db.session.get(Meeting, meeting["id"]).status == "in_progress"  # not before it started


def test_a_meetings_ics_opens_with_a_bearer_token_too(client, bearer):
    headers = bearer("leader")
    meeting = client.post("/api/v1/meetings", json=meeting_body(future_day()), headers=bearer("booker")).get_json()
    response = client.get(f"/meetings/{meeting['id']}.ics", headers=headers)
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    assert client.get(f"/meetings/{meeting['id']}.ics", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.get(f"/meetings/{meeting['id']}.ics").status_code == 302  # a browser is sent to sign in
