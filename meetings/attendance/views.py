"""Pages for attendance: the grid of every endpoint, and importing call-detail records with a preview."""
from __future__ import annotations

from datetime import date, datetime, time

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from meetings.attendance import imports, services
from meetings.attendance.forms import CdrConfirmForm, CdrUploadForm
from meetings.attendance.models import STATUSES, AttendanceRecord
from meetings.attendance.services import AttendanceValues
from meetings.auth.access import authenticated, roles
from meetings.auth.roles import ADMIN, BOOKER, OPERATOR
from meetings.booking import queries
from meetings.booking.models import Meeting, Participant
from meetings.booking.services import get_meeting
from meetings.core.feedback import feedback_on
from meetings.core.formatting import MINISTRY_ZONE, to_local
from meetings.core.forms import ConfirmForm
from meetings.core.window import in_window
from meetings.errors import ConflictError, ValidationError

bp = Blueprint("attendance", __name__)

TIME_FIELDS = ("connected", "disconnected")


def _loaded(meeting_id: int) -> Meeting:
    meeting = get_meeting(meeting_id)
    queries.ensure_can_view(meeting, current_user)
    return meeting


def _multi_day(meeting: Meeting) -> bool:
    return to_local(meeting.start_at).date() != to_local(meeting.end_at).date()


def _shown_time(value: datetime | None, multi_day: bool) -> str:
    if value is None:
        return ""
    return to_local(value).strftime("%Y-%m-%dT%H:%M" if multi_day else "%H:%M")


def _typed_time(raw: str, day: date, stored: datetime | None, multi_day: bool) -> datetime | None:
    """A time typed in the grid (hh:mm on the meeting's day, or a full date and time); ValueError if wrong."""
    raw = raw.strip()
    if not raw:
        return None
    if stored is not None and raw == _shown_time(stored, multi_day):
        return stored  # unchanged to the minute: keep the seconds an import recorded
    parsed = datetime.fromisoformat(raw) if "T" in raw else datetime.combine(day, time.fromisoformat(raw))
    if not in_window(parsed):
        raise ValueError("outside the years 2000 to 2100")
    return parsed.replace(tzinfo=MINISTRY_ZONE)


def _row_values(participant: Participant, record: AttendanceRecord | None, multi_day: bool) -> dict[str, str]:
    return {"status": record.status if record else "",
            "attendees": "" if record is None or record.attendees is None else str(record.attendees),
            "connected": _shown_time(record.connected_at if record else None, multi_day),
            "disconnected": _shown_time(record.disconnected_at if record else None, multi_day)}


def _parse_row(meeting: Meeting, code: str, record: AttendanceRecord | None,
               errors: dict[str, str]) -> AttendanceValues:
    form, multi_day, day = request.form, _multi_day(meeting), to_local(meeting.start_at).date()
    status = form.get(f"status-{code}", "") or None
    if status is not None and status not in STATUSES:
        errors[f"{code}.status"] = _("Choose present, absent or partial.")
    attendees_raw = form.get(f"attendees-{code}", "").strip()
    attendees = None
    if attendees_raw:
        if attendees_raw.isdigit():
            attendees = int(attendees_raw)
        else:
            errors[f"{code}.attendees"] = _("The headcount must be a whole number.")
    times: dict[str, datetime | None] = {}
    for name in TIME_FIELDS:
        stored = getattr(record, f"{name}_at") if record else None
        try:
            times[name] = _typed_time(form.get(f"{name}-{code}", ""), day, stored, multi_day)
        except ValueError:
            errors[f"{code}.{name}_at"] = _("Type a time such as 08:05.")
            times[name] = None
    return AttendanceValues(status, attendees, times["connected"], times["disconnected"])


def _editable_rows(meeting: Meeting) -> list[Participant]:
    if current_user.role == OPERATOR:
        return [p for p in meeting.participants if p.endpoint_id == current_user.endpoint_id]
    return list(meeting.participants)


def _render(meeting: Meeting, *, errors: dict[str, str] | None = None, status: int = 200):
    """Every row the user reads (queries.endpoints_shown_to); an operator edits their own endpoint's only."""
    records = services.records_of(meeting)
    multi_day = _multi_day(meeting)
    shown = queries.endpoints_shown_to(meeting, current_user)
    rows = [p for p in meeting.participants if shown is None or p.endpoint_id in shown]
    values = {p.endpoint.code: _row_values(p, records.get(p.id), multi_day) for p in rows}
    if request.method == "POST":
        for code in values:
            for key in ("status", "attendees", *TIME_FIELDS):
                if f"{key}-{code}" in request.form:
                    values[code][key] = request.form[f"{key}-{code}"]
    try:
        services.ensure_recordable(meeting)
        recordable = True
    except ConflictError:
        recordable = False
    day = to_local(meeting.start_at).date()
    return render_template(
        "attendance/grid.html", meeting=meeting, rows=rows,
        records=records, values=values, errors=errors or {}, error_rows={key.split(".")[0] for key in errors or {}},
        multi_day=multi_day, recordable=recordable,
        can_edit=current_user.role in (ADMIN, BOOKER, OPERATOR), manager=services.is_manager(current_user),
        own_endpoint_id=current_user.endpoint_id if current_user.role == OPERATOR else None,
        day=day, statuses=STATUSES), status


