"""A booker fills in a meeting's attendance from the keyboard and reads what the meeting saved."""
from playwright.sync_api import expect

from meetings.booking.models import Meeting
from meetings.extensions import db
from tests.conftest import LIVE_APPS
from tests.factories import future_day, meeting_body

# 08:00–11:30; Nghệ An (355 km, 8 people): 2 × 1,420,000 × 8 + 200,000 × 2 × 8 + 450,000 × 8 − 350,000 of VC;
# Hà Nội (local, 5 people) costs its 350,000 of VC; Cà Mau is absent; the host is left out.
EXPECTED_TOTAL = (22_720_000 + 3_200_000 + 3_600_000 - 350_000) - 350_000


def _start(live_server, meeting_id):
    """The meeting is weeks away, where no start is offered: the test moves it on in the database."""
    with LIVE_APPS[live_server].app_context():
        db.session.get(Meeting, meeting_id).status = "in_progress"
        db.session.commit()


def test_booker_fills_attendance_and_sees_the_savings(page, login, live_server):
    login("booker")
    token = page.locator("meta[name=csrf-token]").get_attribute("content")
    body = meeting_body(future_day(weeks=41, weekday=3), title="Giao ban điểm danh",
                        endpoints=["thads-ha-noi", "thads-nghe-an", "thads-ca-mau"])
    booked = page.request.post("/api/v1/meetings", data=body, headers={"X-CSRFToken": token})
    assert booked.status == 201, booked.text()
    meeting_id = booked.json()["id"]

    _start(live_server, meeting_id)
    page.goto(f"/meetings/{meeting_id}")
    page.get_by_test_id("meeting-menu").click()
    page.get_by_test_id("attendance-link").click()
    expect(page.get_by_test_id("attendance-grid").locator("tr[data-endpoint]")).to_have_count(4)

    page.get_by_test_id("fill-present").click()
    expect(page.locator("#status-thads-nghe-an")).to_have_value("present")
    expect(page.locator("#attendees-thads-nghe-an")).to_have_value("8")
    page.locator("#status-thads-ca-mau").select_option("absent")
    expect(page.locator("#attendees-thads-ca-mau")).to_have_value("")

    # Enter moves down the headcount column; typing there and Ctrl+Enter saves the whole grid.
    # (rows in the one order: the host, then Cà Mau, Hà Nội, Nghệ An)
    page.locator("#attendees-moj-hq").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#attendees-thads-ca-mau")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#attendees-thads-ha-noi")).to_be_focused()
    page.keyboard.type("5")
    page.keyboard.press("Enter")
    expect(page.locator("#attendees-thads-nghe-an")).to_be_focused()
    page.keyboard.press("Control+Enter")

    expect(page.get_by_test_id("count-present")).to_have_text("3")
    expect(page.get_by_test_id("count-absent")).to_have_text("1")
    expect(page.locator("#attendees-thads-ha-noi")).to_have_value("5")

    page.get_by_test_id("savings-link").click()
    expect(page.get_by_test_id("savings-total")).to_have_attribute("data-value", str(EXPECTED_TOTAL))
    expect(page.locator("tr[data-endpoint='thads-nghe-an']")).to_have_attribute("data-saving", "29170000")
    expect(page.locator("tr[data-endpoint='thads-ca-mau']")).to_have_attribute("data-saving", "0")
    expect(page.get_by_test_id("rates-used")).to_have_attribute("data-effective-from", "2017-07-01")
    expect(page.get_by_test_id("savings-state")).to_have_attribute("data-stored", "false")
