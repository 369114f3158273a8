"""The scheduling assistant's journeys: find a free slot for all 63 departments and book it; a refusal,
then booking without the busy endpoints; a meeting two weeks away cannot be started."""
import re

from playwright.sync_api import expect

from tests.factories import future_day, meeting_body


def _api_book(page, body):
    token = page.locator("meta[name=csrf-token]").get_attribute("content")
    booked = page.request.post("/api/v1/meetings", data=body, headers={"X-CSRFToken": token})
    assert booked.status == 201, booked.text()
    return booked.json()


def test_find_a_free_slot_for_all_63_departments_and_book_it(page, login):
    day = future_day(weeks=32, weekday=1)
    login("booker")
    _api_book(page, meeting_body(day, start=(7, 30), end=(10, 0), endpoints=["thads-ca-mau"],
                                 host="moj-southern-office", title="Họp sáng Cà Mau"))
    page.goto(f"/meetings/availability?date={day:%d/%m/%Y}&start=08:00&end=10:00")
    expect(page.get_by_test_id("date-words")).to_contain_text(f"{day:%d/%m/%Y}")
    page.get_by_role("button", name=re.compile("Tất cả cơ quan thi hành án dân sự")).click()
    expect(page.locator("#selected-count")).to_have_text("63")
    timeline = page.get_by_test_id("timeline")
    expect(timeline.locator("details.tl-group")).to_have_count(3)  # by region, folded for 63 rows
    expect(timeline.locator("a.tl-busy").first).to_have_attribute("title", re.compile("Họp sáng Cà Mau"))
    first = page.get_by_test_id("free-slots").locator(".free-slot").first
    expect(first).to_have_attribute("data-start", "10:30")  # after Cà Mau's meeting and its set-up buffer
    first.click()

    expect(page).to_have_url(re.compile(r"/meetings/new\?"))
    expect(page.locator("#selected-count")).to_have_text("63")
    expect(page.locator("input[name=start_time]")).to_have_value("10:30")
    expect(page.locator("input[name=end_time]")).to_have_value("12:30")
    page.get_by_label("Tiêu đề").fill("Giao ban toàn ngành theo giờ trống")
    expect(page.locator("#check-result.alert-success")).to_be_visible()
    page.get_by_role("button", name=re.compile("Đặt lịch và gửi giấy mời")).click()
    expect(page.get_by_test_id("participant-count")).to_have_text("64")
    expect(page.get_by_test_id("meeting-time")).to_contain_text("10:30–12:30")


def test_refused_then_booked_without_the_busy_endpoints(page, login):
    day = future_day(weeks=33, weekday=2)
    login("booker")
    busy = ["thads-an-giang", "thads-ca-mau", "thads-bac-lieu"]
    _api_book(page, meeting_body(day, start=(8, 0), end=(11, 30), endpoints=busy, host="moj-southern-office",
                                 title="Hội nghị miền Tây"))
    page.goto(f"/meetings/new?date={day:%d/%m/%Y}")
    page.get_by_label("Tiêu đề").fill("Giao ban toàn ngành")
    page.locator("input[name=start_time]").fill("09:00")
    page.locator("input[name=end_time]").fill("10:30")
    page.get_by_role("button", name=re.compile("Tất cả cơ quan thi hành án dân sự")).click()
    expect(page.get_by_test_id("conflicts")).to_contain_text("3 điểm cầu đã có trong «Hội nghị miền Tây» 08:00–11:30")
    page.get_by_role("button", name=re.compile("Đặt lịch và gửi giấy mời")).click()

    box = page.get_by_test_id("conflicts")
    expect(box).to_contain_text("3 điểm cầu đã có trong «Hội nghị miền Tây» 08:00–11:30")
    expect(page.locator(".alert-danger", has_text="Hội nghị miền Tây")).to_have_count(1)  # shown once
    expect(page.get_by_test_id("move-to-free")).to_contain_text("12:00–13:30")
    page.get_by_test_id("book-without-busy").click()
    confirm = page.get_by_test_id("without-confirm")
    expect(confirm).to_contain_text("Cục Thi hành án dân sự tỉnh An Giang")
    expect(confirm).to_contain_text("Cục Thi hành án dân sự tỉnh Bạc Liêu")
    page.get_by_test_id("confirm-without").click()
    expect(page.get_by_test_id("participant-count")).to_have_text("61")
    expect(page.locator("tr[data-endpoint='thads-an-giang']")).to_have_count(0)


def test_a_meeting_two_weeks_away_cannot_be_started(page, login):
    login("booker")
    meeting = _api_book(page, meeting_body(future_day(weeks=2, weekday=3), title="Họp hai tuần nữa"))
    page.goto(f"/meetings/{meeting['id']}")
    expect(page.get_by_test_id("meeting-head")).to_have_attribute("data-phase", "before")
    page.get_by_test_id("meeting-menu").click()
    expect(page.get_by_test_id("start-later")).to_be_visible()  # the dropdown opens: bootstrap's JS is served
    expect(page.get_by_test_id("start-now")).to_have_count(0)
    token = page.locator("meta[name=csrf-token]").get_attribute("content")
    page.request.post(f"/meetings/{meeting['id']}/status", form={"csrf_token": token, "status": "in_progress"})
    page.reload()
    expect(page.get_by_test_id("meeting-head")).to_have_attribute("data-phase", "before")
