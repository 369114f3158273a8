"""Pages of the bridge: the government invitations inbox (bookers) and the outbox (admins)."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired

from meetings.auth.access import roles
from meetings.auth.roles import ADMIN, BOOKER
from meetings.booking.conflicts import group_by_meeting
from meetings.bridge import services
from meetings.bridge.ics_import import MAX_BYTES, import_invitation
from meetings.bridge.models import MESSAGE_STATES, OutboxState, RemoteStatus
from meetings.core.feedback import feedback_on
from meetings.core.forms import ConfirmForm
from meetings.core.labels import label
from meetings.endpoints.services import EndpointFilter, groups_with_members, host_first, search_endpoints
from meetings.errors import ConflictError, ValidationError

bp = Blueprint("bridge", __name__)

MESSAGE_STATE_LABELS = {OutboxState.PENDING: _l("Waiting"), OutboxState.SENDING: _l("Sending"),
                        OutboxState.DELIVERED: _l("Delivered"), OutboxState.FAILED: _l("Failed"),
                        OutboxState.ABANDONED: _l("Abandoned")}
MESSAGE_KIND_LABELS = {"publish": _l("Book or change"), "cancel": _l("Cancel"), "answer": _l("Answer invitation"),
                       "readiness": _l("Readiness")}
STATE_BADGES = {OutboxState.PENDING: "secondary", OutboxState.SENDING: "info", OutboxState.DELIVERED: "success",
                OutboxState.FAILED: "danger", OutboxState.ABANDONED: "light", "waiting": "secondary"}
ANSWER_LABELS = {"new": _l("To answer"), "accepted": _l("Accepted"), "declined": _l("Declined")}
REMOTE_LABELS = {RemoteStatus.SCHEDULED: _l("Scheduled"), RemoteStatus.CHANGED: _l("Changed"),
                 RemoteStatus.CANCELLED: _l("Cancelled"), "": "—"}


class ImportForm(FlaskForm):
    file = FileField(_l("Invitation file (.ics)"), validators=[FileRequired(message=_l("Choose an .ics file."))])


@bp.app_context_processor
def _bridge_helpers() -> dict:
    return {"govconf_status": services.meeting_status, "govconf_on": bool(current_app.config["GOVCONF_URL"]),
            "govconf_state_label": lambda code: label(MESSAGE_STATE_LABELS, code),
            "govconf_kind_label": lambda code: label(MESSAGE_KIND_LABELS, code),
            "govconf_remote_label": lambda code: label(REMOTE_LABELS, code or ""),
            "govconf_answer_label": lambda code: label(ANSWER_LABELS, code), "govconf_badge": STATE_BADGES.get,
            "OutboxState": OutboxState, "RemoteStatus": RemoteStatus}


# ---- inbox --------------------------------------------------------------------------------------

@bp.get("/govconf/invitations")
@roles(ADMIN, BOOKER)
def inbox():
    answer = request.args.get("answer", "")
    return render_template("bridge/inbox.html", invitations=services.list_invitations(answer=answer or None),
                           answer=answer, form=ImportForm())


@bp.post("/govconf/invitations/import")
@roles(ADMIN, BOOKER)
def import_file():
    form = ImportForm()
    if not form.validate_on_submit():
        flash(" ".join(error for errors in form.errors.values() for error in errors), "danger")
        return redirect(url_for("bridge.inbox"))
    with feedback_on(catch=ValidationError):
        invitation, _changed = import_invitation(form.file.data.read(MAX_BYTES + 1))
        flash(_("Invitation imported."), "success")
        return redirect(url_for("bridge.invitation", invitation_id=invitation.id))
    return redirect(url_for("bridge.inbox"))


@bp.get("/govconf/invitations/<int:invitation_id>")
@roles(ADMIN, BOOKER)
def invitation(invitation_id: int):
    item = services.get_invitation(invitation_id)
    host_code = current_app.config["DEFAULT_HOST"]
    endpoints = host_first(search_endpoints(EndpointFilter(active=True)), host_code)
    return render_template("bridge/invitation.html", invitation=item, endpoints=endpoints, confirm=ConfirmForm(),
                           host_code=host_code, groups=groups_with_members(),
                           selected=set(request.args.getlist("endpoints")))


@bp.post("/govconf/invitations/<int:invitation_id>/accept")
@roles(ADMIN, BOOKER)
def accept(invitation_id: int):
    item = services.get_invitation(invitation_id)
    if not ConfirmForm().validate_on_submit():
        flash(_("Your form has expired or was not sent from this site. Please try again."), "danger")
        return redirect(url_for("bridge.invitation", invitation_id=item.id))
    with feedback_on(catch=(ValidationError, ConflictError)) as refusal:
        meeting = services.accept_invitation(item, request.form.getlist("endpoints"), actor=current_user)
        flash(_("Invitation accepted: the meeting is booked and the Government Office will be told."), "success")
        return redirect(url_for("booking.show", meeting_id=meeting.id))
    conflicts = refusal.error.extra.get("conflicts") or []
    for group in group_by_meeting(conflicts):  # one line per meeting in the way, as the booking form shows them
        flash(_("%(n)s endpoints are already in «%(title)s» %(time)s", n=len(group["endpoints"]), title=group["title"],
                time=f"{group['start'][11:16]}–{group['end'][11:16]}"), "danger")
    return redirect(url_for("bridge.invitation", invitation_id=item.id))


@bp.post("/govconf/invitations/<int:invitation_id>/decline")
@roles(ADMIN, BOOKER)
def decline(invitation_id: int):
    item = services.get_invitation(invitation_id)
    if ConfirmForm().validate_on_submit():
        with feedback_on():
            services.decline_invitation(item, actor=current_user)
            flash(_("Invitation declined; the Government Office will be told."), "success")
    return redirect(url_for("bridge.invitation", invitation_id=item.id))


@bp.post("/govconf/invitations/<int:invitation_id>/seen")
@roles(ADMIN, BOOKER)
def seen(invitation_id: int):
    item = services.get_invitation(invitation_id)
    if ConfirmForm().validate_on_submit():
        services.acknowledge_changes(item)
    if request.form.get("back") == "meeting" and item.meeting_id:
        return redirect(url_for("booking.show", meeting_id=item.meeting_id))
    return redirect(url_for("bridge.invitation", invitation_id=item.id))


# ---- outbox (admins) ----------------------------------------------------------------------------

@bp.get("/admin/govconf/outbox")
@roles(ADMIN)
def outbox():
    state = request.args.get("state", "")
    state = state if state in MESSAGE_STATES else ""
    page = min(max(request.args.get("page", 1, type=int), 1), 10**6)
    messages = services.list_messages(state=state or None, page=page,
                                      per_page=current_app.config["PAGE_SIZE"])
    return render_template("bridge/outbox.html", messages=messages, state=state, states=MESSAGE_STATES,
                           counts=services.counts_by_state(), delivery=services.delivery_state(), form=ConfirmForm())


@bp.post("/admin/govconf/outbox/<int:message_id>/retry")
@roles(ADMIN)
def retry(message_id: int):
    return _act(message_id, services.retry_message, _("The message will be sent again within a minute."))


@bp.post("/admin/govconf/outbox/<int:message_id>/abandon")
@roles(ADMIN)
def abandon(message_id: int):
    return _act(message_id, services.abandon_message, _("The message is abandoned: it will not be sent."))


@bp.post("/admin/govconf/resume")
@roles(ADMIN)
def resume():
    if ConfirmForm().validate_on_submit():
        services.resume_delivery(actor=current_user)
        flash(_("Delivery resumes at the next sweep."), "success")
    return redirect(url_for("bridge.outbox"))


def _act(message_id: int, action, done: str):
    message = services.get_message(message_id)
    if ConfirmForm().validate_on_submit():
        with feedback_on():
            action(message, actor=current_user)
            flash(done, "success")
    return redirect(url_for("bridge.outbox", state=request.args.get("state") or None))