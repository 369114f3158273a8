"""The booking pages a clerk meets: the picker's host row, dates that cannot be misread, conflicts grouped
and shown once, the assistant's page, and no start weeks ahead."""
import re
from datetime import datetime, timedelta

from sqlalchemy import select

from meetings.auth.models import AuditEntry
from meetings.booking import services
from meetings.booking.models import Meeting
from meetings.errors import ConflictError
from meetings.extensions import db
from tests.factories import ZONE, future_day, meeting_body


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def test_the_host_row_is_ticked_locked_and_counted_apart(client, auth):
    auth.login("booker")
    page = client.get("/meetings/new").get_data(as_text=True)
    rows = re.findall(r'<tr data-search[^>]*data-code="([^"]+)"[^>]*class="([^"]*)"', page)
    assert rows[0] == ("moj-hq", "picker-host")
    host_box = re.search(r'<input[^>]*value="moj-hq"[^>]*>', page).group(0)
    assert "checked" in host_box and "disabled" in host_box
    assert "điểm cầu khách" in page and "điểm cầu chủ trì" in page
    assert re.search(r'id="selected-count"[^>]*>0<', page)


def test_times_are_typed_on_24_hours_and_days_as_dd_mm_yyyy(client, auth):
    auth.login("booker")
    page = client.get("/meetings/new?date=2026-12-08").get_data(as_text=True)
    assert 'type="time"' not in page and 'type="date"' not in page
    assert 'value="08/12/2026"' in page and "Thứ Ba, 08/12/2026" in page
    assert re.search(r'name="start_time"[^>]*value="08:00"', page)
    day = future_day(weeks=6, weekday=1)
    form = {"csrf_token": _csrf(page), "title": "Họp ngày viết kiểu Việt", "start_date": day.strftime("%d/%m/%Y"),
            "start_time": "14:30", "end_time": "1600", "host": "moj-hq", "endpoints": ["thads-an-giang"],
            "test_minutes_before": "60", "action": "book"}
    response = client.post("/meetings/new", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    meeting = db.session.scalar(select(Meeting).where(Meeting.title == "Họp ngày viết kiểu Việt"))
    assert meeting.start_at.astimezone(ZONE).strftime("%d/%m/%Y %H:%M") == day.strftime("%d/%m/%Y") + " 14:30"
    assert meeting.end_at.astimezone(ZONE).strftime("%H:%M") == "16:00"
    bad = client.post("/meetings/new", data=form | {"start_time": "2:30 PM", "title": "x"})
    assert bad.status_code == 422 and "HH:MM" in bad.get_data(as_text=True)


def test_a_refusal_groups_the_conflicts_by_meeting_once_with_the_next_free_slot(client, auth, bearer):
    day = future_day(weeks=6, weekday=2)
    north = client.get("/api/v1/endpoints?group=region-north", headers=bearer()).get_json()
    guests = [e["code"] for e in north["items"] if e["kind"] == "enforcement"][:20]
    in_the_way = client.post("/api/v1/meetings", headers=bearer(), json=meeting_body(
        day, start=(8, 0), end=(11, 30), endpoints=guests, host="moj-southern-office", title="Hội nghị đang giữ giờ"))
    assert in_the_way.status_code == 201, in_the_way.get_json()
    auth.login("booker")
    page = client.get("/meetings/new").get_data(as_text=True)
    form = {"csrf_token": _csrf(page), "title": "Họp trùng giờ", "start_date": day.strftime("%d/%m/%Y"),
            "start_time": "09:00", "end_time": "10:00", "host": "moj-hq", "test_minutes_before": "60",
            "endpoints": guests + ["thads-ca-mau"], "action": "book"}
    refused = client.post("/meetings/new", data=form)
    assert refused.status_code == 409
    html = refused.get_data(as_text=True)
    assert html.count("Hội nghị đang giữ giờ") == 1  # once: no flash, no repeated lines
    assert "20 điểm cầu đã có trong «Hội nghị đang giữ giờ» 08:00–11:30" in html
    assert '<details class="conflict-group' in html
    assert 'data-testid="book-without-busy"' in html
    assert 'data-testid="move-to-free"' in html and "12:00–13:00" in html
    busy = re.search(r'data-busy-codes="([^"]*)"', html).group(1).split()
    assert sorted(busy) == sorted(guests)
    without = client.post("/meetings/new", data=form | {"endpoints": ["thads-ca-mau"]})
    assert without.status_code == 302


def test_the_live_check_gives_the_groups_and_the_next_free_slot(client, bearer):
    day = future_day(weeks=6, weekday=3)
    client.post("/api/v1/meetings", headers=bearer(), json=meeting_body(day, start=(8, 0), end=(11, 30),
                                                                        host="moj-southern-office"))
    check = client.post("/api/v1/meetings/check", headers=bearer(), json=meeting_body(
        day, start=(10, 0), end=(11, 0), endpoints=["thads-an-giang", "thads-ca-mau"])).get_json()
    assert not check["ok"]
    assert [(g["title"], [e["code"] for e in g["endpoints"]]) for g in check["groups"]] == [
        ("Giao ban trực tuyến toàn ngành", ["thads-an-giang"])]
    assert check["next_free"]["start"].startswith(day.strftime("%Y-%m-%d") + "T12:00")
    assert check["next_free"]["end"].startswith(day.strftime("%Y-%m-%d") + "T13:00")
    moved = client.post("/api/v1/meetings", headers=bearer(), json=meeting_body(
        day, endpoints=["thads-an-giang", "thads-ca-mau"]) | check["next_free"])
    assert moved.status_code == 201


def test_the_assistant_has_its_own_page(client, auth):
    auth.login("booker")
    page = client.get("/meetings/availability?date=08/12/2026&groups=all-enforcement&start=13:00&end=14:30")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-assistant' in html and "Thứ Ba, 08/12/2026" in html
    assert len(re.findall(r'name="endpoints"[^>]*checked', html)) == 64  # 63 departments and the host
    auth.logout()
    auth.login("op-thads-an-giang")
    assert client.get("/meetings/availability").status_code == 403


def test_a_meeting_two_weeks_away_cannot_be_started(client, auth, bearer):
    meeting_id = client.post("/api/v1/meetings", json=meeting_body(future_day(weeks=2)),
                             headers=bearer()).get_json()["id"]
    auth.login("booker")
    page = client.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    assert 'data-testid="start-now"' not in page and 'data-testid="start-later"' in page
    client.post(f"/meetings/{meeting_id}/status", data={"csrf_token": _csrf(page), "status": "in_progress"})
    assert db.session.get(Meeting, meeting_id).status == "scheduled"
    meeting = db.session.get(Meeting, meeting_id)
    try:
        services.set_status(meeting, "in_progress", actor=None)
    except ConflictError as error:
        assert error.code == "too_early"
    else:
        raise AssertionError("an early start was accepted")


def _soon(client, bearer, minutes_ahead=40):
    start = (datetime.now(ZONE) + timedelta(minutes=minutes_ahead)).replace(second=0, microsecond=0)
    body = meeting_body(start, endpoints=["thads-an-giang"]) | {
        "start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat()}
    response = client.post("/api/v1/meetings", json=body, headers=bearer())
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def test_a_meeting_in_its_test_slot_starts_with_a_confirmation_and_goes_back(client, auth, bearer):
    meeting_id = _soon(client, bearer)
    auth.login("booker")
    page = client.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    start_button = re.search(r'<button[^>]*data-testid="start-now"[^>]*>', page).group(0)
    assert "data-confirm=" in start_button
    client.post(f"/meetings/{meeting_id}/status", data={"csrf_token": _csrf(page), "status": "in_progress"})
    assert db.session.get(Meeting, meeting_id).status == "in_progress"
    during = client.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    assert 'data-testid="live-banner"' in during and 'data-testid="put-back"' in during
    client.post(f"/meetings/{meeting_id}/status", data={"csrf_token": _csrf(during), "status": "scheduled"})
    assert db.session.get(Meeting, meeting_id).status == "scheduled"
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "meeting.status",
                                                          AuditEntry.target_id == str(meeting_id))).all()
    assert [e.changes["status"] for e in entries] == [["scheduled", "in_progress"], ["in_progress", "scheduled"]]
    history = client.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    assert 'data-testid="meeting-history"' in history and history.count('data-action="meeting.status"') == 2


