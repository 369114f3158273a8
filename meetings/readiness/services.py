"""Answering for an endpoint, recording its technical test, and who may do either; flushes, never commits."""
from __future__ import annotations

import functools
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import Executable, Integer, bindparam, exists, insert, select, update
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from meetings.auth import audit
from meetings.auth.models import User
from meetings.auth.roles import ADMIN, BOOKER, OPERATOR
from meetings.booking.models import Meeting, MeetingStatus, Participant, ReadinessStatus
from meetings.core.events import readiness_answered
from meetings.core.formatting import format_datetime
from meetings.core.links import LinkClaim
from meetings.core.sql import on_postgresql, together
from meetings.database import utcnow
from meetings.endpoints.models import Endpoint
from meetings.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from meetings.extensions import db
from meetings.readiness import rules
from meetings.readiness.models import ANSWERS, TEST_RESULTS, ReadinessChange, TechnicalTest, TestStatus
from meetings.readiness.queries import AnswerRow, answer_row, technical_slot_of

NOTE_MAX = 500


def get_meeting(meeting_id: int) -> Meeting:
    """The meeting with its host, without its participants; raises NotFound."""
    meeting = db.session.scalar(select(Meeting).where(Meeting.id == meeting_id).options(joinedload(Meeting.host)))
    if meeting is None:
        raise NotFound(_("No meeting number %(id)s.", id=meeting_id))
    return meeting


def takes_part(meeting_id: int, endpoint_id: int | None) -> bool:
    return bool(endpoint_id) and db.session.scalar(select(exists().where(
        Participant.meeting_id == meeting_id, Participant.endpoint_id == endpoint_id)))


def ensure_can_read(meeting: Meeting, user: User) -> None:
    """Operators read only the meetings their endpoint takes part in (403, not 404, for the others)."""
    if user.role == OPERATOR and not takes_part(meeting.id, user.endpoint_id):
        raise PermissionDenied(_("Your endpoint does not take part in this meeting."))


def ensure_can_answer(meeting: Meeting, endpoint_code: str, user: User) -> None:
    """Operators answer for their own endpoint only; bookers and admins for any (on its behalf)."""
    if user.role == OPERATOR:
        ensure_can_read(meeting, user)
        if user.endpoint is None or user.endpoint.code != endpoint_code:
            raise PermissionDenied(_("You can answer only for your own endpoint."))
    elif user.role not in (ADMIN, BOOKER):
        raise PermissionDenied(_("Leaders read readiness; they do not answer for endpoints."))


def may_record_tests(meeting: Meeting, user: User) -> bool:
    """Bookers, admins, and the operator of the meeting's host endpoint (the headquarters technician)."""
    return user.role in (ADMIN, BOOKER) or (user.role == OPERATOR and user.endpoint_id == meeting.host_id)


def ensure_can_record_tests(meeting: Meeting, user: User) -> None:
    if not may_record_tests(meeting, user):
        raise PermissionDenied(_("Only the host endpoint's operator and the meeting office record technical tests."))


def get_participant(meeting: Meeting, endpoint_code: str, *, for_update: bool = True) -> Participant:
    """The endpoint's place in the meeting, locked until the transaction ends (changes to one endpoint
    happen one at a time, so each history row's "from" is right); raises NotFound."""
    statement = (select(Participant).join(Endpoint, Participant.endpoint_id == Endpoint.id)
                 .where(Participant.meeting_id == meeting.id, Endpoint.code == endpoint_code)
                 .options(joinedload(Participant.endpoint)))
    participant = db.session.scalar(statement.with_for_update(of=Participant) if for_update else statement)
    if participant is None:
        raise NotFound(_("The endpoint %(code)s is not invited to this meeting.", code=endpoint_code))
    return participant


def may_answer_for(user: User, endpoint_code: str) -> bool:
    """A booker or an admin answers for any endpoint (on its behalf), an operator for their own."""
    return user.role in (ADMIN, BOOKER) or (user.role == OPERATOR and user.endpoint is not None
                                            and user.endpoint.code == endpoint_code)


def participant_to_answer(meeting_id: int, endpoint_code: str, user: User) -> AnswerRow:
    """The meeting, the endpoint's place in it (locked as get_participant locks it) and its board item, for
    `user` to answer for: one statement when the user may answer for that endpoint.

    Finding the row is the proof that an operator's endpoint takes part. The errors are those of
    get_meeting, ensure_can_answer and get_participant, in that order.
    """
    if not may_answer_for(user, endpoint_code):
        ensure_can_answer(get_meeting(meeting_id), endpoint_code, user)
    found = answer_row(meeting_id, endpoint_code)
    if found is None:
        ensure_can_answer(get_meeting(meeting_id), endpoint_code, user)
        raise NotFound(_("The endpoint %(code)s is not invited to this meeting.", code=endpoint_code))
    return found


