"""The signed one-click link in the invitation: opening it changes nothing, one POST answers, and a
tampered, expired, outdated or after-start link changes nothing and says why."""
from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import select, update

from meetings.booking.models import Meeting
from meetings.core.links import make_token
from meetings.extensions import db
from meetings.notify.models import OutgoingMail
from tests.factories import AN_GIANG, HA_NOI, changes_of, endpoint, future_day, meeting_body, participant, upcoming

LINK = re.compile(r"http://127\.0\.0\.1:5000(/r/[A-Za-z0-9_\-.]+)")


def _link_for(meeting, code: str) -> str:
    return f"/r/{make_token(meeting.id, endpoint(code).id, meeting.sequence)}"


def _post(client, path: str, status: str, note: str = ""):
    page = client.get(path).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    csrf = token.group(1) if token else _csrf(client)
    return client.post(path, data={"csrf_token": csrf, "status": status, "note": note})


def _csrf(client) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)


def _refusal(response) -> str | None:
    match = re.search(r'data-testid="link-refused" data-reason="(\w+)"', response.get_data(as_text=True))
    return match.group(1) if match else None


def test_each_invitation_carries_its_endpoints_own_link(client, bearer):
    endpoint(AN_GIANG, "thads@angiang.moj.gov.vn")
    endpoint(HA_NOI, "thads@hanoi.moj.gov.vn")
    db.session.flush()
    body = meeting_body(future_day(weeks=60), endpoints=[AN_GIANG, HA_NOI])
    booked = client.post("/api/v1/meetings", json=body, headers=bearer("booker")).get_json()
    mails = {mail.recipients[0]: mail.body_text for mail in db.session.scalars(
        select(OutgoingMail).where(OutgoingMail.meeting_id == booked["id"]))}
    links = {address: LINK.search(text).group(1) for address, text in mails.items() if address.startswith("thads")}
    assert len(set(links.values())) == 2
    page = client.get(links["thads@angiang.moj.gov.vn"]).get_data(as_text=True)
    assert 'data-testid="link-page"' in page and "Cục Thi hành án dân sự tỉnh An Giang" in page


def test_opening_the_link_changes_nothing_and_one_post_answers(client):
    meeting = upcoming()
    path = _link_for(meeting, AN_GIANG)
    for _ in range(3):  # mail scanners and previews open links
        assert client.get(path).status_code == 200
    assert participant(meeting, AN_GIANG).readiness == "pending" and changes_of(meeting) == []
    response = _post(client, path, "ready")
    assert response.status_code == 302 and response.headers["Location"] == path
    assert participant(meeting, AN_GIANG).readiness == "ready"
    [change] = changes_of(meeting)
    assert (change.channel, change.actor_id, change.from_status, change.to_status) == ("link", None, "pending", "ready")
    assert 'data-state="ready"' in client.get(path).get_data(as_text=True)


def test_the_link_answers_for_its_own_endpoint_only(client):
    meeting = upcoming()
    _post(client, _link_for(meeting, AN_GIANG), "ready")
    assert participant(meeting, HA_NOI).readiness == "pending"


def test_not_ready_by_link_needs_a_reason(client):
    meeting = upcoming()
    path = _link_for(meeting, AN_GIANG)
    refused = _post(client, path, "not_ready")
    assert refused.status_code == 422 and 'data-field="note"' in refused.get_data(as_text=True)
    assert _post(client, path, "not_ready", "Hỏng màn hình").status_code == 302
    assert participant(meeting, AN_GIANG).readiness_note == "Hỏng màn hình"


def test_the_post_needs_the_csrf_token(client):
    meeting = upcoming()
    response = client.post(_link_for(meeting, AN_GIANG), data={"status": "ready"})
    assert response.status_code == 400 and participant(meeting, AN_GIANG).readiness == "pending"


@pytest.mark.parametrize("damage", [lambda t: t[:-2] + ("A" if t[-2] != "A" else "B") + t[-1],
                                    lambda t: t[:20], lambda t: "x" + t[1:]])
def test_a_tampered_link_changes_nothing_and_says_so(client, damage):
    meeting = upcoming()
    path = "/r/" + damage(_link_for(meeting, AN_GIANG).removeprefix("/r/"))
    assert client.get(path).status_code == 400 and _refusal(client.get(path)) == "tampered"
    response = client.post(path, data={"csrf_token": _csrf(client), "status": "ready"})
    assert response.status_code == 400 and _refusal(response) == "tampered"
    assert participant(meeting, AN_GIANG).readiness == "pending" and changes_of(meeting) == []


def test_a_token_for_another_purpose_is_refused(client, app):
    from itsdangerous import URLSafeTimedSerializer

    meeting = upcoming()
    other = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="something-else").dumps(
        {"m": meeting.id, "e": endpoint(AN_GIANG).id, "s": 0})
    assert _refusal(client.get(f"/r/{other}")) == "tampered"


def test_an_expired_link_changes_nothing_and_says_so(client, app, monkeypatch):
    meeting = upcoming()
    signed_long_ago = int(time.time()) - (app.config["READINESS_LINK_DAYS"] + 1) * 86400
    with monkeypatch.context() as patched:
        patched.setattr(TimestampSigner, "get_timestamp", lambda self: signed_long_ago)
        path = _link_for(meeting, AN_GIANG)
    response = client.get(path)
    assert response.status_code == 410 and _refusal(response) == "expired"
    posted = client.post(path, data={"csrf_token": _csrf(client), "status": "ready"})
    assert posted.status_code == 410 and participant(meeting, AN_GIANG).readiness == "pending"


def test_a_link_used_after_the_start_changes_nothing_and_says_so(client):
    meeting = upcoming(starts_in=timedelta(minutes=-2))
    path = _link_for(meeting, AN_GIANG)
    assert _refusal(client.get(path)) == "closed"
    response = client.post(path, data={"csrf_token": _csrf(client), "status": "ready"})
    assert response.status_code == 409 and _refusal(response) == "closed"
    assert participant(meeting, AN_GIANG).readiness == "pending" and changes_of(meeting) == []


def test_a_link_from_before_a_change_of_the_meeting_is_outdated(client):
    meeting = upcoming()
    path = _link_for(meeting, AN_GIANG)
    db.session.execute(update(Meeting).where(Meeting.id == meeting.id).values(sequence=Meeting.sequence + 1))
    assert _refusal(client.get(path)) == "superseded"
    assert client.post(path, data={"csrf_token": _csrf(client), "status": "ready"}).status_code == 409
    assert participant(meeting, AN_GIANG).readiness == "pending"


def test_a_link_to_a_cancelled_meeting_says_so(client):
    meeting = upcoming(status="cancelled")
    assert _refusal(client.get(_link_for(meeting, AN_GIANG))) == "cancelled"


def test_a_link_of_an_endpoint_taken_off_the_meeting_says_so(client):
    meeting = upcoming()
    path = _link_for(meeting, "thads-ca-mau")
    assert _refusal(client.get(path)) == "not_invited"
