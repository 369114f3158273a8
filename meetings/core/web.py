"""Request plumbing shared by every page: who is signed in, access rules, headers, template helpers."""
from __future__ import annotations

from flask import Flask, current_app, g, request
from flask_babel import get_locale
from flask_login import current_user

from meetings.auth.access import enforce_access
from meetings.core import formatting
from meetings.core.labels import template_labels
from meetings.extensions import csrf, login_manager

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
        "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


@login_manager.user_loader
def _load_user_from_session(token: str):
    from meetings.auth.services import user_for_session

    return user_for_session(token)


@login_manager.request_loader
def _load_user_from_bearer(req):
    header = req.headers.get("Authorization", "")
    # Bearer tokens open the JSON API and the calendar files (DESIGN lists /meetings/<id>.ics with the API).
    if not header.startswith("Bearer ") or not (req.path.startswith("/api/") or req.path.endswith(".ics")):
        return None
    from meetings.auth.services import user_for_token

    user = user_for_token(header.removeprefix("Bearer ").strip())
    if user is not None:
        g.bearer_auth = True
    return user


def _protect_from_csrf():
    """Runs after the access check, so that a refused user learns 403 rather than a CSRF error.

    Forms and session-authenticated API calls need the CSRF token; bearer-token API calls and the
    token route (which carries a password, not a cookie) do not.
    """
    if request.method in ("GET", "HEAD", "OPTIONS", "TRACE"):
        return None
    if request.path.startswith("/api/") and (
        request.headers.get("Authorization", "").startswith("Bearer ") or request.endpoint == "api.create_token"
    ):
        return None
    csrf.protect()
    return None


def _security_headers(response):
    for header, value in SECURITY_HEADERS.items():
        response.headers.setdefault(header, value)
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if current_user and current_user.is_authenticated and not request.path.startswith("/static"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _template_helpers() -> dict:
    return {"current_locale": str(get_locale() or "vi"), **template_labels()}


def register_web_hooks(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "basic"
    app.before_request(enforce_access)
    app.before_request(_protect_from_csrf)
    app.after_request(_security_headers)
    app.context_processor(_template_helpers)
    app.jinja_env.filters.update(
        date=formatting.format_date, datetime=formatting.format_datetime, vnd=formatting.format_vnd,
        number=formatting.format_number, decimal=formatting.format_decimal,
        weekday=lambda value: formatting.weekday_name(value, _locale()),
        weekday_date=lambda value: formatting.weekday_date(value, _locale()),
        weekday_datetime=lambda value: formatting.weekday_datetime(value, _locale()),
        time_range=lambda start, end: formatting.time_range(start, end, _locale()),
    )


def _locale() -> str:
    return str(get_locale() or "vi")
