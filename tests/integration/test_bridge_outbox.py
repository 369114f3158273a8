"""The bridge's outbound path against the simulator on loopback: the outbox, delivery, failures, the pages."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from meetings.auth.models import User
from meetings.booking.services import book_meeting, cancel_meeting, change_meeting, get_meeting
from meetings.booking.validation import MeetingValues
from meetings.bridge import delivery
from meetings.bridge.delivery import deliver_outbox
from meetings.bridge.models import BridgeState, ConferenceLink, OutboxMessage
from meetings.bridge.outbox import record_readiness_change
from meetings.bridge.simulator.app import Faults
from meetings.database import utcnow
from meetings.extensions import db
from meetings.notify.models import OutgoingMail
from tests.factories import future_day, meeting_body
from tests.integration.govconf_helpers import FAST, empty_outbox, pointed_at, simulator


@pytest.fixture(autouse=True)
def _clean(db_session):
    if db_session is not None:
        empty_outbox()


def _booker() -> User:
    return db.session.scalar(select(User).where(User.username == "booker"))


def _book(day, hour=8, **extra):
    values = MeetingValues(title=extra.pop("title", "Giao ban liên thông Chính phủ"), start=day.replace(hour=hour),
                           end=day.replace(hour=hour + 1), endpoints=["thads-an-giang"], bridge_to_government=True,
                           **extra)
    return book_meeting(values, actor=_booker())[0]


def _messages(meeting_id):
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.meeting_id == meeting_id)
                                   .order_by(OutboxMessage.id)))


def test_booking_does_not_call_the_remote_even_when_it_hangs(app, client, bearer, monkeypatch, silent_server):
    # A server that accepts connections but never answers: a call from the request would hang on it.
    monkeypatch.setitem(app.config, "GOVCONF_URL", silent_server.url)
    monkeypatch.setitem(app.config, "GOVCONF_READ_TIMEOUT", 30.0)
    response = client.post("/api/v1/meetings", headers=bearer("booker"),
                           json=meeting_body(future_day(5), bridge_to_government=True))
    assert response.status_code == 201, response.get_data(as_text=True)
    assert silent_server.connections == 0  # the request never went to the remote
    [message] = _messages(response.get_json()["id"])
    assert (message.kind, message.state, message.attempts) == ("publish", "pending", 0)


def test_a_closed_port_leaves_the_message_waiting_with_backoff(app, monkeypatch, closed_port):
    for key, value in {**FAST, "GOVCONF_URL": f"http://127.0.0.1:{closed_port}"}.items():
        monkeypatch.setitem(app.config, key, value)
    meeting = _book(future_day(5))
    db.session.commit()
    now = utcnow()
    assert deliver_outbox(now) == 0
    [message] = _messages(meeting.id)
    assert (message.state, message.attempts, message.last_error_kind) == ("pending", 1, "transient")
    assert now + timedelta(seconds=15) <= message.next_attempt_at <= now + timedelta(seconds=30)


def test_book_change_cancel_reach_the_simulator_once_each(app, monkeypatch):
    sim = simulator()
    with pointed_at(app, monkeypatch, sim):
        meeting = _book(future_day(5))
        db.session.commit()
        assert deliver_outbox(utcnow()) == 1
        link = db.session.scalar(select(ConferenceLink).where(ConferenceLink.meeting_id == meeting.id))
        [conference] = sim.government.active_hosted_by("BTP")
        assert link.conference_id == conference["id"] and conference["external_ref"] == meeting.ics_uid
        change_meeting(meeting, MeetingValues(start=meeting.start_at + timedelta(hours=2)), actor=_booker())
        change_meeting(meeting, MeetingValues(agenda="only the agenda"), actor=_booker())  # nothing for govconf
        db.session.commit()
        assert deliver_outbox(utcnow()) == 1
        moved = sim.government.get(link.conference_id)
        assert datetime.fromisoformat(moved["start"]) == meeting.start_at and moved["version"] == 2
        cancel_meeting(meeting, actor=_booker())
        db.session.commit()
        assert deliver_outbox(utcnow()) == 1
    assert [m.kind for m in _messages(meeting.id)] == ["publish", "publish", "cancel"]
    assert all(m.state == "delivered" and m.attempts == 1 for m in _messages(meeting.id))
    assert sim.government.active_hosted_by("BTP") == []
    assert [e.method for e in sim.government.effects] == ["POST", "PATCH", "DELETE"]


def test_messages_of_one_meeting_wait_for_the_earlier_ones(app, monkeypatch):
    sim = simulator(faults=Faults(script=["error", "error", "error"], retry_after=0))
    with pointed_at(app, monkeypatch, sim):
        meeting = _book(future_day(5))
        change_meeting(meeting, MeetingValues(title="Đổi tên"), actor=_booker())
        db.session.commit()
        now = utcnow()
        assert deliver_outbox(now) == 0  # the create failed three times; the change must not overtake it
        first, second = _messages(meeting.id)
        assert (first.state, second.state, second.attempts) == ("pending", "pending", 0)
        assert deliver_outbox(now + timedelta(hours=1)) == 2
    assert [e.method for e in sim.government.effects] == ["POST", "PATCH"]


def test_capacity_refusal_is_shown_to_the_booker_on_the_meeting_page(app, client, auth, monkeypatch):
    sim = simulator(capacity=0)
    with pointed_at(app, monkeypatch, sim):
        meeting = _book(future_day(5))
        db.session.commit()
        assert deliver_outbox(utcnow()) == 0
    [message] = _messages(meeting.id)
    assert (message.state, message.last_status, message.last_error_code) == ("failed", 409, "capacity")
    auth.login("booker")
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert 'data-testid="bridge-capacity"' in page and 'data-state="failed"' in page


def test_a_refused_key_pauses_delivery_and_alerts_admins_once(app, monkeypatch):
    admin = db.session.scalar(select(User).where(User.username == "admin"))
    admin.email = "quantri@moj.gov.vn"
    sim = simulator()
    with pointed_at(app, monkeypatch, sim, GOVCONF_SECRET="wrong"):
        meeting = _book(future_day(5))
        db.session.commit()
        now = utcnow()
        assert deliver_outbox(now) == 0
        assert deliver_outbox(now + timedelta(minutes=20)) == 0
    [message] = _messages(meeting.id)
    assert message.state == "pending" and message.last_status == 401
    state = db.session.get(BridgeState, 1)
    assert state.paused_until is not None and state.admins_alerted_at is not None
    alerts = [m for m in db.session.scalars(select(OutgoingMail)) if "quantri@moj.gov.vn" in m.recipients]
    assert len([m for m in alerts if "401" in m.subject]) == 1
    with pointed_at(app, monkeypatch, sim):
        assert deliver_outbox(now + timedelta(hours=1)) == 1
    assert db.session.get(BridgeState, 1).admins_alerted_at is None


def test_a_long_retry_after_is_waited_by_the_outbox(app, monkeypatch):
    sim = simulator(faults=Faults(script=["429"], retry_after=120))
    with pointed_at(app, monkeypatch, sim):
        meeting = _book(future_day(5))
        db.session.commit()
        now = utcnow()
        assert deliver_outbox(now) == 0
        assert sim.requests == 1  # the 429 was handed back at once: not waited for, not retried inline
        [message] = _messages(meeting.id)
        assert message.next_attempt_at >= now + timedelta(seconds=120)
        assert deliver_outbox(now + timedelta(seconds=60)) == 0
        assert deliver_outbox(now + timedelta(seconds=121)) == 1


def test_a_crash_after_the_remote_accepted_neither_loses_nor_duplicates(app, monkeypatch):
    sim = simulator()
    with pointed_at(app, monkeypatch, sim):
        meeting = _book(future_day(5))
        db.session.commit()
        real_record = delivery._record

        def crash(*args, **kwargs):
            raise SystemExit("the scheduler was killed")

        monkeypatch.setattr(delivery, "_record", crash)
        now = utcnow()
        with pytest.raises(SystemExit):
            deliver_outbox(now)
        db.session.rollback()
        monkeypatch.setattr(delivery, "_record", real_record)
        [message] = _messages(meeting.id)
        assert message.state == "sending"  # the claim survives the crash
        assert deliver_outbox(now + timedelta(minutes=1)) == 0  # its lease still holds
        assert deliver_outbox(now + timedelta(seconds=app.config["GOVCONF_CLAIM_LEASE_SECONDS"])) == 1
    db.session.expire_all()
    [message] = _messages(meeting.id)
    assert (message.state, message.attempts) == ("delivered", 2)
    assert [e.method for e in sim.government.effects] == ["POST"] and sim.replays == 1


def test_readiness_of_a_bridged_meeting_reaches_its_conference(app, monkeypatch):
    sim = simulator()
    with pointed_at(app, monkeypatch, sim):
        meeting = _book(future_day(5))
        assert record_readiness_change(meeting, "not_ready", "Mất kết nối") is not None
        db.session.commit()
        assert deliver_outbox(utcnow()) == 2
        link = db.session.scalar(select(ConferenceLink).where(ConferenceLink.meeting_id == meeting.id))
        assert sim.government.get(link.conference_id)["sites"]["BTP"] == {"participation": "accepted",
                                                                          "readiness": "not_ready",
                                                                          "note": "Mất kết nối"}
    with pytest.raises(ValueError):
        record_readiness_change(meeting, "maybe", None)


def test_readiness_of_a_meeting_without_a_conference_queues_nothing(app):
    values = MeetingValues(title="Nội bộ", start=future_day(5).replace(hour=8), end=future_day(5).replace(hour=9),
                           endpoints=["thads-an-giang"], bridge_to_government=False)
    meeting = book_meeting(values, actor=_booker())[0]
    assert record_readiness_change(meeting, "ready", None) is None
    assert _messages(meeting.id) == []


def test_admin_retries_and_abandons_from_the_outbox_page(app, client, auth, monkeypatch):
    sim = simulator(capacity=0)
    with pointed_at(app, monkeypatch, sim):
        meeting = _book(future_day(5))
        db.session.commit()
        deliver_outbox(utcnow())
        [message] = _messages(meeting.id)
        auth.login("admin")
        page = client.get("/admin/govconf/outbox?state=failed").get_data(as_text=True)
        assert f'data-id="{message.id}" data-state="failed"' in page
        token = auth.csrf_token("/admin/govconf/outbox")
        old_key = message.idempotency_key
        assert client.post(f"/admin/govconf/outbox/{message.id}/retry", data={"csrf_token": token}).status_code == 302
        db.session.expire_all()
        message = db.session.get(OutboxMessage, message.id)
        assert message.state == "pending" and message.idempotency_key != old_key
        sim.government.capacity = 5
        assert deliver_outbox(utcnow()) == 1
        change_meeting(get_meeting(meeting.id), MeetingValues(title="Đổi"), actor=_booker())
        db.session.commit()
        [_, pending] = _messages(meeting.id)
        assert client.post(f"/admin/govconf/outbox/{pending.id}/abandon", data={"csrf_token": token}).status_code == 302
        db.session.expire_all()
        assert db.session.get(OutboxMessage, pending.id).state == "abandoned"
        assert deliver_outbox(utcnow()) == 0


def test_operators_and_leaders_are_kept_out_of_the_bridge_pages(client, auth):
    auth.login("leader")
    assert client.get("/admin/govconf/outbox").status_code == 403
    assert client.get("/govconf/invitations").status_code == 403


def test_the_headquarters_answer_through_the_api_reaches_the_conference(app, client, bearer, monkeypatch):
    sim = simulator()
    with pointed_at(app, monkeypatch, sim):
        meeting = _book(future_day(5))
        db.session.commit()
        deliver_outbox(utcnow())
        operator = bearer("op-moj-hq")
        answer = client.put(f"/api/v1/meetings/{meeting.id}/readiness/moj-hq",
                            json={"status": "not_ready", "note": "Hỏng micro"}, headers=operator)
        assert answer.status_code == 200
        other = client.put(f"/api/v1/meetings/{meeting.id}/readiness/thads-an-giang",
                           json={"status": "ready"}, headers=bearer("op-thads-an-giang"))
        assert other.status_code == 200
        kinds = [m.kind for m in _messages(meeting.id)]
        assert kinds.count("readiness") == 1  # only the main point's answer goes to the government
        assert deliver_outbox(utcnow()) == 1
        link = db.session.scalar(select(ConferenceLink).where(ConferenceLink.meeting_id == meeting.id))
        assert sim.government.get(link.conference_id)["sites"]["BTP"]["readiness"] == "not_ready"
