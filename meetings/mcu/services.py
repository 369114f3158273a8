"""Deciding what the MCU must do for a meeting, and queueing it in the caller's transaction.

Nothing here talks to the MCU: the `mcu` sweep (meetings.mcu.sweep) carries the queued actions out.
Services flush, never commit. Who may do what is checked here too (the API and the pages share it).
"""
from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select, update
from sqlalchemy.orm import joinedload

from meetings.auth import audit
from meetings.auth.models import User
from meetings.auth.roles import ADMIN, BOOKER, OPERATOR
from meetings.booking.models import Meeting, MeetingStatus, Participant
from meetings.booking.queries import endpoints_shown_to
from meetings.database import utcnow
from meetings.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from meetings.extensions import db
from meetings.mcu import legs, records
from meetings.mcu.driver import is_enabled
from meetings.mcu.models import (
    GOVERNMENT_KEY,
    OPEN_ACTION_STATES,
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
from meetings.readiness.models import TestStatus

log = logging.getLogger(__name__)

ACTIVE_MEETING_STATUSES = (MeetingStatus.SCHEDULED, MeetingStatus.IN_PROGRESS)
GOVERNMENT_LABEL = _l("Government (Chính phủ)")

# The MCU's reasons, in words (the code is shown beside them).
REASONS = {
    "remoteBusy": _l("busy"),
    "remoteRejected": _l("rejected"),
    "unknownDestination": _l("unknown address"),
    "dnsFailure": _l("address not found (DNS)"),
    "timeout": _l("no answer"),
    "noAnswer": _l("no answer"),
    "confirmationTimeout": _l("no confirmation"),
    "mediaFailure": _l("media failure"),
    "signallingFailure": _l("signalling failure"),
    "callDeflection": _l("call deflected"),
    "remoteTeardown": _l("the room hung up"),
    "localTeardown": _l("hung up by the MCU"),
    "hungUp": _l("hung up by us"),
    "noDialString": _l("no dial string"),
    "parameterError": _l("the MCU refused the dial string"),
}
ALARM_LABELS = {"packetLoss": _l("packet loss"), "excessiveJitter": _l("jitter"),
                "highRoundTripTime": _l("round-trip time")}


def reason_text(code: str) -> str:
    return str(REASONS.get(code, code)) if code else ""


def enabled() -> bool:
    return is_enabled(current_app.config)


def health() -> McuState | None:
    """The MCU as the sweep last saw it (reachable, version, our receiver), None before its first sweep."""
    return db.session.get(McuState, 1)


def reprocess_call_records(*, actor: User, now: datetime | None = None) -> records.Reprocessed:
    """A person asks for the failed call-record batches to be processed again (after fixing the cause): the
    stored raw bodies are processed again, duplicates ignored (records.reprocess_failed_batches). Audited."""
    result = records.reprocess_failed_batches(now=now)
    audit.record("mcu.cdr_reprocess", actor=actor, target_type="mcu", target_id="call-records",
                 summary=f"{result.processed} processed, {result.failed} failed again, {result.remaining} left")
    return result


# ---- access ------------------------------------------------------------------------------------

def get_meeting(meeting_id: int) -> Meeting:
    meeting = db.session.scalar(select(Meeting).where(Meeting.id == meeting_id).options(joinedload(Meeting.host)))
    if meeting is None:
        raise NotFound(_("No meeting number %(id)s.", id=meeting_id))
    return meeting


def may_operate(meeting: Meeting, user: User) -> bool:
    """Bookers, admins and the operator of the meeting's host endpoint connect, redial, hang up, end."""
    return user.role in (ADMIN, BOOKER) or (user.role == OPERATOR and user.endpoint_id == meeting.host_id)


def readable_scope(meeting: Meeting, user: User) -> str | None:
    """'all' (every row), an endpoint code (an invited operator: their own row), or refuses with 403.

    The rule is booking's `endpoints_shown_to`, the same for readiness, attendance and savings."""
    if endpoints_shown_to(meeting, user) is None:
        return "all"
    return user.endpoint.code


def ensure_can_operate(meeting: Meeting, user: User) -> None:
    if not may_operate(meeting, user):
        raise PermissionDenied(_("Only the meeting office and the host endpoint's operator control the call."))


def ensure_enabled() -> None:
    if not enabled():
        raise ConflictError(_("The MCU is not configured (MCU_DRIVER is empty): calls are off."), code="mcu_off")


# ---- the conference and its rows ---------------------------------------------------------------

def test_time(meeting: Meeting) -> datetime:
    return meeting.test_at or meeting.start_at - timedelta(minutes=current_app.config["TEST_MINUTES_BEFORE"])


def slot_opens_at(meeting: Meeting) -> datetime:
    """Connecting by hand opens with the technical test slot (a little before the test time)."""
    return test_time(meeting) - timedelta(minutes=current_app.config["READINESS_TEST_EARLY_MINUTES"])


def sip_domain() -> str:
    config = current_app.config
    return config.get("MCU_SIP_DOMAIN") or urlsplit(config.get("MCU_URL") or "").hostname or "mcu.local"


def space_uri(meeting_id: int) -> str:
    return f"btp-{meeting_id}"


def call_number(meeting_id: int) -> str:
    return f"88{meeting_id:04d}"


def dial_in(conference: Conference | None) -> dict | None:
    if conference is None:
        return None
    return {"uri": f"{conference.uri}@{sip_domain()}", "call_id": conference.call_number}


def dial_in_for(meeting: Meeting) -> dict | None:
    """The dial-in details a room is told in its invitation: None when the MCU is off or the space is gone.

    Computed from the meeting's number, so that a mail written in the booking's own transaction (before the
    conference row exists) already has them."""
    if not enabled() or meeting.id is None or meeting.status == MeetingStatus.CANCELLED:
        return None
    conference = conference_of(meeting.id)
    if conference is not None:
        if conference.state == ConferenceState.REMOVED:
            return None
        return {**dial_in(conference), "automatic": conference.mode == ConnectMode.AUTOMATIC}
    return {"uri": f"{space_uri(meeting.id)}@{sip_domain()}", "call_id": call_number(meeting.id), "automatic": True}


def conference_of(meeting_id: int) -> Conference | None:
    for pending in db.session.new:
        if isinstance(pending, Conference) and pending.meeting_id == meeting_id:
            return pending
    return db.session.scalar(select(Conference).where(Conference.meeting_id == meeting_id))


def ensure_conference(meeting: Meeting) -> Conference:
    """The meeting's conference row, made (with its space queued) if it has none."""
    conference = conference_of(meeting.id)
    if conference is None:
        conference = Conference(meeting_id=meeting.id, mode=ConnectMode.AUTOMATIC, state=ConferenceState.PLANNED,
                                uri=space_uri(meeting.id), call_number=call_number(meeting.id))
        db.session.add(conference)
        queue(ActionKind.CREATE_SPACE, meeting.id)
    sync_rows(meeting)
    return conference


def _norm(dial_string: str) -> str:
    value = (dial_string or "").strip().lower()
    value = re.sub(r"^(sips?|h323):", "", value)
    return value.split(";")[0]


def same_party(a: str, b: str) -> bool:
    return bool(a) and bool(b) and _norm(a) == _norm(b)


def government_leg(meeting: Meeting) -> tuple[str, str] | None:
    """(dial string, DTMF) of the government bridge, for a bridged meeting whose government conference has
    a dial string and a PIN; None otherwise."""
    from meetings.bridge.models import Invitation

    dial = db.session.scalar(select(Invitation.dial).where(Invitation.meeting_id == meeting.id).limit(1))
    if not meeting.bridge_to_government and not dial:
        return None
    dial = dial or {}
    address = (dial.get("sip") or dial.get("h323") or "").strip()
    pin = str(dial.get("pin") or dial.get("passcode") or "").strip()
    if not address or not pin or not re.fullmatch(r"[0-9*#]+", pin):
        return None
    return address, f",,{pin}#"


def sync_rows(meeting: Meeting) -> list[EndpointCall]:
    """One row per invited endpoint (the host included) and the government cascade; rows of endpoints that
    left the meeting go (their live leg is hung up first)."""
    rows = {row.key: row for row in db.session.scalars(select(EndpointCall).where(
        EndpointCall.meeting_id == meeting.id))}
    for pending in db.session.new:
        if isinstance(pending, EndpointCall) and pending.meeting_id == meeting.id:
            rows.setdefault(pending.key, pending)
    participants = db.session.scalars(select(Participant).where(Participant.meeting_id == meeting.id)
                                      .options(joinedload(Participant.endpoint)).order_by(Participant.id)).all()
    seen = set()
    for participant in participants:
        endpoint = participant.endpoint
        seen.add(endpoint.code)
        row = rows.get(endpoint.code)
        if row is None:
            row = EndpointCall(meeting_id=meeting.id, endpoint_id=endpoint.id, key=endpoint.code,
                               remote_party=endpoint.dial_string or "", state=CallState.IDLE, attempts=0,
                               alarms=[], wanted=False, excluded=False, hung_up_by_us=False, missing_polls=0)
            db.session.add(row)
            rows[endpoint.code] = row
        elif row.remote_party != (endpoint.dial_string or "") and row.leg_id is None:
            row.remote_party = endpoint.dial_string or ""
    cascade = government_leg(meeting)
    if cascade is not None:
        seen.add(GOVERNMENT_KEY)
        row = rows.get(GOVERNMENT_KEY)
        if row is None:
            row = EndpointCall(meeting_id=meeting.id, endpoint_id=None, key=GOVERNMENT_KEY, remote_party=cascade[0],
                               dtmf=cascade[1], state=CallState.IDLE, attempts=0, alarms=[], wanted=False,
                               excluded=False, hung_up_by_us=False, missing_polls=0)
            db.session.add(row)
            rows[GOVERNMENT_KEY] = row
        elif row.leg_id is None:
            row.remote_party, row.dtmf = cascade
    for key, row in list(rows.items()):
        if key in seen:
            continue
        if row.leg_id:
            queue(ActionKind.HANG_UP, meeting.id, payload={"leg_id": row.leg_id})
        _cancel_open(meeting.id, call_row_id=row.id)
        if row.id is not None:
            db.session.delete(row)
        del rows[key]
    db.session.flush()
    return list(rows.values())


# ---- the queue ---------------------------------------------------------------------------------

def queue(kind: str, meeting_id: int | None, *, call_row_id: int | None = None, payload: dict | None = None,
          at: datetime | None = None) -> Action:
    action = Action(meeting_id=meeting_id, call_row_id=call_row_id, kind=kind, payload=payload or {},
                    state=ActionState.PENDING, attempts=0, next_attempt_at=at or utcnow(), created_at=utcnow())
    db.session.add(action)
    return action


def has_open(meeting_id: int, kind: str, *, call_row_id: int | None = None) -> bool:
    for pending in db.session.new:
        if isinstance(pending, Action) and pending.meeting_id == meeting_id and pending.kind == kind \
                and (call_row_id is None or pending.call_row_id == call_row_id):
            return True
    query = select(exists().where(Action.meeting_id == meeting_id, Action.kind == kind,
                                  Action.state.in_(OPEN_ACTION_STATES)))
    if call_row_id is not None:
        query = select(exists().where(Action.meeting_id == meeting_id, Action.kind == kind,
                                      Action.call_row_id == call_row_id, Action.state.in_(OPEN_ACTION_STATES)))
    return bool(db.session.scalar(query))


def _cancel_open(meeting_id: int, *, kinds: Iterable[str] = (ActionKind.DIAL,), call_row_id: int | None = None) -> None:
    """Pending actions that no longer make sense (a dial after the call ended) are cancelled, not dropped."""
    where = [Action.meeting_id == meeting_id, Action.kind.in_(list(kinds)), Action.state == ActionState.PENDING]
    if call_row_id is not None:
        where.append(Action.call_row_id == call_row_id)
    db.session.execute(update(Action).where(*where).values(state=ActionState.CANCELLED, done_at=utcnow())
                       .execution_options(synchronize_session=False))


def queue_dial(row: EndpointCall, *, at: datetime | None = None) -> Action | None:
    """Queue a dial of this row unless one is already queued or running."""
    if row.id is None:
        db.session.flush()
    if has_open(row.meeting_id, ActionKind.DIAL, call_row_id=row.id):
        return None
    return queue(ActionKind.DIAL, row.meeting_id, call_row_id=row.id, at=at)


def _want(row: EndpointCall, now: datetime, *, fresh: bool) -> bool:
    """Mark the row to be (re)connected; False when it cannot be dialled."""
    if not row.remote_party:
        row.state, row.reason = CallState.FAILED, "noDialString"
        return False
    row.wanted = True
    row.hung_up_by_us = False
    if fresh:
        row.attempts = 0
    if row.leg_id is None and row.state != CallState.CONNECTED:
        row.state, row.reason, row.next_dial_at = CallState.DIALLING, row.reason if not fresh else "", now
    return True


def start_and_dial_all(meeting: Meeting, conference: Conference, now: datetime, *,
                       include_excluded: bool = False, fresh: bool = True) -> int:
    """Start the call (if it is not running) and dial every row that is not connected; returns how many."""
    if conference.state in (ConferenceState.ENDED, ConferenceState.REMOVED):
        conference.state = ConferenceState.READY if conference.space_id else ConferenceState.PLANNED
        conference.call_id, conference.ended_at = None, None
    if not has_open(meeting.id, ActionKind.START_CALL) and conference.state != ConferenceState.ACTIVE:
        queue(ActionKind.START_CALL, meeting.id)
    dialled = 0
    for row in sync_rows(meeting):
        if row.excluded and not include_excluded:
            continue
        if row.state == CallState.CONNECTED or row.leg_id is not None:
            row.wanted, row.hung_up_by_us = True, False
            continue
        if _want(row, now, fresh=fresh) and queue_dial(row):
            dialled += 1
    return dialled


def plan_again(meeting: Meeting, conference: Conference) -> None:
    """The meeting is scheduled again (published from a draft, or put back after a mistaken start): its call
    follows its times again, as for a meeting just booked. A call still running is left as it is (nobody is cut
    off, a room a person hung up stays so); a call that was ended, or whose end is queued, is planned again: the
    technical test dials at its time (at once if it has come) and the start dials again."""
    ending = has_open(meeting.id, ActionKind.END_CALL)
    if ending:
        _cancel_open(meeting.id, kinds=(ActionKind.END_CALL,))
    if conference.state == ConferenceState.ENDED:
        conference.state = ConferenceState.READY if conference.space_id else ConferenceState.PLANNED
        conference.call_id, conference.ended_at = None, None
        conference.test_dialled_at = None
    elif ending:
        conference.test_dialled_at = None
    conference.start_dialled_at = None
    log.info("mcu: meeting %s is scheduled again: its call is planned again", meeting.id)


# ---- what people do ----------------------------------------------------------------------------

def _audit(action: str, meeting: Meeting, actor: User | None, summary: str) -> None:
    audit.record(f"mcu.{action}", actor=actor, target_type="meeting", target_id=meeting.id, summary=summary)


def connect_all(meeting: Meeting, *, actor: User, now: datetime | None = None) -> int:
    """Connect every endpoint now (the excluded ones too, if asked one by one): from the opening of the
    technical test slot until the end; earlier or later → ConflictError."""
    now = now or utcnow()
    ensure_enabled()
    if meeting.status not in ACTIVE_MEETING_STATUSES:
        raise ConflictError(_("Only a scheduled or running meeting can be connected."), code="not_active")
    if now < slot_opens_at(meeting):
        raise ConflictError(_("The call can be connected from the technical test slot, which opens at %(at)s.",
                              at=_local(slot_opens_at(meeting))), code="too_early")
    if now >= meeting.end_at:
        raise ConflictError(_("The meeting has ended."), code="ended")
    conference = ensure_conference(meeting)
    count = start_and_dial_all(meeting, conference, now)
    _audit("connect_all", meeting, actor, f"{count} endpoint(s) dialled")
    db.session.flush()
    return count


def _row(meeting: Meeting, code: str) -> EndpointCall:
    row = db.session.scalar(select(EndpointCall).where(EndpointCall.meeting_id == meeting.id,
                                                       EndpointCall.key == code))
    if row is None:
        if conference_of(meeting.id) is None and _invited_code(meeting, code):
            ensure_conference(meeting)
            return _row(meeting, code)
        raise NotFound(_("Endpoint %(code)s is not in this meeting's call.", code=code))
    return row


def _invited_code(meeting: Meeting, code: str) -> bool:
    from meetings.endpoints.models import Endpoint

    return bool(db.session.scalar(select(exists().where(
        Participant.meeting_id == meeting.id, Participant.endpoint_id == Endpoint.id, Endpoint.code == code))))


def _ensure_live(meeting: Meeting, now: datetime) -> None:
    if meeting.status not in ACTIVE_MEETING_STATUSES or now >= meeting.end_at:
        raise ConflictError(_("The meeting is not running: nothing to connect."), code="not_active")
    if now < slot_opens_at(meeting):
        raise ConflictError(_("The call can be connected from the technical test slot, which opens at %(at)s.",
                              at=_local(slot_opens_at(meeting))), code="too_early")


def dial_one(meeting: Meeting, code: str, *, actor: User, now: datetime | None = None) -> EndpointCall:
    """Dial one endpoint again (a new series of attempts), even a failed, hung-up or excluded one."""
    now = now or utcnow()
    ensure_enabled()
    _ensure_live(meeting, now)
    conference = ensure_conference(meeting)
    row = _row(meeting, code)
    if conference.state != ConferenceState.ACTIVE and not has_open(meeting.id, ActionKind.START_CALL):
        if conference.state in (ConferenceState.ENDED, ConferenceState.REMOVED):
            conference.state = ConferenceState.READY if conference.space_id else ConferenceState.PLANNED
            conference.call_id, conference.ended_at = None, None
        queue(ActionKind.START_CALL, meeting.id)
    if row.leg_id is None and row.state != CallState.CONNECTED:
        if not _want(row, now, fresh=True):
            raise ConflictError(_("This endpoint has no dial string."), code="no_dial_string")
        queue_dial(row)
    else:
        row.wanted, row.hung_up_by_us = True, False
    _audit("dial", meeting, actor, code)
    db.session.flush()
    return row


def hang_up_one(meeting: Meeting, code: str, *, actor: User, now: datetime | None = None) -> EndpointCall:
    """Hang one endpoint up; it is not dialled again until someone asks."""
    now = now or utcnow()
    ensure_enabled()
    row = _row(meeting, code)
    row.wanted, row.hung_up_by_us, row.next_dial_at = False, True, None
    _cancel_open(meeting.id, call_row_id=row.id)
    if row.leg_id:
        queue(ActionKind.HANG_UP, meeting.id, call_row_id=row.id, payload={"leg_id": row.leg_id})
    else:
        row.state = CallState.DISCONNECTED if row.state != CallState.IDLE else CallState.IDLE
        row.reason = "hungUp"
        row.disconnected_at = now if row.state == CallState.DISCONNECTED else row.disconnected_at
    _audit("hang_up", meeting, actor, code)
    db.session.flush()
    return row


def end_call(meeting: Meeting, *, actor: User | None, now: datetime | None = None, reason: str = "") -> bool:
    """End the meeting's call for everyone; False when no call runs or is queued."""
    now = now or utcnow()
    conference = conference_of(meeting.id)
    if conference is None:
        return False
    for row in db.session.scalars(select(EndpointCall).where(EndpointCall.meeting_id == meeting.id)):
        row.wanted, row.next_dial_at = False, None
    _cancel_open(meeting.id, kinds=(ActionKind.DIAL, ActionKind.START_CALL, ActionKind.HANG_UP))
    running = conference.state == ConferenceState.ACTIVE or conference.call_id or has_open(
        meeting.id, ActionKind.START_CALL)
    if not has_open(meeting.id, ActionKind.END_CALL):
        queue(ActionKind.END_CALL, meeting.id)
    if actor is not None:
        _audit("end_call", meeting, actor, reason)
    db.session.flush()
    return bool(running)


def set_mode(meeting: Meeting, mode: str, *, actor: User) -> Conference:
    if mode not in tuple(ConnectMode):
        raise ValidationError({"mode": _("Choose automatic or manual.")})
    conference = ensure_conference(meeting)
    if conference.mode != mode:
        conference.mode = mode
        _audit("mode", meeting, actor, mode)
    db.session.flush()
    return conference


def set_excluded(meeting: Meeting, code: str, excluded: bool, *, actor: User) -> EndpointCall:
    ensure_conference(meeting)
    row = _row(meeting, code)
    row.excluded = excluded
    if excluded:
        row.wanted = False
        _cancel_open(meeting.id, call_row_id=row.id)
        if row.leg_id is None and row.state == CallState.DIALLING:
            row.state = CallState.IDLE
    _audit("exclude" if excluded else "include", meeting, actor, code)
    db.session.flush()
    return row


def _local(moment: datetime) -> str:
    from meetings.core.formatting import format_datetime

    return format_datetime(moment)


# ---- what the MCU tells us ---------------------------------------------------------------------

def match_row(rows: Iterable[EndpointCall], *, owner_id: str | None, remote_party: str | None,
              endpoint_code: str | None = None) -> EndpointCall | None:
    rows = list(rows)
    for key in (endpoint_code, owner_id):
        if key:
            for row in rows:
                if row.key == key:
                    return row
    if remote_party:
        for row in rows:
            if same_party(row.remote_party, remote_party):
                return row
    return None


def record_leg_event(*, meeting_id: int | None, call_id: str | None, leg_id: str, event: str,
                     endpoint_code: str | None = None, remote_party: str | None = None,
                     direction: str | None = None, reason: str | None = None, connected: bool = False,
                     at: datetime | None = None, owner_id: str | None = None) -> EndpointCall | None:
    """Apply one leg event (from a call record or a poll) to its endpoint's row; returns the row it touched."""
    at = at or utcnow()
    if meeting_id is None and call_id:
        meeting_id = db.session.scalar(select(Conference.meeting_id).where(Conference.call_id == call_id))
    if meeting_id is None:
        meeting_id = db.session.scalar(select(EndpointCall.meeting_id).where(
            (EndpointCall.leg_id == leg_id) | (EndpointCall.last_leg_id == leg_id)).limit(1))
    if meeting_id is None:
        return None
    rows = db.session.scalars(select(EndpointCall).where(EndpointCall.meeting_id == meeting_id)
                              .order_by(EndpointCall.id).with_for_update()).all()
    row = next((r for r in rows if leg_id in (r.leg_id, r.last_leg_id)), None)
    if row is None:
        row = match_row(rows, owner_id=owner_id, remote_party=remote_party, endpoint_code=endpoint_code)
    if row is None:
        return None
    if direction:
        row.direction = direction
    config = current_app.config
    outcome = legs.apply(row, event, leg_id=leg_id, at=at, reason=reason, connected=connected,
                         max_attempts=config["MCU_DIAL_ATTEMPTS"], retry_base=config["MCU_REDIAL_SECONDS"])
    if outcome.changed:
        _after(row, outcome, at)
    return row


def _after(row: EndpointCall, outcome: legs.Outcome, at: datetime) -> None:
    """What follows a change: redial a dropped endpoint during the meeting, report a test call's result."""
    meeting = db.session.get(Meeting, row.meeting_id)
    if meeting is None:
        return
    if outcome.dropped and row.wanted and meeting.status in ACTIVE_MEETING_STATUSES and at < meeting.end_at:
        queue_dial(row, at=at)
    if outcome.test and row.endpoint_id is not None and row.test_reported != outcome.test:
        report_test(meeting, row, outcome.test, at)


def report_test(meeting: Meeting, row: EndpointCall, result: str, at: datetime) -> bool:
    """A test call during the technical slot (before the start) records the endpoint's test result, unless a
    person recorded one (a person's word wins)."""
    from meetings.readiness import services as readiness
    from meetings.readiness.models import TechnicalTest
    from meetings.readiness.queries import technical_slot_open

    if at >= meeting.start_at or not technical_slot_open(meeting, at):
        return False
    existing = db.session.scalar(select(TechnicalTest).where(TechnicalTest.meeting_id == meeting.id,
                                                             TechnicalTest.endpoint_id == row.endpoint_id))
    if existing is not None and existing.recorded_by_id is not None:
        return False
    participant = db.session.scalar(select(Participant).where(Participant.meeting_id == meeting.id,
                                                              Participant.endpoint_id == row.endpoint_id))
    if participant is None:
        return False
    note = "" if result == TestStatus.TEST_OK else f"{reason_text(row.reason)} ({row.reason})"
    try:
        readiness.record_test(meeting, participant, result, note, actor=None, channel="mcu", now=at)
    except (ConflictError, ValidationError) as error:
        log.info("mcu: test result of %s in meeting %s not recorded: %s", row.key, meeting.id, error)
        return False
    row.test_reported = result
    return True
