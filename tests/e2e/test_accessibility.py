"""Accessibility and phones: axe-core finds no serious or critical fault on the main pages, in each role; the
readiness board of a 64-endpoint meeting fits a 390 px phone, opens on the endpoints that need a call and
gives each of them its contact's number as a tel: link."""
from __future__ import annotations

import json
import urllib.request

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from meetings.endpoints.models import Endpoint
from meetings.endpoints.seed import seed_demo_contacts
from meetings.extensions import db
from meetings.stats.demo import seed_demo_history
from tests.conftest import DEMO_PASSWORD, LIVE_APPS
from tests.factories import future_day, meeting_body


def _api(url: str, body: dict, token: str | None = None) -> dict:
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def big_meeting(live_server) -> int:
    """A national meeting of the ministry and the 63 enforcement departments, with demo contact numbers."""
    app = LIVE_APPS[live_server]
    with app.app_context():
        seed_demo_contacts()
        seed_demo_history(years=range(2025, 2026))
        db.session.commit()
        codes = list(db.session.scalars(select(Endpoint.code).where(Endpoint.kind.in_(("hq", "enforcement")))))
    assert len(codes) == 64
    token = _api(f"{live_server}/api/v1/auth/token", {"username": "booker", "password": DEMO_PASSWORD})["token"]
    body = meeting_body(future_day(weeks=60, weekday=2), endpoints=codes, title="Giao ban toàn quốc 64 điểm cầu")
    return _api(f"{live_server}/api/v1/meetings", body, token)["id"]


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(base_url=live_server, viewport={"width": 390, "height": 844}, locale="vi-VN",
                                  is_mobile=True, has_touch=True)
    context.set_default_timeout(15000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def checked_page(browser, live_server):
    """A laptop-sized page whose CSP lets the test inject axe-core (the application itself never serves it)."""
    context = browser.new_context(base_url=live_server, viewport={"width": 1366, "height": 768}, locale="vi-VN",
                                  bypass_csp=True)
    context.set_default_timeout(15000)
    page = context.new_page()
    yield page
    context.close()


def _sign_in(page, username: str) -> None:
    page.goto("/login")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_load_state()


def test_the_board_of_64_endpoints_fits_a_phone_and_opens_on_those_to_call(big_meeting, phone):
    _sign_in(phone, "booker")
    phone.goto(f"/meetings/{big_meeting}/readiness")
    rows = phone.locator("tr.board-row")
    expect(rows).to_have_count(64)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    expect(phone.get_by_test_id("filter-attention")).to_have_attribute("aria-pressed", "true")
    first = rows.first
    expect(first).to_be_visible()
    call = first.get_by_test_id("board-phone").locator("a")
    assert call.get_attribute("href").startswith("tel:0900000")
    counts = phone.get_by_test_id("count-pending")
    box = counts.bounding_box()
    assert box and box["y"] < 844, "the counts sit at the top of the phone's screen"


def test_the_login_page_has_no_serious_accessibility_fault(checked_page, check_accessibility):
    checked_page.goto("/login")
    check_accessibility(checked_page, "login")


@pytest.mark.parametrize("username", ["booker", "op-thads-an-giang", "leader", "admin"])
def test_each_roles_home_page_has_no_serious_accessibility_fault(big_meeting, checked_page, check_accessibility,
                                                                  username):
    _sign_in(checked_page, username)
    checked_page.goto("/")
    check_accessibility(checked_page, f"home of {username}")


@pytest.mark.parametrize("path", ["/meetings/new", "/meetings/{id}", "/meetings/{id}/readiness",
                                  "/meetings/calendar", "/stats?year=2025"])
def test_the_bookers_pages_have_no_serious_accessibility_fault(big_meeting, checked_page, check_accessibility, path):
    _sign_in(checked_page, "booker" if "stats" not in path else "leader")
    checked_page.goto(path.format(id=big_meeting))
    checked_page.wait_for_load_state("networkidle")
    check_accessibility(checked_page, path)


@pytest.mark.parametrize("path", ["/mcu/status", "/readiness/probes"])
def test_the_administrators_mcu_pages_have_no_serious_accessibility_fault(checked_page, check_accessibility, path):
    _sign_in(checked_page, "admin")
    checked_page.goto(path)
    check_accessibility(checked_page, path)
