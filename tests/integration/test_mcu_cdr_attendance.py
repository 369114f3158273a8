"""Attendance written from the MCU's call records: source "mcu", times of the call, present / partial / absent by
the share of the meeting connected, the savings snapshot following; a person's correction always wins."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from meetings.attendance.models import AttendanceRecord
from meetings.booking.models import Participant
from meetings.extensions import db
from meetings.mcu.attendance_from_calls import McuCdrAttendance
from meetings.savings.models import SavingsSnapshot
from tests.cdr_xml import Script
from tests.factories import held_meeting

TOKEN = "b1Xn8QeT4rV7uY2iO5pA9sD3fG6hJ0kL"
URL = f"/mcu/cdr/{TOKEN}"
ENDPOINTS = ["thads-ha-noi", "thads-nghe-an", "thads-ca-mau", "thads-an-giang", "thads-da-nang"]


@pytest.fixture(autouse=True)
def receiver_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "MCU_CDR_TOKEN", TOKEN)


def post(client, body: bytes):
    response = client.post(URL, data=body, content_type="text/xml")
    assert response.status_code == 204, response.get_data(as_text=True)
    return response


def dial(code: str) -> str:
    return f"sip:{code}@vc.moj.gov.vn"


def full_meeting(meeting) -> Script:
    """The call of a 08:00–11:30 meeting: the test call from 07:00, then the meeting, the call ended at 11:40.

    Hà Nội and the host all along; Nghệ An drops out and comes back (two legs), 80 minutes in all; Cà Mau busy
    twice, never connected; An Giang dialled in itself (matched by dial string), its leg end lost (the call's
    end closes it); Đà Nẵng connected only for the technical test.
    """
    start, end = meeting.start_at, meeting.end_at
    script = Script(meeting_id=meeting.id)

    def at(minutes: float):
        return start + timedelta(minutes=minutes)

    script.call_start(at(-60))
    for code in ("moj-hq", "thads-ha-noi", "thads-nghe-an", "thads-ca-mau", "thads-da-nang"):
        script.leg_start(f"{code}-1", at(-60), remote=dial(code), owner=code)
    for code in ("moj-hq", "thads-ha-noi", "thads-nghe-an", "thads-da-nang"):
        script.leg_update(f"{code}-1", at(-59.5))
    script.leg_end("thads-ca-mau-1", at(-59.8), reason="remoteBusy")
    script.leg_start("thads-ca-mau-2", at(-55), remote=dial("thads-ca-mau"), owner="thads-ca-mau")
    script.leg_end("thads-ca-mau-2", at(-54.8), reason="remoteBusy")
    script.leg_end("thads-da-nang-1", at(-30), reason="localTeardown")
    script.leg_start("an-giang-in", at(-5), remote="SIP:Thads-An-Giang@VC.MOJ.GOV.VN:5060", direction="incoming")
    script.leg_update("an-giang-in", at(-4.9))
    script.leg_end("thads-nghe-an-1", at(50), reason="mediaFailure")
    script.leg_start("thads-nghe-an-2", at(51), remote=dial("thads-nghe-an"), owner="thads-nghe-an")
    script.leg_update("thads-nghe-an-2", at(51.2))
    script.leg_end("thads-nghe-an-2", at(80), reason="remoteTeardown")
    script.leg_end("thads-ha-noi-1", end + timedelta(minutes=1), reason="remoteTeardown")
    script.leg_end("moj-hq-1", end + timedelta(minutes=9), reason="callDeflection")
    script.call_end(end + timedelta(minutes=10))
    return script


def attendance(client, headers, meeting_id) -> dict[str, dict]:
    response = client.get(f"/api/v1/meetings/{meeting_id}/attendance", headers=headers)
    assert response.status_code == 200
    return {item["endpoint"]: item for item in response.get_json()["items"]}


def records(meeting_id) -> dict[str, AttendanceRecord]:
    rows = db.session.execute(select(Participant, AttendanceRecord).join(
        AttendanceRecord, AttendanceRecord.participant_id == Participant.id).where(
        Participant.meeting_id == meeting_id))
    return {participant.endpoint.code: record for participant, record in rows}


def test_a_full_meetings_records_become_its_attendance_and_its_savings(client, bearer):
    headers = bearer("booker")
    meeting = held_meeting(client, headers, endpoints=ENDPOINTS)
    script = full_meeting(meeting)
    for body in script.batches(7):
        post(client, body)

    stored = records(meeting.id)
    assert {code: record.status for code, record in stored.items()} == {
        "moj-hq": "present", "thads-ha-noi": "present", "thads-nghe-an": "partial", "thads-ca-mau": "absent",
        "thads-an-giang": "present", "thads-da-nang": "absent"}
    assert {record.source for record in stored.values()} == {"mcu"}
    start, end = meeting.start_at, meeting.end_at
    ha_noi, nghe_an, an_giang = stored["thads-ha-noi"], stored["thads-nghe-an"], stored["thads-an-giang"]
    assert abs((ha_noi.connected_at - (start - timedelta(minutes=59.5))).total_seconds()) <= 1
    assert abs((ha_noi.disconnected_at - (end + timedelta(minutes=1))).total_seconds()) <= 1
    assert abs(nghe_an.connected_seconds - (50 + 59.5 + 80 - 51.2) * 60) <= 2
    assert abs((an_giang.disconnected_at - (end + timedelta(minutes=10))).total_seconds()) <= 1  # the call's end
    assert stored["thads-ca-mau"].connected_at is None and stored["thads-da-nang"].connected_at is None
    assert all(record.recorded_by_id is None for record in stored.values())

    shown = attendance(client, headers, meeting.id)
    assert shown["thads-nghe-an"]["source"] == "mcu" and shown["thads-nghe-an"]["status"] == "partial"

    derived = {row.endpoint_id: row for row in db.session.scalars(
        select(McuCdrAttendance).where(McuCdrAttendance.meeting_id == meeting.id))}
    da_nang = next(row for row in derived.values() if row.legs == 1 and row.status == "absent")
    assert da_nang.connected_seconds == 29.5 * 60  # kept: connected for the test only
    ca_mau = next(row for row in derived.values() if row.last_reason == "remoteBusy")
    assert ca_mau.legs == 2 and ca_mau.status == "absent"

    resent = records(meeting.id)
    for body in script.batches(3):  # the MCU sends it all again: nothing changes
        post(client, body)
    assert {code: (r.status, r.connected_at, r.recorded_at) for code, r in records(meeting.id).items()} == {
        code: (r.status, r.connected_at, r.recorded_at) for code, r in resent.items()}

    completed = client.post(f"/api/v1/meetings/{meeting.id}/complete", headers=headers)
    assert completed.status_code == 200, completed.get_data(as_text=True)
    savings = client.get(f"/api/v1/meetings/{meeting.id}/savings", headers=headers).get_json()
    assert savings["status"] == "stored"
    assert savings["counts"] == {"present": 2, "partial": 1, "absent": 2, "not_recorded": 0}  # host excluded
    assert db.session.scalar(select(SavingsSnapshot).where(SavingsSnapshot.meeting_id == meeting.id)) is not None


def test_records_arriving_after_completion_update_the_savings_snapshot(client, bearer):
    headers = bearer("booker")
    meeting = held_meeting(client, headers, endpoints=ENDPOINTS)
    script = full_meeting(meeting)
    assert client.post(f"/api/v1/meetings/{meeting.id}/complete", headers=headers).status_code == 200
    before = client.get(f"/api/v1/meetings/{meeting.id}/savings", headers=headers).get_json()
    assert before["counts"]["not_recorded"] == 5
    post(client, script.xml())
    after = client.get(f"/api/v1/meetings/{meeting.id}/savings", headers=headers).get_json()
    assert after["status"] == "stored" and after["counts"]["present"] == 2 and after["counts"]["not_recorded"] == 0
    assert after["total_vnd"] != before["total_vnd"]


def test_a_persons_correction_wins_over_later_records(client, bearer):
    headers = bearer("booker")
    meeting = held_meeting(client, headers, endpoints=ENDPOINTS)
    script = full_meeting(meeting)
    first_part = [record for record in script.records if "thads-nghe-an-2" not in record[1]]
    post(client, script.xml(first_part))
    assert records(meeting.id)["thads-nghe-an"].status == "partial"

    corrected = client.put(f"/api/v1/meetings/{meeting.id}/attendance/thads-nghe-an",
                           json={"status": "present", "attendees": 8}, headers=headers)
    assert corrected.status_code == 200
    cleared = client.put(f"/api/v1/meetings/{meeting.id}/attendance/thads-ca-mau", json={"status": None},
                         headers=headers)
    assert cleared.status_code == 200

    post(client, script.xml([record for record in script.records if "thads-nghe-an-2" in record[1]]))
    post(client, script.xml())  # and everything once more
    stored = records(meeting.id)
    assert stored["thads-nghe-an"].status == "present" and stored["thads-nghe-an"].attendees == 8
    assert stored["thads-nghe-an"].source == "manual"
    assert "thads-ca-mau" not in stored  # cleared by a person: the MCU does not write it again
    nghe_an = db.session.scalar(select(McuCdrAttendance).join(
        Participant, (Participant.meeting_id == McuCdrAttendance.meeting_id)
        & (Participant.endpoint_id == McuCdrAttendance.endpoint_id)).where(
        McuCdrAttendance.meeting_id == meeting.id, McuCdrAttendance.legs == 2, McuCdrAttendance.status == "partial"))
    assert nghe_an is not None and nghe_an.overridden  # what the MCU says is kept beside it


def test_a_headcount_typed_over_the_mcus_times_is_not_a_correction(client, bearer):
    headers = bearer("booker")
    meeting = held_meeting(client, headers, endpoints=ENDPOINTS)
    script = full_meeting(meeting)
    first_part = [record for record in script.records if "thads-nghe-an-2" not in record[1]]
    post(client, script.xml(first_part))
    operator = bearer("op-thads-nghe-an")
    typed = client.put(f"/api/v1/meetings/{meeting.id}/attendance/thads-nghe-an", json={"attendees": 6},
                       headers=operator)
    assert typed.status_code == 200, typed.get_data(as_text=True)
    post(client, script.xml())
    nghe_an = records(meeting.id)["thads-nghe-an"]
    assert nghe_an.attendees == 6 and nghe_an.source == "mcu"
    assert abs(nghe_an.connected_seconds - (50 + 59.5 + 80 - 51.2) * 60) <= 2  # the second leg counted


def test_records_before_the_meeting_starts_write_no_attendance_yet(client, bearer):
    from tests.factories import book

    headers = bearer("booker")
    meeting_id = book(client, headers, endpoints=ENDPOINTS)
    from meetings.booking.models import Meeting

    meeting = db.session.get(Meeting, meeting_id)
    script = Script(meeting_id=meeting_id)
    script.call_start(meeting.start_at - timedelta(minutes=60))
    script.leg_start("leg", meeting.start_at - timedelta(minutes=60), remote=dial("thads-ha-noi"))
    script.leg_update("leg", meeting.start_at - timedelta(minutes=59))
    post(client, script.xml())
    assert records(meeting_id) == {}
    assert db.session.scalar(select(McuCdrAttendance).where(McuCdrAttendance.meeting_id == meeting_id)) is not None


def test_the_attendance_page_shows_what_the_mcu_recorded_beside_a_corrected_row(client, bearer, auth):
    headers = bearer("booker")
    meeting = held_meeting(client, headers, endpoints=ENDPOINTS)
    post(client, full_meeting(meeting).xml())
    assert client.put(f"/api/v1/meetings/{meeting.id}/attendance/thads-nghe-an",
                      json={"status": "present", "attendees": 8}, headers=headers).status_code == 200
    assert client.put(f"/api/v1/meetings/{meeting.id}/attendance/thads-ca-mau", json={"status": None},
                      headers=headers).status_code == 200
    db.session.commit()

    def rows(html: str) -> dict[str, str]:
        return {m.group(1): m.group(0) for m in re.finditer(r'<tr data-endpoint="([^"]+)".*?</tr>', html, re.S)}

    auth.login("booker")
    shown = rows(client.get(f"/meetings/{meeting.id}/attendance").get_data(as_text=True))
    minutes = int((50 + 59.5 + 80 - 51.2) * 60) // 60  # both legs of Nghệ An, as the MCU counted them
    assert 'data-testid="mcu-figure-thads-nghe-an" data-status="partial"' in shown["thads-nghe-an"]
    assert f"MCU: tham dự một phần {minutes} phút" in shown["thads-nghe-an"]
    assert "MCU: vắng mặt (máy bận)" in shown["thads-ca-mau"]  # cleared by a person; the MCU's view is kept
    for code in ("thads-ha-noi", "thads-an-giang", "moj-hq"):  # not corrected: nothing beside them
        assert "mcu-figure" not in shown[code] and "bởi MCU" in shown[code]
    assert "nhập tay" in shown["thads-nghe-an"]

    token = auth.csrf_token("/")
    client.post("/language", data={"csrf_token": token, "lang": "en", "next": "/"})
    shown = rows(client.get(f"/meetings/{meeting.id}/attendance").get_data(as_text=True))
    assert f"MCU: partly present {minutes} min" in shown["thads-nghe-an"]
    assert "MCU: absent (busy)" in shown["thads-ca-mau"] and "by the MCU" in shown["thads-ha-noi"]


def test_a_room_connected_and_gone_within_the_same_second_is_recorded_partial(client, bearer):
    """The records' times are whole seconds; a room that connected and left in one of them took part, for
    that second (a record's disconnection comes after its connection)."""
    meeting = held_meeting(client, bearer("booker"), endpoints=ENDPOINTS[:1])
    moment = (meeting.start_at + timedelta(minutes=5)).replace(microsecond=0)
    script = Script(meeting_id=meeting.id)
    script.call_start(moment)
    for code in ("moj-hq", "thads-ha-noi"):
        script.leg_start(f"{code}-1", moment, remote=dial(code), owner=code)
        script.leg_update(f"{code}-1", moment)
        script.leg_end(f"{code}-1", moment, reason="localTeardown")
    script.call_end(moment)
    post(client, script.xml())
    stored = records(meeting.id)
    for code in ("moj-hq", "thads-ha-noi"):
        record = stored[code]
        assert record.status == "partial" and record.source == "mcu"
        assert (record.connected_at, record.disconnected_at) == (moment, moment + timedelta(seconds=1))
