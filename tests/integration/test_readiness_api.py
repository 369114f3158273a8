"""The readiness API: the contract's shape, who may answer for which endpoint, closed at the start,
history, conditional requests, and a fixed number of SQL statements whatever the meeting's size."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from meetings.database import utcnow
from meetings.endpoints.models import Endpoint
from meetings.extensions import db
from meetings.readiness.models import EndpointProbe, ProbeResult, ReadinessReminder, TechnicalTest
from meetings.readiness.services import get_meeting, get_participant, record_test, set_readiness
from tests.factories import AN_GIANG, CA_MAU, HA_NOI, add_endpoints, add_participants, changes_of, participant, upcoming

CONTRACT_ITEM_KEYS = {"endpoint", "name", "region", "status", "note", "updated_at", "updated_by"}


def _url(meeting, code: str | None = None, suffix: str = "") -> str:
    return f"/api/v1/meetings/{meeting.id}/readiness" + (f"/{code}" if code else "") + suffix


def test_readiness_has_the_contract_shape(client, bearer):
    meeting = upcoming()
    body = client.get(_url(meeting), headers=bearer("booker")).get_json()
    assert body["meeting"] == meeting.id
    assert body["counts"] == {"pending": 3, "ready": 0, "not_ready": 0}
    assert {item["endpoint"] for item in body["items"]} == {"moj-hq", AN_GIANG, HA_NOI}
    for item in body["items"]:
        assert CONTRACT_ITEM_KEYS <= set(item)
        assert item["status"] == "pending" and item["updated_at"] is None and item["updated_by"] is None
    assert body["items"][0]["endpoint"] == "moj-hq" and body["items"][0]["is_host"] is True


def test_an_operator_confirms_for_their_own_endpoint(client, bearer):
    meeting = upcoming()
    response = client.put(_url(meeting, AN_GIANG), json={"status": "ready"}, headers=bearer("op-thads-an-giang"))
    assert response.status_code == 200
    item = response.get_json()
    assert item["endpoint"] == AN_GIANG and item["status"] == "ready" and item["on_behalf"] is False
    assert item["updated_by"] == "op-thads-an-giang" and item["updated_via"] == "api"
    assert item["updated_at"].endswith("+07:00")
    assert participant(meeting, AN_GIANG).readiness == "ready"


def test_an_operator_is_refused_for_another_endpoint_of_the_same_meeting(client, bearer):
    meeting = upcoming()
    response = client.put(_url(meeting, HA_NOI), json={"status": "ready"}, headers=bearer("op-thads-an-giang"))
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
    assert participant(meeting, HA_NOI).readiness == "pending" and changes_of(meeting) == []


def test_an_operator_whose_endpoint_is_not_invited_gets_403_not_404(client, bearer):
    meeting = upcoming()
    headers = bearer("op-thads-ca-mau")
    assert client.get(_url(meeting), headers=headers).status_code == 403
    assert client.put(_url(meeting, CA_MAU), json={"status": "ready"}, headers=headers).status_code == 403
    assert client.put(_url(meeting, AN_GIANG), json={"status": "ready"}, headers=headers).status_code == 403


def test_not_ready_without_a_reason_is_422_with_a_field_message(client, bearer):
    meeting = upcoming()
    headers = bearer("op-thads-an-giang")
    for body in ({"status": "not_ready"}, {"status": "not_ready", "note": "   "}):
        response = client.put(_url(meeting, AN_GIANG), json=body, headers=headers)
        assert response.status_code == 422
        error = response.get_json()["error"]
        assert error["code"] == "validation" and set(error["fields"]) == {"note"}
    assert participant(meeting, AN_GIANG).readiness == "pending" and changes_of(meeting) == []


def test_not_ready_with_a_reason_is_kept(client, bearer):
    meeting = upcoming()
    response = client.put(_url(meeting, AN_GIANG), json={"status": "not_ready", "note": "Mất điện  cả tòa nhà"},
                          headers=bearer("op-thads-an-giang"))
    assert response.status_code == 200 and response.get_json()["note"] == "Mất điện cả tòa nhà"


@pytest.mark.parametrize("body, field", [({"status": "maybe"}, "status"), ({}, "status"),
                                          ({"status": "ready", "note": 5}, "note"),
                                          ({"status": "ready", "note": "x" * 501}, "note")])
def test_bad_answers_are_422(client, bearer, body, field):
    meeting = upcoming()
    response = client.put(_url(meeting, AN_GIANG), json=body, headers=bearer("op-thads-an-giang"))
    assert response.status_code == 422 and field in response.get_json()["error"]["fields"]


def test_a_body_that_is_not_json_is_400(client, bearer):
    meeting = upcoming()
    response = client.put(_url(meeting, AN_GIANG), data="ready", headers=bearer("op-thads-an-giang"))
    assert response.status_code == 400


def test_after_the_start_readiness_is_closed_with_409_and_nothing_changes(client, bearer):
    meeting = upcoming(starts_in=timedelta(minutes=-5))
    for username in ("op-thads-an-giang", "booker"):
        response = client.put(_url(meeting, AN_GIANG), json={"status": "ready"}, headers=bearer(username))
        assert response.status_code == 409 and response.get_json()["error"]["code"] == "closed"
    assert participant(meeting, AN_GIANG).readiness == "pending" and changes_of(meeting) == []
    assert client.get(_url(meeting), headers=bearer("booker")).get_json()["open"] is False


def test_a_cancelled_meeting_takes_no_answer(client, bearer):
    meeting = upcoming(status="cancelled")
    response = client.put(_url(meeting, AN_GIANG), json={"status": "ready"}, headers=bearer("op-thads-an-giang"))
    assert response.status_code == 409 and participant(meeting, AN_GIANG).readiness == "pending"


def test_a_booker_answers_on_an_endpoints_behalf_and_it_says_so(client, bearer):
    meeting = upcoming()
    item = client.put(_url(meeting, HA_NOI), json={"status": "not_ready", "note": "Gọi điện: thiếu kỹ thuật viên"},
                      headers=bearer("booker")).get_json()
    assert item["on_behalf"] is True and item["updated_by"] == "booker"
    [change] = changes_of(meeting)
    assert change.on_behalf is True and change.actor_name == "booker" and change.channel == "api"


def test_a_leader_reads_but_does_not_answer(client, bearer):
    meeting = upcoming()
    headers = bearer("leader")
    assert client.get(_url(meeting), headers=headers).status_code == 200
    assert client.put(_url(meeting, AN_GIANG), json={"status": "ready"}, headers=headers).status_code == 403


def test_unknown_meeting_and_endpoint_are_404(client, bearer):
    meeting = upcoming()
    headers = bearer("booker")
    assert client.get("/api/v1/meetings/987654/readiness", headers=headers).status_code == 404
    assert client.put(_url(meeting, CA_MAU), json={"status": "ready"}, headers=headers).status_code == 404
    assert client.put(_url(meeting, "no-such-endpoint"), json={"status": "ready"}, headers=headers).status_code == 404


def test_every_change_is_kept_with_who_when_and_from_what(client, bearer):
    meeting = upcoming()
    operator, booker = bearer("op-thads-an-giang"), bearer("booker")
    client.put(_url(meeting, AN_GIANG), json={"status": "ready"}, headers=operator)
    client.put(_url(meeting, AN_GIANG), json={"status": "ready"}, headers=operator)  # the same answer: no change
    client.put(_url(meeting, AN_GIANG), json={"status": "not_ready", "note": "Hỏng micro"}, headers=operator)
    client.put(_url(meeting, AN_GIANG), json={"status": "ready", "note": "Đã thay micro"}, headers=booker)
    steps = [(c.from_status, c.to_status, c.actor_name, c.on_behalf) for c in changes_of(meeting)]
    assert steps == [("pending", "ready", "op-thads-an-giang", False),
                     ("ready", "not_ready", "op-thads-an-giang", False),
                     ("not_ready", "ready", "booker", True)]
    history = client.get(_url(meeting, suffix="?history=10"), headers=booker).get_json()["history"]
    assert [(h["from"], h["to"], h["by"]) for h in history] == [(a, b, c) for a, b, c, _ in reversed(steps)]
    assert all(h["at"].endswith("+07:00") for h in history)


def test_history_parameter_is_checked(client, bearer):
    meeting = upcoming()
    response = client.get(_url(meeting, suffix="?history=9999"), headers=bearer("booker"))
    assert response.status_code == 422 and "history" in response.get_json()["error"]["fields"]


def test_a_conditional_request_answers_304_until_something_changes(client, bearer):
    meeting = upcoming()
    booker = bearer("booker")
    first = client.get(_url(meeting), headers=booker)
    etag = first.headers["ETag"]
    assert etag and first.get_json()["version"] == etag.strip('"')
    unchanged = client.get(_url(meeting), headers={**booker, "If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.get_data() == b""
    client.put(_url(meeting, AN_GIANG), json={"status": "ready"}, headers=bearer("op-thads-an-giang"))
    changed = client.get(_url(meeting), headers={**booker, "If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert changed.get_json()["counts"]["ready"] == 1


def test_the_version_follows_tests_probes_and_reminders_too(client, bearer, app):
    meeting = upcoming(starts_in=timedelta(minutes=30))
    booker = bearer("booker")
    etags = [client.get(_url(meeting), headers=booker).headers["ETag"]]
    hq = get_participant(get_meeting(meeting.id), "moj-hq")
    record_test(get_meeting(meeting.id), hq, "test_ok", "", actor=_user("booker"), channel="web")
    etags.append(client.get(_url(meeting), headers=booker).headers["ETag"])
    endpoint_id = hq.endpoint_id
    db.session.add(ProbeResult(meeting_id=meeting.id, endpoint_id=endpoint_id, state="ok", detail="TCP 5060 open",
                               checked_at=utcnow(), next_check_at=utcnow()))
    db.session.add(EndpointProbe(endpoint_id=endpoint_id, address="127.0.0.1:5060"))
    db.session.flush()
    etags.append(client.get(_url(meeting), headers=booker).headers["ETag"])
    db.session.add(ReadinessReminder(meeting_id=meeting.id, endpoint_id=endpoint_id, kind="reminder-120",
                                     for_start_at=meeting.start_at))
    db.session.flush()
    etags.append(client.get(_url(meeting), headers=booker).headers["ETag"])
    assert len(set(etags)) == 4


def _user(username: str):
    from meetings.auth.models import User

    return db.session.scalar(select(User).where(User.username == username))


def _busy_board(meeting, extra_endpoint_ids: list[int]) -> None:
    """Answers, tests, probes and reminders on a share of the endpoints, so that every join has rows."""
    if extra_endpoint_ids:
        add_participants(meeting, extra_endpoint_ids)
    meeting = get_meeting(meeting.id)
    operator = _user("booker")
    codes = sorted(p.endpoint.code for p in meeting.participants)
    for index, code in enumerate(codes[:40]):
        status = "not_ready" if index % 4 == 0 else "ready"
        set_readiness(meeting, get_participant(meeting, code), status, "Thiếu camera" if status == "not_ready" else "",
                      actor=operator, channel="web")
    now = utcnow()
    for endpoint_id in extra_endpoint_ids[:30]:
        db.session.add(TechnicalTest(meeting_id=meeting.id, endpoint_id=endpoint_id, result="test_ok",
                                     recorded_by_name="booker", recorded_at=now))
        db.session.add(ProbeResult(meeting_id=meeting.id, endpoint_id=endpoint_id, state="failed", detail="refused",
                                   checked_at=now, next_check_at=now))
        db.session.add(ReadinessReminder(meeting_id=meeting.id, endpoint_id=endpoint_id, kind="reminder-1440",
                                         for_start_at=meeting.start_at, sent_at=now))
    db.session.flush()


def test_the_board_data_takes_the_same_number_of_statements_for_70_and_1000_endpoints(client, bearer,
                                                                                     count_queries):
    seeded = list(db.session.scalars(select(Endpoint.code).where(Endpoint.code != "moj-hq")))
    small = upcoming(participants=tuple(seeded), starts_in=timedelta(days=30))
    large = upcoming(participants=tuple(seeded), starts_in=timedelta(days=31))
    _busy_board(small, [])
    _busy_board(large, add_endpoints(930))
    headers = bearer("booker")
    client.get(_url(small), headers=headers)  # the token's first use is recorded once; not part of the board
    statements, sizes = [], []
    for meeting in (small, large):
        with count_queries() as executed:
            body = client.get(_url(meeting, suffix="?history=30"), headers=headers).get_json()
        statements.append(len(executed))
        sizes.append(len(body["items"]))
    assert sizes == [70, 1000]
    assert statements[0] == statements[1], statements
    assert statements[0] <= 8
