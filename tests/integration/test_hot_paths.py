"""The hot paths read large meetings and the whole registry in a fixed number of statements, and the bodies
kept per data version follow every change: a cached answer is never older than the database."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from meetings.endpoints.models import Endpoint
from meetings.extensions import db
from meetings.readiness.models import ReadinessChange
from tests.factories import AN_GIANG, add_endpoints, add_participants, upcoming


def _statements_for(client, count_queries, path: str, headers: dict) -> tuple[int, dict]:
    client.get(path, headers=headers)  # the token's first use is recorded once; not part of the figure
    with count_queries() as executed:
        response = client.get(path, headers=headers)
    assert response.status_code == 200
    return len(executed), response.get_json()


def test_a_meeting_reads_in_the_same_statements_for_70_and_1000_endpoints(client, bearer, count_queries):
    seeded = tuple(db.session.scalars(select(Endpoint.code).where(Endpoint.code != "moj-hq")))
    small = upcoming(participants=seeded, starts_in=timedelta(days=30))
    large = upcoming(participants=seeded, starts_in=timedelta(days=31))
    add_participants(large, add_endpoints(930))
    headers = bearer("booker")
    few, small_body = _statements_for(client, count_queries, f"/api/v1/meetings/{small.id}", headers)
    many, large_body = _statements_for(client, count_queries, f"/api/v1/meetings/{large.id}", headers)
    assert (small_body["participant_count"], large_body["participant_count"]) == (70, 1000)
    assert len(large_body["participants"]) == 1000
    assert few == many <= 4, (few, many)
    first = large_body["participants"][0]
    assert first["endpoint"] == "moj-hq" and first["is_host"] is True
    assert set(first) == {"endpoint", "name", "region", "is_host", "expected_attendees", "readiness", "attendance"}


def test_an_operator_reads_only_meetings_of_their_endpoint(client, bearer):
    invited = upcoming(participants=(AN_GIANG,))
    elsewhere = upcoming(participants=("thads-ha-noi",), starts_in=timedelta(days=21))
    headers = bearer(f"op-{AN_GIANG}")
    assert client.get(f"/api/v1/meetings/{invited.id}", headers=headers).status_code == 200
    assert client.get(f"/api/v1/meetings/{elsewhere.id}", headers=headers).status_code == 403
    assert client.get("/api/v1/meetings/999999", headers=headers).status_code == 404


def test_the_registry_reads_in_the_same_statements_for_70_and_1000_endpoints(client, bearer, count_queries):
    headers = bearer("booker")
    few, small_body = _statements_for(client, count_queries, "/api/v1/endpoints", headers)
    add_endpoints(930)
    many, large_body = _statements_for(client, count_queries, "/api/v1/endpoints", headers)
    assert large_body["count"] == small_body["count"] + 930
    assert few == many <= 4, (few, many)


def test_the_registry_answer_follows_every_change(client, bearer):
    headers = bearer("booker")

    def name_of(code: str) -> str:
        items = client.get("/api/v1/endpoints", headers=headers).get_json()["items"]
        return next(item["name"] for item in items if item["code"] == code)

    before = name_of(AN_GIANG)
    endpoint = db.session.scalar(select(Endpoint).where(Endpoint.code == AN_GIANG))
    endpoint.name = before + " (mới)"
    db.session.flush()
    assert name_of(AN_GIANG) == before + " (mới)"
    add_endpoints(1)
    assert client.get("/api/v1/endpoints", headers=headers).get_json()["count"] == \
        client.get("/api/v1/endpoints?active=true", headers=headers).get_json()["count"]


def test_the_board_answer_follows_a_renamed_endpoint(client, bearer):
    meeting = upcoming()
    headers = bearer("booker")
    url = f"/api/v1/meetings/{meeting.id}/readiness"
    first = client.get(url, headers=headers)
    endpoint = db.session.scalar(select(Endpoint).where(Endpoint.code == AN_GIANG))
    endpoint.name = "Thi hành án dân sự tỉnh An Giang (mới)"
    db.session.flush()
    unchanged = client.get(url, headers={**headers, "If-None-Match": first.headers["ETag"]})
    assert unchanged.status_code == 200
    names = {item["endpoint"]: item["name"] for item in unchanged.get_json()["items"]}
    assert names[AN_GIANG] == "Thi hành án dân sự tỉnh An Giang (mới)"


def test_the_board_answer_follows_an_answer(client, bearer):
    meeting = upcoming()
    booker, operator = bearer("booker"), bearer(f"op-{AN_GIANG}")
    url = f"/api/v1/meetings/{meeting.id}/readiness"
    assert client.get(url, headers=booker).get_json()["counts"]["ready"] == 0
    assert client.put(f"{url}/{AN_GIANG}", json={"status": "ready"}, headers=operator).status_code == 200
    assert client.get(url, headers=booker).get_json()["counts"]["ready"] == 1


def test_an_operators_answer_takes_the_same_few_statements_for_70_and_1000_endpoints(client, bearer, count_queries):
    seeded = tuple(db.session.scalars(select(Endpoint.code).where(Endpoint.code != "moj-hq")))
    small = upcoming(participants=seeded, starts_in=timedelta(days=30))
    large = upcoming(participants=seeded, starts_in=timedelta(days=31))
    add_participants(large, add_endpoints(930))
    headers = bearer(f"op-{AN_GIANG}")
    client.get(f"/api/v1/meetings/{small.id}", headers=headers)  # the token's first use is recorded once
    statements = []
    for meeting in (small, large):
        url = f"/api/v1/meetings/{meeting.id}/readiness/{AN_GIANG}"
        for status, note in (("not_ready", "Thiếu camera"), ("ready", "")):
            with count_queries() as executed:
                response = client.put(url, json={"status": status, "note": note}, headers=headers)
            assert response.status_code == 200
            assert (response.get_json()["status"], response.get_json()["endpoint"]) == (status, AN_GIANG)
            statements.append(len(executed))
    # The token, the locked row with its meeting and its board item, then the change, its audit row and the
    # row's update: one statement on PostgreSQL, three on SQLite.
    written_in = 1 if db.engine.dialect.name == "postgresql" else 3
    assert len(set(statements)) == 1 and statements[0] == 2 + written_in, statements
    board = client.get(f"/api/v1/meetings/{large.id}/readiness", headers=bearer("booker")).get_json()
    mine = next(item for item in board["items"] if item["endpoint"] == AN_GIANG)
    assert (mine["status"], mine["updated_via"]) == ("ready", "api")
    assert response.get_json() == mine  # the answer's item is the board's, as the board reads it after


def test_an_answer_that_changes_nothing_writes_nothing_and_answers_the_item_as_it_is(client, bearer,
                                                                                     count_queries):
    meeting = upcoming(participants=(AN_GIANG, "thads-ha-noi"), starts_in=timedelta(days=30))
    url = f"/api/v1/meetings/{meeting.id}/readiness/{AN_GIANG}"
    headers = bearer(f"op-{AN_GIANG}")
    first = client.put(url, json={"status": "not_ready", "note": "Thiếu camera"}, headers=headers).get_json()
    with count_queries() as executed:
        again = client.put(url, json={"status": "not_ready", "note": "Thiếu  camera "}, headers=headers)
    assert again.status_code == 200 and again.get_json() == first
    assert not [sql for sql in executed if sql.lstrip().upper().startswith(("INSERT", "UPDATE", "WITH"))]
    changes = db.session.scalar(select(func.count(ReadinessChange.id)).where(ReadinessChange.meeting_id == meeting.id))
    assert changes == 1


def test_the_meeting_answer_follows_every_change_of_its_participants(client, bearer):
    from sqlalchemy import update

    from meetings.booking.models import Participant

    meeting = upcoming(participants=(AN_GIANG, "thads-ha-noi"))
    headers = bearer("booker")
    url = f"/api/v1/meetings/{meeting.id}"

    def mine() -> dict:
        body = client.get(url, headers=headers).get_json()
        return next(item for item in body["participants"] if item["endpoint"] == AN_GIANG)

    assert mine()["attendance"] is None
    participant = db.session.scalar(select(Participant).join(Endpoint).where(
        Participant.meeting_id == meeting.id, Endpoint.code == AN_GIANG))
    participant.attendance = "present"  # an ORM change
    db.session.flush()
    assert mine()["attendance"] == "present"
    db.session.execute(update(Participant).where(Participant.id == participant.id)
                       .values(expected_attendees=42))  # a Core change, no timestamp of its own
    assert mine()["expected_attendees"] == 42
    endpoint = db.session.scalar(select(Endpoint).where(Endpoint.code == AN_GIANG))
    endpoint.name = "Thi hành án dân sự tỉnh An Giang (mới)"
    db.session.flush()
    assert mine()["name"] == "Thi hành án dân sự tỉnh An Giang (mới)"
    add_participants(meeting, add_endpoints(2))
    assert client.get(url, headers=headers).get_json()["participant_count"] == 5
    db.session.delete(participant)
    db.session.flush()
    body = client.get(url, headers=headers).get_json()
    assert body["participant_count"] == 4 and AN_GIANG not in {item["endpoint"] for item in body["participants"]}


def test_the_board_version_changes_for_an_answer_that_commits_after_a_later_one(client, bearer):
    """Two operators answer at once: the one whose change has the smaller id and the earlier time commits last.
    The newest id and time stay as they were; the version must change all the same."""
    from meetings.booking.models import Participant
    from meetings.database import utcnow
    from meetings.readiness.models import ReadinessChange

    meeting = upcoming(participants=(AN_GIANG, "thads-ha-noi"))
    booker, operator = bearer("booker"), bearer("op-thads-ha-noi")
    url = f"/api/v1/meetings/{meeting.id}/readiness"
    earlier = utcnow()
    assert client.put(f"{url}/thads-ha-noi", json={"status": "ready"}, headers=operator).status_code == 200
    first = client.get(url, headers=booker)
    free_id = (db.session.scalar(select(func.min(ReadinessChange.id))) or 1) - 1  # below every id, not taken
    participant = db.session.scalar(select(Participant).join(Endpoint).where(
        Participant.meeting_id == meeting.id, Endpoint.code == AN_GIANG))
    # As the late commit shows: its change has an id below the newest, its time before the newest answer.
    db.session.add(ReadinessChange(id=free_id, meeting_id=meeting.id,
                                   endpoint_id=participant.endpoint_id, aspect="answer", from_status="pending",
                                   to_status="ready", note="", changed_at=earlier, actor_name="op", channel="api"))
    participant.readiness, participant.readiness_updated_at = "ready", earlier
    db.session.flush()
    second = client.get(url, headers={**booker, "If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200 and second.get_json()["counts"]["ready"] == 2
