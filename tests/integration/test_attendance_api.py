"""PUT /api/v1/meetings/<id>/attendance/<code>: bookers record any endpoint, operators their own headcount."""
from sqlalchemy import func, select

from meetings.attendance.models import AttendanceRecord
from meetings.auth.models import AuditEntry
from meetings.booking.models import Participant
from meetings.extensions import db
from tests.factories import ZONE, book, held_meeting


def _day(meeting) -> str:
    return meeting.start_at.astimezone(ZONE).date().isoformat()


def _put(client, meeting_id, code, body, headers):
    return client.put(f"/api/v1/meetings/{meeting_id}/attendance/{code}", json=body, headers=headers)


def test_booker_records_any_endpoint_and_the_meeting_shows_it(client, bearer):
    headers = bearer("booker")
    meeting = held_meeting(client, headers)
    response = _put(client, meeting.id, "thads-nghe-an",
                    {"status": "partial", "attendees": 7, "connected_at": f"{_day(meeting)}T08:20:00+07:00",
                     "disconnected_at": f"{_day(meeting)}T10:00:00+07:00"}, headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert (body["status"], body["attendees"], body["source"], body["recorded_by"]) == (
        "partial", 7, "manual", "booker")
    assert body["connected_at"].endswith("+07:00") and body["connected_at"][11:16] == "08:20"
    assert body["connected_minutes"] == 100
    shown = client.get(f"/api/v1/meetings/{meeting.id}", headers=headers).get_json()
    assert {p["endpoint"]: p["attendance"] for p in shown["participants"]}["thads-nghe-an"] == "partial"
    listing = client.get(f"/api/v1/meetings/{meeting.id}/attendance", headers=headers).get_json()
    assert listing["counts"] == {"present": 0, "absent": 0, "partial": 1, "not_recorded": 4}
    assert listing["attendees"] == 7
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "attendance.record")).one()
    assert entry.target_id == str(meeting.id) and entry.summary == "thads-nghe-an"
    assert entry.changes["status"] == [None, "partial"]


def test_omitted_fields_keep_their_value_and_null_status_clears(client, bearer):
    headers = bearer("booker")
    meeting = held_meeting(client, headers)
    _put(client, meeting.id, "thads-ca-mau", {"status": "present", "attendees": 9}, headers)
    changed = _put(client, meeting.id, "thads-ca-mau", {"attendees": 11}, headers).get_json()
    assert (changed["status"], changed["attendees"]) == ("present", 11)
    cleared = _put(client, meeting.id, "thads-ca-mau", {"status": None, "attendees": None}, headers).get_json()
    assert cleared["status"] is None
    assert db.session.scalar(select(func.count(AttendanceRecord.id))) == 0
    participant = db.session.scalars(select(Participant).where(Participant.meeting_id == meeting.id)).all()
    assert all(p.attendance is None for p in participant)


def test_contradictions_and_bad_values_are_refused_with_field_messages(client, bearer):
    headers = bearer("booker")
    meeting = held_meeting(client, headers)
    day = _day(meeting)
    cases = [
        ({"status": "absent", "attendees": 5}, "attendees"),
        ({"status": "present", "attendees": 0}, "attendees"),
        ({"status": "here"}, "status"),
        ({"status": "present", "attendees": -1}, "attendees"),
        ({"status": "present", "attendees": "many"}, "attendees"),
        ({"status": "present", "connected_at": "at eight"}, "connected_at"),
        ({"status": "present", "connected_at": f"{day}T10:00:00+07:00", "disconnected_at": f"{day}T09:00:00+07:00"},
         "disconnected_at"),
        ({"status": "present", "connected_at": "2020-01-01T08:00:00+07:00"}, "connected_at"),
        ({"status": "absent", "connected_at": f"{day}T08:00:00+07:00"}, "connected_at"),
        ({}, "status"),
    ]
    for body, field in cases:
        response = _put(client, meeting.id, "thads-nghe-an", body, headers)
        assert response.status_code == 422, body
        error = response.get_json()["error"]
        assert error["code"] == "validation" and field in error["fields"], (body, error)
    assert _put(client, meeting.id, "thads-hue", {"status": "present"}, headers).status_code == 404
    assert client.put(f"/api/v1/meetings/{meeting.id}/attendance/thads-nghe-an", data="x",
                      headers=headers).status_code == 400
    assert db.session.scalar(select(func.count(AttendanceRecord.id))) == 0


def test_attendance_waits_for_the_start(client, bearer):
    headers = bearer("booker")
    meeting_id = book(client, headers)
    response = _put(client, meeting_id, "thads-nghe-an", {"status": "present"}, headers)
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "not_started"
    client.delete(f"/api/v1/meetings/{meeting_id}", headers=headers)
    response = _put(client, meeting_id, "thads-nghe-an", {"status": "present"}, headers)
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "not_held"


def test_operator_records_only_their_own_headcount(client, bearer):
    meeting = held_meeting(client, bearer("booker"))
    operator = bearer("op-thads-an-giang")
    response = _put(client, meeting.id, "thads-an-giang", {"attendees": 12}, operator)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert (response.get_json()["status"], response.get_json()["attendees"]) == ("present", 12)
    assert _put(client, meeting.id, "thads-an-giang", {"attendees": 0}, operator).get_json()["status"] == "absent"
    assert _put(client, meeting.id, "thads-an-giang", {"status": "present"}, operator).status_code == 403
    assert _put(client, meeting.id, "thads-an-giang", {"attendees": 3, "connected_at": None},
                operator).status_code == 403
    assert _put(client, meeting.id, "thads-nghe-an", {"attendees": 3}, operator).status_code == 403
    assert _put(client, meeting.id, "thads-nghe-an", {"status": "present"}, bearer("leader")).status_code == 403
    # An operator whose endpoint is not invited sees nothing of the meeting.
    assert client.get(f"/api/v1/meetings/{meeting.id}/attendance", headers=bearer("op-thads-hue")).status_code == 403


def test_operator_headcount_keeps_a_partial_status_set_by_the_booker(client, bearer):
    booker = bearer("booker")
    meeting = held_meeting(client, booker)
    _put(client, meeting.id, "thads-an-giang", {"status": "partial", "attendees": 4}, booker)
    body = _put(client, meeting.id, "thads-an-giang", {"attendees": 6}, bearer("op-thads-an-giang")).get_json()
    assert (body["status"], body["attendees"]) == ("partial", 6)


def test_attendance_needs_a_session_csrf_token_or_a_bearer(client, auth, bearer):
    meeting = held_meeting(client, bearer("booker"))
    auth.login("booker")
    url = f"/api/v1/meetings/{meeting.id}/attendance/thads-nghe-an"
    assert client.put(url, json={"status": "present"}).status_code == 400
    token = auth.csrf_token(f"/meetings/{meeting.id}")
    assert client.put(url, json={"status": "present"}, headers={"X-CSRFToken": token}).status_code == 200
