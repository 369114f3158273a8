"""The home page, the language switch and the health check (the blueprint keeps its historic name, core)."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import text

from meetings.auth.access import authenticated, public
from meetings.auth.roles import OPERATOR
from meetings.booking.queries import MeetingFilter, list_meetings
from meetings.core.navigation import safe_next
from meetings.database import utcnow
from meetings.endpoints.services import counts_by_kind
from meetings.extensions import db
from meetings.readiness.queries import operator_agenda

bp = Blueprint("core", __name__)  # url_for("core.index") across the templates


@bp.get("/")
@authenticated
def index():
    # An operator's home opens on the meetings their endpoint must answer for.
    agenda = operator_agenda(current_user, utcnow()) if current_user.role == OPERATOR else None
    upcoming = None if agenda is not None else list_meetings(MeetingFilter(start=utcnow()), current_user, limit=6)
    return render_template("core/index.html", counts=counts_by_kind(), agenda=agenda, upcoming=upcoming)


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
