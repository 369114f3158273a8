"""A booker books a meeting for every enforcement department, finds it in the calendar, and is warned
of a conflict when booking a second overlapping one."""
import re

from playwright.sync_api import expect

from tests.factories import future_day


def test_book_all_enforcement_departments_then_see_the_conflict(page, login):
    day = future_day(weeks=30, weekday=2)
    login("booker")
    page.goto("/meetings")
    page.get_by_test_id("book-meeting").click()

    page.get_by_label("Tiêu đề").fill("Giao ban công tác thi hành án dân sự")
    page.locator("input[name=start_date]").fill(day.date().isoformat())
    page.locator("input[name=start_time]").fill("08:00")
    page.locator("input[name=end_time]").fill("11:30")
    page.get_by_role("button", name=re.compile("Tất cả cơ quan thi hành án dân sự")).click()
    expect(page.locator("#selected-count")).to_have_text("63")  # 63 guests + the host
    expect(page.locator("#check-result.alert-success")).to_be_visible()
    page.get_by_role("button", name=re.compile("Đặt lịch và gửi giấy mời")).click()

    expect(page.get_by_test_id("participant-count")).to_have_text("64")
    meeting_url = page.url

    page.get_by_role("link", name=re.compile("^.*Lịch$")).first.click()
    page.goto(f"/meetings/calendar?view=week&date={day.date().isoformat()}")
    expect(page.locator(f"[data-day='{day.date().isoformat()}']")).to_contain_text("Giao ban công tác thi hành án")

    page.goto("/meetings/new")
    page.get_by_label("Tiêu đề").fill("Họp chuyên đề An Giang")
    page.locator("input[name=start_date]").fill(day.date().isoformat())
    page.locator("input[name=start_time]").fill("10:00")
    page.locator("input[name=end_time]").fill("11:00")
    search = page.get_by_placeholder(re.compile("Tìm điểm cầu"))
    search.fill("an giang")
    search.press("Enter")
    expect(page.locator("#selected-count")).to_have_text("1")
    warning = page.locator("#check-result.alert-danger")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("Cục Thi hành án dân sự tỉnh An Giang")

    page.get_by_role("button", name=re.compile("Đặt lịch và gửi giấy mời")).click()
    expect(page.get_by_test_id("conflicts")).to_contain_text("Giao ban công tác thi hành án dân sự")
    expect(page.get_by_label("Tiêu đề")).to_have_value("Họp chuyên đề An Giang")
    assert page.url.endswith("/meetings/new")
    assert meeting_url != page.url
