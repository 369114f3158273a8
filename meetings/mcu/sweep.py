"""The `mcu` sweep: decide what time asks for, carry out the queued actions, and look at the live legs.

Each pass, in order:
1. plan: meetings whose technical test time came are connected (automatic mode), those that started get
   their missing endpoints dialled again, dropped or busy endpoints whose next attempt is due are dialled,
   meetings over for MCU_END_GRACE_MINUTES have their call ended, cancelled ones their space removed;
   whatever that decides is queued, and committed, before anything is sent;
2. carry out: the due actions are claimed one by one with a conditional UPDATE and a lease, committed
   before the MCU is called (so no database lock is held over the network and a second sweep sees the
   claim), then the result is recorded and committed. A dial also leases its endpoint's row, so that two
   sweeps never dial one endpoint at once, and it lists the call's legs first: a dial whose answer was
   lost is found there and adopted, never made a second time. Starting a call leases the conference row the
   same way, and looks for a running call on the space first, so a meeting never has two calls. A sweep that
   dies mid-action leaves the claim behind; after the lease another sweep does it again, idempotently;
3. poll: every active call's legs are listed (their state and media alarms), and legs that vanished end.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError

from meetings.booking.models import Meeting, MeetingStatus
from meetings.database import utcnow
from meetings.extensions import db
from meetings.mcu import legs, services
from meetings.mcu.driver import (
    AuthError,
    ConfigurationError,
    Driver,
    DriverError,
    NotFoundError,
    Unavailable,
    build_driver,
    is_enabled,
)
from meetings.mcu.models import (
    LIVE_CALL_STATES,
    Action,
    ActionKind,
    ActionState,
    CallState,
    Conference,
    ConferenceState,
    ConnectMode,
    EndpointCall,
    McuState,
)

log = logging.getLogger(__name__)

BATCH_SIZE = 500
RECEIVER_RECHECK = timedelta(hours=1)
ROW_BUSY_DELAY = timedelta(seconds=2)
RECONCILE_AHEAD = timedelta(days=2)


def run_mcu_sweep(now: datetime, *, driver: Driver | None = None) -> int:
    """One pass; returns the number of actions carried out. Commits as it goes (see the module)."""
    config = current_app.config
    if not is_enabled(config):
        return 0
    try:
        driver = driver or build_driver(config)
    except ConfigurationError as error:
        log.error("mcu: %s", error)
        return 0
    try:
        plan(now)
        db.session.commit()
    except IntegrityError:
        # Another sweep made the same meeting's conference a moment before: its plan stands, ours waits a pass.
        db.session.rollback()
        log.info("mcu: another sweep planned the same meetings at the same moment; this pass only carries out")
    ensure_receiver(driver, now)
    done = carry_out(driver, now)
    poll(driver, now)
    db.session.commit()
    return done


# ---- 1. plan -----------------------------------------------------------------------------------

def plan(now: datetime) -> int:
    """Queue what time asks for; returns the number of meetings looked at."""
    config = current_app.config
    grace = timedelta(minutes=config["MCU_END_GRACE_MINUTES"])
    lead = timedelta(minutes=config["TEST_MINUTES_BEFORE"])
    _reconcile(now, lead)
    rows = db.session.execute(
        select(Meeting, Conference).join(Conference, Conference.meeting_id == Meeting.id)
        .where(Conference.state != ConferenceState.REMOVED,
               or_(Meeting.status == MeetingStatus.CANCELLED,
                   and_(Conference.state != ConferenceState.ENDED,
                        or_(Meeting.start_at <= now + lead + RECONCILE_AHEAD, Meeting.test_at <= now))))
        .order_by(Meeting.start_at)).all()
    for meeting, conference in rows:
        _plan_meeting(meeting, conference, now, grace)
    return len(rows)


def _reconcile(now: datetime, lead: timedelta) -> None:
    """Meetings booked before the MCU was on (or while nobody listened) get their conference."""
    missing = db.session.scalars(
        select(Meeting).outerjoin(Conference, Conference.meeting_id == Meeting.id)
        .where(Conference.id.is_(None), Meeting.status.in_(services.ACTIVE_MEETING_STATUSES),
               Meeting.start_at <= now + lead + RECONCILE_AHEAD, Meeting.end_at > now)).all()
    for meeting in missing:
        services.ensure_conference(meeting)


def _plan_meeting(meeting: Meeting, conference: Conference, now: datetime, grace: timedelta) -> None:
    if meeting.status == MeetingStatus.CANCELLED:
        _wind_up(meeting, conference, now, remove=True)
        return
    if now >= meeting.end_at + grace or meeting.status not in services.ACTIVE_MEETING_STATUSES:
        if now >= meeting.end_at + grace or meeting.status == MeetingStatus.DRAFT:
            _wind_up(meeting, conference, now, remove=False)
        return
    if now >= meeting.end_at:
        return  # the grace: the call runs on, nobody is redialled
    automatic = conference.mode == ConnectMode.AUTOMATIC
    if automatic and conference.test_dialled_at is None and now >= services.test_time(meeting):
        conference.test_dialled_at = now
        if now >= meeting.start_at:
            conference.start_dialled_at = now  # booked late: the start's redial is this one
        services.start_and_dial_all(meeting, conference, now)
        log.info("mcu: meeting %s: technical test time, the call starts and every endpoint is dialled", meeting.id)
        return
    if automatic and conference.start_dialled_at is None and now >= meeting.start_at:
        conference.start_dialled_at = now
        services.start_and_dial_all(meeting, conference, now, fresh=True)
        log.info("mcu: meeting %s started: endpoints not connected are dialled again", meeting.id)
        return
    if conference.state == ConferenceState.ACTIVE or services.has_open(meeting.id, ActionKind.START_CALL):
        due = db.session.scalars(select(EndpointCall).where(
            EndpointCall.meeting_id == meeting.id, EndpointCall.wanted.is_(True), EndpointCall.leg_id.is_(None),
            EndpointCall.state.in_((CallState.DIALLING, CallState.DISCONNECTED, CallState.IDLE)),
            or_(EndpointCall.next_dial_at.is_(None), EndpointCall.next_dial_at <= now))).all()
        for row in due:
            services.queue_dial(row)


def _wind_up(meeting: Meeting, conference: Conference, now: datetime, *, remove: bool) -> None:
    running = conference.state == ConferenceState.ACTIVE or conference.call_id
    if running and not services.has_open(meeting.id, ActionKind.END_CALL):
        services.end_call(meeting, actor=None, now=now)
    elif not running and conference.state == ConferenceState.ACTIVE:
        conference.state = ConferenceState.ENDED
    if remove and not services.has_open(meeting.id, ActionKind.REMOVE_SPACE):
        services._cancel_open(meeting.id, kinds=(ActionKind.DIAL, ActionKind.START_CALL, ActionKind.CREATE_SPACE,
                                                  ActionKind.RENAME_SPACE))
        services.queue(ActionKind.REMOVE_SPACE, meeting.id)
    if not running and not remove and conference.state != ConferenceState.ENDED:
        conference.state = ConferenceState.ENDED
        conference.ended_at = conference.ended_at or now


# ---- 2. carry out ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Claimed:
    id: int
    kind: str
    meeting_id: int | None
    call_row_id: int | None
    payload: dict
    attempts: int


def _release_stale_claims(now: datetime) -> None:
    released = db.session.execute(
        update(Action).where(Action.state == ActionState.RUNNING, Action.next_attempt_at <= now)
        .values(state=ActionState.PENDING).execution_options(synchronize_session=False)).rowcount
    if released:
        log.warning("mcu: %d action(s) left running by a stopped sweep, carried out again", released)


def carry_out(driver: Driver, now: datetime) -> int:
    now = max(now, utcnow())  # what this very pass queued is due too
    _release_stale_claims(now)
    due = list(db.session.scalars(select(Action.id).where(Action.state == ActionState.PENDING,
                                                          Action.next_attempt_at <= now)
                                  .order_by(Action.id).limit(BATCH_SIZE)))
    db.session.commit()
    done = 0
    for action_id in due:
        claimed = _claim(action_id, now)
        if claimed is None:
            continue
        try:
            result = HANDLERS[claimed.kind](driver, claimed, now)
        except CallBeingStarted:
            _retry(claimed, now, None, delay=ROW_BUSY_DELAY, count=False)
        except AuthError as error:
            _retry(claimed, now, error, delay=timedelta(minutes=5))
            _note_health(False, str(error))
            db.session.commit()
            log.error("mcu: the MCU refused our credentials; actions wait")
            break
        except Unavailable as error:
            _retry(claimed, now, error)
            _note_health(False, str(error))
        except DriverError as error:
            _finish(claimed, ActionState.FAILED, now, error)
        else:
            if result == "later":
                _retry(claimed, now, None, delay=ROW_BUSY_DELAY, count=False)
            else:
                _finish(claimed, ActionState.DONE, now, None)
                done += 1
        db.session.commit()
    return done


def _claim(action_id: int, now: datetime) -> Claimed | None:
    lease = timedelta(seconds=current_app.config["MCU_CLAIM_LEASE_SECONDS"])
    result = db.session.execute(
        update(Action).where(Action.id == action_id, Action.state == ActionState.PENDING,
                             Action.next_attempt_at <= now)
        .values(state=ActionState.RUNNING, attempts=Action.attempts + 1, next_attempt_at=now + lease)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.commit()
        return None
    action = db.session.get(Action, action_id, populate_existing=True)
    claimed = Claimed(id=action.id, kind=action.kind, meeting_id=action.meeting_id, call_row_id=action.call_row_id,
                      payload=dict(action.payload or {}), attempts=action.attempts)
    db.session.commit()
    return claimed


def _still_ours(claimed: Claimed):
    return and_(Action.id == claimed.id, Action.state == ActionState.RUNNING)


def _finish(claimed: Claimed, state: str, now: datetime, error: DriverError | None) -> None:
    values = {"state": state, "done_at": now}
    if error is not None:
        values.update(last_error=error.message[:2000], last_reason=error.reason[:60])
        log.warning("mcu: action %s (%s, meeting %s) failed: %s", claimed.id, claimed.kind, claimed.meeting_id,
                    error.message)
    db.session.execute(update(Action).where(_still_ours(claimed)).values(**values)
                       .execution_options(synchronize_session=False))


def _retry(claimed: Claimed, now: datetime, error: DriverError | None, *, delay: timedelta | None = None,
           count: bool = True) -> None:
    if delay is None:
        delay = legs.retry_delay(claimed.attempts, 2.0 * max(current_app.config["MCU_SWEEP_SECONDS"], 1) / 4)
        delay = min(delay, timedelta(minutes=5))
    values = {"state": ActionState.PENDING, "next_attempt_at": now + delay}
    if not count:
        values["attempts"] = Action.attempts - 1
    if error is not None:
        values.update(last_error=error.message[:2000], last_reason=error.reason[:60])
        log.info("mcu: action %s (%s, meeting %s) will be tried again: %s", claimed.id, claimed.kind,
                 claimed.meeting_id, error.message)
    db.session.execute(update(Action).where(_still_ours(claimed)).values(**values)
                       .execution_options(synchronize_session=False))


def _note_health(reachable: bool, error: str = "") -> None:
    state = _state()
    state.reachable = reachable
    state.last_error = error[:2000]


def _state() -> McuState:
    state = db.session.get(McuState, 1)
    if state is None:
        state = McuState(id=1, receiver_url="", reachable=False, last_error="")
        db.session.add(state)
        db.session.flush()
    return state


def _conference(meeting_id: int | None) -> tuple[Meeting, Conference] | None:
    if meeting_id is None:
        return None
    meeting = db.session.get(Meeting, meeting_id, populate_existing=True)
    conference = db.session.scalar(select(Conference).where(Conference.meeting_id == meeting_id)
                                   .execution_options(populate_existing=True))
    return (meeting, conference) if meeting is not None and conference is not None else None


def _ensure_space(driver: Driver, meeting: Meeting, conference: Conference) -> str:
    if conference.space_id:
        return conference.space_id
    db.session.commit()  # nothing is held over the network
    space = driver.ensure_space(name=meeting.title, uri=conference.uri, call_number=conference.call_number,
                                cdr_tag=f"meeting:{meeting.id}")
    conference.space_id = space.id
    if conference.state == ConferenceState.PLANNED:
        conference.state = ConferenceState.READY
    return space.id


class CallBeingStarted(Exception):
    """Another sweep is starting this meeting's call right now: the action waits a moment and looks again."""


