"""The call panel's buttons (forms that work without JavaScript) and the data the panel template reads."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from meetings.auth.access import roles
from meetings.auth.roles import ADMIN, BOOKER, OPERATOR
from meetings.booking.labels import READINESS_LABELS
from meetings.core.forms import ConfirmForm
from meetings.core.labels import label
from meetings.core.navigation import safe_next
from meetings.database import utcnow
from meetings.errors import DomainError, PermissionDenied
from meetings.extensions import db
from meetings.mcu import board, records, services
from meetings.mcu.attendance_from_calls import corrected_figures
from meetings.readiness.labels import TEST_LABELS
from meetings.readiness.models import TestStatus

bp = Blueprint("mcu", __name__)


@bp.app_context_processor
def _panel_helpers():
    return {"mcu_panel": panel, "mcu_reason": services.reason_text, "mcu_alarm": _alarm_label,
            "mcu_state_label": state_label, "mcu_dial_in": services.dial_in_for,
            "mcu_corrected_figures": lambda meeting: corrected_figures(meeting.id)}


def _alarm_label(code: str) -> str:
    return str(services.ALARM_LABELS.get(code, code))


STATE_LABELS = {
    "idle": "not dialled", "dialling": "dialling", "ringing": "ringing", "connected": "connected",
    "failed": "failed", "disconnected": "disconnected",
}


def state_label(state: str, *, hung_up: bool = False) -> str:
    labels = {"idle": _("not dialled"), "dialling": _("dialling"), "ringing": _("ringing"),
              "connected": _("connected"), "failed": _("failed"), "disconnected": _("dropped")}
    if state == "disconnected" and hung_up:
        return _("hung up")
    return labels.get(state, state)


def panel(meeting) -> dict | None:
    """What templates/mcu/_call_panel.html shows for the signed-in user; None when they may not see it."""
    if not current_user.is_authenticated:
        return None
    try:
        scope = services.readable_scope(meeting, current_user)
    except PermissionDenied:
        return None
    only = None if scope == "all" else scope
    etag = f"{board.version(meeting)}-{only or 'all'}"
    data = board.calls_json(meeting, only=only, etag=etag)
    now = utcnow()
    data.update(can_operate=services.may_operate(meeting, current_user) and data["enabled"],
                can_connect=services.enabled() and meeting.status in services.ACTIVE_MEETING_STATUSES
                and services.slot_opens_at(meeting) <= now < meeting.end_at,
                poll_seconds=current_app.config["READINESS_POLL_SECONDS"], now=now,
                labels={"state": {key: state_label(key) for key in STATE_LABELS}, "hungUp": _("hung up"),
                        "droppedAt": _("dropped at {time}"), "connectedFor": _("for {time}"),
                        "conference": {"planned": _("not on the MCU yet"), "ready": _("space ready, call not started"),
                                       "active": _("running"), "ended": _("ended"), "removed": _("removed")},
                        "failed": _("failed: {reason}"), "attempts": _("attempt {n}"),
                        "dialledIn": _("dialled in"), "excluded": _("excluded"),
                        "alarms": {key: str(value) for key, value in services.ALARM_LABELS.items()},
                        "readiness": {key: label(READINESS_LABELS, key) for key in READINESS_LABELS},
                        "test": {key: label(TEST_LABELS, key) for key in TestStatus},
                        "of": _("{connected}/{total} connected")})
    return data


def _back(meeting_id: int):
    return redirect(safe_next(request.form.get("next")) or url_for("booking.show", meeting_id=meeting_id,
                                                                  _anchor="call-panel"))


def _act(meeting_id: int, action, success) -> object:
    meeting = services.get_meeting(meeting_id)
    services.ensure_can_operate(meeting, current_user)
    try:
        result = action(meeting)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        flash(success(result) if callable(success) else success, "success")
    return _back(meeting_id)


@bp.post("/meetings/<int:meeting_id>/call/connect")
@roles(ADMIN, BOOKER, OPERATOR)
def connect(meeting_id: int):
    return _act(meeting_id, lambda m: services.connect_all(m, actor=current_user),
                lambda n: ngettext("%(num)d endpoint is being dialled.", "%(num)d endpoints are being dialled.", n))


@bp.post("/meetings/<int:meeting_id>/call/end")
@roles(ADMIN, BOOKER, OPERATOR)
def end(meeting_id: int):
    def do(meeting):
        services.ensure_enabled()
        return services.end_call(meeting, actor=current_user)

    return _act(meeting_id, do, _("The call is being ended."))


@bp.post("/meetings/<int:meeting_id>/call/<code>/dial")
@roles(ADMIN, BOOKER, OPERATOR)
def dial(meeting_id: int, code: str):
    return _act(meeting_id, lambda m: services.dial_one(m, code, actor=current_user), _("Dialling again."))


@bp.post("/meetings/<int:meeting_id>/call/<code>/hang-up")
@roles(ADMIN, BOOKER, OPERATOR)
def hang_up(meeting_id: int, code: str):
    return _act(meeting_id, lambda m: services.hang_up_one(m, code, actor=current_user),
                _("Hung up; it will not be dialled again unless you ask."))


@bp.post("/meetings/<int:meeting_id>/call/<code>/exclude")
@roles(ADMIN, BOOKER)
def exclude(meeting_id: int, code: str):
    excluded = request.form.get("excluded") == "1"
    return _act(meeting_id, lambda m: services.set_excluded(m, code, excluded, actor=current_user),
                _("Kept out of automatic dialling.") if excluded else _("Dialled automatically again."))


@bp.post("/meetings/<int:meeting_id>/call/mode")
@roles(ADMIN, BOOKER)
def mode(meeting_id: int):
    chosen = request.form.get("mode", "")
    return _act(meeting_id, lambda m: services.set_mode(m, chosen, actor=current_user),
                _("Endpoints are connected automatically at the technical test time.") if chosen == "automatic"
                else _("Endpoints are connected by hand (“Connect all now”)."))


@bp.get("/mcu/status")
@roles(ADMIN)
def status():
    """The MCU as last seen, and the call-record batches that could not be processed."""
    config = current_app.config
    return render_template("mcu/status.html", enabled=services.enabled(), driver=config.get("MCU_DRIVER") or "",
                           url=config.get("MCU_URL") or "", health=services.health(), batches=records.batch_health(),
                           max_attempts=config["MCU_CDR_MAX_ATTEMPTS"], form=ConfirmForm())


@bp.post("/mcu/status/call-records/reprocess")
@roles(ADMIN)
def reprocess():
    result = services.reprocess_call_records(actor=current_user)
    if result.processed:
        flash(ngettext("%(num)d batch of call records processed.", "%(num)d batches of call records processed.",
                       result.processed), "success")
    if result.failed:
        flash(ngettext("%(num)d batch failed again; its error is shown below.",
                       "%(num)d batches failed again; their errors are shown below.", result.failed), "danger")
    if result.remaining:
        flash(ngettext("%(num)d more failed batch waits: press again.",
                       "%(num)d more failed batches wait: press again.", result.remaining), "info")
    if not (result.processed or result.failed):
        flash(_("No failed batch to process."), "info")
    return redirect(url_for("mcu.status"))
