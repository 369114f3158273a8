"""Recording attendance: bookers and admins for any endpoint, operators their own endpoint's headcount."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from meetings.attendance.models import (
    ATTENDED,
    STATUSES,
    AttendanceRecord,
    AttendanceSource,
    AttendanceStatus,
    CdrImport,
)
from meetings.auth import audit
from meetings.auth.models import User
from meetings.auth.roles import ADMIN, BOOKER, OPERATOR
from meetings.booking.models import Meeting, MeetingStatus, Participant
from meetings.core.events import attendance_changed
from meetings.database import utcnow
from meetings.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from meetings.extensions import db

MAX_ATTENDEES = 10000
TIME_SLACK = timedelta(hours=12)  # recorded times must fall within the meeting's day, give or take


@dataclass(frozen=True)
class AttendanceValues:
    """What to record for one endpoint; status None clears the record."""

    status: str | None
    attendees: int | None = None
    connected_at: datetime | None = None
    disconnected_at: datetime | None = None


def values_of(record: AttendanceRecord | None) -> AttendanceValues:
    if record is None:
        return AttendanceValues(None)
    return AttendanceValues(record.status, record.attendees, record.connected_at, record.disconnected_at)


def participant_for(meeting: Meeting, code: str) -> Participant:
    for participant in meeting.participants:
        if participant.endpoint.code == code:
            return participant
    raise NotFound(_("The endpoint %(code)s does not take part in this meeting.", code=code))


def records_of(meeting: Meeting) -> dict[int, AttendanceRecord]:
    """The meeting's attendance records by participant id, in one query."""
    rows = db.session.scalars(select(AttendanceRecord).join(Participant)
                              .where(Participant.meeting_id == meeting.id))
    return {record.participant_id: record for record in rows}


def ensure_recordable(meeting: Meeting, now: datetime | None = None) -> None:
    """Attendance is recorded from the start of a meeting on, never for drafts or cancelled meetings."""
    now = now or utcnow()
    if meeting.status in (MeetingStatus.IN_PROGRESS, MeetingStatus.COMPLETED):
        return
    if meeting.status == MeetingStatus.SCHEDULED and meeting.start_at <= now:
        return
    if meeting.status in (MeetingStatus.DRAFT, MeetingStatus.CANCELLED):
        raise ConflictError(_("A draft or cancelled meeting has no attendance."), code="not_held")
    raise ConflictError(_("Attendance is recorded once the meeting has started."), code="not_started")


def is_manager(user: User) -> bool:
    return user.role in (ADMIN, BOOKER)


def ensure_can_record(participant: Participant, actor: User, *, headcount_only: bool) -> None:
    """Bookers and admins record everything; operators only their own endpoint's headcount."""
    if is_manager(actor):
        return
    if actor.role != OPERATOR:
        raise PermissionDenied(_("Only the meeting office and endpoint operators record attendance."))
    if participant.endpoint_id != actor.endpoint_id:
        raise PermissionDenied(_("You may record attendance only for your own endpoint."))
    if not headcount_only:
        raise PermissionDenied(_("Operators record their endpoint's headcount; the meeting office records the rest."))


def check_values(meeting: Meeting, values: AttendanceValues) -> dict[str, str]:
    """Field messages for values that contradict each other or the meeting; empty when sound."""
    errors: dict[str, str] = {}
    if values.status is not None and values.status not in STATUSES:
        errors["status"] = _("Choose present, absent or partial.")
    if values.attendees is not None and not 0 <= values.attendees <= MAX_ATTENDEES:
        errors["attendees"] = _("The headcount must be a whole number from 0 to %(n)d.", n=MAX_ATTENDEES)
    has_details = values.attendees is not None or values.connected_at or values.disconnected_at
    if values.status is None and has_details:
        errors["status"] = _("Choose whether the endpoint was present, absent or partly present.")
    if values.status == AttendanceStatus.ABSENT:
        if values.attendees:
            errors["attendees"] = _("An absent endpoint has no attendees.")
        if values.connected_at or values.disconnected_at:
            errors["connected_at"] = _("An absent endpoint has no connection times.")
    if values.status in ATTENDED and values.attendees == 0:
        errors["attendees"] = _("Nobody attended: record the endpoint as absent.")
    earliest, latest = meeting.start_at - TIME_SLACK, meeting.end_at + TIME_SLACK
    for key in ("connected_at", "disconnected_at"):
        moment = getattr(values, key)
        if moment is not None and not earliest <= moment <= latest and key not in errors:
            errors[key] = _("This time is far from the meeting's.")
    if values.connected_at and values.disconnected_at and values.disconnected_at <= values.connected_at:
        errors.setdefault("disconnected_at", _("The disconnection must come after the connection."))
    return errors


