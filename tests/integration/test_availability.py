"""The scheduling assistant's API: busy blocks, and free slots that book without a conflict."""
from datetime import datetime, timedelta

import pytest

from tests.factories import ZONE, at, future_day, meeting_body

SETUP = timedelta(minutes=30)


@pytest.fixture
def headers(bearer):
    return bearer("booker")


def _availability(client, headers, day, minutes=60, **params):
    query = {"date": day.date().isoformat(), "minutes": minutes, **params}
    response = client.get("/api/v1/availability", query_string=query, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value)


def test_free_slots_around_a_booked_meeting_book_without_a_conflict(client, headers):
    day = future_day(weeks=3, weekday=1)
    booked = client.post("/api/v1/meetings", json=meeting_body(day, start=(9, 0), end=(11, 0), endpoints=[],
                                                               groups=["all-enforcement"]), headers=headers)
    assert booked.status_code == 201
    meeting = booked.get_json()

    answer = _availability(client, headers, day, minutes=90, groups="all-enforcement")
    assert answer["ports"]["needed"] == 64 and answer["setup_minutes"] == 30
    assert {b["meeting"] for b in answer["busy"]} == {meeting["id"]}
    assert len(answer["busy"]) == 64 and answer["busy"][0]["title"] == meeting["title"]
    assert {b["start"] for b in answer["busy"]} == {meeting["start"]}
    assert answer["busy"][0]["busy_until"] == (_parse(meeting["end"]) + SETUP).isoformat()
    free = answer["free"]
    assert [(_parse(f["start"]).time().isoformat(), _parse(f["end"]).time().isoformat()) for f in free] == [
        ("11:30:00", "17:30:00")]  # 07:30-08:30 leaves no 90 minutes before 09:00 and its buffer

    shorter = _availability(client, headers, day, minutes=30, groups="all-enforcement")["free"]
    assert [_parse(f["end"]).time().isoformat() for f in shorter] == ["08:30:00", "17:30:00"]

    meeting_start, meeting_busy_until = _parse(meeting["start"]), _parse(meeting["end"]) + SETUP
    for slot in shorter:
        start, end = _parse(slot["start"]), _parse(slot["end"])
        assert end + SETUP <= meeting_start or start >= meeting_busy_until  # clear of the meeting and buffers
        for placement in ((start, start + timedelta(minutes=30)), (end - timedelta(minutes=30), end)):
            check = client.post("/api/v1/meetings/check", headers=headers, json=meeting_body(
                day, endpoints=[], groups=["all-enforcement"]) | {"start": placement[0].isoformat(),
                                                                  "end": placement[1].isoformat()})
            assert check.get_json()["ok"], (placement, check.get_json())
    for slot in shorter:  # and every suggested slot really books
        start = _parse(slot["start"])
        response = client.post("/api/v1/meetings", headers=headers, json=meeting_body(
            day, endpoints=[], groups=["all-enforcement"], title="Đặt theo gợi ý")
            | {"start": start.isoformat(), "end": (start + timedelta(minutes=30)).isoformat()})
        assert response.status_code == 201, response.get_json()


def test_one_minute_into_the_buffer_is_not_offered(client, headers):
    day = future_day(weeks=3, weekday=2)
    client.post("/api/v1/meetings", json=meeting_body(day, start=(8, 0), end=(11, 30)), headers=headers)
    free = _availability(client, headers, day, minutes=30, endpoints="thads-an-giang")["free"]
    assert _parse(free[0]["start"]) == _parse(at(day, 12))
    too_early = client.post("/api/v1/meetings", headers=headers,
                            json=meeting_body(day, start=(11, 59), end=(12, 30), title="Sớm một phút"))
    assert too_early.status_code == 409
    on_time = client.post("/api/v1/meetings", headers=headers,
                          json=meeting_body(day, start=(12, 0), end=(12, 30), title="Đúng giờ"))
    assert on_time.status_code == 201


