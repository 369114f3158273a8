"""Who is signed in (session cookie or bearer token), the access rule of every route, and CSRF protection."""
from __future__ import annotations

from flask import Flask, g, request

from meetings.auth.access import enforce_access
from meetings.auth.services import user_for_session, user_for_token
from meetings.extensions import csrf, login_manager


@login_manager.user_loader
def _load_user_from_session(token: str):
    return user_for_session(token)


@login_manager.request_loader
def _load_user_from_bearer(req):
    header = req.headers.get("Authorization", "")
    # Bearer tokens open the JSON API and the calendar files (DESIGN lists /meetings/<id>.ics with the API).
    if not header.startswith("Bearer ") or not (req.path.startswith("/api/") or req.path.endswith(".ics")):
        return None
    user = user_for_token(header.removeprefix("Bearer ").strip())
    if user is not None:
        g.bearer_auth = True
    return user


def _protect_from_csrf():
    """Runs after the access check, so that a refused user learns 403 rather than a CSRF error.

    Forms and session-authenticated API calls need the CSRF token; bearer-token API calls, the
    token route (which carries a password, not a cookie) and views marked `csrf.exempt` (machines
    pushing to us, such as the MCU's call records) do not.
    """
    if request.method in ("GET", "HEAD", "OPTIONS", "TRACE"):
        return None
    if request.path.startswith("/api/") and (
        request.headers.get("Authorization", "").startswith("Bearer ") or request.endpoint == "api.create_token"
    ):
        return None
    csrf.protect(apply_exemptions=True)
    return None


def register_auth_hooks(app: Flask) -> None:
    """Sign-in and access checks, before any other request hook."""
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "basic"
    app.before_request(enforce_access)
    app.before_request(_protect_from_csrf)