def _ensure_call(driver: Driver, meeting: Meeting, conference: Conference, now: datetime) -> str:
    """The meeting's running call, started if there is none.

    Starting is leased on the conference row (a conditional UPDATE, committed before the MCU is asked), so two
    sweeps never both find no call and both start one; the lease is not a lock, so the MCU's call records,
    which arrive while the call starts, are stored at once. The start looks for a call on the space first:
    one whose answer was lost, or whose sweep died, is adopted.
    """
    if conference.call_id:
        return conference.call_id
    space_id = _ensure_space(driver, meeting, conference)
    if not _lease_conference(conference.id, now):
        raise CallBeingStarted(meeting.id)
    try:
        db.session.refresh(conference)
        if conference.call_id:
            return conference.call_id  # the sweep that held the lease started it
        call = driver.start_call(space_id)
    finally:
        conference.call_lease_until = None
    conference.call_id, conference.state = call.id, ConferenceState.ACTIVE
    conference.started_at = conference.started_at or now
    conference.ended_at = None
    log.info("mcu: meeting %s: call %s running", meeting.id, call.id)
    return call.id


def _lease_conference(conference_id: int, now: datetime) -> bool:
    """Take the conference for this sweep while it starts the call."""
    return _take_lease(Conference.call_lease_until, conference_id, now)


