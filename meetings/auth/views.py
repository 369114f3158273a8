"""Signing in and out, one's own account, and the administration of users and the audit log."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from meetings.auth import audit, audit_text, services
from meetings.auth.access import authenticated, public, roles
from meetings.auth.forms import LoginForm, PasswordChangeForm, ResetPasswordForm, TokenForm, UserForm
from meetings.auth.roles import ADMIN
from meetings.auth.services import endpoint_choices as _endpoint_choices
from meetings.auth.throttle import claim_attempt
from meetings.core import formatting
from meetings.core.feedback import feedback_on
from meetings.core.forms import ConfirmForm
from meetings.core.navigation import safe_next
from meetings.errors import ValidationError

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next(request.args.get("next")) or url_for("core.index"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        attempt = claim_attempt(form.username.data)  # counted before the password is checked
        user = services.authenticate(form.username.data, form.password.data)
        if user is not None:
            attempt.give_back()
            session.clear()
            services.start_session(user, ip_address=request.remote_addr or "",
                                   user_agent=request.user_agent.string)
            login_user(user)  # the session row commits with the request, before the cookie is sent
            if user.locale:
                session["lang"] = user.locale
            return redirect(safe_next(form.next.data) or url_for("core.index"))
        form.password.errors = [_("Wrong username or password, or the account is deactivated.")]
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@authenticated
def logout():
    services.logout(current_user)
    logout_user()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account", methods=["GET", "POST"])
@authenticated
def account():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        with feedback_on(form, catch=ValidationError):
            services.change_password(current_user, current_password=form.current_password.data,
                                     new_password=form.new_password.data)
            flash(_("Your password has been changed. Your other sessions have been signed out."), "success")
            return redirect(url_for("auth.account"))
    sessions = services.active_sessions_of(current_user)
    return render_template("auth/account.html", form=form, sessions=sessions, confirm=ConfirmForm())


@bp.post("/account/sessions/end-others")
@authenticated
def end_other_sessions():
    if ConfirmForm().validate_on_submit():
        services.end_all_sessions(current_user, keep_token=current_user.session_token)
        audit.record("auth.end_sessions", actor=current_user, target_type="user", target_id=current_user.username)
        flash(_("Your other sessions have been signed out."), "success")
    return redirect(url_for("auth.account"))


# ---- administration -------------------------------------------------------------------------

@bp.get("/admin/users")
@roles(ADMIN)
def users():
    role = request.args.get("role") or None
    query = request.args.get("q", "").strip() or None
    return render_template("auth/users.html", users=services.list_users(role=role, query=query),
                           role=role or "", q=query or "")


@bp.route("/admin/users/new", methods=["GET", "POST"])
@roles(ADMIN)
def create_user():
    form = UserForm()
    form.endpoint.choices = _endpoint_choices()
    if form.validate_on_submit():
        with feedback_on(form, catch=ValidationError):
            if not form.password.data:
                raise ValidationError({"password": _("An initial password is required.")})
            user = services.create_user(
                username=form.username.data, password=form.password.data, role=form.role.data,
                full_name=form.full_name.data or "", email=form.email.data or "",
                endpoint_code=form.endpoint.data or None, actor=current_user)
            flash(_("User %(name)s created.", name=user.username), "success")
            return redirect(url_for("auth.edit_user", user_id=user.id))
    return render_template("auth/user_form.html", form=form, user=None)


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@roles(ADMIN)
def edit_user(user_id: int):
    user = services.get_user(user_id)
    form = UserForm(obj=user) if request.method == "GET" else UserForm()
    form.endpoint.choices = _endpoint_choices()
    if request.method == "GET":
        form.endpoint.data = user.endpoint.code if user.endpoint else ""
    form.username.data = user.username
    if form.validate_on_submit():
        with feedback_on(form, catch=ValidationError):
            services.update_user(user, role=form.role.data, full_name=form.full_name.data or "",
                                 email=form.email.data or "", endpoint_code=form.endpoint.data or None,
                                 actor=current_user)
            flash(_("Changes saved."), "success")
            return redirect(url_for("auth.edit_user", user_id=user.id))
    return render_template(
        "auth/user_form.html", form=form, user=user, reset_form=ResetPasswordForm(), token_form=TokenForm(),
        confirm=ConfirmForm(), tokens=services.tokens_of(user), sessions=services.active_sessions_of(user),
        new_token=session.pop("new_token", None),
    )


@bp.post("/admin/users/<int:user_id>/password")
@roles(ADMIN)
def reset_password(user_id: int):
    user = services.get_user(user_id)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        with feedback_on():
            services.reset_password(user, new_password=form.new_password.data, actor=current_user)
            flash(_("Password reset; the user's sessions have ended."), "success")
    return redirect(url_for("auth.edit_user", user_id=user.id))


@bp.post("/admin/users/<int:user_id>/active")
@roles(ADMIN)
def set_active(user_id: int):
    user = services.get_user(user_id)
    if ConfirmForm().validate_on_submit():
        active = request.form.get("active") == "1"
        with feedback_on():
            services.set_active(user, active, actor=current_user)
            flash(_("Account reactivated.") if active else _("Account deactivated; its sessions and tokens ended."),
                  "success")
    return redirect(url_for("auth.edit_user", user_id=user.id))


@bp.post("/admin/users/<int:user_id>/tokens")
@roles(ADMIN)
def create_token(user_id: int):
    user = services.get_user(user_id)
    form = TokenForm()
    if form.validate_on_submit():
        with feedback_on(catch=ValidationError):
            token = services.issue_token(user, name=form.name.data, actor=current_user, days=form.days.data)
            session["new_token"] = token  # shown once on the next page, never stored in clear
    else:
        flash(_("Give the token a name."), "danger")
    return redirect(url_for("auth.edit_user", user_id=user.id))


@bp.post("/admin/tokens/<int:token_id>/revoke")
@roles(ADMIN)
def revoke_token(token_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.revoke_token(token_id, actor=current_user)
    flash(_("Token revoked."), "success")
    return redirect(safe_next(request.form.get("next")) or url_for("auth.users"))


@bp.get("/admin/audit")
@roles(ADMIN)
def audit_log():
    page = min(max(request.args.get("page", 1, type=int), 1), 10**6)
    action = request.args.get("action", "").strip() or None
    actor = request.args.get("actor", "").strip() or None
    target = request.args.get("target", "").strip() or None
    kind = request.args.get("kind", "").strip()
    kind = kind if kind in audit_text.KINDS else None
    start_day = audit_text.parse_day(request.args.get("from"))
    end_day = audit_text.parse_day(request.args.get("to"))
    zone = formatting.MINISTRY_ZONE
    start = datetime.combine(start_day, time.min, zone) if start_day else None
    end = datetime.combine(end_day + timedelta(days=1), time.min, zone) if end_day else None
    entries = audit.recent_entries(action=action, actor=actor, target=target, kind=kind, start=start, end=end,
                                   page=page, per_page=current_app.config["PAGE_SIZE"])
    names = audit.actor_names()
    endpoints, meetings = audit_text.names_for(entries.items, names)
    people = [(name, audit_text.person_label(name, endpoints)) for name in names]
    return render_template("auth/audit.html", entries=entries, action=action or "", actor=actor or "",
                           target=target or "", kind=kind or "", kinds=audit_text.KINDS, people=people,
                           start=start_day.isoformat() if start_day else "", end=end_day.isoformat() if end_day else "",
                           start_day=start_day, end_day=end_day,
                           sentence=lambda entry: audit_text.sentence(entry, endpoints, meetings),
                           details=lambda entry: audit_text.details(entry, endpoints))