@bp.get("/meetings/<int:meeting_id>/attendance")
@authenticated
def grid(meeting_id: int):
    return _render(_loaded(meeting_id))


def _save_headcount(meeting: Meeting) -> int:
    """An operator's own row: the headcount only. Returns the rows sent."""
    sent = 0
    for participant in _editable_rows(meeting):
        code = participant.endpoint.code
        raw = request.form.get(f"attendees-{code}", "").strip()
        if not raw:
            continue
        if not raw.isdigit():
            raise ValidationError({f"{code}.attendees": _("The headcount must be a whole number.")})
        try:
            services.record_headcount(meeting, participant, int(raw), actor=current_user)
        except ValidationError as error:
            raise ValidationError({f"{code}.{key}": message for key, message in error.fields.items()}) from None
        sent += 1
    return sent


@bp.post("/meetings/<int:meeting_id>/attendance")
@roles(ADMIN, BOOKER, OPERATOR)
def save(meeting_id: int):
    meeting = _loaded(meeting_id)
    with feedback_on(summary=_("Nothing was saved: correct the rows marked in red."),
                     catch=(ValidationError, ConflictError)) as refusal:
        if current_user.role == OPERATOR:
            changed = _save_headcount(meeting)
        else:
            records, errors = services.records_of(meeting), {}
            entries = {p.endpoint.code: _parse_row(meeting, p.endpoint.code, records.get(p.id), errors)
                       for p in meeting.participants if f"status-{p.endpoint.code}" in request.form}
            if errors:  # report the other rows' mistakes at the same time
                for code, values in entries.items():
                    for key, message in services.check_values(meeting, values).items():
                        errors.setdefault(f"{code}.{key}", message)
                raise ValidationError(errors)
            changed = services.record_many(meeting, entries, actor=current_user)
    if isinstance(refusal.error, ValidationError):
        return _render(meeting, errors=refusal.error.fields, status=422)
    if refusal.refused:
        return redirect(url_for("attendance.grid", meeting_id=meeting.id))
    flash(_("Attendance saved (%(n)d endpoints changed).", n=changed), "success")
    return redirect(url_for("attendance.grid", meeting_id=meeting.id))


@bp.route("/meetings/<int:meeting_id>/attendance/import", methods=["GET", "POST"])
@roles(ADMIN, BOOKER)
def upload(meeting_id: int):
    meeting = _loaded(meeting_id)
    form = CdrUploadForm()
    status = 200
    if form.validate_on_submit():
        with feedback_on(form, catch=(ValidationError, ConflictError)) as refusal:
            cdr_import = imports.upload(meeting, form.file.data.read(), form.file.data.filename or "",
                                        actor=current_user)
            return redirect(url_for("attendance.preview", meeting_id=meeting.id, import_id=cdr_import.id))
        if isinstance(refusal.error, ConflictError):
            return redirect(url_for("attendance.grid", meeting_id=meeting.id))
        status = 422
    elif request.method == "POST":
        status = 422
    return render_template("attendance/upload.html", meeting=meeting, form=form), status


@bp.get("/meetings/<int:meeting_id>/attendance/import/<int:import_id>")
@roles(ADMIN, BOOKER)
def preview(meeting_id: int, import_id: int):
    meeting = _loaded(meeting_id)
    result = imports.preview(meeting, imports.get_import(meeting, import_id))
    names = {p.endpoint.code: p.endpoint.name for p in meeting.participants}
    return render_template("attendance/preview.html", meeting=meeting, preview=result, names=names,
                           messages={row.line: imports.problem_message(row) for row in result.problems},
                           form=CdrConfirmForm(), discard_form=ConfirmForm())


@bp.post("/meetings/<int:meeting_id>/attendance/import/<int:import_id>/confirm")
@roles(ADMIN, BOOKER)
def confirm(meeting_id: int, import_id: int):
    meeting = _loaded(meeting_id)
    cdr_import = imports.get_import(meeting, import_id)
    form = CdrConfirmForm()
    with feedback_on() as refusal:
        changed = imports.confirm(meeting, cdr_import, actor=current_user, mark_missing_absent=form.mark_absent.data)
    if refusal.refused:
        return redirect(url_for("attendance.preview", meeting_id=meeting.id, import_id=import_id))
    flash(_("Call records imported (%(n)d endpoints changed).", n=changed), "success")
    return redirect(url_for("attendance.grid", meeting_id=meeting.id))


@bp.post("/meetings/<int:meeting_id>/attendance/import/<int:import_id>/discard")
@roles(ADMIN, BOOKER)
def discard(meeting_id: int, import_id: int):
    meeting = _loaded(meeting_id)
    with feedback_on(catch=ConflictError):
        imports.discard(meeting, imports.get_import(meeting, import_id), actor=current_user)
        flash(_("The import was discarded; nothing was recorded."), "info")
    return redirect(url_for("attendance.grid", meeting_id=meeting.id))


@bp.app_template_global("attendance_summary")
def attendance_summary(meeting: Meeting) -> dict:
    """For the meeting page after the meeting: how many people the endpoints counted (the host left out)."""
    records = services.records_of(meeting)
    counted = [r.attendees for r in records.values() if r.attendees is not None]
    return {"recorded": bool(records), "people": sum(counted)}