def get_participant_by_id(meeting: Meeting, endpoint_id: int, *, for_update: bool = False) -> Participant:
    """Like get_participant, by endpoint id (a signed link carries the id); raises NotFound."""
    statement = (select(Participant).where(Participant.meeting_id == meeting.id, Participant.endpoint_id == endpoint_id)
                 .options(joinedload(Participant.endpoint)))
    participant = db.session.scalar(statement.with_for_update(of=Participant) if for_update else statement)
    if participant is None:
        raise NotFound(_("This endpoint is no longer invited to the meeting."))
    return participant


def _clean_note(note: object, errors: dict[str, str]) -> str:
    if note is None:
        return ""
    if not isinstance(note, str):
        errors["note"] = _("Must be text.")
        return ""
    note = " ".join(note.split())
    if len(note) > NOTE_MAX:
        errors["note"] = _("At most %(n)d characters.", n=NOTE_MAX)
    return note


def clean_answer(status: object, note: object) -> tuple[str, str]:
    """The answer and its reason, or ValidationError: `not_ready` needs a reason."""
    errors: dict[str, str] = {}
    note = _clean_note(note, errors)
    if status not in ANSWERS:
        errors["status"] = _("Answer ready or not_ready.")
    elif status == ReadinessStatus.NOT_READY and not note and "note" not in errors:
        errors["note"] = _("Say why the endpoint is not ready: a reason is required.")
    if errors:
        raise ValidationError(errors)
    return str(status), note


def clean_test(result: object, note: object) -> tuple[str, str]:
    """The test result and its note, or ValidationError: a failed test needs a note."""
    errors: dict[str, str] = {}
    note = _clean_note(note, errors)
    if result not in TEST_RESULTS:
        errors["result"] = _("Record test_ok or test_failed.")
    elif result == TestStatus.TEST_FAILED and not note and "note" not in errors:
        errors["note"] = _("Say what failed: a note is required.")
    if errors:
        raise ValidationError(errors)
    return str(result), note


def ensure_open(meeting: Meeting, now: datetime) -> None:
    if not rules.is_open(meeting.status, meeting.start_at, now):
        raise ConflictError(_("Readiness for this meeting is closed: it has started, ended or been cancelled."),
                            code="closed")


def _actor_fields(actor: User | None, channel: str) -> dict:
    if actor is None:
        return {"actor_id": None, "actor_name": "", "channel": channel, "on_behalf": False}
    return {"actor_id": actor.id, "actor_name": actor.username, "channel": channel,
            "on_behalf": actor.role != OPERATOR}


def set_readiness(meeting: Meeting, participant: Participant, status: object, note: object, *,
                  actor: User | None, channel: str, now: datetime | None = None) -> ReadinessChange | None:
    """Change an endpoint's answer and keep the change; None when nothing changed.

    `actor` is None for the signed e-mail link. Raises ConflictError (`closed`) once the meeting has
    started, ValidationError for a bad answer or a `not_ready` without a reason. Access is the caller's
    check (ensure_can_answer, or a valid link).
    """
    now = now or utcnow()
    ensure_open(meeting, now)
    status, note = clean_answer(status, note)
    if participant.readiness == status and participant.readiness_note == note:
        return None
    change = ReadinessChange(meeting_id=meeting.id, endpoint_id=participant.endpoint_id, aspect="answer",
                             from_status=participant.readiness, to_status=status, note=note, changed_at=now,
                             **_actor_fields(actor, channel))
    code = participant.endpoint.code
    entry = audit.entry_values(
        "readiness.answer", actor=actor, actor_name=None if actor else f"link:{code}", target_type="meeting",
        target_id=meeting.id, summary=f"{code}: {change.from_status} → {status}",
        changes={"endpoint": code, "readiness": [change.from_status, status], "note": note, "channel": channel,
                 "on_behalf": change.on_behalf})
    _write_answer(participant, change, entry)
    readiness_answered.send(participant, meeting=meeting, endpoint=participant.endpoint, aspect="answer",
                            status=status, note=note, previous=change.from_status, actor=actor, channel=channel)
    return change


_CHANGE_COLUMNS = ("meeting_id", "endpoint_id", "aspect", "from_status", "to_status", "note", "actor_id",
                   "actor_name", "channel", "on_behalf", "changed_at")


@functools.cache
def _answer_writes(as_one: bool) -> tuple[Executable, ...]:
    """The change, its audit entry and the participant's new answer, built once per worker: one statement on
    PostgreSQL (the inserts as data-modifying CTEs), three elsewhere. The last returns the row's revision."""
    table = ReadinessChange.__table__
    change = insert(table).values({name: bindparam(f"change_{name}", type_=table.c[name].type)
                                   for name in _CHANGE_COLUMNS})
    columns = Participant.__table__.c
    row = (update(Participant.__table__).where(columns.id == bindparam("participant_id", type_=Integer))
           .values({name: bindparam(name, type_=columns[name].type)
                    for name in ("readiness", "readiness_note", "readiness_updated_at")})
           .returning(columns.revision))
    return together(change, audit.insert_statement(), row) if as_one else (change, audit.insert_statement(), row)


