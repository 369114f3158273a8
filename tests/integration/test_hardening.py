"""What an attacker and a fuzzer tried from the outside: every such request is refused cleanly, nothing saved."""
from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from meetings.booking.models import Meeting
from meetings.extensions import db
from tests.factories import ZONE, future_day, held_meeting, meeting_body, move_to_past

UNINVITED_OPERATOR = "op-thads-ca-mau"
OWN_ENDPOINT = "thads-ca-mau"


def _booked(client, headers, weeks: int = 2, **extra) -> int:
    body = meeting_body(future_day(weeks), endpoints=["thads-an-giang", "thads-ha-noi"], **extra)
    response = client.post("/api/v1/meetings", json=body, headers=headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["id"]


def _csv(rows: list[tuple[str, str, str, str]]) -> bytes:
    lines = ["Remote party,Connect time,Disconnect time,Duration"] + [",".join(row) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _local(meeting: Meeting, hour: int, minute: int = 0) -> str:
    return meeting.start_at.astimezone(ZONE).replace(hour=hour, minute=minute).strftime("%Y-%m-%d %H:%M:%S")


def _meeting_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Meeting))


# ---- an uninvited operator reads nothing of a meeting -------------------------------------------

def _meeting_routes(app) -> list[str]:
    """Every GET route that takes a meeting id, with its other arguments filled in."""
    fill = {"code": OWN_ENDPOINT, "import_id": 1}
    paths = []
    for rule in app.url_map.iter_rules():
        if "meeting_id" not in rule.arguments or "GET" not in rule.methods:
            continue
        paths.append(rule.rule)
    return sorted(set(paths)), fill


def test_an_uninvited_operator_is_refused_every_route_that_carries_a_meetings_data(app, client, auth, bearer):
    meeting_id = _booked(client, bearer("booker"))
    rules, fill = _meeting_routes(app)
    assert any(rule.endswith(".ics") for rule in rules) and any(rule.startswith("/api/") for rule in rules)
    auth.login(UNINVITED_OPERATOR)
    token = bearer(UNINVITED_OPERATOR)
    answers = {}
    for rule in rules:
        path = rule.replace("<int:meeting_id>", str(meeting_id))
        for name, value in fill.items():
            path = re.sub(rf"<(int:)?{name}>", str(value), path)
        headers = token if path.startswith("/api/") else {}
        answers[path] = client.get(path, headers=headers).status_code
    assert answers and set(answers.values()) == {403}, answers
    # The statistics exports never list meetings to an operator at all.
    for path in ("/stats/export.xlsx", "/stats/meetings.csv", "/stats/figures.csv", "/stats/report.pdf"):
        assert client.get(path).status_code == 403


def test_an_invited_operator_still_downloads_the_invitation(client, auth, bearer):
    meeting_id = _booked(client, bearer("booker"))
    auth.login("op-thads-an-giang")
    response = client.get(f"/meetings/{meeting_id}.ics")
    assert response.status_code == 200 and b"BEGIN:VCALENDAR" in response.data


# ---- exports write text as text ------------------------------------------------------------------

HOSTILE_TITLE = '=HYPERLINK("http://evil.example/","Bấm vào đây")'


def _held_meeting_with(client, headers, **fields) -> int:
    meeting_id = _booked(client, headers, **fields)
    move_to_past(meeting_id, days_ago=3)
    meeting = db.session.get(Meeting, meeting_id)
    meeting.status = "completed"
    db.session.commit()
    return meeting_id


def _year_args(client, meeting_id: int) -> str:
    meeting = db.session.get(Meeting, meeting_id)
    return f"from={meeting.start_at.date().replace(day=1).isoformat()}&to={meeting.end_at.date().isoformat()}"


