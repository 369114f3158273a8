"""Attendance written from the MCU's call records (source `mcu`), unless a person has corrected it.

For each invited endpoint the legs of the meeting's calls are merged into connected intervals (a
reconnect is one more leg, overlapping legs count once), and the share of the meeting connected makes
it present or partial (`CDR_PRESENT_PERCENT`, as for an imported CSV); an endpoint that was dialled
but never connected during the meeting is absent. What the MCU says is always kept in
`McuCdrAttendance`, so it can be shown beside what is recorded; it is written to the attendance
record through the attendance services (audit, `attendance_changed` and so the savings snapshot
follow) only while no person has changed that record since the MCU last wrote it. A person's
correction always wins and is kept; a headcount typed over the MCU's times is not a correction of them.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, joinedload, mapped_column

from meetings.attendance.models import AttendanceRecord, AttendanceSource, AttendanceStatus
from meetings.attendance.services import AttendanceValues, apply_values, check_values, ensure_recordable
from meetings.booking.models import Meeting, MeetingStatus, Participant
from meetings.core.events import attendance_changed
from meetings.database import UTCDateTime, one_of, utcnow
from meetings.errors import ConflictError
from meetings.extensions import db
from meetings.mcu import cdr
from meetings.mcu.records import McuCdrLeg

log = logging.getLogger(__name__)

SOURCE = AttendanceSource.MCU
RECORDS_RESOLUTION = timedelta(seconds=1)  # the call records' times are whole seconds


class McuCdrAttendance(db.Model):
    """What the MCU's records say about one endpoint in one meeting, and whether the attendance record follows it.

    `written_*` are the values the MCU last wrote to the attendance record; `overridden` becomes true once a
    person's record differs from them, and then the MCU never writes that record again.
    """

    __tablename__ = "mcu_cdr_attendance"
    __table_args__ = (
        UniqueConstraint("meeting_id", "endpoint_id"),
        one_of("status", AttendanceStatus, name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("endpoints.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(10))
    connected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disconnected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    connected_seconds: Mapped[int] = mapped_column(default=0)
    meeting_seconds: Mapped[int] = mapped_column(default=0)
    intervals: Mapped[list[list[str | None]]] = mapped_column(JSON, default=list)
    legs: Mapped[int] = mapped_column(default=0)
    last_reason: Mapped[str | None] = mapped_column(String(60))
    written: Mapped[bool] = mapped_column(default=False)
    written_status: Mapped[str | None] = mapped_column(String(10))
    written_connected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    written_disconnected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    overridden: Mapped[bool] = mapped_column(default=False)
    derived_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def _recordable(meeting: Meeting, now: datetime) -> bool:
    try:
        ensure_recordable(meeting, now)
    except ConflictError:
        return False
    return True


def _corrected(derived: McuCdrAttendance, record) -> bool:
    """Has a person changed the attendance record since the MCU last wrote it?"""
    if derived.overridden:
        return True
    if record is None:
        return derived.written  # the MCU wrote it and somebody cleared it
    if record.source != SOURCE:
        return True
    if not derived.written:
        return False
    return (record.status, record.connected_at, record.disconnected_at) != (
        derived.written_status, derived.written_connected_at, derived.written_disconnected_at)


def corrected_figures(meeting_id: int) -> dict[int, McuCdrAttendance]:
    """What the MCU's calls say about each endpoint of the meeting whose attendance a person set (corrected,
    recorded by hand or cleared), keyed by participant id, to show beside what is recorded; one statement."""
    rows = db.session.execute(
        select(McuCdrAttendance, Participant.id, AttendanceRecord)
        .join(Participant, (Participant.meeting_id == McuCdrAttendance.meeting_id)
              & (Participant.endpoint_id == McuCdrAttendance.endpoint_id))
        .outerjoin(AttendanceRecord, AttendanceRecord.participant_id == Participant.id)
        .where(McuCdrAttendance.meeting_id == meeting_id))
    return {participant_id: derived for derived, participant_id, record in rows if _corrected(derived, record)}


def refresh(meeting_id: int, endpoint_ids: Iterable[int], *, now: datetime | None = None) -> int:
    """Derive again the attendance of these endpoints of the meeting from its legs; returns how many attendance
    records changed (and sends `attendance_changed` once when any did)."""
    now = now or utcnow()
    wanted = sorted(set(endpoint_ids))
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or not wanted or meeting.status in (MeetingStatus.DRAFT, MeetingStatus.CANCELLED):
        return 0
    participants = {p.endpoint_id: p for chunk in _chunks(wanted) for p in db.session.scalars(
        select(Participant).options(joinedload(Participant.endpoint))
        .where(Participant.meeting_id == meeting_id, Participant.endpoint_id.in_(chunk)))}
    if not participants:
        return 0
    present = sorted(participants)
    legs: dict[int, list[McuCdrLeg]] = {}
    derived_rows: dict[int, McuCdrAttendance] = {}
    records: dict[int, AttendanceRecord] = {}
    recordable = _recordable(meeting, now)
    for chunk in _chunks(present):
        for leg in db.session.scalars(select(McuCdrLeg).where(McuCdrLeg.meeting_id == meeting_id,
                                                              McuCdrLeg.endpoint_id.in_(chunk))):
            legs.setdefault(leg.endpoint_id, []).append(leg)
        derived_rows.update((row.endpoint_id, row) for row in db.session.scalars(
            select(McuCdrAttendance).where(McuCdrAttendance.meeting_id == meeting_id,
                                           McuCdrAttendance.endpoint_id.in_(chunk))))
        if recordable:
            records.update((record.participant_id, record) for record in db.session.scalars(
                select(AttendanceRecord).where(AttendanceRecord.participant_id.in_(
                    [participants[endpoint_id].id for endpoint_id in chunk]))))
    share = current_app.config["CDR_PRESENT_PERCENT"] / 100
    with db.session.no_autoflush:
        changed = _derive_all(meeting, participants, legs, derived_rows, records, recordable=recordable,
                              share=share, now=now)
    db.session.flush()
    if changed:
        attendance_changed.send(meeting, actor=None)
    return changed


def _derive_all(meeting: Meeting, participants: dict[int, Participant], legs: dict[int, list[McuCdrLeg]],
                derived_rows: dict[int, McuCdrAttendance], records: dict[int, AttendanceRecord], *,
                recordable: bool, share: float, now: datetime) -> int:
    changed = 0
    for endpoint_id, participant in sorted(participants.items()):
        own = legs.get(endpoint_id)
        if not own:
            continue
        result = cdr.attendance_of([interval for leg in own for interval in leg.interval_times()],
                                   start=meeting.start_at, end=meeting.end_at, now=now, present_share=share)
        derived = derived_rows.get(endpoint_id)
        if derived is None:
            derived = McuCdrAttendance(meeting_id=meeting.id, endpoint_id=endpoint_id, status=result.status,
                                       written=False, overridden=False)
            db.session.add(derived)
        record = records.get(participant.id)
        if recordable and _corrected(derived, record):
            derived.overridden = True
        elif recordable:
            changed += _write(meeting, participant, record, derived, result)
        failures = [leg for leg in own if leg.reason and not leg.connected]
        last_failure = max(failures, key=lambda leg: leg.ended_at or now, default=None)
        derived.status, derived.connected_at, derived.disconnected_at = (
            result.status, result.connected_at, result.disconnected_at)
        derived.connected_seconds, derived.meeting_seconds = result.connected_seconds, result.meeting_seconds
        derived.intervals = [[start.isoformat(), end.isoformat() if end else None] for start, end in result.intervals]
        derived.legs, derived.last_reason = len(own), last_failure.reason if last_failure else None
        derived.derived_at = now
    return changed


def _chunks(items: list, size: int = 500):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _write(meeting: Meeting, participant, record, derived: McuCdrAttendance, result: cdr.EndpointAttendance) -> int:
    attended = result.status != AttendanceStatus.ABSENT
    attendees = record.attendees if record is not None and record.attendees and attended else None
    disconnected_at = result.disconnected_at
    if attended and disconnected_at is not None and disconnected_at == result.connected_at:
        # Connected and gone within one second of the records' whole-second times: an attendance record's
        # disconnection comes after its connection, so it is written as that one second.
        disconnected_at += RECORDS_RESOLUTION
    values = AttendanceValues(AttendanceStatus(result.status), attendees, result.connected_at if attended else None,
                              disconnected_at if attended else None)
    errors = check_values(meeting, values)
    if errors:
        log.warning("MCU attendance of %s in meeting %s not written: %s", participant.endpoint.code, meeting.id,
                    errors)
        return 0
    changed = apply_values(participant, record, values, actor=None, source=SOURCE,
                           connected_seconds=result.connected_seconds if attended else None)
    derived.written = True
    derived.written_status, derived.written_connected_at, derived.written_disconnected_at = (
        values.status, values.connected_at, values.disconnected_at)
    return int(changed)
