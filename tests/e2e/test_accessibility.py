"""Accessibility and phones: axe-core finds no serious or critical fault on the main pages, in each role, in
Vietnamese and English, on a laptop (1366 px) and a phone (390 px); a held meeting's savings tables fit their
boxes; the readiness board of a 64-endpoint meeting fits a 390 px phone, opens on the endpoints that need a call and
gives each of them its contact's number as a tel: link."""
from __future__ import annotations

import json
import re
import urllib.request

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from meetings.auth.models import User
from meetings.booking.models import Meeting, MeetingStatus, Participant
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


LANGUAGES = ("vi", "en")
SIZES = {"laptop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}
ROLES = ("booker", "op-thads-an-giang", "leader", "admin")


@pytest.fixture(scope="module")
def english_users(live_server) -> dict[str, str]:
    """For each role a user who has chosen English ("booker" -> "booker-en"), so that the demo users keep
    Vietnamese for the other tests of the session."""
    app = LIVE_APPS[live_server]
    with app.app_context():
        for username in ROLES:
            if db.session.scalar(select(User.id).where(User.username == f"{username}-en")) is None:
                user = db.session.scalar(select(User).where(User.username == username))
                db.session.add(User(username=f"{username}-en", role=user.role, full_name=user.full_name,
                                    endpoint_id=user.endpoint_id, password_hash=user.password_hash, locale="en"))
        db.session.commit()
    return {username: f"{username}-en" for username in ROLES}


@pytest.fixture(scope="module")
def signed_in_states(browser, live_server, english_users) -> dict:
    """Cookies of one sign-in per user and language, reused by every page and size the module opens."""
    states: dict = {}

    def state(username: str | None, lang: str) -> dict:
        if (username, lang) not in states:
            context = browser.new_context(base_url=live_server, locale="vi-VN")
            context.set_default_timeout(15000)
            page = context.new_page()
            if username:
                _sign_in(page, english_users[username] if lang == "en" else username)
            else:
                page.goto("/login")
                if lang == "en":
                    page.locator("button[name=lang][value=en]").click()
                    page.wait_for_load_state()
            states[username, lang] = context.storage_state()
            context.close()
        return states[username, lang]

    return state


@pytest.fixture
def open_page(browser, live_server, signed_in_states):
    """A page signed in as `username` (None: signed out) in `lang`, at a size of SIZES, whose CSP lets the test
    inject axe-core (the application itself never serves it)."""
    contexts = []

    def open_(username: str | None, lang: str, size: str, path: str):
        phone_ = size == "phone"
        context = browser.new_context(base_url=live_server, viewport=SIZES[size], locale="vi-VN", bypass_csp=True,
                                      is_mobile=phone_, has_touch=phone_,
                                      storage_state=signed_in_states(username, lang))
        context.set_default_timeout(15000)
        contexts.append(context)
        page = context.new_page()
        page.goto(path)
        page.wait_for_load_state("networkidle")
        assert page.locator("html").get_attribute("lang") == lang, f"{path} is not in {lang}"
        return page

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture(scope="module")
def held_meeting(big_meeting, live_server) -> int:
    """The held demo meeting with the most endpoints (seeded with the demo history)."""
    app = LIVE_APPS[live_server]
    with app.app_context():
        return db.session.execute(
            select(Meeting.id).join(Participant).where(Meeting.status == MeetingStatus.COMPLETED)
            .group_by(Meeting.id).order_by(func.count().desc(), Meeting.id).limit(1)).scalar_one()


# The main pages of each role; {id} is the 64-endpoint meeting, {held} the held demo meeting.
CHECKED_PAGES = [
    (None, "/login"),
    *[(username, "/") for username in ROLES],
    ("booker", "/meetings/new"),
    ("booker", "/meetings/{id}"),
    ("booker", "/meetings/{id}/readiness"),
    ("booker", "/meetings/calendar"),
    ("booker", "/meetings/{held}/savings"),
    ("leader", "/stats?year=2025"),
    ("admin", "/mcu/status"),
    ("admin", "/readiness/probes"),
]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize(("username", "path"), CHECKED_PAGES,
                         ids=[f"{username or 'anonymous'}:{path}" for username, path in CHECKED_PAGES])
def test_the_main_pages_have_no_serious_accessibility_fault(big_meeting, held_meeting, open_page,
                                                            check_accessibility, username, path, lang, size):
    page = open_page(username, lang, size, path.format(id=big_meeting, held=held_meeting))
    check_accessibility(page, f"{path} as {username or 'anonymous'}, {lang}, {size}")


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_savings_tables_fit_their_boxes(held_meeting, open_page, lang, size):
    page = open_page("booker", lang, size, f"/meetings/{held_meeting}/savings")
    expect(page.get_by_test_id("savings-items").locator("tbody tr")).not_to_have_count(0)
    expect(page.get_by_test_id("savings-endpoint-name").first).to_have_text(re.compile(r"^THADS "))
    widths = page.evaluate("""() => [...document.querySelectorAll('table')].map(table => ({
        id: table.dataset.testid || table.className, table: table.getBoundingClientRect().width,
        scroll: table.parentElement.scrollWidth, client: table.parentElement.clientWidth}))""")
    assert widths, "the savings page has no table"
    for box in widths:
        assert box["scroll"] <= box["client"] and box["table"] <= box["client"] + 1, box
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth"), \
        "the page scrolls sideways"