def test_the_xlsx_export_writes_every_text_as_text_and_numbers_as_numbers(client, auth, bearer):
    meeting_id = _held_meeting_with(client, bearer("booker"), title=HOSTILE_TITLE, organizer="+SUM(A1:A9)",
                                    chair="@cmd")
    auth.login("leader")
    response = client.get(f"/stats/export.xlsx?{_year_args(client, meeting_id)}")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    sheet = book["Danh sách hội nghị"]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == meeting_id)
    title, organizer, chair = row[1], row[2], row[3]
    assert title.value == HOSTILE_TITLE and title.data_type == "s"
    assert organizer.value == "+SUM(A1:A9)" and organizer.data_type == "s"
    assert chair.data_type == "s"
    assert row[0].data_type == "n" and isinstance(row[6].value, float | int)  # the id and the hours stay numbers
    formulas = [cell.coordinate for ws in book.worksheets for r in ws.iter_rows() for cell in r
                if cell.data_type == "f"]
    assert formulas == []


def test_the_csv_export_neutralises_cells_that_a_spreadsheet_would_run(client, auth, bearer):
    meeting_id = _held_meeting_with(client, bearer("booker"), title=HOSTILE_TITLE, organizer="-2+3",
                                    chair="@SUM(1)")
    auth.login("leader")
    response = client.get(f"/stats/meetings.csv?{_year_args(client, meeting_id)}")
    assert response.status_code == 200
    import csv

    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    row = next(r for r in rows[1:] if r[0] == str(meeting_id))
    assert row[1] == "'" + HOSTILE_TITLE and row[2] == "'-2+3" and row[3] == "'@SUM(1)"
    assert row[6].replace(".", "", 1).isdigit()  # the hours are a plain number


def test_csv_cells_are_neutralised_as_owasp_recommends():
    from meetings.stats.exports import csv_cell

    for text in ("=1+1", "+1", "-1", "@A1", "\tx", "\rx"):
        assert csv_cell(text) == "'" + text
    assert csv_cell("Giao ban") == "Giao ban" and csv_cell(-3) == -3 and csv_cell(2.5) == 2.5


# ---- hostile input answers 4xx ------------------------------------------------------------------

DEEP = "[" * 100_000


def test_deeply_nested_json_is_a_400_on_every_json_route(app, client, bearer):
    headers = {**bearer("booker"), "Content-Type": "application/json"}
    before = _meeting_count()
    routes = [(rule, method) for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/")
              for method in rule.methods & {"POST", "PUT", "PATCH", "DELETE"}]
    assert routes
    for rule, method in routes:
        path = re.sub(r"<int:[a-z_]+>", "1", rule.rule)
        path = re.sub(r"<[a-z_]+>", "thads-an-giang", path)
        response = client.open(path, method=method, data=DEEP, headers=headers)
        assert response.status_code in (400, 404), (method, path, response.status_code)
        assert response.get_json()["error"]["code"] in ("malformed", "not_found")
    anonymous = client.post("/api/v1/auth/token", data=DEEP, content_type="application/json")
    assert anonymous.status_code == 400 and anonymous.get_json()["error"]["code"] == "malformed"
    assert _meeting_count() == before


@pytest.mark.parametrize("start,end", [("0001-01-01T00:00:00", "0001-01-01T02:00:00"),
                                       ("9999-12-31T20:00-12:00", "9999-12-31T23:00-12:00"),
                                       ("1999-12-31T08:00:00+07:00", "1999-12-31T09:00:00+07:00"),
                                       ("2101-01-04T08:00:00+07:00", "2101-01-04T09:00:00+07:00")])
def test_times_outside_the_sane_window_are_field_errors(client, bearer, start, end):
    headers = bearer("booker")
    before = _meeting_count()
    body = {**meeting_body(future_day()), "start": start, "end": end}
    for path in ("/api/v1/meetings", "/api/v1/meetings/check"):
        response = client.post(path, json=body, headers=headers)
        assert response.status_code == 422, (path, response.get_data(as_text=True))
        assert set(response.get_json()["error"]["fields"]) >= {"start", "end"}
    for name in ("from", "to"):
        response = client.get(f"/api/v1/meetings?{name}={start}", headers=headers)
        assert response.status_code == 422 and name in response.get_json()["error"]["fields"]
    assert _meeting_count() == before