def test_the_meeting_page_follows_the_meetings_life(client, auth, bearer):
    meeting_id = client.post("/api/v1/meetings", json=meeting_body(future_day(weeks=3)),
                             headers=bearer()).get_json()["id"]
    auth.login("booker")
    before = client.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    assert 'data-phase="before"' in before and 'data-testid="readiness-summary"' in before
    assert before.count('class="btn btn-primary"') == 1  # one primary action
    assert 'data-testid="savings-link"' not in before and 'data-testid="mark-held"' in before
    meeting = db.session.get(Meeting, meeting_id)
    meeting.status = "completed"
    db.session.flush()
    after = client.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    assert 'data-phase="after"' in after and 'data-testid="after-summary"' in after
    assert "readiness-summary" not in after and "attendees expected" not in after and "dự kiến" not in after
    assert 'data-testid="savings-link"' in after
    auth.logout()
    auth.login("op-thads-an-giang")
    operator = client.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    assert 'data-testid="edit-link"' not in operator and 'data-testid="meeting-history"' not in operator
    assert "savings-link" not in operator


def test_the_meeting_page_of_63_departments_takes_as_many_queries_as_a_small_one(client, auth, bearer, count_queries):
    small = client.post("/api/v1/meetings", json=meeting_body(future_day(weeks=7)), headers=bearer()).get_json()
    large = client.post("/api/v1/meetings", json=meeting_body(future_day(weeks=7, weekday=2), endpoints=[],
                                                              groups=["all-enforcement"]), headers=bearer()).get_json()
    auth.login("booker")
    client.get(f"/meetings/{small['id']}")
    with count_queries() as few:
        client.get(f"/meetings/{small['id']}")
    with count_queries() as many:
        page = client.get(f"/meetings/{large['id']}").get_data(as_text=True)
    assert page.count("data-endpoint=") == 64
    assert len(many) <= len(few)


def test_putting_a_meeting_back_does_not_announce_a_start(client, bearer):
    from meetings.core.events import meeting_started

    meeting = db.session.get(Meeting, _soon(client, bearer))
    started = []

    def listener(sender, **extra):
        started.append(sender.id)

    meeting_started.connect(listener)
    try:
        services.set_status(meeting, "in_progress", actor=None)
        services.set_status(meeting, "scheduled", actor=None)
    finally:
        meeting_started.disconnect(listener)
    assert started == [meeting.id] and meeting.status == "scheduled"
