"""The attendance grid and the savings page: who sees and edits what, one save for every row, no inline code."""
import re

from sqlalchemy import func, select

from meetings.attendance.models import AttendanceRecord
from meetings.booking.models import Participant
from meetings.extensions import db
from tests.factories import ZONE, book, held_meeting


def _rows(html: str) -> list[str]:
    return re.findall(r'<tr data-endpoint="([a-z0-9-]+)"', html)


def _no_inline_code(html: str, path: str) -> None:
    assert not re.search(r"<script(?![^>]*\ssrc=)", html), path
    assert " style=" not in html and "onclick=" not in html, path


def test_the_meeting_page_links_to_attendance_and_savings(client, auth, bearer):
    meeting = held_meeting(client, bearer("booker"))
    auth.login("leader")
    html = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert f'href="/meetings/{meeting.id}/attendance" data-testid="attendance-link"' in html
    assert f'href="/meetings/{meeting.id}/savings" data-testid="savings-link"' in html


def test_a_booker_saves_every_row_in_one_go(client, auth, bearer):
    meeting = held_meeting(client, bearer("booker"))
    auth.login("booker")
    path = f"/meetings/{meeting.id}/attendance"
    html = client.get(path).get_data(as_text=True)
    assert _rows(html)[0] == "moj-hq" and len(_rows(html)) == 5  # the host first, then every endpoint
    assert html.count('<select class="form-select form-select-sm') == 5
    token = auth.csrf_token(path)
    form = {"csrf_token": token}
    for code in _rows(html):
        form.update({f"{column}-{code}": "" for column in ("status", "attendees", "connected", "disconnected")})
    form.update({"status-thads-nghe-an": "present", "attendees-thads-nghe-an": "8", "connected-thads-nghe-an": "08:05",
                 "disconnected-thads-nghe-an": "11:30", "status-thads-ca-mau": "absent",
                 "status-thads-ha-noi": "partial", "attendees-thads-ha-noi": "3"})
    response = client.post(path, data=form)
    assert response.status_code == 302, response.get_data(as_text=True)
    records = {r.participant.endpoint.code: r for r in db.session.scalars(select(AttendanceRecord))}
    assert {code: r.status for code, r in records.items()} == {
        "thads-nghe-an": "present", "thads-ca-mau": "absent", "thads-ha-noi": "partial"}
    nghe_an = records["thads-nghe-an"]
    assert nghe_an.connected_at.astimezone(ZONE).strftime("%H:%M") == "08:05"
    assert nghe_an.connected_at.astimezone(ZONE).date() == meeting.start_at.astimezone(ZONE).date()
    assert nghe_an.connected_seconds == (3 * 60 + 25) * 60
    html = client.get(path).get_data(as_text=True)
    assert 'data-testid="count-present">1<' in html and 'data-testid="count-attendees">11<' in html
    # Sending the grid again unchanged changes nothing.
    assert client.post(path, data=form).status_code == 302
    assert db.session.scalar(select(func.count(AttendanceRecord.id))) == 3


