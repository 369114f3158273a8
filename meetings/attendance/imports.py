"""Importing an MCU's call-detail records: a preview kept server-side, recorded only when confirmed."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from meetings.attendance import cdr
from meetings.attendance.models import AttendanceSource, AttendanceStatus, CdrImport, ImportState
from meetings.attendance.services import (
    AttendanceValues,
    apply_values,
    ensure_recordable,
    is_manager,
    records_of,
)
from meetings.auth import audit
from meetings.auth.models import User
from meetings.booking.models import Meeting, Participant
from meetings.core.events import attendance_changed
from meetings.core.formatting import MINISTRY_ZONE
from meetings.database import utcnow
from meetings.endpoints.models import Endpoint
from meetings.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from meetings.extensions import db

WINDOW_BEFORE = timedelta(minutes=30)  # before the technical test
WINDOW_AFTER = timedelta(hours=1)

COLUMN_NAMES = {"remote": _l("Remote party"), "connect": _l("Connect time"),
                "disconnect": _l("Disconnect time (or Duration)"), "duration": _l("Duration")}


@dataclass(frozen=True)
class Preview:
    """What confirming an import would record, and what it leaves out and why."""

    cdr_import: CdrImport
    rows: list[cdr.CallRow]
    calls: list[cdr.EndpointCalls]
    missing: list[Participant]

    @property
    def problems(self) -> list[cdr.CallRow]:
        return [row for row in self.rows if row.problem]

    @property
    def valid_rows(self) -> int:
        return sum(1 for row in self.rows if row.is_valid)


def file_message(error: cdr.CdrFileError) -> str:
    params = error.params
    if error.code == "not_utf8":
        return _("The file is not UTF-8 text (first wrong character on line %(line)d). Save it as “CSV UTF-8” and "
                 "upload it again.", line=params["line"])
    if error.code == "missing_columns":
        return _("Columns missing: %(missing)s. The file has: %(found)s.",
                 missing=", ".join(str(COLUMN_NAMES[name]) for name in params["missing"]),
                 found=", ".join(params["found"]) or "—")
    if error.code == "too_many_rows":
        return _("The file has more than %(n)d rows.", n=params["max"])
    if error.code == "not_csv":
        return _("The file is not a CSV table (line %(line)d).", line=params.get("line", 1))
    if error.code == "no_rows":
        return _("The file has a header but no calls.")
    return _("The file is empty.")


def problem_message(row: cdr.CallRow) -> str:
    """A row's problem in words."""
    detail = row.detail
    messages = {
        "no_dial_string": lambda: _("No remote party: the call cannot be matched to an endpoint."),
        "bad_time": lambda: _("The %(column)s time “%(value)s” is not a date and time (use 2026-12-01 08:00:00 or "
                              "01/12/2026 08:00).", column=_("connect") if detail.get("column") == "connect"
                              else _("disconnect"), value=detail.get("value", "")),
        "bad_duration": lambda: _("The duration “%(value)s” is not a number of seconds or h:mm:ss.",
                                  value=detail.get("value", "")),
        "no_end": lambda: _("Neither a disconnect time nor a duration."),
        "duration_mismatch": lambda: _("The duration (%(seconds)d s) does not match the times (%(between)d s apart).",
                                       seconds=detail.get("seconds", 0), between=detail.get("between", 0)),
        "ends_before_start": lambda: _("The call ends before it connects."),
        "duplicate": lambda: _("Duplicate of line %(line)d: counted once.", line=detail.get("of_line", 0)),
        "unknown_dial": lambda: _("No endpoint has the dial string “%(dial)s”.", dial=detail.get("dial", "")),
        "not_participant": lambda: _("%(code)s is not invited to this meeting.", code=detail.get("endpoint", "")),
        "outside_meeting": lambda: _("The call is outside the meeting's time."),
    }
    return messages.get(row.problem, lambda: row.problem or "")()


def _window(meeting: Meeting) -> tuple[datetime, datetime]:
    first = min(meeting.test_at or meeting.start_at, meeting.start_at)
    return first - WINDOW_BEFORE, meeting.end_at + WINDOW_AFTER


def _ensure_manager(actor: User) -> None:
    if not is_manager(actor):
        raise PermissionDenied(_("Only the meeting office imports call records."))


