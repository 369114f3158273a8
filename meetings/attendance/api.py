"""JSON routes for attendance: read it, record one endpoint, import call-detail records."""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from meetings.attendance import imports, services
from meetings.attendance.models import ATTENDED, AttendanceRecord, AttendanceStatus
from meetings.auth.access import authenticated, roles
from meetings.auth.roles import ADMIN, BOOKER, OPERATOR
from meetings.booking import queries
from meetings.booking.models import Meeting, Participant
from meetings.booking.services import get_meeting
from meetings.booking.validation import parse_datetime, time_error
from meetings.core.api import bp, json_body, query_bool
from meetings.core.formatting import isoformat_local
from meetings.errors import ValidationError


def attendance_item_json(participant: Participant, record: AttendanceRecord | None) -> dict[str, Any]:
    seconds = record.connected_seconds if record else None
    return {
        "endpoint": participant.endpoint.code, "name": participant.endpoint.name, "is_host": participant.is_host,
        "expected_attendees": participant.expected_attendees,
        "status": record.status if record else None, "attendees": record.attendees if record else None,
        "connected_at": isoformat_local(record.connected_at) if record else None,
        "disconnected_at": isoformat_local(record.disconnected_at) if record else None,
        "connected_minutes": round(seconds / 60) if seconds is not None else None,
        "source": record.source if record else None,
        "recorded_by": record.recorded_by.username if record and record.recorded_by else None,
        "recorded_at": isoformat_local(record.recorded_at) if record else None,
    }


def attendance_json(meeting: Meeting, shown: frozenset[int] | None = None) -> dict[str, Any]:
    """The counts of every endpoint; the rows of the endpoints `shown` (None: all)."""
    records = services.records_of(meeting)
    items = [attendance_item_json(p, records.get(p.id)) for p in meeting.participants]
    rows = [item for participant, item in zip(meeting.participants, items, strict=True)
            if shown is None or participant.endpoint_id in shown]
    counts = {status: sum(1 for item in items if item["status"] == status)
              for status in AttendanceStatus}
    counts["not_recorded"] = sum(1 for item in items if item["status"] is None)
    attendees = sum(item["attendees"] or 0 for item in items if item["status"] in ATTENDED)
    return {"meeting": meeting.id, "status": meeting.status, "counts": counts, "attendees": attendees, "items": rows}


def _given(body: dict[str, Any]) -> dict[str, Any]:
    """The fields the body sets (null clears), type-checked; ValidationError otherwise."""
    errors: dict[str, str] = {}
    given: dict[str, Any] = {}
    if "status" in body:
        if body["status"] is not None and not isinstance(body["status"], str):
            errors["status"] = _("Choose present, absent or partial.")
        given["status"] = body["status"]
    if "attendees" in body:
        value = body["attendees"]
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            errors["attendees"] = _("The headcount must be a whole number.")
        given["attendees"] = value
    for key in ("connected_at", "disconnected_at"):
        if key in body:
            try:
                given[key] = parse_datetime(body[key]) if body[key] not in (None, "") else None
            except (ValueError, TypeError) as error:
                errors[key] = time_error(error)
    if not given and not errors:
        errors["status"] = _("Send at least one of status, attendees, connected_at, disconnected_at.")
    if errors:
        raise ValidationError(errors)
    return given


def _loaded(meeting_id: int) -> Meeting:
    meeting = get_meeting(meeting_id)
    queries.ensure_can_view(meeting, current_user)
    return meeting


@bp.get("/meetings/<int:meeting_id>/attendance")
@authenticated
def get_attendance(meeting_id: int):
    meeting = get_meeting(meeting_id)
    return jsonify(attendance_json(meeting, queries.endpoints_shown_to(meeting, current_user)))


@bp.put("/meetings/<int:meeting_id>/attendance/<code>")
@roles(ADMIN, BOOKER, OPERATOR)
def put_attendance(meeting_id: int, code: str):
    meeting = _loaded(meeting_id)
    participant = services.participant_for(meeting, code)
    given = _given(json_body())
    if current_user.role == OPERATOR:
        if set(given) != {"attendees"} or given["attendees"] is None:
            services.ensure_can_record(participant, current_user, headcount_only=False)
        record = services.record_headcount(meeting, participant, given["attendees"], actor=current_user)
    else:
        current = services.values_of(services.records_of(meeting).get(participant.id))
        record = services.record_attendance(meeting, participant, replace(current, **given), actor=current_user)
    return jsonify(attendance_item_json(participant, record))