def _state(record: AttendanceRecord | None) -> dict:
    if record is None:
        return {"status": None}
    return {"status": record.status, "attendees": record.attendees, "source": record.source,
            "connected_at": record.connected_at.isoformat() if record.connected_at else None,
            "disconnected_at": record.disconnected_at.isoformat() if record.disconnected_at else None}


def apply_values(participant: Participant, record: AttendanceRecord | None, values: AttendanceValues, *,
                 actor: User | None, source: str = AttendanceSource.MANUAL, connected_seconds: int | None = None,
                 cdr_import: CdrImport | None = None) -> bool:
    """Write checked values to the participant's record; True when something changed (and was audited)."""
    unchanged = values == values_of(record) and (source == AttendanceSource.MANUAL or record is not None and (
        record.source, record.connected_seconds) == (source, connected_seconds))
    if unchanged:
        return False
    before = _state(record)
    if values.status is None:
        if record is not None:
            db.session.delete(record)
        record = None
    else:
        # Only a headcount typed over a machine's record (same status, same times) keeps its source; a
        # changed status is a person's correction and is recorded as theirs.
        same_times = record is not None and (record.status, record.connected_at, record.disconnected_at) == (
            values.status, values.connected_at, values.disconnected_at)
        if record is None:
            record = AttendanceRecord(participant_id=participant.id, meeting_id=participant.meeting_id)
            db.session.add(record)
        if same_times and source == AttendanceSource.MANUAL:
            # A headcount typed over imported times keeps them, their source and the time connected.
            source, connected_seconds, cdr_import = record.source, record.connected_seconds, record.cdr_import
        elif connected_seconds is None and values.connected_at and values.disconnected_at:
            connected_seconds = int((values.disconnected_at - values.connected_at).total_seconds())
        record.status, record.attendees = values.status, values.attendees
        record.connected_at, record.disconnected_at = values.connected_at, values.disconnected_at
        record.connected_seconds, record.source = connected_seconds, source
        record.cdr_import = cdr_import
        record.recorded_by_id, record.recorded_at = (actor.id if actor else None), utcnow()
    participant.attendance = values.status
    changes = audit.diff(before, _state(record))
    if changes:
        audit.record("attendance.record", actor=actor, target_type="meeting", target_id=participant.meeting_id,
                     summary=participant.endpoint.code, changes=changes)
    return bool(changes)


def record_attendance(meeting: Meeting, participant: Participant, values: AttendanceValues, *, actor: User,
                      now: datetime | None = None) -> AttendanceRecord | None:
    """Record (or with status None clear) one endpoint's attendance by hand.

    Raises ConflictError before the start, PermissionDenied for others than bookers and admins,
    ValidationError for contradictory values.
    """
    ensure_recordable(meeting, now)
    ensure_can_record(participant, actor, headcount_only=False)
    errors = check_values(meeting, values)
    if errors:
        raise ValidationError(errors)
    record = records_of(meeting).get(participant.id)
    if apply_values(participant, record, values, actor=actor):
        db.session.flush()
        attendance_changed.send(meeting, actor=actor)
    return records_of(meeting).get(participant.id)


def record_many(meeting: Meeting, entries: dict[str, AttendanceValues], *, actor: User,
                now: datetime | None = None) -> int:
    """The attendance grid: record every changed row, or none (errors keyed '<code>.<field>')."""
    ensure_recordable(meeting, now)
    records = records_of(meeting)
    errors: dict[str, str] = {}
    changed = []
    for code, values in entries.items():
        participant = participant_for(meeting, code)
        ensure_can_record(participant, actor, headcount_only=False)
        errors.update({f"{code}.{key}": message for key, message in check_values(meeting, values).items()})
        if values != values_of(records.get(participant.id)):
            changed.append((participant, values))
    if errors:
        raise ValidationError(errors)
    for participant, values in changed:
        apply_values(participant, records.get(participant.id), values, actor=actor)
    if changed:
        db.session.flush()
        attendance_changed.send(meeting, actor=actor)
    return len(changed)


def record_headcount(meeting: Meeting, participant: Participant, attendees: int, *, actor: User,
                     now: datetime | None = None) -> AttendanceRecord | None:
    """An operator's headcount: people present make the endpoint present (kept partial if so), none absent."""
    ensure_recordable(meeting, now)
    ensure_can_record(participant, actor, headcount_only=True)
    record = records_of(meeting).get(participant.id)
    current = values_of(record)
    if attendees == 0:
        values = AttendanceValues(AttendanceStatus.ABSENT, 0)
    else:
        status = current.status if current.status in ATTENDED else AttendanceStatus.PRESENT
        values = AttendanceValues(status, attendees, current.connected_at, current.disconnected_at)
    errors = check_values(meeting, values)
    if errors:
        raise ValidationError(errors)
    if apply_values(participant, record, values, actor=actor):
        db.session.flush()
        attendance_changed.send(meeting, actor=actor)
    return records_of(meeting).get(participant.id)
