"""Call-record batches that failed to process are shown to administrators on the MCU status page, with a button
that processes their stored raw bodies again once the cause is fixed (records already taken are ignored)."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import delete, select

from meetings.attendance.models import AttendanceRecord
from meetings.auth.models import AuditEntry
from meetings.booking.models import Participant
from meetings.database import utcnow
from meetings.extensions import db
from meetings.mcu import records as cdr_records
from meetings.mcu.cdr_jobs import process_pending_batches
from meetings.mcu.records import BatchState, McuCdrBatch, reprocess_failed_batches
from tests.cdr_xml import Script
from tests.factories import held_meeting

TOKEN = "f4Ls9QwE2rT7yU1iO6pA3sD8gH5jK0zX"
ENDPOINTS = ["thads-ha-noi", "thads-nghe-an"]


@pytest.fixture(autouse=True)
def receiver_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "MCU_CDR_TOKEN", TOKEN)
    monkeypatch.setitem(app.config, "MCU_CDR_ALLOW", "")
    db.session.execute(delete(McuCdrBatch))  # the suite database is shared: only this test's batches


def the_call(meeting) -> Script:
    """Hà Nội connected for the whole meeting, Nghệ An for its first hour."""
    start, end = meeting.start_at, meeting.end_at
    script = Script(meeting_id=meeting.id)
    script.call_start(start - timedelta(minutes=5))
    for code in ENDPOINTS:
        script.leg_start(f"{code}-1", start - timedelta(minutes=4), remote=f"sip:{code}@vc.moj.gov.vn", owner=code)
        script.leg_update(f"{code}-1", start - timedelta(minutes=3))
    script.leg_end("thads-nghe-an-1", start + timedelta(minutes=60))
    script.leg_end("thads-ha-noi-1", end + timedelta(minutes=1))
    script.call_end(end + timedelta(minutes=2))
    return script


def attendance(meeting_id: int) -> dict[str, str]:
    db.session.expire_all()
    rows = db.session.execute(select(Participant, AttendanceRecord).join(
        AttendanceRecord, AttendanceRecord.participant_id == Participant.id)
        .where(Participant.meeting_id == meeting_id))
    return {participant.endpoint.code: record.status for participant, record in rows}


def failing_until_given_up(app, client, monkeypatch, body: bytes) -> McuCdrBatch:
    """The body arrives while processing breaks every time; the sweep gives up on it."""
    def broken(*args, **kwargs):
        raise RuntimeError("attendance table locked")

    with monkeypatch.context() as patched:
        patched.setattr(cdr_records, "_derive", broken)
        assert client.post(f"/mcu/cdr/{TOKEN}", data=body, content_type="text/xml").status_code == 204
        moment = utcnow()
        for _ in range(app.config["MCU_CDR_MAX_ATTEMPTS"]):
            moment += timedelta(hours=2)
            process_pending_batches(now=moment)
    # the cause is fixed
    batch = db.session.scalar(select(McuCdrBatch))
    assert batch.state == BatchState.FAILED and "attendance table locked" in batch.last_error
    return batch


def test_a_failed_batch_processed_again_after_the_fix_yields_the_attendance(app, client, bearer, monkeypatch):
    headers = bearer("booker")
    meeting = held_meeting(client, headers, endpoints=ENDPOINTS)
    script = the_call(meeting)
    batch = failing_until_given_up(app, client, monkeypatch, script.xml())
    assert attendance(meeting.id) == {}
    assert process_pending_batches(now=utcnow() + timedelta(days=1)) == 0  # the sweep no longer takes it

    result = reprocess_failed_batches()
    assert (result.processed, result.failed, result.remaining) == (1, 0, 0)
    db.session.refresh(batch)
    assert batch.state == BatchState.PROCESSED and batch.last_error == "" and batch.new_records == len(script.records)
    assert attendance(meeting.id) == {"thads-ha-noi": "present", "thads-nghe-an": "partial"}
    again = reprocess_failed_batches()  # nothing failed any more: nothing happens
    assert (again.processed, again.failed) == (0, 0)


def test_records_already_taken_from_another_body_are_ignored_when_processing_again(app, client, bearer,
                                                                                    monkeypatch):
    headers = bearer("booker")
    meeting = held_meeting(client, headers, endpoints=ENDPOINTS)
    script = the_call(meeting)
    batch = failing_until_given_up(app, client, monkeypatch, script.xml())
    # The MCU sent the same records again meanwhile, and that body was processed.
    assert client.post(f"/mcu/cdr/{TOKEN}", data=script.xml(), content_type="text/xml").status_code == 204
    before = attendance(meeting.id)
    assert before["thads-ha-noi"] == "present"
    assert reprocess_failed_batches().processed == 1
    db.session.refresh(batch)
    assert batch.state == BatchState.PROCESSED and batch.new_records == 0  # every record a duplicate
    assert attendance(meeting.id) == before


def test_a_batch_that_fails_again_stays_failed_with_its_new_error(app, client, bearer, monkeypatch):
    headers = bearer("booker")
    meeting = held_meeting(client, headers, endpoints=ENDPOINTS)
    batch = failing_until_given_up(app, client, monkeypatch, the_call(meeting).xml())
    attempts = batch.attempts
    monkeypatch.setattr(cdr_records, "_derive", lambda *args, **kwargs: 1 / 0)
    result = reprocess_failed_batches()
    assert (result.processed, result.failed) == (0, 1)
    db.session.refresh(batch)
    assert batch.state == BatchState.FAILED and batch.attempts == attempts + 1
    assert "ZeroDivisionError" in batch.last_error


def test_the_status_page_shows_the_failed_batches_and_only_admins_process_them_again(app, client, auth, bearer,
                                                                                      monkeypatch):
    meeting = held_meeting(client, bearer("booker"), endpoints=ENDPOINTS)
    failing_until_given_up(app, client, monkeypatch, the_call(meeting).xml())
    db.session.commit()

    auth.login("booker")
    assert client.get("/mcu/status").status_code == 403
    token = auth.csrf_token("/")
    assert client.post("/mcu/status/call-records/reprocess", data={"csrf_token": token}).status_code == 403
    assert db.session.scalar(select(McuCdrBatch.state)) == BatchState.FAILED
    auth.logout()
    auth.login("op-thads-ha-noi")
    token = auth.csrf_token("/")
    assert client.post("/mcu/status/call-records/reprocess", data={"csrf_token": token}).status_code == 403
    auth.logout()

    auth.login("admin")
    html = client.get("/mcu/status").get_data(as_text=True)
    assert 'data-testid="cdr-failed" data-failed="1"' in html
    assert "1 lô bản ghi cuộc gọi chưa xử lý được." in html
    assert re.search(r'data-testid="cdr-newest-error">.*attendance table locked', html, re.S)
    assert 'data-testid="cdr-reprocess"' in html
    home = client.get("/").get_data(as_text=True)
    assert 'data-testid="home-failed-cdr"' in home  # the administrator's home says so too

    assert client.post("/mcu/status/call-records/reprocess", data={}).status_code == 400  # no CSRF token
    token = auth.csrf_token("/mcu/status")
    response = client.post("/mcu/status/call-records/reprocess", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith("/mcu/status")
    html = client.get("/mcu/status").get_data(as_text=True)
    assert 'data-testid="cdr-failed" data-failed="0"' in html and "Đã xử lý 1 lô bản ghi cuộc gọi." in html
    assert attendance(meeting.id)["thads-ha-noi"] == "present"
    assert db.session.scalar(select(AuditEntry.summary).where(AuditEntry.action == "mcu.cdr_reprocess")) \
        == "1 processed, 0 failed again, 0 left"
