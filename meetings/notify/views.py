"""The mail log: what the system sent (or only logged), for administrators."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from meetings.auth.access import roles
from meetings.auth.roles import ADMIN
from meetings.core.forms import ConfirmForm
from meetings.core.labels import label
from meetings.notify import services
from meetings.notify.models import MAIL_STATES, MailState

bp = Blueprint("notify", __name__)

STATE_LABELS = {
    MailState.PENDING: _l("Waiting"),
    MailState.SENDING: _l("Sending"),
    MailState.SENT: _l("Sent"),
    MailState.LOGGED: _l("Logged only (no mail server)"),
    MailState.FAILED: _l("Failed"),
}
STATE_BADGES = {MailState.PENDING: "secondary", MailState.SENDING: "info", MailState.SENT: "success",
                MailState.LOGGED: "light", MailState.FAILED: "danger"}


def _state_helpers() -> dict:
    return {"state_label": lambda code: label(STATE_LABELS, code), "state_badge": STATE_BADGES.get,
            "states": MAIL_STATES, "MailState": MailState}


@bp.get("/admin/mail")
@roles(ADMIN)
def mail_log():
    state = request.args.get("state", "")
    state = state if state in MAIL_STATES else ""
    mails = services.list_mail(state=state or None, page=min(max(request.args.get("page", 1, type=int), 1), 10**6),
                               per_page=current_app.config["PAGE_SIZE"])
    return render_template("notify/mail_log.html", mails=mails, state=state, counts=services.counts_by_state(),
                           **_state_helpers())


@bp.get("/admin/mail/<int:mail_id>")
@roles(ADMIN)
def show_mail(mail_id: int):
    return render_template("notify/mail_show.html", mail=services.get_mail(mail_id), form=ConfirmForm(),
                           **_state_helpers())


@bp.post("/admin/mail/<int:mail_id>/send-again")
@roles(ADMIN)
def send_again(mail_id: int):
    mail = services.get_mail(mail_id)
    if ConfirmForm().validate_on_submit():
        services.send_again(mail, actor=current_user)
        flash(_("The message is queued again and will be sent within a minute."), "success")
    return redirect(url_for("notify.show_mail", mail_id=mail.id))
