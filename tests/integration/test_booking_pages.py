"""The booking pages: the form, the meeting page, the list and the calendar."""
import re

from sqlalchemy import func, select

from meetings.booking.models import Meeting
from meetings.extensions import db
from tests.factories import future_day, meeting_body


def _form(auth, day, **overrides):
    data = {"csrf_token": auth.csrf_token("/meetings/new"), "title": "Giao ban quý IV", "organizer": "Văn phòng Bộ",
            "chair": "Thứ trưởng", "agenda": "1. Tình hình\n2. Nhiệm vụ", "host": "moj-hq",
            "start_date": day.date().isoformat(), "start_time": "08:00", "end_time": "11:30",
            "test_minutes_before": "60", "repeat": "", "action": "book",
            "endpoints": ["thads-an-giang", "thads-ca-mau"], "attendees-thads-an-giang": "12"}
    data.update(overrides)
    return data


def test_booker_books_through_the_form(auth, client):
    auth.login("booker")
    day = future_day()
    response = client.post("/meetings/new", data=_form(auth, day))
    assert response.status_code == 302
    meeting = db.session.scalars(select(Meeting)).one()
    assert {p.endpoint.code: p.expected_attendees for p in meeting.participants} == {
        "moj-hq": 20, "thads-an-giang": 12, "thads-ca-mau": 8}
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Giao ban quý IV" in page and "Cục Thi hành án dân sự tỉnh Cà Mau" in page


def test_conflicting_form_shows_the_conflict_and_keeps_the_input(auth, client, bearer):
    day = future_day()
    first = client.post("/api/v1/meetings", json=meeting_body(day), headers=bearer()).get_json()
    auth.login("booker")
    response = client.post("/meetings/new", data=_form(auth, day, title="Họp trùng giờ"))
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert 'data-testid="conflicts"' in html and first["title"] in html
    assert 'value="Họp trùng giờ"' in html
    assert re.search(r'value="thads-ca-mau"[^>]*checked', html)
    assert db.session.scalar(select(func.count(Meeting.id))) == 1


def test_invalid_form_explains_each_field(auth, client):
    auth.login("booker")
    day = future_day()
    response = client.post("/meetings/new", data=_form(auth, day, end_time="07:00", endpoints=[]))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Giờ kết thúc phải sau giờ bắt đầu" in html or "kết thúc" in html
    assert db.session.scalar(select(func.count(Meeting.id))) == 0


def test_weekly_series_through_the_form(auth, client):
    auth.login("booker")
    response = client.post("/meetings/new", data=_form(auth, future_day(), repeat="WEEKLY", repeat_count="4"))
    assert response.status_code == 302
    assert db.session.scalar(select(func.count(Meeting.id))) == 4


def test_draft_holds_nothing_and_sends_nothing(auth, client):
    auth.login("booker")
    day = future_day()
    client.post("/meetings/new", data=_form(auth, day, action="draft"))
    draft = db.session.scalars(select(Meeting)).one()
    assert draft.status == "draft" and not any(p.holds_slot for p in draft.participants)
    assert client.post("/meetings/new", data=_form(auth, day)).status_code == 302


def test_cancel_page(auth, client, bearer):
    meeting = client.post("/api/v1/meetings", json=meeting_body(future_day()), headers=bearer()).get_json()
    auth.login("booker")
    token = auth.csrf_token(f"/meetings/{meeting['id']}/cancel")
    response = client.post(
        f"/meetings/{meeting['id']}/cancel",
        data={"csrf_token": token, "reason": "Trùng lịch Chính phủ", "scope": "this"},
    )
    assert response.status_code == 302
    html = client.get(f"/meetings/{meeting['id']}").get_data(as_text=True)
    assert "Trùng lịch Chính phủ" in html and "booker" in html


def test_list_and_calendar_show_the_meeting(auth, client, bearer):
    day = future_day()
    client.post("/api/v1/meetings", json=meeting_body(day, title="Hội nghị tổng kết"), headers=bearer())
    auth.login("leader")
    assert "Hội nghị tổng kết" in client.get("/meetings").get_data(as_text=True)
    week = client.get(f"/meetings/calendar?view=week&date={day.date().isoformat()}").get_data(as_text=True)
    month = client.get(f"/meetings/calendar?view=month&date={day.date().isoformat()}").get_data(as_text=True)
    assert "Hội nghị tổng kết" in week and "Hội nghị tổng kết" in month


def test_leader_and_operator_cannot_open_the_booking_form(auth, client):
    auth.login("leader")
    assert client.get("/meetings/new").status_code == 403
    auth.logout()
    auth.login("op-thads-an-giang")
    assert client.get("/meetings/new").status_code == 403


def test_operator_is_refused_a_meeting_of_other_endpoints(auth, client, bearer):
    other = client.post(
        "/api/v1/meetings", json=meeting_body(future_day(), endpoints=["thads-ca-mau"]), headers=bearer()
    ).get_json()
    auth.login("op-thads-an-giang")
    assert client.get(f"/meetings/{other['id']}").status_code == 403


def test_meeting_page_costs_a_constant_number_of_queries(auth, client, bearer, count_queries):
    meeting = client.post(
        "/api/v1/meetings", json=meeting_body(future_day(), endpoints=[], groups=["all-enforcement"]), headers=bearer()
    ).get_json()
    auth.login("leader")
    with count_queries() as statements:
        client.get(f"/meetings/{meeting['id']}")
    assert len(statements) <= 12, "\n".join(statements)