def test_attendance_times_outside_the_window_are_field_errors(client, bearer):
    headers = bearer("booker")
    meeting = held_meeting(client, headers)
    for value in ("0001-01-01T00:00:00", "9999-12-31T23:00-12:00"):
        response = client.put(f"/api/v1/meetings/{meeting.id}/attendance/thads-an-giang",
                              json={"status": "present", "connected_at": value}, headers=headers)
        assert response.status_code == 422 and "connected_at" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("number", [10**25, 2**31, 2**63])
def test_ids_beyond_the_database_integer_are_404(app, client, auth, bearer, number):
    headers = bearer("admin")
    auth.login("admin")
    checked = 0
    for rule in app.url_map.iter_rules():
        if "int:" not in rule.rule:
            continue
        path = re.sub(r"<int:[a-z_]+>", str(number), rule.rule)
        path = re.sub(r"<[a-z_]+>", "thads-an-giang", path)
        for method in rule.methods & {"GET", "POST", "PUT", "PATCH", "DELETE"}:
            response = client.open(path, method=method, headers=headers if path.startswith("/api/") else {})
            assert response.status_code == 404, (method, path, response.status_code)
            checked += 1
    assert checked > 20


@pytest.mark.parametrize("path", ["/stats?to=9999-12-31", "/stats?from=0001-01-01",
                                  "/meetings/calendar?date=0001-01-01", "/meetings/calendar?date=9999-12-31&view=month",
                                  "/meetings?to=9999-12-31",
                                  "/meetings?from=0001-01-01", "/stats/report?to=9999-12-31",
                                  "/stats/report.pdf?to=9999-12-31", "/stats/export.xlsx?to=9999-12-31",
                                  "/stats/figures.csv?from=0001-01-01", "/stats/meetings.csv?to=9999-12-31",
                                  "/stats/export.xlsx?year=9999", "/api/v1/stats/annual?year=9999",
                                  "/meetings/new?date=9999-12-31"])
def test_pages_and_exports_with_extreme_dates_answer_with_a_message(client, auth, path):
    auth.login("admin")
    response = client.get(path, headers={"Authorization": ""})
    assert response.status_code in (200, 422), response.status_code
    if path.startswith("/api/"):
        assert response.status_code == 422
        return
    if response.status_code == 200 and response.mimetype == "text/html":
        assert "2000" in response.get_data(as_text=True) and "2100" in response.get_data(as_text=True)


@pytest.mark.parametrize("text", ["Giao ban\x00", "a\x01b", "x\x1b[31m"])
def test_control_characters_in_any_field_are_a_422_and_nothing_is_saved(client, auth, bearer, text):
    headers = bearer("booker")
    before = _meeting_count()
    for field in ("title", "agenda", "organizer", "chair"):
        response = client.post("/api/v1/meetings", json=meeting_body(future_day(), **{field: text}), headers=headers)
        assert response.status_code == 422, (field, response.status_code)
        assert field in response.get_json()["error"]["fields"]
    assert client.get("/api/v1/meetings", query_string={"q": text}, headers=headers).status_code == 422
    assert client.get("/api/v1/endpoints", query_string={"q": text}, headers=headers).status_code == 422
    token = client.post("/api/v1/auth/token", json={"username": "booker" + text, "password": "x"})
    assert token.status_code == 422
    login_page = auth.client.post("/login", data={"username": "booker" + text, "password": "demo12345",
                                                   "csrf_token": auth.csrf_token("/login")})
    assert login_page.status_code == 422 and "control character" in login_page.get_data(as_text=True).lower() \
        or "ký tự điều khiển" in login_page.get_data(as_text=True)
    auth.login("booker")
    page = client.get("/meetings", query_string={"q": text})
    assert page.status_code == 422
    assert _meeting_count() == before