def upload(meeting: Meeting, data: bytes, filename: str, *, actor: User, now: datetime | None = None) -> CdrImport:
    """Parse and match a CDR file into a pending import; raises ValidationError({'file': ...}) for a bad file."""
    ensure_recordable(meeting, now)
    _ensure_manager(actor)
    limit = current_app.config["CDR_MAX_BYTES"]
    if len(data) > limit:
        raise ValidationError({"file": _("The file is %(size)s; at most %(limit)s can be imported.",
                                         size=_size(len(data)), limit=_size(limit))})
    participants = {p.endpoint.code: p.endpoint.dial_string for p in meeting.participants}
    registry = {code: dial for code, dial in db.session.execute(select(Endpoint.code, Endpoint.dial_string))}
    try:
        rows = cdr.analyse(data, zone=MINISTRY_ZONE, participants=participants, registry=registry,
                           window=_window(meeting), max_rows=current_app.config["CDR_MAX_ROWS"])
    except cdr.CdrFileError as error:
        raise ValidationError({"file": file_message(error)}) from None
    cdr_import = CdrImport(meeting_id=meeting.id, filename=(filename or "")[:255], state=ImportState.PENDING,
                           rows=[row.to_dict() for row in rows], uploaded_by_id=actor.id)
    db.session.add(cdr_import)
    db.session.flush()
    return cdr_import


def _size(count: int) -> str:
    return f"{count / 1024 / 1024:.1f} MB" if count >= 1024 * 1024 else f"{max(1, count // 1024)} KB"


def get_import(meeting: Meeting, import_id: int) -> CdrImport:
    cdr_import = db.session.get(CdrImport, import_id)
    if cdr_import is None or cdr_import.meeting_id != meeting.id:
        raise NotFound(_("No such import for this meeting."))
    return cdr_import


def preview(meeting: Meeting, cdr_import: CdrImport) -> Preview:
    rows = [cdr.CallRow.from_dict(row) for row in cdr_import.rows]
    share = current_app.config["CDR_PRESENT_PERCENT"] / 100
    calls = cdr.summarise(rows, start=meeting.start_at, end=meeting.end_at, present_share=share)
    called = {item.endpoint for item in calls}
    missing = [p for p in meeting.participants if p.endpoint.code not in called]
    return Preview(cdr_import=cdr_import, rows=rows, calls=calls, missing=missing)


def _ensure_pending(cdr_import: CdrImport) -> None:
    if cdr_import.state != ImportState.PENDING:
        raise ConflictError(_("This import was already %(state)s.", state=cdr_import.state), code="import_decided")


def confirm(meeting: Meeting, cdr_import: CdrImport, *, actor: User, mark_missing_absent: bool = False,
            now: datetime | None = None) -> int:
    """Record the valid rows' attendance (and, if asked, absent for unrecorded endpoints without a call).

    Returns the number of endpoints changed. Raises ConflictError for a decided import, ValidationError
    when no row can be imported.
    """
    ensure_recordable(meeting, now)
    _ensure_manager(actor)
    _ensure_pending(cdr_import)
    result = preview(meeting, cdr_import)
    if not result.calls:
        raise ValidationError({"file": _("No row of this file can be imported.")})
    records = records_of(meeting)
    by_code = {p.endpoint.code: p for p in meeting.participants}
    changed = 0
    for calls in result.calls:
        participant = by_code[calls.endpoint]
        record = records.get(participant.id)
        attendees = record.attendees if record is not None and record.attendees else None
        values = AttendanceValues(calls.status, attendees, calls.connected_at, calls.disconnected_at)
        changed += apply_values(participant, record, values, actor=actor, source=AttendanceSource.CDR,
                                connected_seconds=calls.connected_seconds, cdr_import=cdr_import)
    if mark_missing_absent:
        for participant in result.missing:
            if participant.id not in records:
                changed += apply_values(participant, None, AttendanceValues(AttendanceStatus.ABSENT), actor=actor,
                                        source=AttendanceSource.CDR,
                                        cdr_import=cdr_import)
    cdr_import.state, cdr_import.decided_by_id, cdr_import.decided_at = ImportState.CONFIRMED, actor.id, utcnow()
    audit.record("attendance.cdr_import", actor=actor, target_type="meeting", target_id=meeting.id,
                 summary=cdr_import.filename, changes={"rows": result.valid_rows, "problems": len(result.problems),
                                                       "endpoints": changed})
    db.session.flush()
    attendance_changed.send(meeting, actor=actor)
    return changed


def discard(meeting: Meeting, cdr_import: CdrImport, *, actor: User) -> None:
    _ensure_manager(actor)
    _ensure_pending(cdr_import)
    cdr_import.state, cdr_import.decided_by_id, cdr_import.decided_at = ImportState.DISCARDED, actor.id, utcnow()
    db.session.flush()
