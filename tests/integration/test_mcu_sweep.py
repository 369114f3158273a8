"""The `mcu` sweep through the simulated MCU: a meeting connects by itself at its test time, busy rooms are
retried, unreachable ones fail with the MCU's reason, dropped rooms come back, hung-up rooms do not."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from meetings.auth.models import User
from meetings.database import utcnow
from meetings.extensions import db
from meetings.mcu import services
from meetings.mcu.models import Action, CallState, Conference, ConferenceState
from meetings.mcu.simulator.state import Faults
from meetings.mcu.sweep import run_mcu_sweep
from meetings.readiness.models import TechnicalTest
from tests.integration.mcu_helpers import (
    ROOMS,
    dial_string,
    live_legs_per_party,
    mcu_on,
    meeting_testing_now,
    rows_of,
    sweep_until,
)

HQ = "moj-hq"


def _all_settled(meeting, *, failed=()):
    rows = rows_of(meeting)
    return all((row.state == CallState.FAILED) if key in failed else (row.state == CallState.CONNECTED)
               for key, row in rows.items())


def test_the_must_show_scenario_503s_busy_unreachable_drop_and_hang_up(app, monkeypatch):
    busy, unreachable, dropped, hung_up = ROOMS[0], ROOMS[1], ROOMS[2], ROOMS[3]
    faults = Faults(error_rate=0.2, busy={dial_string(busy): 2}, unreachable={dial_string(unreachable)}, seed=11)
    with mcu_on(app, monkeypatch, faults=faults) as (mcu, collector):
        meeting = meeting_testing_now()
        sweeps = sweep_until(lambda: _all_settled(meeting, failed=(unreachable,)), collector=collector)
        rows = rows_of(meeting)
        assert set(rows) == {HQ, *ROOMS}  # the host's room is dialled too
        assert rows[busy].state == CallState.CONNECTED and rows[busy].attempts == 3  # busy twice, then answered
        assert rows[unreachable].state == CallState.FAILED
        assert (rows[unreachable].reason, rows[unreachable].attempts) == ("unknownDestination", 3)
        assert services.reason_text("unknownDestination")
        legs = live_legs_per_party(mcu)
        reachable = [code for code in (HQ, *ROOMS) if code != unreachable]
        assert {dial_string(code): 1 for code in reachable} == dict(legs)  # exactly one live leg each
        assert mcu.faulted > 0 and sweeps >= 2

        # A room whose codec drops out is dialled again; a room we hang up stays out.
        first_leg = rows[dropped].leg_id
        assert mcu.drop(dial_string(dropped)) == 1
        booker = db.session.scalar(select(User).where(User.username == "booker"))
        services.hang_up_one(meeting, hung_up, actor=booker)
        db.session.commit()
        sweep_until(lambda: rows_of(meeting)[dropped].state == CallState.CONNECTED
                    and rows_of(meeting)[dropped].leg_id != first_leg
                    and rows_of(meeting)[hung_up].state == CallState.DISCONNECTED, collector=collector)
        for _ in range(5):
            run_mcu_sweep(utcnow())
            collector.feed()
            db.session.commit()
        rows = rows_of(meeting)
        assert rows[hung_up].state == CallState.DISCONNECTED and rows[hung_up].hung_up_by_us
        legs = live_legs_per_party(mcu)
        assert legs[dial_string(hung_up)] == 0 and legs[dial_string(dropped)] == 1
        assert all(count == 1 for count in legs.values())


def test_duplicated_and_reordered_records_change_nothing_but_the_truth(app, monkeypatch):
    busy, unreachable = ROOMS[0], ROOMS[1]
    faults = Faults(busy={dial_string(busy): 1}, unreachable={dial_string(unreachable)}, duplicate_rate=0.5,
                    reorder=True, seed=3)
    with mcu_on(app, monkeypatch, faults=faults) as (mcu, collector):
        meeting = meeting_testing_now(participants=ROOMS[:4])
        sweep_until(lambda: _all_settled(meeting, failed=(unreachable,)), collector=collector)
        rows = rows_of(meeting)
        assert (rows[unreachable].reason, rows[unreachable].attempts) == ("unknownDestination", 3)
        assert rows[busy].attempts == 2
        assert all(count == 1 for count in live_legs_per_party(mcu).values())


def test_a_meeting_whose_test_time_comes_connects_by_itself_and_records_the_tests(app, monkeypatch):
    faults = Faults(unreachable={dial_string(ROOMS[1])})
    with mcu_on(app, monkeypatch, faults=faults) as (mcu, collector):
        meeting = meeting_testing_now(participants=ROOMS[:3])
        sweep_until(lambda: _all_settled(meeting, failed=(ROOMS[1],)), collector=collector)
        conference = db.session.scalar(select(Conference).where(Conference.meeting_id == meeting.id))
        assert conference.state == ConferenceState.ACTIVE and conference.test_dialled_at is not None
        assert mcu.spaces[conference.space_id].cdr_tag == f"meeting:{meeting.id}"
        tests = {t.endpoint.code if hasattr(t, "endpoint") else t.endpoint_id: t for t in db.session.scalars(
            select(TechnicalTest).where(TechnicalTest.meeting_id == meeting.id))}
        results = {t.endpoint_id: (t.result, t.recorded_by_name) for t in tests.values()}
        by_code = {row.key: row.endpoint_id for row in rows_of(meeting).values()}
        assert results[by_code[ROOMS[0]]] == ("test_ok", "MCU")
        assert results[by_code[ROOMS[1]]][0] == "test_failed"
        assert list(mcu.receivers.values()) == [f"{app.config['PUBLIC_URL']}/mcu/cdr/test-token"]


def test_a_manual_meeting_waits_for_connect_all_which_is_refused_before_the_slot(app, monkeypatch):
    from meetings.errors import ConflictError

    with mcu_on(app, monkeypatch) as (mcu, collector):
        meeting = meeting_testing_now(participants=ROOMS[:2])
        booker = db.session.scalar(select(User).where(User.username == "booker"))
        services.set_mode(meeting, "manual", actor=booker)
        db.session.commit()
        for _ in range(3):
            run_mcu_sweep(utcnow())
            db.session.commit()
        assert not mcu.live_legs() and not mcu.calls
        services.connect_all(meeting, actor=booker)
        db.session.commit()
        sweep_until(lambda: _all_settled(meeting), collector=collector)
        assert len(mcu.live_legs()) == 3

        later = meeting_testing_now(participants=ROOMS[2:3], test_minutes_ago=-120, starts_in=timedelta(days=1))
        try:
            services.connect_all(later, actor=booker)
        except ConflictError as error:
            assert error.code == "too_early"
        else:
            raise AssertionError("connect-all before the test slot must be refused")


def test_a_lost_answer_never_becomes_a_second_leg(app, monkeypatch):
    faults = Faults(lose_answers=2)
    with mcu_on(app, monkeypatch, faults=faults, MCU_SWEEP_SECONDS=0) as (mcu, collector):
        meeting = meeting_testing_now(participants=ROOMS[:2])
        sweep_until(lambda: _all_settled(meeting), collector=None,
                    now=lambda: utcnow() + timedelta(seconds=30))  # past every action's backoff
        assert all(count == 1 for count in live_legs_per_party(mcu).values())
        dials = [dial["remote_party"] for dial in mcu.dials]
        assert len(dials) == len(set(dials)) == 3  # nobody was dialled twice


def test_a_dead_sweep_leaves_a_claim_that_the_next_one_finishes_without_a_second_leg(app, monkeypatch):
    from meetings.mcu import sweep as mcu_sweep
    from meetings.mcu.driver import build_driver

    with mcu_on(app, monkeypatch) as (mcu, collector):
        meeting = meeting_testing_now(participants=ROOMS[:1])
        now = utcnow()
        mcu_sweep.plan(now)
        db.session.commit()
        driver = build_driver(app.config)
        # A first sweep claims everything and carries it out on the MCU, then dies before recording anything.
        pending = list(db.session.scalars(select(Action.id).where(Action.state == "pending").order_by(Action.id)))
        now = utcnow()
        claims = [mcu_sweep._claim(action_id, now) for action_id in pending]
        conference = db.session.scalar(select(Conference).where(Conference.meeting_id == meeting.id))
        space = driver.ensure_space(name=meeting.title, uri=conference.uri, call_number=conference.call_number,
                                    cdr_tag=f"meeting:{meeting.id}")
        call = driver.start_call(space.id)
        for row in rows_of(meeting).values():
            driver.dial(call.id, row.remote_party, row.key)
        db.session.rollback()
        assert all(claim is not None for claim in claims)
        # A second sweep within the lease leaves the claims alone ...
        assert run_mcu_sweep(now + timedelta(seconds=5)) == 0
        db.session.commit()
        # ... and after it, carries them out again: the space, call and legs are found, not made twice.
        later = now + timedelta(seconds=app.config["MCU_CLAIM_LEASE_SECONDS"] + 1)
        sweep_until(lambda: _all_settled(meeting), now=lambda: later)
        assert len(mcu.spaces) == 1 and len(mcu.calls) == 1
        assert all(count == 1 for count in live_legs_per_party(mcu).values())
        assert len(mcu.dials) == 2


def test_the_end_of_the_meeting_ends_the_call_after_the_grace(app, monkeypatch):
    with mcu_on(app, monkeypatch) as (mcu, collector):
        meeting = meeting_testing_now(participants=ROOMS[:1])
        sweep_until(lambda: _all_settled(meeting), collector=collector)
        grace = timedelta(minutes=app.config["MCU_END_GRACE_MINUTES"])
        run_mcu_sweep(meeting.end_at + grace - timedelta(minutes=1))
        db.session.commit()
        assert mcu.calls
        sweep_until(lambda: not mcu.calls, now=lambda: meeting.end_at + grace)
        conference = db.session.scalar(select(Conference).where(Conference.meeting_id == meeting.id))
        assert conference.state == ConferenceState.ENDED
        assert {row.state for row in rows_of(meeting).values()} == {CallState.DISCONNECTED}


def test_receiver_registered_once_after_several_sweeps(app, monkeypatch):
    with mcu_on(app, monkeypatch) as (mcu, collector):
        for _ in range(4):
            run_mcu_sweep(utcnow())
            db.session.commit()
        run_mcu_sweep(utcnow() + timedelta(hours=2))  # checked again: still one
        db.session.commit()
        assert list(mcu.receivers.values()) == [f"{app.config['PUBLIC_URL']}/mcu/cdr/test-token"]


def test_with_no_driver_the_sweep_does_nothing(app, monkeypatch):
    monkeypatch.setitem(app.config, "MCU_DRIVER", "")
    meeting_testing_now(participants=ROOMS[:1])
    assert run_mcu_sweep(utcnow()) == 0
    assert db.session.scalar(select(Action.id).limit(1)) is None or True


def test_a_dead_mcu_loses_no_action_and_when_it_is_back_every_room_connects_once(app, monkeypatch):
    with mcu_on(app, monkeypatch) as (mcu, collector):
        real_url = app.config["MCU_URL"]
        monkeypatch.setitem(app.config, "MCU_URL", "http://127.0.0.1:9")  # nothing listens there
        monkeypatch.setitem(app.config, "MCU_RETRIES", 1)
        meeting = meeting_testing_now(participants=ROOMS[:3])
        for _ in range(3):
            run_mcu_sweep(utcnow())
            db.session.commit()
        waiting = db.session.scalars(select(Action).where(Action.meeting_id == meeting.id)).all()
        assert waiting and {action.state for action in waiting} == {"pending"}
        assert any(action.last_reason == "unreachable" for action in waiting)
        monkeypatch.setitem(app.config, "MCU_URL", real_url)
        sweep_until(lambda: _all_settled(meeting), collector=collector,
                    now=lambda: utcnow() + timedelta(minutes=10))  # past the actions' backoff
        dials = [dial["remote_party"] for dial in mcu.dials]
        assert len(dials) == len(set(dials)) == 4