def test_titles_refuse_line_breaks_but_agendas_keep_them(client, bearer):
    headers = bearer("booker")
    refused = client.post("/api/v1/meetings", json=meeting_body(future_day(), title="Giao\nban"), headers=headers)
    assert refused.status_code == 422 and "title" in refused.get_json()["error"]["fields"]
    kept = client.post("/api/v1/meetings", json=meeting_body(future_day(), agenda="1. Khai mạc\n\t2. Báo cáo"),
                       headers=headers)
    assert kept.status_code == 201 and kept.get_json()["agenda"] == "1. Khai mạc\n\t2. Báo cáo"


def test_the_server_error_page_needs_no_database(app, client):
    """A request that breaks the session ends on the error page, not on a failure of the error handler."""
    from meetings.errors import error_page

    with app.test_request_context("/meetings"):
        db.session.rollback()
        body, status, _headers = error_page(500, "boom")
    assert status == 500 and "boom" in body


# ---- only a token that authenticated skips the CSRF check ---------------------------------------

def test_a_signed_in_browser_with_a_garbage_bearer_token_cannot_skip_csrf(client, auth):
    auth.login("booker")
    before = _meeting_count()
    response = client.post("/api/v1/meetings", json=meeting_body(future_day()),
                           headers={"Authorization": "Bearer garbage"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthenticated"
    without_token = client.post("/api/v1/meetings", json=meeting_body(future_day()))
    assert without_token.status_code == 400 and without_token.get_json()["error"]["code"] == "csrf"
    assert _meeting_count() == before


def test_a_valid_bearer_token_books_without_csrf(client, bearer):
    response = client.post("/api/v1/meetings", json=meeting_body(future_day()), headers=bearer("booker"))
    assert response.status_code == 201


def test_call_records_with_absurd_durations_or_year_one_times_are_row_problems(client, bearer):
    headers = bearer("booker")
    meeting = held_meeting(client, headers)
    data = _csv([
        ("sip:thads-an-giang@vc.moj.gov.vn", _local(meeting, 8, 0), "", "99999999999999"),
        ("sip:thads-nghe-an@vc.moj.gov.vn", "0001-01-01 00:00:00", "", "3600"),
        ("sip:thads-ha-noi@vc.moj.gov.vn", _local(meeting, 8, 0), "9999-12-31 23:59:59", ""),
        ("sip:thads-ca-mau@vc.moj.gov.vn", "1", "", "60"),
    ])
    response = client.post(f"/api/v1/meetings/{meeting.id}/attendance/cdr", headers=headers,
                           data={"file": (io.BytesIO(data), "cdr.csv")}, content_type="multipart/form-data")
    assert response.status_code == 201, response.get_data(as_text=True)
    problems = {problem["line"]: problem["code"] for problem in response.get_json()["problems"]}
    assert problems == {2: "bad_duration", 3: "bad_time", 4: "bad_time", 5: "bad_time"}


def _invitation_ics(sequence: str, summary: str = "Hội nghị trực tuyến Chính phủ") -> bytes:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\n"
        "UID:conf-4711@govconf\r\nSEQUENCE:" + sequence + "\r\nSUMMARY:" + summary + "\r\n"
        "DTSTART:20301202T010000Z\r\nDTEND:20301202T030000Z\r\nDTSTAMP:20261201T000000Z\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n").encode()


def test_an_invitation_with_a_thirty_digit_sequence_is_refused_with_a_message(client, auth):
    from meetings.bridge.ics_import import read_invitation
    from meetings.bridge.models import Invitation
    from meetings.errors import ValidationError

    with pytest.raises(ValidationError) as refused:
        read_invitation(_invitation_ics("1" * 30))
    assert "SEQUENCE" in refused.value.fields["file"]
    assert read_invitation(_invitation_ics("3")).version == 3
    before = db.session.scalar(select(func.count(Invitation.id)))
    auth.login("booker")
    response = client.post("/govconf/invitations/import", content_type="multipart/form-data",
                           data={"csrf_token": auth.csrf_token("/govconf/invitations"),
                                 "file": (io.BytesIO(_invitation_ics("9" * 30)), "moi-hop.ics")},
                           follow_redirects=True)
    assert response.status_code in (200, 422) and "SEQUENCE" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Invitation.id))) == before


