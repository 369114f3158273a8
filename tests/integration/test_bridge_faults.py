"""The outbox against a simulator that misbehaves 30% of the time, in every way it knows: nothing lost,
nothing done twice, and the government system ends up holding exactly what the Ministry booked."""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from meetings.auth.models import User
from meetings.booking.services import book_meeting, cancel_meeting, change_meeting
from meetings.booking.validation import MeetingValues
from meetings.bridge.delivery import deliver_outbox
from meetings.bridge.models import ConferenceLink, OutboxMessage
from meetings.bridge.simulator.app import FAULT_KINDS, Faults
from meetings.database import utcnow
from meetings.extensions import db
from tests.factories import future_day
from tests.integration.govconf_helpers import drain, empty_outbox, pointed_at, simulator

MEETINGS, CHANGED, CANCELLED = 200, range(0, 50), [*range(40, 50), *range(190, 200)]


@pytest.fixture(autouse=True)
def _clean(db_session):
    empty_outbox()


def test_thirty_percent_faults_of_every_kind_lose_and_duplicate_nothing(app, monkeypatch):
    faults = Faults(rate=0.3, kinds=FAULT_KINDS, latency=0.001, slow_seconds=0.5, retry_after=0, seed=2026)
    sim = simulator(capacity=1000, faults=faults)
    booker = db.session.scalar(select(User).where(User.username == "booker"))
    first = future_day(3).replace(hour=0)
    with pointed_at(app, monkeypatch, sim):
        meetings = []
        for index in range(MEETINGS):
            start = first + timedelta(hours=3 * index)
            values = MeetingValues(title=f"Giao ban liên thông số {index}", start=start, end=start + timedelta(hours=1),
                                   endpoints=["thads-an-giang"], bridge_to_government=True)
            meetings.extend(book_meeting(values, actor=booker))
        db.session.commit()
        now = utcnow()
        deliver_outbox(now)  # some are created before they change, others change before they exist
        for index in CHANGED:
            change_meeting(meetings[index], MeetingValues(start=meetings[index].start_at + timedelta(hours=1)),
                           actor=booker)
        for index in CANCELLED:
            cancel_meeting(meetings[index], actor=booker, reason="Hoãn")
        db.session.commit()
        rounds = drain(deliver_outbox, now + timedelta(minutes=15))

    states = Counter(db.session.scalars(select(OutboxMessage.state)))
    assert states == {"delivered": MEETINGS + len(CHANGED) + len(CANCELLED)}  # none lost, stuck or refused
    active = {c["external_ref"]: c for c in sim.government.active_hosted_by("BTP")}
    assert len(active) == MEETINGS - len(CANCELLED) == 180
    for meeting in meetings:
        db.session.refresh(meeting)
        if meeting.status == "cancelled":
            assert meeting.ics_uid not in active
            continue
        conference = active[meeting.ics_uid]
        assert datetime.fromisoformat(conference["start"]) == meeting.start_at
        assert datetime.fromisoformat(conference["end"]) == meeting.end_at and conference["title"] == meeting.title
        link = db.session.scalar(select(ConferenceLink).where(ConferenceLink.meeting_id == meeting.id))
        assert link.conference_id == conference["id"]
    # Every write took effect exactly once, whatever was retried or replayed.
    effects = Counter(effect.method for effect in sim.government.effects)
    assert effects == {"POST": MEETINGS, "PATCH": len(CHANGED), "DELETE": len(CANCELLED)}
    assert len({c["external_ref"] for c in sim.government.conferences.values()}) == MEETINGS
    assert set(sim.faults_injected) == set(FAULT_KINDS) and sim.replays > 0
    assert rounds < 30
