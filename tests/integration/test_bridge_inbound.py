"""Inbound: pulling government invitations, importing their .ics, the inbox, and changes flagged on meetings."""
from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from meetings.booking.validation import MINISTRY_ZONE
from meetings.bridge.delivery import deliver_outbox
from meetings.bridge.inbound import pull_government
from meetings.bridge.models import ConferenceLink, Invitation, OutboxMessage
from meetings.bridge.simulator.ics import conference_ics
from meetings.database import utcnow
from meetings.extensions import db
from tests.factories import future_day
from tests.integration.govconf_helpers import empty_outbox, pointed_at, simulator


@pytest.fixture(autouse=True)
def _clean(db_session):
    empty_outbox()
    db.session.execute(Invitation.__table__.delete())


def _count() -> int:
    return db.session.scalar(select(func.count(Invitation.id)))


def _invite(sim, weeks=3, hour=8):
    return sim.government.invite(start=future_day(weeks).replace(hour=hour, tzinfo=MINISTRY_ZONE))


def _upload(client, auth, data: bytes):
    token = auth.csrf_token("/govconf/invitations")
    return client.post("/govconf/invitations/import", content_type="multipart/form-data",
                       data={"csrf_token": token, "file": (io.BytesIO(data), "moi-hop.ics")})


def test_pulling_twice_and_importing_the_same_ics_give_one_inbox_entry(app, client, auth, monkeypatch):
    sim = simulator()
    conference = _invite(sim)
    with pointed_at(app, monkeypatch, sim):
        assert pull_government(utcnow()) == 1
        db.session.commit()
        assert pull_government(utcnow()) == 0
        db.session.commit()
    auth.login("booker")
    response = _upload(client, auth, conference_ics(conference))
    assert response.status_code == 302
    assert _count() == 1
    page = client.get("/govconf/invitations").get_data(as_text=True)
    assert page.count('data-testid="invitation-row"') == 1 and f'data-conference="{conference["id"]}"' in page


def test_an_imported_invitation_is_not_created_again_by_the_pull(app, client, auth, monkeypatch):
    sim = simulator()
    conference = _invite(sim)
    auth.login("booker")
    assert _upload(client, auth, conference_ics(conference)).status_code == 302
    with pointed_at(app, monkeypatch, sim):
        pull_government(utcnow())
        db.session.commit()
    [invitation] = db.session.scalars(select(Invitation))
    assert invitation.conference_id == conference["id"] and invitation.source == "ics"
    assert invitation.host_site == "VPCP"  # completed from the API