def _write_answer(participant: Participant, change: ReadinessChange, entry: dict) -> None:
    """Write the answer with Core (no unit of work for three rows) and tell the session the row's new state."""
    parameters = {**{f"change_{name}": getattr(change, name) for name in _CHANGE_COLUMNS},
                  **audit.insert_parameters(entry), "participant_id": participant.id, "readiness": change.to_status,
                  "readiness_note": change.note, "readiness_updated_at": change.changed_at}
    for statement in _answer_writes(on_postgresql()):
        result = db.session.execute(statement, parameters)
    for name, value in (("readiness", change.to_status), ("readiness_note", change.note),
                        ("readiness_updated_at", change.changed_at), ("revision", result.scalar_one())):
        set_committed_value(participant, name, value)


def answer_by_link(claim: LinkClaim, status: object, note: object, *, now: datetime | None = None
                   ) -> ReadinessChange | None:
    """Answer through a signed link: the link must still match the meeting (see link_problem)."""
    now = now or utcnow()
    meeting = get_meeting(claim.meeting_id)
    problem = link_problem(meeting, claim, now)
    if problem:
        raise ConflictError(link_problem_message(problem), code=problem)
    participant = get_participant_by_id(meeting, claim.endpoint_id, for_update=True)
    return set_readiness(meeting, participant, status, note, actor=None, channel="link", now=now)


def link_problem(meeting: Meeting, claim: LinkClaim, now: datetime) -> str | None:
    """Why a well-signed link cannot be used now: cancelled, changed since, closed, not_invited; else None."""
    if meeting.status == MeetingStatus.CANCELLED:
        return "cancelled"
    if claim.sequence != meeting.sequence:
        return "superseded"
    if not rules.is_open(meeting.status, meeting.start_at, now):
        return "closed"
    if not takes_part(meeting.id, claim.endpoint_id):
        return "not_invited"
    return None


def link_problem_message(reason: str) -> str:
    messages = {
        "tampered": _("This link is not valid: it was changed or cut short. Use the link from the e-mail "
                      "exactly as it was sent, or sign in."),
        "expired": _("This link has expired. Use the link in the latest e-mail about the meeting, or sign in."),
        "cancelled": _("This meeting has been cancelled; there is nothing to confirm."),
        "superseded": _("This meeting has changed since this link was sent. Use the link in the latest e-mail, "
                        "which has the new details."),
        "closed": _("The meeting has started or ended: answers are closed."),
        "not_invited": _("This endpoint is no longer invited to the meeting."),
        "not_found": _("This meeting no longer exists."),
    }
    return messages[reason]


def record_test(meeting: Meeting, participant: Participant, result: object, note: object, *, actor: User | None,
                channel: str, now: datetime | None = None) -> ReadinessChange | None:
    """Record an endpoint's technical test call (test_ok / test_failed); None when nothing changed.

    Raises ConflictError (`test_slot`) outside the test slot, ValidationError for a bad result or a
    failed test without a note. Access is the caller's check (ensure_can_record_tests). No actor: the MCU
    recorded it from the test call itself (channel `mcu`).
    """
    now = now or utcnow()
    slot = technical_slot_of(meeting)
    if meeting.status not in rules.TEST_STATUSES or not slot.contains(now):
        raise ConflictError(_("Technical tests are recorded from %(opens)s until the meeting ends.",
                              opens=format_datetime(slot.opens_at)), code="test_slot")
    result, note = clean_test(result, note)
    test = db.session.scalar(select(TechnicalTest).where(TechnicalTest.meeting_id == meeting.id,
                                                         TechnicalTest.endpoint_id == participant.endpoint_id))
    before = test.result if test else None
    if test and test.result == result and test.note == note:
        return None
    if test is None:
        test = TechnicalTest(meeting_id=meeting.id, endpoint_id=participant.endpoint_id)
        db.session.add(test)
    test.result, test.note, test.recorded_at = result, note, now
    test.recorded_by_id = actor.id if actor is not None else None
    test.recorded_by_name = actor.username if actor is not None else "MCU"
    change = ReadinessChange(meeting_id=meeting.id, endpoint_id=participant.endpoint_id, aspect="test",
                             from_status=before, to_status=result, note=note, changed_at=now,
                             **{**_actor_fields(actor, channel), "on_behalf": False,
                                **({} if actor is not None else {"actor_name": "MCU"})})
    db.session.add(change)
    code = participant.endpoint.code
    audit.record("readiness.test", actor=actor, target_type="meeting", target_id=meeting.id,
                 summary=f"{code}: {before or '—'} → {result}",
                 changes={"endpoint": code, "test": [before, result], "note": note})
    readiness_answered.send(participant, meeting=meeting, endpoint=participant.endpoint, aspect="test",
                            status=result, note=note, previous=before, actor=actor, channel=channel)
    db.session.flush()
    return change
