"""Readiness pages: the operator's agenda, the board, answering (signed in or by link), tests and probes."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm

from meetings.auth.access import authenticated, public, roles
from meetings.auth.roles import ADMIN, BOOKER, OPERATOR
from meetings.booking.models import Meeting
from meetings.booking.queries import endpoints_shown_to
from meetings.core import links as signing
from meetings.core.feedback import feedback_on
from meetings.core.navigation import safe_next
from meetings.database import utcnow
from meetings.endpoints.services import EndpointFilter, search_endpoints
from meetings.errors import ConflictError, NotFound, ValidationError
from meetings.readiness import geography, monitoring, queries, rules, services
from meetings.readiness.forms import AnswerForm, CallResultForm, ProbeCheckForm

bp = Blueprint("readiness", __name__)

HISTORY_ON_BOARD = 30
HISTORY_PAGE = 100
LINK_REFUSAL_STATUS = {"tampered": 400, "expired": 410, "not_found": 404}


@bp.get("/readiness")
@authenticated
def index():
    now = utcnow()
    if current_user.role == OPERATOR:
        return render_template("readiness/mine.html", agenda=queries.operator_agenda(current_user, now))
    return render_template("readiness/index.html", entries=queries.overview(now))


@bp.get("/meetings/<int:meeting_id>/readiness")
@authenticated
def board(meeting_id: int):
    """The counts of every endpoint; the rows the user reads (an invited operator: their own)."""
    meeting = services.get_meeting(meeting_id)
    now = utcnow()
    version = queries.board_version(meeting, now)
    board = queries.board_shown_to(meeting, current_user)
    items, shown = board.rows, board.endpoint_id
    dots = [(item, geography.project(item.latitude, item.longitude))
            for item in items if item.latitude is not None and item.longitude is not None]
    return render_template(
        "readiness/board.html", meeting=meeting, items=items, regions=queries.by_region(items),
        total=len(board.items), counts=queries.counts(board.items), tests=queries.test_counts(board.items),
        probes=queries.probe_counts(board.items),
        history=queries.history(meeting.id, limit=HISTORY_ON_BOARD, endpoint_id=shown),
        history_total=queries.history_count(meeting.id, endpoint_id=shown),
        version=version, is_open=rules.is_open(meeting.status, meeting.start_at, now),
        test_open=queries.technical_slot_open(meeting, now), slot=queries.technical_slot_of(meeting),
        can_answer=current_user.role in (ADMIN, BOOKER), can_test=services.may_record_tests(meeting, current_user),
        dots=dots, geography=geography, history_limit=HISTORY_ON_BOARD,
        poll_seconds=current_app.config["READINESS_POLL_SECONDS"])


@bp.get("/meetings/<int:meeting_id>/readiness/history")
@authenticated
def history(meeting_id: int):
    meeting = services.get_meeting(meeting_id)
    shown = endpoints_shown_to(meeting, current_user)
    endpoint_id = next(iter(shown)) if shown else None
    page = min(max(request.args.get("page", 1, type=int), 1), 10**6)
    entries = queries.history(meeting.id, limit=HISTORY_PAGE, offset=(page - 1) * HISTORY_PAGE,
                              endpoint_id=endpoint_id)
    return render_template("readiness/history.html", meeting=meeting, entries=entries, page=page,
                           total=queries.history_count(meeting.id, endpoint_id=endpoint_id), per_page=HISTORY_PAGE)


@bp.route("/meetings/<int:meeting_id>/readiness/<code>", methods=["GET", "POST"])
@roles(ADMIN, BOOKER, OPERATOR)
def answer(meeting_id: int, code: str):
    meeting = services.get_meeting(meeting_id)
    services.ensure_can_answer(meeting, code, current_user)
    participant = services.get_participant(meeting, code, for_update=request.method == "POST")
    form = AnswerForm()
    status = 200
    if request.method == "POST":
        with feedback_on(form, catch=(ValidationError, ConflictError)) as refusal:
            _require_valid(form)
            change = services.set_readiness(meeting, participant, form.status.data, form.note.data,
                                            actor=current_user, channel="web")
            flash(_("Answer saved.") if change else _("Nothing changed: that was already the answer."), "success")
            return redirect(safe_next(form.next.data) or url_for("core.index"))
        status = 409 if isinstance(refusal.error, ConflictError) else 422
    else:
        form.note.data = participant.readiness_note
        form.next.data = safe_next(request.args.get("next")) or ""
    return render_template("readiness/answer.html", meeting=meeting, participant=participant, form=form,
                           changes=queries.history(meeting.id, endpoint_id=participant.endpoint_id),
                           is_open=rules.is_open(meeting.status, meeting.start_at, utcnow())), status


def _require_valid(form: FlaskForm) -> None:
    if not form.validate():
        raise ValidationError({name: " ".join(messages) for name, messages in form.errors.items()})


@bp.post("/meetings/<int:meeting_id>/readiness/<code>/test")
@roles(ADMIN, BOOKER, OPERATOR)
def record_test(meeting_id: int, code: str):
    meeting = services.get_meeting(meeting_id)
    services.ensure_can_record_tests(meeting, current_user)
    participant = services.get_participant(meeting, code)
    form = CallResultForm()
    with feedback_on(prefix=f"{participant.endpoint.name}: ", catch=(ValidationError, ConflictError)):
        _require_valid(form)
        services.record_test(meeting, participant, form.result.data, form.note.data, actor=current_user,
                             channel="web")
        flash(_("Technical test of %(name)s recorded.", name=participant.endpoint.name), "success")
    return redirect(url_for("readiness.board", meeting_id=meeting.id, _anchor=f"row-{code}"))


@bp.route("/r/<token>", methods=["GET", "POST"])
@public
def link(token: str):
    """The one-click answer from the invitation: GET only shows (mail scanners open links), POST answers."""
    try:
        claim = signing.read_token(token)
        meeting = services.get_meeting(claim.meeting_id)
    except signing.LinkRefused as refused:
        return _link_refused(refused.reason)
    except NotFound:
        return _link_refused("not_found")
    problem = services.link_problem(meeting, claim, utcnow())
    if problem:
        return _link_refused(problem, meeting)
    participant = services.get_participant_by_id(meeting, claim.endpoint_id)
    form = AnswerForm()
    status = 200
    if request.method == "POST":
        with feedback_on(form, catch=(ValidationError, ConflictError), silent=ConflictError) as refusal:
            _require_valid(form)
            services.answer_by_link(claim, form.status.data, form.note.data)
            flash(_("Thank you: your answer is recorded. You can change it until the meeting starts."), "success")
            return redirect(url_for("readiness.link", token=token))
        if isinstance(refusal.error, ConflictError):
            return _link_refused(refusal.error.code, meeting)
        status = 422
    else:
        form.note.data = participant.readiness_note
    return render_template("readiness/link.html", meeting=meeting, participant=participant, form=form), status


def _link_refused(reason: str, meeting: Meeting | None = None):
    return render_template("readiness/link_refused.html", reason=reason, meeting=meeting,
                           message=services.link_problem_message(reason)), LINK_REFUSAL_STATUS.get(reason, 409)


@bp.route("/readiness/probes", methods=["GET", "POST"])
@roles(ADMIN)
def probes():
    form = ProbeCheckForm()
    if request.method == "GET":
        return _render_probes(form, {})
    if not form.validate():
        raise ValidationError({"check": _("Unknown endpoint code.")})
    typed = {key.removeprefix("probe-"): value for key, value in request.form.items() if key.startswith("probe-")}
    if form.check.data:
        return _check_probe(form, typed, form.check.data)
    with feedback_on(summary=_("Some addresses are not valid; nothing was saved."), catch=ValidationError) as refusal:
        changed = monitoring.set_probe_addresses(typed, actor=current_user)
    if refusal.refused:
        return _render_probes(form, typed, errors=refusal.error.fields, status=422)
    flash(ngettext("%(num)d probe address changed.", "%(num)d probe addresses changed.", changed), "success")
    return redirect(url_for("readiness.probes"))


def _check_probe(form: ProbeCheckForm, typed: dict[str, str], code: str):
    try:
        checked = monitoring.check_now(code, typed.get(code, ""))
    except ValidationError as error:
        return _render_probes(form, typed, errors={code: error.fields["address"]}, status=422)
    return _render_probes(form, typed, checked=(code, checked))


def _render_probes(form: ProbeCheckForm, typed: dict[str, str], *, errors: dict[str, str] | None = None,
                   checked: tuple[str, monitoring.Checked] | None = None, status: int = 200):
    endpoints = search_endpoints(EndpointFilter())
    configured = {endpoint_id: probe.address for endpoint_id, probe in monitoring.probe_addresses().items()}
    values = {e.code: typed.get(e.code, configured.get(e.id, "")) for e in endpoints}
    return render_template("readiness/probes.html", form=form, endpoints=endpoints, values=values,
                           errors=errors or {}, checked=checked, latest=queries.latest_probe_results()), status
