"""The MCU follows the meetings: a rename, a cancellation, excluded and not-ready rooms, rooms that dial in,
media alarms, and the government cascade with its DTMF."""
from __future__ import annotations

import uuid

from sqlalchemy import select, update

from meetings.auth.models import User
from meetings.booking.models import Participant
from meetings.bridge.models import Invitation
from meetings.core.events import meeting_cancelled, meeting_changed
from meetings.extensions import db
from meetings.mcu import services
from meetings.mcu.models import GOVERNMENT_KEY, CallState, Conference, ConferenceState
from tests.integration.mcu_helpers import (
    ROOMS,
    dial_string,
    live_legs_per_party,
    mcu_on,
    meeting_testing_now,
    rows_of,
    sweep_until,
)


def _booker() -> User:
    return db.session.scalar(select(User).where(User.username == "booker"))


def _conference(meeting) -> Conference:
    db.session.expire_all()
    return db.session.scalar(select(Conference).where(Conference.meeting_id == meeting.id))


def test_a_rename_renames_the_space_and_a_cancellation_removes_it(app, monkeypatch):
    with mcu_on(app, monkeypatch) as (mcu, collector):
        meeting = meeting_testing_now(participants=ROOMS[:1])
        sweep_until(lambda: rows_of(meeting)[ROOMS[0]].state == CallState.CONNECTED, collector=collector)
        space_id = _conference(meeting).space_id
        old = meeting.title
        meeting.title = "Giao ban (đã đổi tên)"
        previous = {"title": old, "start_at": meeting.start_at, "end_at": meeting.end_at, "test_at": meeting.test_at,
                    "status": meeting.status, "host_code": "moj-hq", "endpoint_codes": sorted(["moj-hq", ROOMS[0]])}
        meeting_changed.send(meeting, actor=None, previous=previous, removed=[])
        db.session.commit()
        sweep_until(lambda: mcu.spaces[space_id].name == "Giao ban (đã đổi tên)")
        meeting.status = "cancelled"
        meeting_cancelled.send(meeting, actor=None, reason="", previous_status="scheduled")
        db.session.commit()
        sweep_until(lambda: not mcu.spaces and not mcu.calls)
        assert _conference(meeting).state == ConferenceState.REMOVED


def test_a_cancellation_nobody_announced_is_found_by_the_sweep(app, monkeypatch):
    with mcu_on(app, monkeypatch) as (mcu, collector):
        meeting = meeting_testing_now(participants=ROOMS[:1])
        sweep_until(lambda: bool(mcu.calls))
        meeting.status = "cancelled"
        db.session.commit()
        sweep_until(lambda: not mcu.spaces)


def test_not_ready_rooms_are_dialled_excluded_ones_are_not(app, monkeypatch):
    with mcu_on(app, monkeypatch) as (mcu, collector):
        meeting = meeting_testing_now(participants=ROOMS[:3])
        db.session.execute(update(Participant).where(Participant.meeting_id == meeting.id)
                           .values(readiness="not_ready", readiness_note="mất điện"))
        services.set_excluded(meeting, ROOMS[2], True, actor=_booker())
        db.session.commit()
        sweep_until(lambda: all(row.state == CallState.CONNECTED for key, row in rows_of(meeting).items()
                                if key != ROOMS[2]), collector=collector)
        assert rows_of(meeting)[ROOMS[2]].state == CallState.IDLE
        assert live_legs_per_party(mcu)[dial_string(ROOMS[2])] == 0
        assert live_legs_per_party(mcu)[dial_string(ROOMS[0])] == 1  # not ready, still dialled


def test_a_room_that_dials_in_counts_as_connected_and_alarms_show(app, monkeypatch):
    with mcu_on(app, monkeypatch) as (mcu, collector):
        meeting = meeting_testing_now(participants=ROOMS[:2])
        services.set_excluded(meeting, ROOMS[1], True, actor=_booker())
        db.session.commit()
        sweep_until(lambda: rows_of(meeting)[ROOMS[0]].state == CallState.CONNECTED, collector=collector)
        conference = _conference(meeting)
        # The room dials the space itself, under its own address (no sip: prefix, other case).
        assert mcu.dial_in(conference.uri, f"{ROOMS[1].upper()}@vc.moj.gov.vn") is not None
        mcu.set_alarms(dial_string(ROOMS[0]), ["packetLoss", "highRoundTripTime"])
        sweep_until(lambda: rows_of(meeting)[ROOMS[1]].state == CallState.CONNECTED
                    and rows_of(meeting)[ROOMS[0]].alarms == ["packetLoss", "highRoundTripTime"],
                    collector=collector)
        row = rows_of(meeting)[ROOMS[1]]
        assert row.direction == "incoming" and row.attempts == 0
        assert len(mcu.dials) == 2  # the host and ROOMS[0]: the one that dialled in was never dialled out


def test_the_government_cascade_is_one_more_leg_with_its_pin(app, monkeypatch):
    with mcu_on(app, monkeypatch) as (mcu, collector):
        meeting = meeting_testing_now(participants=ROOMS[:1], bridge_to_government=True)
        db.session.add(Invitation(conference_id=f"GC-{uuid.uuid4().hex[:8]}", title=meeting.title,
                                  start_at=meeting.start_at, end_at=meeting.end_at, meeting_id=meeting.id,
                                  answer="accepted", dial={"sip": "sip:gc-2026-000412@gateway.example", "pin": "4412"}))
        db.session.commit()
        sweep_until(lambda: len(rows_of(meeting)) == 3 and all(
            row.state == CallState.CONNECTED for row in rows_of(meeting).values()), collector=collector)
        [cascade] = [dial for dial in mcu.dials if dial["owner_id"] == GOVERNMENT_KEY]
        assert (cascade["remote_party"], cascade["dtmf"]) == ("sip:gc-2026-000412@gateway.example", ",,4412#")


def test_the_board_names_the_cascade(app, client, auth, monkeypatch):
    with mcu_on(app, monkeypatch) as (mcu, collector):
        meeting = meeting_testing_now(participants=ROOMS[:1], bridge_to_government=True)
        db.session.add(Invitation(conference_id=f"GC-{uuid.uuid4().hex[:8]}", title=meeting.title,
                                  start_at=meeting.start_at, end_at=meeting.end_at, meeting_id=meeting.id,
                                  answer="accepted", dial={"sip": "sip:gc@gateway.example", "pin": "1"}))
        db.session.commit()
        sweep_until(lambda: GOVERNMENT_KEY in rows_of(meeting))
        auth.login("booker")
        page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
        assert f'data-endpoint="{GOVERNMENT_KEY}"' in page and "Chính phủ" in page