def test_a_request_that_breaks_the_session_still_gets_an_error_page(app, client, auth, monkeypatch):
    """The error handler rolls back first and shows its page whatever state the session was left in."""
    from sqlalchemy import text

    from meetings.booking import queries

    def broken(*args, **kwargs):
        try:
            db.session.execute(text("SELECT no_such_column FROM meetings"))
        except Exception:
            pass  # on PostgreSQL the transaction is now aborted: every further query fails until a rollback
        raise RuntimeError("the database failed")

    auth.login("booker")
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    monkeypatch.setattr(queries, "list_meetings", broken)
    page = client.get("/meetings")
    assert page.status_code == 500 and "500" in page.get_data(as_text=True)
    api = client.get("/api/v1/meetings", headers={"Accept": "application/json"})
    assert api.status_code == 500 and api.get_json()["error"]["code"] == "server_error"
    assert client.get("/account").status_code == 200  # the next request finds a healthy session


# ---- the sign-in limit is counted before the password -------------------------------------------

def _failed_checks(app, username: str) -> int:
    from meetings.auth.models import AuditEntry

    with app.app_context():
        count = db.session.scalar(select(func.count(AuditEntry.id)).where(
            AuditEntry.action == "auth.login_failed", AuditEntry.actor_name == username))
        db.session.remove()
        return count


def test_thirty_concurrent_wrong_passwords_get_at_most_ten_checked(live_server):
    """Over real HTTP, all at once: the budget is taken atomically before any password is checked."""
    import json
    import threading
    import urllib.error
    import urllib.request

    from meetings.extensions import limiter
    from tests.conftest import LIVE_APPS

    app, username = LIVE_APPS[live_server], "leader"
    limiter.reset()
    before = _failed_checks(app, username)
    start, statuses, lock = threading.Barrier(30), [], threading.Lock()

    def attempt():
        request = urllib.request.Request(
            f"{live_server}/api/v1/auth/token", method="POST", headers={"Content-Type": "application/json"},
            data=json.dumps({"username": username, "password": "wrong-password"}).encode())
        start.wait()
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=attempt) for _ in range(30)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(90)
        checked = _failed_checks(app, username) - before
    finally:
        limiter.reset()  # the browser tests sign in from the same address
    assert sorted(statuses) == [401] * 10 + [429] * 20, statuses
    assert checked == 10, f"{checked} passwords were checked"


# ---- meeting search folds case and accents, and takes % and _ literally --------------------------

def test_meeting_search_ignores_case_and_vietnamese_accents_and_escapes_wildcards(client, bearer):
    headers = bearer("booker")
    titled = _booked(client, headers, title="Giao ban công tác Đảng tháng 12")
    other = _booked(client, headers, weeks=3, title="Tập huấn 100% trực tuyến_nội bộ")

    def found(query: str) -> set[int]:
        response = client.get("/api/v1/meetings", query_string={"q": query, "limit": 500}, headers=headers)
        assert response.status_code == 200
        return {item["id"] for item in response.get_json()["items"]}

    for query in ("GIAO BAN CÔNG TÁC", "giao ban cong tac", "Giao Ban Công Tác", "ĐẢNG", "dang thang"):
        assert titled in found(query), query
    assert titled not in found("%") and other in found("%")
    assert titled not in found("_") and other in found("_")
    assert found("100%") == {other} and found("c_t") == set()  # "truc tuyen" would match a wildcard


def test_the_meetings_page_search_folds_too(client, auth, bearer):
    meeting_id = _booked(client, bearer("booker"), title="Hội nghị sơ kết Thi hành án")
    auth.login("booker")
    page = client.get("/meetings", query_string={"q": "HOI NGHI SO KET", "all": "1"}).get_data(as_text=True)
    assert f"/meetings/{meeting_id}" in page