def import_json(meeting: Meeting, preview: imports.Preview) -> dict[str, Any]:
    cdr_import = preview.cdr_import
    names = {p.endpoint.code: p.endpoint.name for p in meeting.participants}
    return {
        "import_id": cdr_import.id, "meeting": meeting.id, "state": cdr_import.state, "filename": cdr_import.filename,
        "uploaded_at": isoformat_local(cdr_import.uploaded_at),
        "uploaded_by": cdr_import.uploaded_by.username if cdr_import.uploaded_by else None,
        "counts": {"rows": len(preview.rows), "valid": preview.valid_rows, "problems": len(preview.problems),
                   "endpoints": len(preview.calls), "missing": len(preview.missing)},
        "endpoints": [{"endpoint": calls.endpoint, "name": names.get(calls.endpoint, ""), "status": calls.status,
                       "connected_at": isoformat_local(calls.connected_at),
                       "disconnected_at": isoformat_local(calls.disconnected_at),
                       "connected_minutes": round(calls.connected_seconds / 60), "lines": list(calls.lines)}
                      for calls in preview.calls],
        "problems": [{"line": row.line, "code": row.problem, "message": imports.problem_message(row),
                      "dial_string": row.dial_string, "endpoint": row.endpoint} for row in preview.problems],
        "missing": [p.endpoint.code for p in preview.missing],
    }


def _upload_data() -> tuple[bytes, str]:
    upload = request.files.get("file")
    if upload is not None:
        return upload.read(), upload.filename or ""
    if request.mimetype in ("text/csv", "text/plain", "application/octet-stream"):
        return request.get_data(), request.args.get("filename", "cdr.csv")
    raise ValidationError({"file": _("Send the CSV as the multipart field 'file' or as a text/csv body.")})


@bp.post("/meetings/<int:meeting_id>/attendance/cdr")
@roles(ADMIN, BOOKER)
def upload_cdr(meeting_id: int):
    meeting = _loaded(meeting_id)
    data, filename = _upload_data()
    cdr_import = imports.upload(meeting, data, filename, actor=current_user)
    status = 201
    if query_bool("confirm"):
        imports.confirm(meeting, cdr_import, actor=current_user, mark_missing_absent=bool(query_bool("mark_absent")))
        status = 200
    return jsonify(import_json(meeting, imports.preview(meeting, cdr_import))), status


@bp.get("/meetings/<int:meeting_id>/attendance/cdr/<int:import_id>")
@roles(ADMIN, BOOKER)
def get_cdr_import(meeting_id: int, import_id: int):
    meeting = _loaded(meeting_id)
    return jsonify(import_json(meeting, imports.preview(meeting, imports.get_import(meeting, import_id))))


@bp.post("/meetings/<int:meeting_id>/attendance/cdr/<int:import_id>/confirm")
@roles(ADMIN, BOOKER)
def confirm_cdr_import(meeting_id: int, import_id: int):
    meeting = _loaded(meeting_id)
    cdr_import = imports.get_import(meeting, import_id)
    body = request.get_json(silent=True) or {}
    mark_absent = body.get("mark_absent") if isinstance(body, dict) else None
    if mark_absent is not None and not isinstance(mark_absent, bool):
        raise ValidationError({"mark_absent": _("Use true or false.")})
    imports.confirm(meeting, cdr_import, actor=current_user, mark_missing_absent=bool(mark_absent))
    return jsonify(import_json(meeting, imports.preview(meeting, cdr_import)))


@bp.delete("/meetings/<int:meeting_id>/attendance/cdr/<int:import_id>")
@roles(ADMIN, BOOKER)
def discard_cdr_import(meeting_id: int, import_id: int):
    meeting = _loaded(meeting_id)
    cdr_import = imports.get_import(meeting, import_id)
    imports.discard(meeting, cdr_import, actor=current_user)
    return jsonify(import_json(meeting, imports.preview(meeting, cdr_import)))
