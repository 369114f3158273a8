"""Readiness in a real browser: the board follows an operator's answer made in another browser without a
reload; an operator must give a reason for "not ready"; a booker answers and records test calls from the board."""
from __future__ import annotations

import json
import re
import urllib.request
from datetime import datetime, timedelta

from playwright.sync_api import expect

from tests.conftest import DEMO_PASSWORD
from tests.factories import ZONE, future_day, meeting_body

AN_GIANG, HA_NOI = "thads-an-giang", "thads-ha-noi"


def _api(url: str, body: dict, token: str | None = None) -> dict:
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def _book(live_server: str, body: dict) -> int:
    token = _api(f"{live_server}/api/v1/auth/token", {"username": "booker", "password": DEMO_PASSWORD})["token"]
    return _api(f"{live_server}/api/v1/meetings", body, token)["id"]


def _sign_in(page, username: str) -> None:
    page.goto("/login")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_load_state()


def test_the_board_shows_an_answer_from_another_browser_within_ten_seconds(browser, live_server, page, login):
    meeting_id = _book(live_server, meeting_body(future_day(weeks=52, weekday=3), endpoints=[AN_GIANG, HA_NOI],
                                                 title="Giao ban sẵn sàng — hai trình duyệt"))
    login("booker")
    page.goto(f"/meetings/{meeting_id}/readiness")
    row = page.locator(f"tr.board-row[data-endpoint='{AN_GIANG}']")
    expect(row).to_have_attribute("data-state", "pending")
    expect(page.locator("[data-count='ready']").first).to_have_text("0")
    page.evaluate("window.readinessMarker = 'the same page'")

    operator_context = browser.new_context(base_url=live_server, locale="vi-VN")
    operator = operator_context.new_page()
    _sign_in(operator, "op-thads-an-giang")
    item = operator.locator(f"[data-testid='agenda-item'][data-meeting='{meeting_id}']")
    expect(item).to_have_attribute("data-to-answer", "yes")
    item.get_by_test_id("answer-ready").click()
    expect(operator.locator(f"[data-testid='agenda-item'][data-meeting='{meeting_id}']")).to_have_attribute(
        "data-state", "ready")
    operator_context.close()

    expect(row).to_have_attribute("data-state", "ready", timeout=10000)
    expect(row.get_by_test_id("state-badge")).to_have_attribute("data-state", "ready")
    expect(page.locator("[data-count='ready']").first).to_have_text("1")
    expect(page.locator(f".map-dot[data-endpoint='{AN_GIANG}']")).to_have_class(re.compile(r"\bstate-ready\b"))
    expect(page.get_by_test_id("board-history").get_by_test_id("history-item").first).to_have_attribute(
        "data-to", "ready")
    assert page.evaluate("window.readinessMarker") == "the same page"  # updated in place, never reloaded


def test_an_operator_must_give_a_reason_to_say_not_ready(page, live_server, login):
    meeting_id = _book(live_server, meeting_body(future_day(weeks=53, weekday=1), endpoints=[AN_GIANG],
                                                 title="Giao ban sẵn sàng — lý do"))
    login("op-thads-an-giang")
    item = page.locator(f"[data-testid='agenda-item'][data-meeting='{meeting_id}']")
    item.get_by_test_id("answer-not-ready").click()
    expect(item.get_by_test_id("field-error")).to_be_visible()
    expect(item).to_have_attribute("data-state", "pending")
    item.get_by_test_id("answer-note").fill("Phòng họp đang sửa chữa")
    item.get_by_test_id("answer-not-ready").click()
    item = page.locator(f"[data-testid='agenda-item'][data-meeting='{meeting_id}']")
    expect(item).to_have_attribute("data-state", "not_ready")
    expect(item).to_have_attribute("data-to-answer", "no")
    item.locator("summary").click()
    expect(item.get_by_test_id("history-item").first).to_have_attribute("data-to", "not_ready")


def test_a_booker_answers_for_an_endpoint_and_records_test_calls_from_the_board(page, live_server, login):
    start = (datetime.now(ZONE) + timedelta(minutes=40)).replace(second=0, microsecond=0)
    body = meeting_body(start, endpoints=[AN_GIANG, HA_NOI], title="Giao ban sẵn sàng — kiểm tra kỹ thuật")
    body.update(start=start.isoformat(), end=(start + timedelta(hours=1)).isoformat())
    meeting_id = _book(live_server, body)
    login("booker")
    page.goto(f"/meetings/{meeting_id}/readiness")
    row = page.locator(f"tr.board-row[data-endpoint='{HA_NOI}']")

    row.get_by_test_id("answer-for").click()
    modal = page.get_by_test_id("answer-modal")
    expect(modal).to_be_visible()
    modal.get_by_test_id("modal-not-ready").click()
    expect(modal.get_by_test_id("modal-error")).not_to_be_empty()
    modal.get_by_test_id("modal-note").fill("Gọi điện: kỹ thuật viên nghỉ ốm")
    modal.get_by_test_id("modal-not-ready").click()
    expect(modal).to_be_hidden()
    expect(row).to_have_attribute("data-state", "not_ready")
    expect(page.get_by_test_id("not-ready-list")).to_contain_text("Gọi điện: kỹ thuật viên nghỉ ốm")

    row.get_by_test_id("record-test").click()
    test_modal = page.get_by_test_id("test-modal")
    test_modal.get_by_test_id("modal-test-ok").click()
    expect(test_modal).to_be_hidden()
    expect(row).to_have_attribute("data-test", "test_ok")
    expect(row.get_by_test_id("test-badge")).to_have_attribute("data-test", "test_ok")


def test_the_operators_buttons_show_the_answer_given_also_after_a_reload(page, live_server, login):
    meeting_id = _book(live_server, meeting_body(future_day(weeks=54, weekday=2), endpoints=[AN_GIANG],
                                                 title="Giao ban sẵn sàng — câu trả lời hiện tại"))
    login("op-thads-an-giang")
    item = page.locator(f"[data-testid='agenda-item'][data-meeting='{meeting_id}']")
    ready, not_ready = item.get_by_test_id("answer-ready"), item.get_by_test_id("answer-not-ready")
    expect(ready).to_have_attribute("aria-pressed", "false")
    expect(not_ready).to_have_attribute("aria-pressed", "false")
    unpressed = ready.evaluate("button => getComputedStyle(button).backgroundColor")
    ready.click()
    expect(item).to_have_attribute("data-state", "ready")
    for reloaded in (False, True):
        if reloaded:
            page.reload()
        expect(ready).to_have_attribute("aria-pressed", "true")
        expect(not_ready).to_have_attribute("aria-pressed", "false")
        expect(ready).to_have_class(re.compile(r"\bbtn-success\b"))
        expect(ready.get_by_test_id("answer-current")).to_be_visible()
        expect(not_ready.get_by_test_id("answer-current")).to_have_count(0)
        pressed = ready.evaluate("button => getComputedStyle(button).backgroundColor")
        assert pressed != unpressed, "the pressed button looks like the others"