def test_the_mcu_ports_bound_the_slots_too(client, headers, app, monkeypatch):
    day = future_day(weeks=3, weekday=3)
    client.post("/api/v1/meetings", json=meeting_body(day, start=(9, 0), end=(11, 0), endpoints=[],
                                                      groups=["all-enforcement"]), headers=headers)
    monkeypatch.setitem(app.config, "MCU_PORTS", 65)
    answer = _availability(client, headers, day, minutes=60, host="tcl-tay-bac", endpoints="tcl-dong-hoi")
    assert answer["busy"] == []  # no endpoint of theirs is busy, but the MCU is full from 09:00 to 11:00
    slots = [(_parse(f["start"]).time().isoformat(), _parse(f["end"]).time().isoformat()) for f in answer["free"]]
    assert slots == [("07:30:00", "09:00:00"), ("11:00:00", "17:30:00")]
    for slot in answer["free"]:
        start = _parse(slot["start"])
        body = meeting_body(day, host="tcl-tay-bac", endpoints=["tcl-dong-hoi"], title="Họp trường")
        body |= {"start": start.isoformat(), "end": (start + timedelta(minutes=60)).isoformat()}
        assert client.post("/api/v1/meetings", headers=headers, json=body).status_code == 201
    inside = meeting_body(day, host="tcl-tay-bac", endpoints=["tcl-dong-hoi"], start=(10, 0), end=(10, 30))
    refused = client.post("/api/v1/meetings", headers=headers, json=inside)
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "capacity"


def test_a_meeting_being_changed_does_not_stand_in_its_own_way(client, headers):
    day = future_day(weeks=3, weekday=4)
    meeting = client.post("/api/v1/meetings", json=meeting_body(day, start=(8, 0), end=(17, 0)),
                          headers=headers).get_json()
    assert _availability(client, headers, day, endpoints="thads-an-giang")["free"] == []
    own = _availability(client, headers, day, endpoints="thads-an-giang", meeting=meeting["id"])["free"]
    assert _parse(own[0]["start"]) == _parse(at(day, 7, 30))


def test_endpoints_come_host_first_then_in_vietnamese_order(client, headers):
    day = future_day(weeks=3)
    answer = _availability(client, headers, day, groups="all-enforcement",
                           endpoints="thads-dien-bien,thads-dak-lak")
    provinces = [e["province"] for e in answer["endpoints"]]
    assert answer["endpoints"][0]["code"] == "moj-hq" and answer["endpoints"][0]["is_host"]
    assert provinces.index("Hải Dương") < provinces.index("Hòa Bình")
    assert provinces.index("Cà Mau") < provinces.index("Đà Nẵng") < provinces.index("Đắk Lắk") \
        < provinces.index("Điện Biên") < provinces.index("Đồng Nai") < provinces.index("Gia Lai")


def test_bad_questions_get_field_messages_and_operators_are_refused(client, headers, bearer):
    bad = client.get("/api/v1/availability?date=31/02/2026&minutes=abc&endpoints=thads-an-giang", headers=headers)
    assert bad.status_code == 422 and set(bad.get_json()["error"]["fields"]) == {"date", "minutes"}
    unknown = client.get("/api/v1/availability?date=2026-12-08&endpoints=nowhere", headers=headers)
    assert unknown.status_code == 422 and "endpoints" in unknown.get_json()["error"]["fields"]
    vietnamese_day = client.get("/api/v1/availability?date=08/12/2026&endpoints=thads-an-giang", headers=headers)
    assert vietnamese_day.status_code == 200 and vietnamese_day.get_json()["date"] == "2026-12-08"
    operator = client.get("/api/v1/availability?date=2026-12-08&endpoints=thads-an-giang",
                          headers=bearer("op-thads-an-giang"))
    assert operator.status_code == 403


def test_a_past_day_has_no_free_slot(client, headers):
    yesterday = datetime.now(ZONE) - timedelta(days=1)
    assert _availability(client, headers, yesterday, endpoints="thads-an-giang")["free"] == []


def test_the_answer_for_63_departments_takes_a_fixed_number_of_queries(client, headers, count_queries):
    day = future_day(weeks=3, weekday=1)
    client.post("/api/v1/meetings", json=meeting_body(day, start=(9, 0), end=(11, 0), endpoints=[],
                                                      groups=["all-enforcement"]), headers=headers)
    with count_queries() as few:
        _availability(client, headers, day, endpoints="thads-an-giang")
    with count_queries() as many:
        answer = _availability(client, headers, day, groups="all-enforcement")
    assert len(answer["busy"]) == 64
    assert len(many) <= len(few) + 2  # the group's lookup, not one query per endpoint