def test_a_wrong_row_saves_nothing_and_keeps_what_was_typed(client, auth, bearer):
    meeting = held_meeting(client, bearer("booker"))
    auth.login("booker")
    path = f"/meetings/{meeting.id}/attendance"
    token = auth.csrf_token(path)
    response = client.post(path, data={"csrf_token": token, "status-thads-nghe-an": "present",
                                       "attendees-thads-nghe-an": "8", "status-thads-ca-mau": "absent",
                                       "attendees-thads-ca-mau": "4", "status-thads-ha-noi": "present",
                                       "connected-thads-ha-noi": "8h"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert html.count("invalid-feedback d-block") == 2
    assert 'name="attendees-thads-ca-mau" id="attendees-thads-ca-mau" value="4"' in html
    assert 'value="8h"' in html
    assert db.session.scalar(select(func.count(AttendanceRecord.id))) == 0


def test_before_the_start_the_grid_is_read_only(client, auth, bearer):
    meeting_id = book(client, bearer("booker"))
    auth.login("booker")
    html = client.get(f"/meetings/{meeting_id}/attendance").get_data(as_text=True)
    assert 'data-testid="not-recordable"' in html and "<select" not in html


def test_an_operator_sees_and_edits_only_their_headcount(client, auth, bearer):
    meeting = held_meeting(client, bearer("booker"))
    auth.login("op-thads-an-giang")
    path = f"/meetings/{meeting.id}/attendance"
    html = client.get(path).get_data(as_text=True)
    assert _rows(html) == ["thads-an-giang"]
    assert "<select" not in html and 'name="attendees-thads-an-giang"' in html
    assert 'data-testid="import-cdr"' not in html
    token = auth.csrf_token(path)
    assert client.post(path, data={"csrf_token": token, "attendees-thads-an-giang": "6",
                                   "attendees-thads-nghe-an": "9"}).status_code == 302
    statuses = db.session.scalars(select(Participant.attendance).where(Participant.meeting_id == meeting.id,
                                                                       Participant.attendance.is_not(None))).all()
    assert statuses == ["present"]
    record = db.session.scalars(select(AttendanceRecord)).one()
    assert (record.participant.endpoint.code, record.attendees) == ("thads-an-giang", 6)
    auth.logout()
    auth.login("op-thads-hue")
    assert client.get(path).status_code == 403


def test_leaders_read_only(client, auth, bearer):
    meeting = held_meeting(client, bearer("booker"))
    auth.login("leader")
    path = f"/meetings/{meeting.id}/attendance"
    html = client.get(path).get_data(as_text=True)
    assert len(_rows(html)) == 5 and "<input class" not in html and 'data-testid="save-attendance"' not in html
    assert client.post(path, data={"csrf_token": auth.csrf_token(path)}).status_code == 403


def test_the_grid_of_a_national_meeting_takes_few_queries(client, auth, bearer, count_queries):
    meeting = held_meeting(client, bearer("booker"), endpoints=[], groups=["all-enforcement"])
    auth.login("booker")
    with count_queries() as statements:
        response = client.get(f"/meetings/{meeting.id}/attendance")
    assert response.status_code == 200 and len(_rows(response.get_data(as_text=True))) == 64
    assert len(statements) <= 15, statements
    with count_queries() as statements:
        response = client.get(f"/meetings/{meeting.id}/savings")
    assert response.status_code == 200 and len(_rows(response.get_data(as_text=True))) == 63  # the host left out
    assert len(statements) <= 20, statements


def test_the_savings_page_explains_each_figure(client, auth, bearer):
    headers = bearer("booker")
    meeting = held_meeting(client, headers)
    client.put(f"/api/v1/meetings/{meeting.id}/attendance/thads-ca-mau", json={"status": "present", "attendees": 8},
               headers=headers)
    client.post(f"/api/v1/meetings/{meeting.id}/complete", headers=headers)
    auth.login("leader")
    html = client.get(f"/meetings/{meeting.id}/savings").get_data(as_text=True)
    assert 'data-stored="true"' in html and 'data-testid="rates-used" data-effective-from="2017-07-01"' in html
    assert dict(re.findall(r'<tr data-endpoint="([a-z-]+)" data-saving="(-?\d+)"', html)) == {
        "thads-ha-noi": "0", "thads-nghe-an": "0", "thads-ca-mau": "54450000", "thads-an-giang": "0"}
    assert 'data-testid="savings-total" data-value="54450000"' in html
    assert "2 × 3.000.000 ₫ × 8" in html and "200.000 ₫ × 2 × 8" in html and "450.000 ₫ × 1 × 8" in html
    assert 'data-testid="recompute"' not in html
    auth.logout()
    auth.login("admin")
    assert 'data-testid="recompute"' in client.get(f"/meetings/{meeting.id}/savings").get_data(as_text=True)


def test_pages_have_no_inline_scripts_or_styles(client, auth, bearer):
    meeting = held_meeting(client, bearer("booker"))
    auth.login("admin")
    for path in (f"/meetings/{meeting.id}/attendance", f"/meetings/{meeting.id}/attendance/import",
                 f"/meetings/{meeting.id}/savings", "/admin/rates", "/admin/rates/new"):
        response = client.get(path)
        assert response.status_code == 200, path
        _no_inline_code(response.get_data(as_text=True), path)


def test_the_savings_table_names_each_endpoint_by_its_short_name(client, auth, bearer):
    headers = bearer("booker")
    meeting = held_meeting(client, headers)
    client.put(f"/api/v1/meetings/{meeting.id}/attendance/thads-ca-mau", json={"status": "present", "attendees": 8},
               headers=headers)
    auth.login("booker")
    html = client.get(f"/meetings/{meeting.id}/savings").get_data(as_text=True)
    names = dict(re.findall(r'<span title="([^"]+)" data-testid="savings-endpoint-name">([^<]+)</span>', html))
    assert names["Cục Thi hành án dân sự tỉnh Cà Mau"] == "THADS Cà Mau"
    assert names["Cục Thi hành án dân sự thành phố Hà Nội"] == "THADS Hà Nội"
    assert len(names) == 4 and all(short.startswith("THADS ") for short in names.values())
    # each part's amount ends its formula: a phone shows no part columns
    assert "= 48.000.000 ₫</li>" in html and "= 3.200.000 ₫</li>" in html
