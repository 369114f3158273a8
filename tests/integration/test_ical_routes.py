"""The .ics download of a meeting and each endpoint's calendar feed at its secret URL."""
from __future__ import annotations

from datetime import timedelta

import icalendar
import vobject

from meetings.database import utcnow
from tests.factories import endpoint, make_meeting


def _events(response) -> dict[str, icalendar.Event]:
    vobject.readOne(response.get_data(as_text=True))  # the second parser accepts it too
    calendar = icalendar.Calendar.from_ical(response.data)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def test_a_signed_in_user_downloads_a_meeting(auth, client):
    meeting = make_meeting()
    auth.login("op-thads-an-giang")
    response = client.get(f"/meetings/{meeting.id}.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8; method=REQUEST"
    assert response.headers["Content-Disposition"] == f'attachment; filename="meeting-{meeting.id}.ics"'
    event = _events(response)[meeting.ics_uid]
    assert event["SUMMARY"] == meeting.title and str(event["ORGANIZER"]) == "mailto:hoinghi@moj.gov.vn"


def test_a_cancelled_meeting_downloads_as_cancel(auth, client):
    meeting = make_meeting(status="cancelled", sequence=1)
    auth.login("booker")
    response = client.get(f"/meetings/{meeting.id}.ics")
    assert response.headers["Content-Type"].endswith("method=CANCEL")
    assert _events(response)[meeting.ics_uid]["STATUS"] == "CANCELLED"


def test_meeting_download_needs_sign_in_and_an_existing_meeting(auth, client):
    meeting = make_meeting()
    assert client.get(f"/meetings/{meeting.id}.ics").status_code == 302
    auth.login("booker")
    missing = client.get("/meetings/999999.ics")
    assert missing.status_code == 404 and missing.content_type.startswith("text/html")


def test_a_meeting_appears_in_the_feed_of_each_of_its_endpoints(client):
    meeting = make_meeting(participants=("thads-an-giang", "thads-ha-noi"))
    for code in ("thads-an-giang", "thads-ha-noi", "moj-hq"):
        found = endpoint(code)
        response = client.get(f"/calendar/{code}.ics?token={found.calendar_token}")
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "text/calendar; charset=utf-8; method=PUBLISH"
        assert meeting.ics_uid in _events(response)
    other = endpoint("thads-dak-lak")
    assert meeting.ics_uid not in _events(client.get(f"/calendar/thads-dak-lak.ics?token={other.calendar_token}"))


def test_the_feed_keeps_cancelled_meetings_and_leaves_out_old_ones_and_drafts(client):
    now = utcnow()
    cancelled = make_meeting(status="cancelled", day=1)
    draft = make_meeting(status="draft", day=2)
    old = make_meeting(start_at=now - timedelta(days=120), end_at=now - timedelta(days=120, hours=-2),
                       test_at=None, status="completed")
    recent = make_meeting(start_at=now - timedelta(days=30), end_at=now - timedelta(days=30, hours=-2),
                          status="completed")
    found = endpoint("thads-an-giang")
    events = _events(client.get(f"/calendar/thads-an-giang.ics?token={found.calendar_token}"))
    assert events[cancelled.ics_uid]["STATUS"] == "CANCELLED"
    assert recent.ics_uid in events
    assert draft.ics_uid not in events and old.ics_uid not in events


def test_the_feed_needs_the_endpoints_token(client):
    found = endpoint("thads-an-giang")
    other = endpoint("thads-ha-noi")
    for url in ("/calendar/thads-an-giang.ics", "/calendar/thads-an-giang.ics?token=wrong",
                f"/calendar/thads-an-giang.ics?token={other.calendar_token}",
                f"/calendar/no-such-endpoint.ics?token={found.calendar_token}",
                "/calendar/thads-an-giang.ics?token=%C3%A1"):
        assert client.get(url).status_code == 404, url


def test_the_feed_runs_the_same_queries_for_many_meetings(client, count_queries):
    found = endpoint("thads-an-giang")
    url = f"/calendar/thads-an-giang.ics?token={found.calendar_token}"
    make_meeting(day=0)
    with count_queries() as one:
        assert client.get(url).status_code == 200
    for day in range(1, 8):
        make_meeting(day=day, participants=("thads-an-giang", "thads-ha-noi", "thads-dak-lak"))
    with count_queries() as eight:
        response = client.get(url)
    assert len(_events(response)) >= 8
    assert len(eight) == len(one) <= 2
