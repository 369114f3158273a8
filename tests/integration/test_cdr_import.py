"""Importing an MCU's call-detail records: a preview with a message per row, nothing stored until confirmed,
bad files refused whole."""
import io
import re

import pytest
from sqlalchemy import func, select

from meetings.attendance.models import AttendanceRecord, CdrImport
from meetings.booking.models import Meeting, Participant
from meetings.extensions import db
from tests.factories import ZONE, book, held_meeting

AN_GIANG = "sip:thads-an-giang@vc.moj.gov.vn"
NGHE_AN = "sip:thads-nghe-an@vc.moj.gov.vn"


def csv_bytes(rows: list[tuple[str, str, str, str]]) -> bytes:
    lines = ["Remote party,Connect time,Disconnect time,Duration"] + [",".join(row) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def local(meeting: Meeting, hour: int, minute: int = 0) -> str:
    """The meeting's first day at hh:mm, as a CDR writes it."""
    return meeting.start_at.astimezone(ZONE).replace(hour=hour, minute=minute).strftime("%Y-%m-%d %H:%M:%S")


def _sample(meeting) -> bytes:
    """Two good calls, one unknown dial string, one malformed time, and a duplicate of the first call."""
    return csv_bytes([
        (AN_GIANG, local(meeting, 7, 58), local(meeting, 11, 31), "12780"),
        (NGHE_AN, local(meeting, 8, 10), local(meeting, 9, 40), "5400"),
        ("sip:khong-ro@vc.example.vn", local(meeting, 8, 0), local(meeting, 11, 30), ""),
        ("sip:thads-ca-mau@vc.moj.gov.vn", "25/13/2026 8h", local(meeting, 11, 30), ""),
        (AN_GIANG, local(meeting, 7, 58), local(meeting, 11, 31), "12780"),
    ])


def _recorded() -> int:
    return db.session.scalar(select(func.count(AttendanceRecord.id)))


def _upload(client, meeting_id, data, headers, query=""):
    return client.post(f"/api/v1/meetings/{meeting_id}/attendance/cdr{query}", headers=headers,
                       data={"file": (io.BytesIO(data), "mcu-cdr.csv")}, content_type="multipart/form-data")


def test_preview_explains_three_bad_rows_and_confirming_imports_only_the_valid_ones(client, bearer):
    headers = bearer("booker")
    meeting = held_meeting(client, headers)
    response = _upload(client, meeting.id, _sample(meeting), headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    preview = response.get_json()
    assert preview["state"] == "pending"
    assert preview["counts"] == {"rows": 5, "valid": 2, "problems": 3, "endpoints": 2, "missing": 3}
    problems = {problem["line"]: problem for problem in preview["problems"]}
    assert {line: problem["code"] for line, problem in problems.items()} == {
        4: "unknown_dial", 5: "bad_time", 6: "duplicate"}
    assert "khong-ro@vc.example.vn" in problems[4]["message"]
    assert "25/13/2026 8h" in problems[5]["message"]
    assert re.search(r"\b2\b", problems[6]["message"])  # names the line it repeats
    assert all(problem["message"] for problem in preview["problems"])
    assert _recorded() == 0  # nothing is stored before the booker confirms
    assert all(p.attendance is None for p in db.session.scalars(
        select(Participant).where(Participant.meeting_id == meeting.id)))

    confirmed = client.post(f"/api/v1/meetings/{meeting.id}/attendance/cdr/{preview['import_id']}/confirm",
                            headers=headers)
    assert confirmed.status_code == 200 and confirmed.get_json()["state"] == "confirmed"
    attendance = {item["endpoint"]: item for item in
                  client.get(f"/api/v1/meetings/{meeting.id}/attendance", headers=headers).get_json()["items"]}
    assert {code for code, item in attendance.items() if item["status"]} == {"thads-an-giang", "thads-nghe-an"}
    an_giang = attendance["thads-an-giang"]
    assert (an_giang["status"], an_giang["source"], an_giang["connected_minutes"]) == ("present", "cdr", 213)
    assert an_giang["connected_at"].endswith("07:58:00+07:00")  # the duplicate was counted once
    assert attendance["thads-nghe-an"]["status"] == "partial"  # 90 of 210 minutes
    assert attendance["thads-ca-mau"]["status"] is None
    again = client.post(f"/api/v1/meetings/{meeting.id}/attendance/cdr/{preview['import_id']}/confirm",
                        headers=headers)
    assert again.status_code == 409


def test_the_same_preview_and_confirmation_in_the_browser_pages(client, auth, bearer):
    meeting = held_meeting(client, bearer("booker"))
    auth.login("booker")
    token = auth.csrf_token(f"/meetings/{meeting.id}/attendance/import")
    response = client.post(f"/meetings/{meeting.id}/attendance/import", content_type="multipart/form-data",
                           data={"csrf_token": token, "file": (io.BytesIO(_sample(meeting)), "cdr.csv")})
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert re.findall(r'data-problem="([a-z_]+)"', page) == ["unknown_dial", "bad_time", "duplicate"]
    assert re.findall(r'<tr data-endpoint="([a-z-]+)" data-status="([a-z]+)"', page) == [
        ("thads-an-giang", "present"), ("thads-nghe-an", "partial")]
    assert _recorded() == 0
    import_id = db.session.scalar(select(CdrImport.id).where(CdrImport.meeting_id == meeting.id))
    done = client.post(f"/meetings/{meeting.id}/attendance/import/{import_id}/confirm",
                       data={"csrf_token": token, "mark_absent": "y"})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/meetings/{meeting.id}/attendance")
    statuses = dict(db.session.execute(select(Participant.endpoint_id, Participant.attendance)
                                       .where(Participant.meeting_id == meeting.id)).all())
    assert sorted(statuses.values(), key=str) == ["absent", "absent", "absent", "partial", "present"]


def test_discarding_a_preview_records_nothing(client, bearer):
    headers = bearer("booker")
    meeting = held_meeting(client, headers)
    preview = _upload(client, meeting.id, _sample(meeting), headers).get_json()
    response = client.delete(f"/api/v1/meetings/{meeting.id}/attendance/cdr/{preview['import_id']}", headers=headers)
    assert response.get_json()["state"] == "discarded"
    assert client.post(f"/api/v1/meetings/{meeting.id}/attendance/cdr/{preview['import_id']}/confirm",
                       headers=headers).status_code == 409
    assert _recorded() == 0


@pytest.mark.parametrize("data, words", [
    ("Remote party,Connect time,Disconnect time\nĐà,01/12/2026 08:00,01/12/2026 09:00\n".encode("cp1258"), "UTF-8"),
    ("Người gọi,Giờ nối máy\nsip:x,2026-12-01 08:00\n".encode("utf-16"), "UTF-8"),
    (b"Caller,When\nsip:x,2026-12-01 08:00\n", "Caller"),
    (b"", ""),
])
def test_a_bad_file_gets_a_clear_message_and_changes_nothing(client, bearer, data, words):
    headers = bearer("booker")
    meeting = held_meeting(client, headers)
    if not data:
        data = b"Remote party,Connect time,Disconnect time\nsip:thads-an-giang@vc.moj.gov.vn,2026,x\n"
        data = data.replace(b"Connect time", b"Conn\xe9ct time")  # Latin-1 in the header
    response = _upload(client, meeting.id, data, headers)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation" and words in error["fields"]["file"]
    assert db.session.scalar(select(func.count(CdrImport.id))) == 0 and _recorded() == 0


def test_a_file_over_the_limits_is_refused(app, client, bearer, monkeypatch):
    headers = bearer("booker")
    meeting = held_meeting(client, headers)
    monkeypatch.setitem(app.config, "CDR_MAX_BYTES", 1000)
    response = _upload(client, meeting.id, _sample(meeting) + b"\n" * 1000, headers)
    assert response.status_code == 422 and "1000" not in response.get_json()["error"]["fields"]["file"]
    assert "KB" in response.get_json()["error"]["fields"]["file"]
    monkeypatch.setitem(app.config, "CDR_MAX_BYTES", 10 * 1024 * 1024)
    huge = _upload(client, meeting.id, b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1), headers)
    assert huge.status_code == 413 and huge.get_json()["error"]["code"] == "too_large"
    assert db.session.scalar(select(func.count(CdrImport.id))) == 0


def test_an_upload_page_over_the_limit_says_so(client, auth, bearer, app, monkeypatch):
    meeting = held_meeting(client, bearer("booker"))
    monkeypatch.setitem(app.config, "CDR_MAX_BYTES", 100)
    auth.login("booker")
    token = auth.csrf_token(f"/meetings/{meeting.id}/attendance/import")
    response = client.post(f"/meetings/{meeting.id}/attendance/import", content_type="multipart/form-data",
                           data={"csrf_token": token, "file": (io.BytesIO(_sample(meeting)), "cdr.csv")})
    assert response.status_code == 422
    assert 'class="invalid-feedback d-block"' in response.get_data(as_text=True)


def test_a_file_with_no_valid_row_cannot_be_confirmed(client, bearer):
    headers = bearer("booker")
    meeting = held_meeting(client, headers)
    data = csv_bytes([("sip:nobody@example.vn", local(meeting, 8), local(meeting, 9), "")])
    preview = _upload(client, meeting.id, data, headers).get_json()
    assert preview["counts"]["valid"] == 0
    response = client.post(f"/api/v1/meetings/{meeting.id}/attendance/cdr/{preview['import_id']}/confirm",
                           headers=headers)
    assert response.status_code == 422 and "file" in response.get_json()["error"]["fields"]


def test_upload_and_confirm_in_one_call_as_a_csv_body(client, bearer):
    headers = bearer("booker")
    meeting = held_meeting(client, headers)
    response = client.post(f"/api/v1/meetings/{meeting.id}/attendance/cdr?confirm=true&mark_absent=true",
                           data=_sample(meeting), headers={**headers, "Content-Type": "text/csv"})
    assert response.status_code == 200 and response.get_json()["state"] == "confirmed"
    assert _recorded() == 5  # two from calls, three absent without a call (the host included)


def test_operators_and_leaders_cannot_import_and_nothing_before_the_start(client, bearer):
    booker = bearer("booker")
    meeting = held_meeting(client, booker)
    assert _upload(client, meeting.id, _sample(meeting), bearer("op-thads-an-giang")).status_code == 403
    assert _upload(client, meeting.id, _sample(meeting), bearer("leader")).status_code == 403
    future = book(client, booker)
    response = _upload(client, future, _sample(meeting), booker)
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "not_started"


def test_a_booker_typing_a_headcount_keeps_the_imported_times(client, bearer):
    headers = bearer("booker")
    meeting = held_meeting(client, headers)
    _upload(client, meeting.id, _sample(meeting), headers, "?confirm=true")
    response = client.put(f"/api/v1/meetings/{meeting.id}/attendance/thads-an-giang", json={"attendees": 9},
                          headers=headers)
    body = response.get_json()
    assert (body["attendees"], body["source"], body["connected_minutes"]) == (9, "cdr", 213)