# ---- one rule for what an operator reads of a meeting ---------------------------------------------

READERS = {"op-thads-an-giang": {"thads-an-giang"}, "op-moj-hq": None, "booker": None, "leader": None, "admin": None}


@pytest.mark.parametrize("username", sorted(READERS))
def test_api_and_pages_show_an_invited_operator_the_counts_and_only_their_own_row(client, auth, bearer, username):

    meeting = held_meeting(client, bearer("booker"), endpoints=["thads-an-giang", "thads-ha-noi", "thads-nghe-an"])
    every = {"moj-hq", "thads-an-giang", "thads-ha-noi", "thads-nghe-an"}
    expected = READERS[username] or every
    headers = bearer(username)
    base = f"/api/v1/meetings/{meeting.id}"

    readiness = client.get(f"{base}/readiness?history=50", headers=headers).get_json()
    assert {item["endpoint"] for item in readiness["items"]} == expected
    assert sum(readiness["counts"].values()) == len(every)  # the counts are of every endpoint
    attendance = client.get(f"{base}/attendance", headers=headers).get_json()
    assert {item["endpoint"] for item in attendance["items"]} == expected
    assert sum(attendance["counts"].values()) == len(every)
    savings = client.get(f"{base}/savings", headers=headers).get_json()
    assert {item["endpoint"] for item in savings["items"]} <= expected
    if READERS[username]:
        assert len(savings["items"]) == 1

    auth.login(username)
    for page in (f"/meetings/{meeting.id}/readiness", f"/meetings/{meeting.id}/attendance",
                 f"/meetings/{meeting.id}/savings"):
        response = client.get(page)
        assert response.status_code == 200, page
        rows = set(re.findall(r'<tr[^>]*data-endpoint="([^"]+)"', response.get_data(as_text=True)))
        assert rows <= expected and (page.endswith("savings") or rows == expected), (page, rows)
    board = client.get(f"/meetings/{meeting.id}/readiness").get_data(as_text=True)
    assert f"/{len(every)}</small>" in board  # the board counts every endpoint, whatever rows it shows


# ---- protocol details -------------------------------------------------------------------------------

def test_a_405_names_the_allowed_methods_in_json_and_on_pages(client, auth, bearer):
    api = client.put("/api/v1/meetings", headers=bearer("booker"))
    assert api.status_code == 405 and api.get_json()["error"]["code"] == "method_not_allowed"
    assert set(api.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}
    auth.login("booker")
    page = client.delete("/meetings")
    assert page.status_code == 405 and "GET" in page.headers["Allow"]


def test_the_meeting_list_is_paged_with_the_total_and_a_link_to_the_next_page(client, bearer):
    headers = bearer("booker")
    ids = [_booked(client, headers, weeks=weeks, title=f"Phiên họp phân trang {weeks}") for weeks in (2, 3, 4)]
    query = {"q": "phan trang", "limit": 2}
    first = client.get("/api/v1/meetings", query_string=query, headers=headers).get_json()
    assert first["count"] == 3 and first["limit"] == 2 and first["offset"] == 0
    assert [item["id"] for item in first["items"]] == ids[:2]
    assert "offset=2" in first["next"] and "limit=2" in first["next"]
    second = client.get(first["next"], headers=headers).get_json()
    assert [item["id"] for item in second["items"]] == ids[2:] and second["next"] is None and second["count"] == 3
    default = client.get("/api/v1/meetings", headers=headers).get_json()
    assert default["limit"] == 100 and default["offset"] == 0
    for bad in ({"limit": 0}, {"limit": 501}, {"offset": -1}, {"limit": "x"}):
        response = client.get("/api/v1/meetings", query_string=bad, headers=headers)
        assert response.status_code == 422 and set(bad) <= set(response.get_json()["error"]["fields"])
