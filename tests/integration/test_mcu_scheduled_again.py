"""A meeting that becomes scheduled again (a draft published again, or a meeting started by mistake put back) has
its MCU call planned again through `meeting_changed`: an ended call is started and its rooms dialled again; a call
still running is left as it is. The endpoints get no mail for a put-back."""
from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import func, select, update

from meetings.auth.models import User
from meetings.booking import services as booking
from meetings.core.events import meeting_changed
from meetings.database import utcnow
from meetings.extensions import db
from meetings.mcu import services
from meetings.mcu.models import (
    OPEN_ACTION_STATES,
    Action,
    ActionKind,
    ActionState,
    CallState,
    Conference,
    ConferenceState,
)
from meetings.mcu.sweep import plan, run_mcu_sweep
from meetings.notify.models import OutgoingMail
from tests.integration.mcu_helpers import (
    ROOMS,
    clear_mcu,
    live_legs_per_party,
    mcu_on,
    meeting_testing_now,
    rows_of,
    sweep_until,
)
from tests.mcu_sim import mcu_settings

HQ = "moj-hq"


def _booker() -> User:
    return db.session.scalar(select(User).where(User.username == "booker"))


def _conference(meeting) -> Conference:
    db.session.expire_all()
    return db.session.scalar(select(Conference).where(Conference.meeting_id == meeting.id))


def _all_connected(meeting) -> bool:
    return all(row.state == CallState.CONNECTED for row in rows_of(meeting).values())


def _mails(meeting) -> int:
    return db.session.scalar(select(func.count()).select_from(OutgoingMail)
                             .where(OutgoingMail.meeting_id == meeting.id))


@contextmanager
def _changes():
    """The meeting_changed events sent meanwhile: (meeting id, previous status)."""
    seen: list[tuple[int, str]] = []

    def listener(meeting, previous=None, **extra):
        seen.append((meeting.id, (previous or {}).get("status")))

    meeting_changed.connect(listener)
    try:
        yield seen
    finally:
        meeting_changed.disconnect(listener)


def test_a_meeting_put_back_after_its_call_was_ended_connects_again(app, monkeypatch):
    with mcu_on(app, monkeypatch) as (mcu, collector):
        meeting = meeting_testing_now(participants=ROOMS[:2])
        sweep_until(lambda: _all_connected(meeting), collector=collector)
        booker = _booker()
        booking.set_status(meeting, "in_progress", actor=booker)  # started by mistake, during the test
        services.end_call(meeting, actor=booker)  # ... and its call ended
        db.session.commit()
        sweep_until(lambda: not mcu.calls and _conference(meeting).state == ConferenceState.ENDED,
                    collector=collector)
        mails = _mails(meeting)

        with _changes() as seen:
            booking.set_status(meeting, "scheduled", actor=booker)
            db.session.commit()
        assert seen == [(meeting.id, "in_progress")]
        conference = _conference(meeting)
        assert conference.state == ConferenceState.READY and conference.call_id is None
        assert conference.test_dialled_at is None and conference.start_dialled_at is None
        assert _mails(meeting) == mails  # the endpoints were never told it started: nothing to tell them now

        sweep_until(lambda: _all_connected(meeting) and len(mcu.calls) == 1, collector=collector)
        assert _conference(meeting).state == ConferenceState.ACTIVE
        parties = live_legs_per_party(mcu)
        assert len(parties) == 3 and set(parties.values()) == {1}  # both rooms and the host, one leg each


def test_a_running_call_is_left_as_it_is_when_the_meeting_is_put_back(app, monkeypatch):
    with mcu_on(app, monkeypatch) as (mcu, collector):
        meeting = meeting_testing_now(participants=ROOMS[:2])
        sweep_until(lambda: _all_connected(meeting), collector=collector)
        booker = _booker()
        booking.set_status(meeting, "in_progress", actor=booker)
        services.hang_up_one(meeting, ROOMS[0], actor=booker)
        db.session.commit()
        sweep_until(lambda: rows_of(meeting)[ROOMS[0]].state == CallState.DISCONNECTED, collector=collector)
        call_id = _conference(meeting).call_id

        booking.set_status(meeting, "scheduled", actor=booker)
        db.session.commit()
        for _ in range(3):
            run_mcu_sweep(utcnow())
            collector.feed()
            db.session.commit()
        conference = _conference(meeting)
        assert conference.state == ConferenceState.ACTIVE and conference.call_id == call_id
        rows = rows_of(meeting)
        assert rows[ROOMS[0]].state == CallState.DISCONNECTED and rows[ROOMS[0]].hung_up_by_us  # not redialled
        assert rows[ROOMS[1]].state == CallState.CONNECTED and rows[HQ].state == CallState.CONNECTED
        assert set(live_legs_per_party(mcu).values()) == {1} and len(mcu.live_legs()) == 2


def test_a_draft_published_again_has_its_call_planned_again(app, client, bearer, monkeypatch):
    clear_mcu()
    for key, value in mcu_settings("http://mcu.example:445").items():
        monkeypatch.setitem(app.config, key, value)
    meeting = meeting_testing_now(participants=ROOMS[:2])
    services.ensure_conference(meeting)
    conference = _conference(meeting)
    conference.space_id = "space-1"  # as if the sweep had made it
    db.session.commit()
    headers = bearer("booker")

    assert client.patch(f"/api/v1/meetings/{meeting.id}", json={"status": "draft"},
                        headers=headers).status_code == 200
    plan(utcnow())  # a draft's call is wound up
    db.session.commit()
    assert _conference(meeting).state == ConferenceState.ENDED
    db.session.execute(update(Action).where(Action.meeting_id == meeting.id)
                       .values(state=ActionState.DONE))  # the sweep carried out what it had queued
    db.session.commit()

    assert client.patch(f"/api/v1/meetings/{meeting.id}", json={"status": "scheduled"},
                        headers=headers).status_code == 200
    conference = _conference(meeting)
    assert conference.state == ConferenceState.READY and conference.test_dialled_at is None
    plan(utcnow())  # its test time has come: the call starts and every room is dialled
    db.session.commit()
    kinds = list(db.session.scalars(select(Action.kind).where(Action.meeting_id == meeting.id,
                                                              Action.state.in_(OPEN_ACTION_STATES))))
    assert kinds.count(ActionKind.START_CALL) == 1 and kinds.count(ActionKind.DIAL) == 3