def test_a_file_that_is_not_a_government_invitation_is_refused(client, auth):
    auth.login("booker")
    response = _upload(client, auth, b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n")
    assert response.status_code == 302 and _count() == 0
    other = conference_ics({"id": "x", "title": "t", "start": "2031-01-01T08:00:00+07:00",
                            "end": "2031-01-01T09:00:00+07:00", "version": 1, "status": "scheduled", "dial": {}})
    assert _upload(client, auth, other.replace(b"x@govconf", b"x@elsewhere")).status_code == 302
    assert _count() == 0


def test_the_pull_follows_pages_and_moves_its_cursor(app, monkeypatch):
    sim = simulator()
    sim.government.page_size = 3
    for index in range(7):
        _invite(sim, weeks=3, hour=7 + index)
    with pointed_at(app, monkeypatch, sim):
        assert pull_government(utcnow()) == 7
        db.session.commit()
        moved = sim.government.move(sorted(sim.government.conferences)[0], hours=1)
        assert pull_government(utcnow()) == 1
    invitation = db.session.scalar(select(Invitation).where(Invitation.conference_id == moved["id"]))
    assert invitation.remote_status == "changed" and set(invitation.changes) == {"start", "end", "status"}


def test_accepting_books_a_meeting_answers_and_flags_later_changes(app, client, auth, monkeypatch):
    sim = simulator()
    conference = _invite(sim, weeks=4)
    with pointed_at(app, monkeypatch, sim):
        pull_government(utcnow())
        db.session.commit()
        invitation = db.session.scalar(select(Invitation))
        auth.login("booker")
        token = auth.csrf_token(f"/govconf/invitations/{invitation.id}")
        form = client.get(f"/govconf/invitations/{invitation.id}").get_data(as_text=True)  # the booking picker
        assert 'data-picker' in form and 'data-group="all-enforcement"' in form and 'id="selected-count"' in form
        assert '<tr data-search' in form and 'class="picker-host"' in form
        response = client.post(f"/govconf/invitations/{invitation.id}/accept",
                               data={"csrf_token": token, "endpoints": ["thads-an-giang", "thads-ha-noi"]})
        assert response.status_code == 302 and "/meetings/" in response.headers["Location"]
        db.session.expire_all()
        invitation = db.session.get(Invitation, invitation.id)
        meeting = invitation.meeting
        assert invitation.answer == "accepted" and meeting.start_at == datetime.fromisoformat(conference["start"])
        assert {p.endpoint.code for p in meeting.participants} >= {"moj-hq", "thads-an-giang"}
        assert deliver_outbox(utcnow()) == 1
        assert sim.government.get(conference["id"])["sites"]["BTP"]["participation"] == "accepted"
        sim.government.move(conference["id"], hours=2)
        pull_government(utcnow())
        db.session.commit()
        page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
        assert 'data-testid="bridge-remote-changed"' in page and 'data-status="changed"' in page
        sim.government.withdraw(conference["id"])
        pull_government(utcnow())
        db.session.commit()
        page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
        assert 'data-status="cancelled"' in page
    link = db.session.scalar(select(ConferenceLink).where(ConferenceLink.meeting_id == meeting.id))
    assert (link.direction, link.conference_id, link.remote_status) == ("inbound", conference["id"], "cancelled")


def test_declining_answers_the_government(app, client, auth, monkeypatch):
    sim = simulator()
    conference = _invite(sim)
    with pointed_at(app, monkeypatch, sim):
        pull_government(utcnow())
        db.session.commit()
        invitation = db.session.scalar(select(Invitation))
        auth.login("booker")
        token = auth.csrf_token(f"/govconf/invitations/{invitation.id}")
        assert client.post(f"/govconf/invitations/{invitation.id}/decline",
                           data={"csrf_token": token}).status_code == 302
        assert deliver_outbox(utcnow()) == 1
    assert sim.government.get(conference["id"])["sites"]["BTP"]["participation"] == "declined"
    assert db.session.scalar(select(OutboxMessage.state)) == "delivered"


def test_with_no_url_the_sweeps_do_nothing_and_the_inbox_says_so(app, client, auth, monkeypatch):
    monkeypatch.setitem(app.config, "GOVCONF_URL", "")
    assert pull_government(utcnow()) == 0 and deliver_outbox(utcnow() + timedelta(days=1)) == 0
    auth.login("booker")
    assert 'data-testid="govconf-off"' in client.get("/govconf/invitations").get_data(as_text=True)


def test_cancelling_the_meeting_of_an_accepted_invitation_declines_it(app, client, auth, monkeypatch):
    from meetings.auth.models import User
    from meetings.booking.services import cancel_meeting
    from meetings.bridge.services import accept_invitation

    sim = simulator()
    conference = _invite(sim, weeks=5)
    booker = db.session.scalar(select(User).where(User.username == "booker"))
    with pointed_at(app, monkeypatch, sim):
        pull_government(utcnow())
        invitation = db.session.scalar(select(Invitation))
        meeting = accept_invitation(invitation, ["thads-an-giang"], actor=booker)
        cancel_meeting(meeting, actor=booker)
        db.session.commit()
        assert deliver_outbox(utcnow()) == 2
    assert db.session.get(Invitation, invitation.id).answer == "declined"
    assert sim.government.get(conference["id"])["sites"]["BTP"]["participation"] == "declined"
    assert [e.detail for e in sim.government.effects] == [{"participation": "accepted"},
                                                          {"participation": "declined"}]
