"""The home page, the language switch and the health check (the blueprint keeps its historic name, core)."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import text

from meetings.auth.access import authenticated, public
from meetings.auth.roles import ADMIN, BOOKER, LEADER, OPERATOR
from meetings.booking.queries import MeetingFilter, list_meetings
from meetings.core.formatting import local_today
from meetings.core.navigation import safe_next
from meetings.database import utcnow
from meetings.endpoints.services import counts_by_kind
from meetings.extensions import db
from meetings.home import queries
from meetings.mcu import services as mcu
from meetings.readiness.queries import operator_agenda
from meetings.stats.queries import Scope
from meetings.stats.services import statistics

bp = Blueprint("core", __name__)  # url_for("core.index") across the templates


@bp.get("/")
@authenticated
def index():
    """Each role's home says what needs doing: a fixed number of statements whatever the data's size."""
    now = utcnow()
    role = current_user.role
    context: dict = {"role": role}
    if role == OPERATOR:
        agenda = operator_agenda(current_user, now)
        context["agenda"] = agenda
        following = next((entry for entry in agenda), None)
        context["next_entry"] = following
        context["dial_in"] = (mcu.dial_in(mcu.conference_of(following.meeting.id))
                              if following is not None and mcu.enabled() else None)
    elif role == LEADER:
        today = local_today()
        context["figures"] = statistics(Scope(date(today.year, 1, 1), date(today.year + 1, 1, 1)), details=False,
                                        today=today)
        context["big_meetings"] = queries.big_meetings(now)
    elif role == BOOKER:
        context["upcoming"] = queries.upcoming_with_gaps(now)
        context["invitations"] = queries.invitations_to_answer(now)
        context["failed_mail"], context["failed_outbox"] = queries.delivery_failures()
        context["without_attendance"] = queries.held_without_attendance(now)
    elif role == ADMIN:
        context["problems"] = queries.problems(now)
        context["upcoming"] = queries.upcoming_with_gaps(now)
    else:
        context["meetings"] = list_meetings(MeetingFilter(start=now), current_user, limit=6)
    return render_template("core/index.html", counts=counts_by_kind() if role == ADMIN else None, **context)


@bp.post("/language")
@public
def set_language():
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        if current_user.is_authenticated:
            from meetings.auth.services import set_locale

            set_locale(current_user, lang)
    return redirect(safe_next(request.form.get("next")) or url_for("core.index"))


@bp.get("/healthz")
@public
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as error:  # the point of the check is to report any database failure
        current_app.logger.error("health check: database unreachable: %s", error)
        return jsonify({"status": "error", "database": "unreachable"}), 503
    return jsonify({"status": "ok", "database": "ok"})
