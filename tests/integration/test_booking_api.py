"""Booking through the JSON API, as DESIGN.md §4 names it."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from meetings.booking.models import Meeting, Participant
from meetings.extensions import db
from tests.factories import at, future_day, meeting_body


@pytest.fixture
def headers(bearer):
    return bearer("booker")


def test_booking_all_enforcement_departments_gives_63_plus_the_host(client, headers):
    day = future_day()
    response = client.post("/api/v1/meetings", json=meeting_body(day, endpoints=[], groups=["all-enforcement"]),
                           headers=headers)
    assert response.status_code == 201, response.get_json()
    meeting = response.get_json()
    assert len(meeting["participants"]) == 64
    assert {p["readiness"] for p in meeting["participants"]} == {"pending"}
    assert meeting["host"] == "moj-hq" and meeting["status"] == "scheduled"
    assert meeting["start"].endswith("+07:00") and meeting["start"].startswith(at(day, 8)[:16])
    assert meeting["sequence"] == 0 and meeting["ics_uid"] and meeting["series_id"] is None
    for key in ("id", "title", "end", "organizer", "chair", "agenda", "bridge_to_government"):
        assert key in meeting


def test_overlapping_booking_of_an_giang_is_refused_with_the_conflict(client, headers):
    day = future_day()
    first = client.post("/api/v1/meetings", json=meeting_body(day), headers=headers).get_json()
    response = client.post("/api/v1/meetings", json=meeting_body(day, start=(11, 0), end=(12, 0), title="Họp khác"),
                           headers=headers)
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "conflict"
    conflict = next(c for c in error["conflicts"] if c["endpoint"] == "thads-an-giang")
    assert conflict["meeting"] == first["id"] and conflict["title"] == first["title"]
    assert conflict["start"] == first["start"] and conflict["end"] == first["end"]


def test_a_slot_after_the_end_plus_the_buffer_succeeds(client, headers):
    day = future_day()
    client.post("/api/v1/meetings", json=meeting_body(day, start=(8, 0), end=(11, 30)), headers=headers)
    just_inside = client.post("/api/v1/meetings", json=meeting_body(day, start=(11, 59), end=(13, 0)), headers=headers)
    assert just_inside.status_code == 409
    after_buffer = client.post("/api/v1/meetings", json=meeting_body(day, start=(12, 0), end=(13, 0)), headers=headers)
    assert after_buffer.status_code == 201


def test_a_cancelled_meeting_frees_its_endpoints(client, headers):
    day = future_day()
    first = client.post("/api/v1/meetings", json=meeting_body(day), headers=headers).get_json()
    assert client.delete(f"/api/v1/meetings/{first['id']}", json={"reason": "Hoãn"}, headers=headers).status_code == 200
    assert client.post("/api/v1/meetings", json=meeting_body(day), headers=headers).status_code == 201
    kept = client.get(f"/api/v1/meetings/{first['id']}", headers=headers).get_json()
    assert kept["status"] == "cancelled" and kept["cancel_reason"] == "Hoãn"


@pytest.mark.parametrize("change, field", [
    ({"end": "START"}, "end"),
    ({"title": "x" * 301}, "title"),
    ({"title": ""}, "title"),
    ({"endpoints": ["nowhere"]}, "endpoints"),
    ({"groups": ["no-such-group"]}, "groups"),
    ({"endpoints": []}, "endpoints"),
    ({"recurrence": "FREQ=WEEKLY"}, "recurrence"),
    ({"recurrence": "FREQ=WEEKLY;COUNT=101"}, "recurrence"),
    ({"start": "not a time"}, "start"),
    ({"bridge_to_government": "yes"}, "bridge_to_government"),
    ({"attendees": {"thads-an-giang": -1}}, "attendees.thads-an-giang"),
])
def test_bad_input_gets_a_field_message_and_saves_nothing(client, headers, change, field):
    body = meeting_body(future_day())
    if change.get("end") == "START":
        change = {"end": body["start"]}
    body.update(change)
    before = db.session.scalar(select(func.count(Meeting.id)))
    response = client.post("/api/v1/meetings", json=body, headers=headers)
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "validation" and field in error["fields"] and error["fields"][field]
    assert db.session.scalar(select(func.count(Meeting.id))) == before


def test_a_meeting_in_the_past_is_refused(client, headers):
    response = client.post("/api/v1/meetings", json=meeting_body(future_day(weeks=-2)), headers=headers)
    assert response.status_code == 422 and "start" in response.get_json()["error"]["fields"]


def test_malformed_json_is_400(client, headers):
    response = client.post("/api/v1/meetings", data="{not json", content_type="application/json", headers=headers)
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "malformed"


def test_messages_in_english_on_request(client, headers):
    body = meeting_body(future_day(), endpoints=["nowhere"])
    response = client.post("/api/v1/meetings", json=body, headers={**headers, "Accept-Language": "en"})
    assert response.get_json()["error"]["fields"]["endpoints"].startswith("Unknown endpoint codes")
    vietnamese = client.post("/api/v1/meetings", json=body, headers=headers)
    assert vietnamese.get_json()["error"]["fields"]["endpoints"] != response.get_json()["error"]["fields"]["endpoints"]


def test_a_naive_time_means_hanoi_time(client, headers):
    day = future_day()
    body = meeting_body(day, start=(8, 0))
    body["start"], body["end"] = body["start"][:19], body["end"][:19]  # drop +07:00
    meeting = client.post("/api/v1/meetings", json=body, headers=headers).get_json()
    assert meeting["start"] == day.replace(hour=8).isoformat()


def test_retired_endpoint_cannot_be_invited(client, headers, auth):
    from meetings.auth.services import find_user
    from meetings.endpoints.services import get_endpoint, retire_endpoint

    retire_endpoint(get_endpoint("tcl-tay-bac"), on=future_day().date(), actor=find_user("admin"))
    db.session.commit()
    response = client.post("/api/v1/meetings", json=meeting_body(future_day(), endpoints=["tcl-tay-bac"]),
                           headers=headers)
    assert response.status_code == 422 and "tcl-tay-bac" in response.get_json()["error"]["fields"]["endpoints"]


def test_changing_the_time_raises_the_sequence_and_keeps_the_uid(client, headers):
    day = future_day()
    meeting = client.post("/api/v1/meetings", json=meeting_body(day), headers=headers).get_json()
    changed = client.patch(f"/api/v1/meetings/{meeting['id']}", json={"start": at(day, 9), "end": at(day, 12)},
                           headers=headers)
    assert changed.status_code == 200, changed.get_json()
    body = changed.get_json()
    assert body["sequence"] == meeting["sequence"] + 1 and body["ics_uid"] == meeting["ics_uid"]
    assert body["start"] == at(day, 9)


def test_a_change_follows_the_conflict_rules(client, headers):
    day = future_day()
    client.post("/api/v1/meetings", json=meeting_body(day, start=(13, 0), end=(15, 0)), headers=headers)
    second = client.post("/api/v1/meetings", json=meeting_body(day), headers=headers).get_json()
    response = client.patch(f"/api/v1/meetings/{second['id']}", json={"end": at(day, 13, 30)}, headers=headers)
    assert response.status_code == 409
    assert client.get(f"/api/v1/meetings/{second['id']}", headers=headers).get_json()["end"] == second["end"]


def test_changing_participants(client, headers):
    meeting = client.post("/api/v1/meetings", json=meeting_body(future_day()), headers=headers).get_json()
    body = client.patch(f"/api/v1/meetings/{meeting['id']}", json={
        "endpoints": ["thads-ca-mau", "tcl-vi-thanh"], "attendees": {"thads-ca-mau": 12}}, headers=headers).get_json()
    codes = {p["endpoint"]: p for p in body["participants"]}
    assert set(codes) == {"moj-hq", "thads-ca-mau", "tcl-vi-thanh"}
    assert codes["thads-ca-mau"]["expected_attendees"] == 12


def test_weekly_series_of_ten_and_cancelling_this_and_following(client, headers):
    day = future_day()
    response = client.post("/api/v1/meetings", json=meeting_body(day, recurrence="FREQ=WEEKLY;COUNT=10"),
                           headers=headers)
    assert response.status_code == 201
    body = response.get_json()
    assert body["series_id"] and len(body["meetings"]) == 10
    sixth = body["meetings"][5]
    cancelled = client.delete(f"/api/v1/meetings/{sixth['id']}", json={"scope": "following"}, headers=headers)
    assert cancelled.status_code == 200 and len(cancelled.get_json()["meetings"]) == 5
    statuses = [
        client.get(f"/api/v1/meetings/{m['id']}", headers=headers).get_json()["status"] for m in body["meetings"]
    ]
    assert statuses == ["scheduled"] * 5 + ["cancelled"] * 5


def test_moving_this_and_following_shifts_each_occurrence(client, headers):
    day = future_day()
    body = client.post(
        "/api/v1/meetings", json=meeting_body(day, recurrence="FREQ=WEEKLY;COUNT=4"), headers=headers
    ).get_json()
    third = body["meetings"][2]
    moved = client.patch(
        f"/api/v1/meetings/{third['id']}",
        json={"start": at(day + timedelta(weeks=2), 14), "end": at(day + timedelta(weeks=2), 16), "scope": "following"},
        headers=headers,
    ).get_json()
    assert [m["start"][11:16] for m in moved["meetings"]] == ["14:00", "14:00"]
    first = client.get(f"/api/v1/meetings/{body['meetings'][0]['id']}", headers=headers).get_json()
    assert first["start"][11:16] == "08:00"


def test_a_series_with_a_taken_date_is_refused_whole(client, headers):
    day = future_day()
    client.post("/api/v1/meetings", json=meeting_body(day + timedelta(weeks=3)), headers=headers)
    response = client.post(
        "/api/v1/meetings", json=meeting_body(day, recurrence="FREQ=WEEKLY;COUNT=5"), headers=headers
    )
    assert response.status_code == 409
    conflicts = response.get_json()["error"]["conflicts"]
    assert {c["occurrence_start"][:10] for c in conflicts} == {(day + timedelta(weeks=3)).date().isoformat()}
    assert db.session.scalar(select(func.count(Meeting.id))) == 1


def test_the_mcu_port_limit(app, client, headers):
    app.config["MCU_PORTS"] = 68
    try:
        day = future_day()
        assert (
            client.post(
                "/api/v1/meetings", json=meeting_body(day, endpoints=[], groups=["all-enforcement"]), headers=headers
            ).status_code
            == 201
        )
        response = client.post(
            "/api/v1/meetings",
            json=meeting_body(
                day,
                host="tcl-thai-nguyen",
                endpoints=[
                    "tcl-tay-bac",
                    "tcl-dong-hoi",
                    "tcl-vi-thanh",
                    "moj-southern-office",
                    "tcl-buon-ma-thuot",
                    "tcl-thai-nguyen",
                ],
            ),
            headers=headers,
        )
        assert response.status_code == 409 and response.get_json()["error"]["code"] == "capacity"
    finally:
        app.config["MCU_PORTS"] = 120


def test_roles_who_may_book(client, bearer):
    body = meeting_body(future_day())
    assert client.post("/api/v1/meetings", json=body, headers=bearer("leader")).status_code == 403
    assert client.post("/api/v1/meetings", json=body, headers=bearer("op-thads-an-giang")).status_code == 403
    assert client.post("/api/v1/meetings", json=body, headers=bearer("admin")).status_code == 201


def test_operators_see_only_their_meetings(client, headers, bearer):
    day = future_day()
    theirs = client.post("/api/v1/meetings", json=meeting_body(day), headers=headers).get_json()
    other = client.post(
        "/api/v1/meetings", json=meeting_body(day, endpoints=["thads-ca-mau"], host="thads-bac-lieu"), headers=headers
    ).get_json()
    operator = bearer("op-thads-an-giang")
    assert client.get(f"/api/v1/meetings/{theirs['id']}", headers=operator).status_code == 200
    refused = client.get(f"/api/v1/meetings/{other['id']}", headers=operator)
    assert refused.status_code == 403 and other["title"] not in refused.get_data(as_text=True)
    listed = client.get("/api/v1/meetings", headers=operator).get_json()
    assert [m["id"] for m in listed["items"]] == [theirs["id"]]


def test_list_filters(client, headers):
    day = future_day()
    a = client.post("/api/v1/meetings", json=meeting_body(day), headers=headers).get_json()
    b = client.post(
        "/api/v1/meetings", json=meeting_body(day + timedelta(days=1), endpoints=["thads-ca-mau"]), headers=headers
    ).get_json()

    def ids(query):
        return [m["id"] for m in client.get(f"/api/v1/meetings?{query}", headers=headers).get_json()["items"]]

    assert ids("endpoint=thads-ca-mau") == [b["id"]]
    assert ids(f"from={day.date().isoformat()}&to={(day + timedelta(hours=23)).isoformat()}".replace("+", "%2B")) == [
        a["id"]
    ]
    assert ids("status=cancelled") == []
    assert client.get("/api/v1/meetings?status=nope", headers=headers).status_code == 422


def test_availability_check_books_nothing(client, headers):
    day = future_day()
    client.post("/api/v1/meetings", json=meeting_body(day), headers=headers)
    answer = client.post("/api/v1/meetings/check", json=meeting_body(day, start=(9, 0), end=(10, 0)), headers=headers)
    assert answer.status_code == 200
    result = answer.get_json()
    assert result["ok"] is False and result["conflicts"][0]["endpoint"] in ("moj-hq", "thads-an-giang")
    assert db.session.scalar(select(func.count(Meeting.id))) == 1


def test_complete_by_hand_only_after_the_start(client, headers):
    meeting = client.post("/api/v1/meetings", json=meeting_body(future_day()), headers=headers).get_json()
    response = client.post(f"/api/v1/meetings/{meeting['id']}/complete", headers=headers)
    assert response.status_code == 409


def test_booking_costs_a_constant_number_of_queries(client, headers, count_queries):
    day = future_day()
    everyone = [e["code"] for e in client.get("/api/v1/endpoints", headers=headers).get_json()["items"]]
    with count_queries() as few:
        client.post("/api/v1/meetings", json=meeting_body(day, endpoints=["thads-an-giang"]), headers=headers)
    with count_queries() as many:
        client.post("/api/v1/meetings", json=meeting_body(day + timedelta(days=1), endpoints=everyone), headers=headers)
    with count_queries() as by_groups:
        client.post(
            "/api/v1/meetings",
            json=meeting_body(
                day + timedelta(days=2), endpoints=[], groups=["all-enforcement", "law-schools", "southern-office"]
            ),
            headers=headers,
        )
    assert len(many) == len(few), "\n".join(many)
    assert len(by_groups) == len(few) + 1  # the group lookup
    assert db.session.scalar(select(func.count(Participant.id))) == 2 + 70 + 70