def _take_lease(lease_column, row_id: int, now: datetime) -> bool:
    """A conditional UPDATE of the row's lease column, committed with what came before, so every other sweep
    sees the lease at once; False when another sweep holds it."""
    model = lease_column.class_
    lease = timedelta(seconds=current_app.config["MCU_CLAIM_LEASE_SECONDS"])
    db.session.flush()
    taken = db.session.execute(
        update(model).where(model.id == row_id, or_(lease_column.is_(None), lease_column <= now))
        .values({lease_column.key: now + lease}).execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return taken == 1


def _create_space(driver: Driver, claimed: Claimed, now: datetime) -> str:
    found = _conference(claimed.meeting_id)
    if found is None or found[1].state == ConferenceState.REMOVED or found[0].status == MeetingStatus.CANCELLED:
        return "done"
    _ensure_space(driver, *found)
    return "done"


def _rename_space(driver: Driver, claimed: Claimed, now: datetime) -> str:
    found = _conference(claimed.meeting_id)
    if found is None or found[1].state == ConferenceState.REMOVED:
        return "done"
    meeting, conference = found
    if not conference.space_id:
        _ensure_space(driver, meeting, conference)  # made with the new title
        return "done"
    title = meeting.title
    db.session.commit()
    try:
        driver.rename_space(conference.space_id, title)
    except NotFoundError:
        conference.space_id = None
        _ensure_space(driver, meeting, conference)
    return "done"


def _hang_up_call(driver: Driver, call_id: str | None) -> None:
    """End the call on the MCU; one that has already ended is fine."""
    if call_id:
        try:
            driver.end_call(call_id)
        except NotFoundError:
            pass


def _remove_space(driver: Driver, claimed: Claimed, now: datetime) -> str:
    found = _conference(claimed.meeting_id)
    if found is None:
        return "done"
    meeting, conference = found
    call_id, space_id = conference.call_id, conference.space_id
    if not space_id:  # perhaps made by an answer we never heard: look for it
        db.session.commit()
        space = driver.find_space(conference.call_number)
        space_id = space.id if space else None
    db.session.commit()
    _hang_up_call(driver, call_id)
    if space_id:
        try:
            driver.remove_space(space_id)
        except NotFoundError:
            pass
    conference.call_id, conference.space_id = None, None
    conference.state, conference.ended_at = ConferenceState.REMOVED, conference.ended_at or now
    _all_rows_down(meeting.id, now)
    return "done"


def _start_call(driver: Driver, claimed: Claimed, now: datetime) -> str:
    found = _conference(claimed.meeting_id)
    if found is None or found[0].status not in services.ACTIVE_MEETING_STATUSES:
        return "done"
    _ensure_call(driver, found[0], found[1], now)
    return "done"


def _end_call(driver: Driver, claimed: Claimed, now: datetime) -> str:
    found = _conference(claimed.meeting_id)
    if found is None:
        return "done"
    meeting, conference = found
    call_id = conference.call_id
    if call_id is None and conference.space_id:
        db.session.commit()
        call = driver.find_call(conference.space_id)
        call_id = call.id if call else None
    db.session.commit()
    _hang_up_call(driver, call_id)
    conference.call_id = None
    if conference.state != ConferenceState.REMOVED:
        conference.state = ConferenceState.ENDED
    conference.ended_at = now
    _all_rows_down(meeting.id, now)
    log.info("mcu: meeting %s: call ended", meeting.id)
    return "done"


def _all_rows_down(meeting_id: int, now: datetime) -> None:
    for row in db.session.scalars(select(EndpointCall).where(EndpointCall.meeting_id == meeting_id)):
        row.wanted, row.next_dial_at = False, None
        if row.leg_id is not None or row.state in LIVE_CALL_STATES:
            if row.state == CallState.CONNECTED:
                row.state, row.disconnected_at = CallState.DISCONNECTED, now
                row.reason = row.reason or legs.OUR_TEARDOWN
            elif row.state != CallState.DISCONNECTED:
                row.state = CallState.IDLE
            row.last_leg_id, row.leg_id, row.alarms = row.leg_id or row.last_leg_id, None, []


def _lease_row(row_id: int, now: datetime) -> bool:
    """Take the endpoint's row for this sweep: one dial or hang-up of an endpoint at a time, everywhere."""
    return _take_lease(EndpointCall.lease_until, row_id, now)


def _release_row(row_id: int) -> None:
    db.session.execute(update(EndpointCall).where(EndpointCall.id == row_id).values(lease_until=None)
                       .execution_options(synchronize_session=False))


def _dial(driver: Driver, claimed: Claimed, now: datetime) -> str:
    if claimed.call_row_id is None:
        return "done"
    if not _lease_row(claimed.call_row_id, now):
        return "later"
    try:
        return _dial_leased(driver, claimed, now)
    finally:
        _release_row(claimed.call_row_id)


def _dial_leased(driver: Driver, claimed: Claimed, now: datetime) -> str:
    row = db.session.get(EndpointCall, claimed.call_row_id, populate_existing=True)
    found = _conference(claimed.meeting_id)
    if row is None or found is None:
        return "done"
    meeting, conference = found
    if not row.wanted or row.leg_id is not None or row.state == CallState.CONNECTED:
        return "done"  # hung up, excluded or ended meanwhile, or already in the call
    if meeting.status not in services.ACTIVE_MEETING_STATUSES or conference.state == ConferenceState.REMOVED:
        row.wanted = False
        return "done"
    call_id = _ensure_call(driver, meeting, conference, now)
    key, remote, dtmf = row.key, row.remote_party, row.dtmf or None
    db.session.commit()
    try:
        existing = driver.list_legs(call_id)
    except NotFoundError:
        conference.call_id = None  # the call ended on the MCU: start it again, then dial
        call_id = _ensure_call(driver, meeting, conference, now)
        existing = []
    mine = [leg for leg in existing if leg.owner_id == key or services.same_party(leg.remote_party, remote)]
    row = db.session.get(EndpointCall, claimed.call_row_id, populate_existing=True)
    if mine:
        leg = mine[0]
        event = legs.POLL_STATES.get(leg.state, "started")
        services.record_leg_event(meeting_id=meeting.id, call_id=call_id, leg_id=leg.id, event=event,
                                  owner_id=key, remote_party=leg.remote_party, direction=leg.direction, at=now)
        log.info("mcu: meeting %s: %s is already in the call (leg %s): not dialled twice", meeting.id, key, leg.id)
        return "done"
    row.attempts += 1  # counted before the request: a record of its end may come before its answer
    row.dialled_at = now
    row.state = CallState.DIALLING
    db.session.commit()
    try:
        leg = driver.dial(call_id, remote, key, dtmf=dtmf)
    except Unavailable:
        row = db.session.get(EndpointCall, claimed.call_row_id, populate_existing=True)
        row.attempts = max(row.attempts - 1, 0)  # the next try looks at the legs first
        raise
    except NotFoundError as error:
        if error.reason == "callDoesNotExist":
            conference.call_id = None
            row = db.session.get(EndpointCall, claimed.call_row_id, populate_existing=True)
            row.attempts = max(row.attempts - 1, 0)
            raise Unavailable("The call ended on the MCU; it is started again.", reason="callDoesNotExist") \
                from error
        raise
    except DriverError as error:
        row = db.session.get(EndpointCall, claimed.call_row_id, populate_existing=True)
        row.state, row.reason, row.wanted = CallState.FAILED, error.reason[:60], False
        raise
    row = db.session.get(EndpointCall, claimed.call_row_id, populate_existing=True)
    legs.dialled(row, leg.id, now)
    log.info("mcu: meeting %s: dialled %s (%s), attempt %s, leg %s", meeting.id, key, remote, row.attempts, leg.id)
    return "done"


def _hang_up(driver: Driver, claimed: Claimed, now: datetime) -> str:
    leg_id = claimed.payload.get("leg_id")
    row = db.session.get(EndpointCall, claimed.call_row_id) if claimed.call_row_id else None
    if row is not None:
        leg_id = row.leg_id or leg_id
    db.session.commit()
    if leg_id:
        try:
            driver.hang_up(leg_id)
        except NotFoundError:
            pass
    if row is not None:
        row = db.session.get(EndpointCall, claimed.call_row_id, populate_existing=True)
        if row is not None and row.leg_id == leg_id:
            row.last_leg_id, row.leg_id, row.alarms = leg_id, None, []
            if row.state == CallState.CONNECTED:
                row.disconnected_at = now
            row.state, row.reason = CallState.DISCONNECTED, "hungUp"
    return "done"


HANDLERS = {ActionKind.CREATE_SPACE: _create_space, ActionKind.RENAME_SPACE: _rename_space,
            ActionKind.REMOVE_SPACE: _remove_space, ActionKind.START_CALL: _start_call, ActionKind.DIAL: _dial,
            ActionKind.HANG_UP: _hang_up, ActionKind.END_CALL: _end_call}


# ---- 3. poll -----------------------------------------------------------------------------------

def poll(driver: Driver, now: datetime) -> int:
    """Read the legs of every active call; returns how many calls were read."""
    active = db.session.execute(select(Conference.meeting_id, Conference.call_id).where(
        Conference.state == ConferenceState.ACTIVE, Conference.call_id.is_not(None))).all()
    db.session.commit()
    read = 0
    for meeting_id, call_id in active:
        try:
            listed = driver.list_legs(call_id)
            listed = [_with_state(driver, leg) for leg in listed]
        except NotFoundError:
            _call_gone(meeting_id, call_id, now)
            db.session.commit()
            continue
        except DriverError as error:
            log.info("mcu: legs of meeting %s not read: %s", meeting_id, error.message)
            _note_health(False, error.message)
            db.session.commit()
            continue
        _apply_poll(meeting_id, call_id, listed, now)
        _note_health(True)
        db.session.commit()
        read += 1
    return read


def _with_state(driver: Driver, leg):
    """A list that does not say a leg's state (real CMS lists name and party only): ask the leg itself."""
    if leg.state:
        return leg
    try:
        return driver.get_leg(leg.id)
    except NotFoundError:
        return leg


def _call_gone(meeting_id: int, call_id: str, now: datetime) -> None:
    conference = db.session.scalar(select(Conference).where(Conference.meeting_id == meeting_id))
    if conference is None or conference.call_id != call_id:
        return
    conference.call_id = None
    meeting = db.session.get(Meeting, meeting_id)
    wanted = db.session.scalar(select(EndpointCall.id).where(EndpointCall.meeting_id == meeting_id,
                                                             EndpointCall.wanted.is_(True)).limit(1))
    _all_rows_down(meeting_id, now)
    if wanted and meeting is not None and meeting.status in services.ACTIVE_MEETING_STATUSES and now < meeting.end_at:
        # The call ended on the MCU while the meeting runs: start it again and bring everyone back.
        conference.state = ConferenceState.READY
        services.start_and_dial_all(meeting, conference, now, fresh=True)
    else:
        conference.state, conference.ended_at = ConferenceState.ENDED, now


def _apply_poll(meeting_id: int, call_id: str, listed: list, now: datetime) -> None:
    conference = db.session.scalar(select(Conference).where(Conference.meeting_id == meeting_id))
    if conference is None or conference.call_id != call_id:
        return
    conference.polled_at = now
    rows = db.session.scalars(select(EndpointCall).where(EndpointCall.meeting_id == meeting_id)
                              .order_by(EndpointCall.id)).all()
    seen_legs = {leg.id for leg in listed}
    for leg in listed:
        row = next((r for r in rows if leg.id in (r.leg_id, r.last_leg_id)), None) or services.match_row(
            rows, owner_id=leg.owner_id, remote_party=leg.remote_party)
        if row is None:
            continue
        if row.leg_id == leg.id and sorted(row.alarms or []) != sorted(leg.alarms):
            row.alarms = list(leg.alarms)
        if row.leg_id not in (None, leg.id):
            continue  # a second leg of one endpoint (dialled in while we dialled): ours is followed
        event = legs.POLL_STATES.get(leg.state, "started")
        if row.leg_id is None and leg.direction == "incoming" and not row.excluded:
            row.wanted = True  # it dialled in itself: counted, and brought back if it drops
        services.record_leg_event(meeting_id=meeting_id, call_id=call_id, leg_id=leg.id, event=event,
                                  owner_id=leg.owner_id, remote_party=leg.remote_party, direction=leg.direction,
                                  at=now)
        if row.leg_id == leg.id:
            row.alarms = list(leg.alarms)
    config = current_app.config
    for row in rows:
        if row.leg_id and row.leg_id not in seen_legs and (row.dialled_at is None or row.dialled_at < now):
            outcome = legs.vanished(row, at=now, max_attempts=config["MCU_DIAL_ATTEMPTS"],
                                    retry_base=config["MCU_REDIAL_SECONDS"])
            if outcome.changed and row.leg_id is None:
                services._after(row, outcome, now)


# ---- the receiver ------------------------------------------------------------------------------

def receiver_url() -> str | None:
    config = current_app.config
    token = config.get("MCU_CDR_TOKEN")
    return f"{config['PUBLIC_URL'].rstrip('/')}/mcu/cdr/{token}" if token else None


def ensure_receiver(driver: Driver, now: datetime) -> bool:
    """Register our call-record receiver on the MCU once (checked again hourly, or when the URL changes)."""
    url = receiver_url()
    if url is None:
        return False
    state = _state()
    if state.receiver_url == url and state.receiver_checked_at and now - state.receiver_checked_at < RECEIVER_RECHECK:
        return False
    db.session.commit()
    try:
        added = driver.ensure_cdr_receiver(url)
    except DriverError as error:
        log.warning("mcu: the call-record receiver is not registered yet: %s", error.message)
        _note_health(False, error.message)
        db.session.commit()
        return False
    state = _state()
    state.receiver_url, state.receiver_checked_at, state.reachable, state.last_error = url, now, True, ""
    db.session.commit()
    return added
