"""Pages for meetings: list, calendar, booking form, meeting page, cancellation."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from meetings.auth import audit, audit_text
from meetings.auth.access import authenticated, roles
from meetings.auth.roles import ADMIN, BOOKER, LEADER
from meetings.booking import availability as assistant
from meetings.booking import calendar as cal
from meetings.booking import queries, services
from meetings.booking.conflicts import group_by_meeting
from meetings.booking.forms import CancelForm, MeetingForm, parse_clock
from meetings.booking.models import STATUSES, Meeting, MeetingStatus
from meetings.booking.validation import MINISTRY_ZONE, MeetingValues, parse_day, values_from_form
from meetings.core.feedback import feedback_on
from meetings.core.formatting import WEEKDAYS, to_local
from meetings.core.forms import ConfirmForm
from meetings.core.inputs import OutsideWindow
from meetings.endpoints.services import EndpointFilter, groups_with_members, host_first, search_endpoints
from meetings.errors import ConflictError, ValidationError

bp = Blueprint("booking", __name__)

FIELD_FOR = {"start": "start_time", "end": "end_time", "title": "title", "organizer": "organizer", "chair": "chair",
             "agenda": "agenda", "host": "host", "recurrence": "repeat", "test_minutes_before": "test_minutes_before"}


def _parse_day(value: str | None) -> date | None:
    """dd/mm/yyyy as the pages show it, or ISO yyyy-mm-dd as links carry it; a day outside 2000..2100 is
    ignored with a message."""
    if not value:
        return None
    try:
        return parse_day(value)
    except OutsideWindow as error:
        flash(str(error), "warning")
        return None
    except ValueError:
        return None


def _codes_arg(name: str) -> list[str]:
    return [item.strip() for value in request.args.getlist(name) for item in value.split(",") if item.strip()]


@bp.get("/meetings")
@authenticated
def index():
    start, end = _parse_day(request.args.get("from")), _parse_day(request.args.get("to"))
    if start is None and end is None and not request.args.get("all"):
        start = to_local(datetime.now(MINISTRY_ZONE)).date()
    criteria = queries.MeetingFilter(
        start=datetime.combine(start, time.min, MINISTRY_ZONE) if start else None,
        end=datetime.combine(end + timedelta(days=1), time.min, MINISTRY_ZONE) if end else None,
        endpoint=request.args.get("endpoint", ""),
        status=request.args.get("status", "") if request.args.get("status") in STATUSES else "",
        organizer=request.args.get("organizer", "").strip(),
        query=request.args.get("q", "").strip(),
    )
    meetings = []
    with feedback_on(category="warning", catch=ValidationError):
        meetings = queries.list_meetings(criteria, current_user, limit=500)
    counts = queries.participant_counts([m.id for m in meetings])
    return render_template(
        "booking/index.html",
        meetings=meetings,
        counts=counts,
        statuses=STATUSES,
        endpoints=search_endpoints(EndpointFilter(active=None)),
        organizers=queries.organizers(),
        args=request.args,
        start=start,
        end=end,
    )


@bp.get("/meetings/calendar")
@authenticated
def calendar():
    view = request.args.get("view", "week") if request.args.get("view") in ("week", "month") else "week"
    anchor = _parse_day(request.args.get("date")) or datetime.now(MINISTRY_ZONE).date()
    period = cal.week(anchor) if view == "week" else cal.month(anchor)
    criteria = queries.MeetingFilter(start=period.start_at, end=period.end_at, endpoint=request.args.get("code", ""))
    meetings = queries.list_meetings(criteria, current_user)
    days = cal.place(period, meetings)
    hours = cal.hour_span(meetings)
    layout = {d.day: cal.lay_out(d.day, d.meetings, hours) for week in days for d in week} if view == "week" else {}
    return render_template(
        "booking/calendar.html",
        view=view,
        period=period,
        hours=hours,
        layout=layout,
        statuses=STATUSES,
        days=days,
        today=datetime.now(MINISTRY_ZONE).date(),
        endpoint=request.args.get("code", ""),
    )


@bp.get("/meetings/availability")
@roles(ADMIN, BOOKER, LEADER)
def availability():
    """The scheduling assistant on its own page: choose endpoints and a day, see who is busy, pick a slot."""
    form = MeetingForm(formdata=None)
    tomorrow = (datetime.now(MINISTRY_ZONE) + timedelta(days=1)).date()
    form.start_date.data = _parse_day(request.args.get("date")) or tomorrow
    form.start_time.data, form.end_time.data = time(8, 0), time(11, 30)
    for name in ("start", "end"):
        try:
            getattr(form, f"{name}_time").data = parse_clock(request.args.get(name, ""))
        except ValueError:
            pass
    form.host.data = request.args.get("host") or current_app.config["DEFAULT_HOST"]
    context = _picker_context(form, selected=_asked_endpoints(), attendees={})
    context.pop("defaults")
    return render_template("booking/availability.html", meeting=None,
                           weekday_names=WEEKDAYS.get(str(get_locale() or "vi"), WEEKDAYS["vi"]),
                           assistant_book_url=url_for("booking.new") if current_user.role in (ADMIN, BOOKER) else "",
                           **context)


def _picker_context(form: MeetingForm, *, selected: set[str], attendees: dict[str, int]) -> dict:
    endpoints = search_endpoints(EndpointFilter())
    form.host.choices = [(e.code, e.name) for e in endpoints]
    host_code = form.host.data or current_app.config["DEFAULT_HOST"]
    return {
        "form": form,
        "endpoints": host_first(endpoints, host_code),
        "host_code": host_code,
        "groups": groups_with_members(),
        "selected": selected,
        "attendees": attendees,
        "defaults": {e.code: services.default_attendees(e) for e in endpoints},
        "organizers": queries.organizers(),
    }


def _form_values(form: MeetingForm) -> MeetingValues:
    return values_from_form({
        **form.data,
        "endpoints": request.form.getlist("endpoints"),
        "attendees": {k.removeprefix("attendees-"): v for k, v in request.form.items() if k.startswith("attendees-")},
        "draft": request.form.get("action") == "draft",
    })


def _render_form(form, meeting, *, status=200, conflicts=None, conflict_code=None, other_errors=None,
                 next_free=None):
    selected = (
        set(request.form.getlist("endpoints"))
        if request.method == "POST"
        else ({p.endpoint.code for p in meeting.participants} if meeting else _asked_endpoints())
    )
    attendees = (
        {k.removeprefix("attendees-"): v for k, v in request.form.items() if k.startswith("attendees-")}
        if request.method == "POST"
        else ({p.endpoint.code: p.expected_attendees for p in meeting.participants} if meeting else {})
    )
    context = _picker_context(form, selected=selected, attendees=attendees)
    return render_template(
        "booking/form.html",
        meeting=meeting,
        conflicts=conflicts or [],
        conflict_groups=group_by_meeting(conflicts or []) if conflict_code != "capacity" else [],
        conflict_code=conflict_code,
        next_free=next_free,
        weekday_names=WEEKDAYS.get(str(get_locale() or "vi"), WEEKDAYS["vi"]),
        other_errors=other_errors or {},
        **context,
    ), status


def _asked_endpoints() -> set[str]:
    """Endpoints a link asks for (?endpoints=a,b&groups=all-enforcement), as the assistant sends them."""
    codes = set(_codes_arg("endpoints"))
    groups = set(_codes_arg("groups"))
    if groups:
        codes.update(code for group, members in groups_with_members() if group.name in groups for code in members)
    return codes


def _submit(form: MeetingForm, meeting: Meeting | None):
    values = None
    # A conflict is shown once, in the conflict box with what to do about it, not flashed too.
    with feedback_on(form, FIELD_FOR, catch=(ValidationError, ConflictError), silent=ConflictError) as refusal:
        values = _form_values(form)
        if meeting is None:
            meetings = services.book_meeting(values, actor=current_user)
        else:
            values.recurrence = None
            meetings = services.change_meeting(meeting, values, actor=current_user, scope=form.scope.data or "this")
    if isinstance(refusal.error, ConflictError):
        next_free = assistant.next_free_for(values, exclude_meeting_id=meeting.id if meeting else None)
        return _render_form(form, meeting, status=409, conflicts=refusal.error.extra.get("conflicts", []),
                            conflict_code=refusal.error.code, next_free=next_free)
    if refusal.refused:
        return _render_form(form, meeting, status=422, other_errors=refusal.others)
    if meetings[0].status == MeetingStatus.DRAFT:
        flash(_("Draft saved. It holds no endpoint and sends nothing until it is booked."), "info")
    elif meeting is None:
        flash(
            ngettext(
                "Meeting booked; invitations are on their way.",
                "%(num)d meetings booked; invitations are on their way.",
                len(meetings),
            ),
            "success",
        )
    else:
        flash(_("Changes saved; participants will be told."), "success")
    return redirect(url_for("booking.show", meeting_id=meetings[0].id))


@bp.route("/meetings/new", methods=["GET", "POST"])
@roles(ADMIN, BOOKER)
def new():
    form = MeetingForm()
    if request.method == "GET":
        day = _parse_day(request.args.get("date")) or (datetime.now(MINISTRY_ZONE) + timedelta(days=1)).date()
        form.start_date.data, form.start_time.data, form.end_time.data = day, time(8, 0), time(11, 30)
        for name in ("start", "end"):  # from the scheduling assistant: ?start=13:00&end=16:30
            try:
                getattr(form, f"{name}_time").data = parse_clock(request.args.get(name, ""))
            except ValueError:
                pass
        form.host.data = request.args.get("host") or current_app.config["DEFAULT_HOST"]
        form.test_minutes_before.data = 60
    if form.validate_on_submit():
        return _submit(form, None)
    return _render_form(form, None, status=422 if request.method == "POST" else 200)


@bp.route("/meetings/<int:meeting_id>/edit", methods=["GET", "POST"])
@roles(ADMIN, BOOKER)
def edit(meeting_id: int):
    meeting = services.get_meeting(meeting_id)
    with feedback_on(category="warning") as refusal:
        services.ensure_editable(meeting)
    if refusal.refused:
        return redirect(url_for("booking.show", meeting_id=meeting.id))
    form = MeetingForm(obj=meeting) if request.method == "GET" else MeetingForm()
    if request.method == "GET":
        start, end = to_local(meeting.start_at), to_local(meeting.end_at)
        form.start_date.data, form.start_time.data = start.date(), start.time()
        form.end_date.data, form.end_time.data = end.date(), end.time()
        form.host.data = meeting.host.code
        form.test_minutes_before.data = (
            int((meeting.start_at - meeting.test_at).total_seconds() // 60) if meeting.test_at else 60
        )
    if form.validate_on_submit():
        return _submit(form, meeting)
    return _render_form(form, meeting, status=422 if request.method == "POST" else 200)


def phase_of(meeting: Meeting, now: datetime | None = None) -> str:
    """Where the meeting is in its life, for the page: before, during, after (or cancelled). A scheduled
    meeting whose time has come counts as during or after even before the scheduler moves it on."""
    now = now or datetime.now(MINISTRY_ZONE)
    if meeting.status == MeetingStatus.CANCELLED:
        return "cancelled"
    if meeting.status == MeetingStatus.COMPLETED:
        return "after"
    if meeting.status == MeetingStatus.IN_PROGRESS:
        return "during"
    if meeting.status == MeetingStatus.SCHEDULED and meeting.end_at <= now:
        return "after"
    if meeting.status == MeetingStatus.SCHEDULED and meeting.start_at <= now:
        return "during"
    return "before"


@bp.get("/meetings/<int:meeting_id>")
@authenticated
def show(meeting_id: int):
    meeting = services.get_meeting(meeting_id)
    queries.ensure_can_view(meeting, current_user)
    occurrences = sorted(meeting.series.meetings, key=lambda m: m.start_at) if meeting.series_id else []
    by_region: dict[str, list] = {}
    for participant in meeting.participants:  # already in the one order: host first, then Vietnamese order
        by_region.setdefault(participant.endpoint.region, []).append(participant)
    readiness = {status: 0 for status in ("ready", "not_ready", "pending")}
    attendance = {status: 0 for status in ("present", "partial", "absent", None)}
    for participant in meeting.participants:
        if not participant.is_host:
            readiness[participant.readiness] = readiness.get(participant.readiness, 0) + 1
            attendance[participant.attendance] = attendance.get(participant.attendance, 0) + 1
    manager = current_user.role in (ADMIN, BOOKER)
    history = audit.history_of("meeting", meeting.id) if manager else []
    endpoint_names, titles = audit_text.names_for(history)
    return render_template(
        "booking/show.html", meeting=meeting, occurrences=occurrences, by_region=by_region, confirm=ConfirmForm(),
        phase=phase_of(meeting), manager=manager, readiness_counts=readiness,
        attendance_counts=attendance, guests=len(meeting.participants) - 1,
        can_start=services.can_start(meeting), start_opens_at=services.start_opens_at(meeting),
        can_put_back=services.can_put_back(meeting),
        history=history, history_sentence=lambda entry: audit_text.sentence(entry, endpoint_names, titles),
    )


@bp.route("/meetings/<int:meeting_id>/cancel", methods=["GET", "POST"])
@roles(ADMIN, BOOKER)
def cancel(meeting_id: int):
    meeting = services.get_meeting(meeting_id)
    form = CancelForm()
    if form.validate_on_submit():
        with feedback_on():
            cancelled = services.cancel_meeting(
                meeting, actor=current_user, reason=form.reason.data or "", scope=form.scope.data or "this"
            )
            flash(_("%(num)d meeting(s) cancelled; participants will be told.", num=len(cancelled)), "success")
            return redirect(url_for("booking.show", meeting_id=meeting.id))
    return render_template("booking/cancel.html", meeting=meeting, form=form)


@bp.post("/meetings/<int:meeting_id>/status")
@roles(ADMIN, BOOKER)
def change_status(meeting_id: int):
    meeting = services.get_meeting(meeting_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with feedback_on():
        services.set_status(meeting, request.form.get("status", ""), actor=current_user)
        flash(_("Status updated."), "success")
    return redirect(url_for("booking.show", meeting_id=meeting.id))
