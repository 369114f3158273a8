"""Who is signed in (session cookie or bearer token), the access rule of every route, and CSRF protection."""
from __future__ import annotations

from flask import Flask, g, request
from werkzeug.exceptions import Unauthorized

from meetings.auth.access import enforce_access
from meetings.auth.services import user_for_session, user_for_token
from meetings.core.inputs import refuse_control_characters
from meetings.extensions import csrf, login_manager


@login_manager.user_loader
def _load_user_from_session(token: str):
    return user_for_session(token)


def _bearer_token() -> str | None:
    """The bearer token of an API or calendar-file request (DESIGN lists /meetings/<id>.ics with the API)."""
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer ") or not (request.path.startswith("/api/") or request.path.endswith(".ics")):
        return None
    return header.removeprefix("Bearer ").strip()


def _authenticate_bearer():
    """before_request: a bearer token signs the request in, whatever cookie comes with it; a bad one is a 401.

    Only a token that authenticated marks the request as token-borne (`g.bearer_auth`), which alone
    exempts it from the CSRF check.
    """
    token = _bearer_token()
    if token is None:
        return None
    user = user_for_token(token) if token else None
    if user is None:
        raise Unauthorized()
    g._login_user = user  # Flask-Login's current user for this request; the session is left as it is
    g.bearer_auth = True
    return None


def _protect_from_csrf():
    """Runs after the access check, so that a refused user learns 403 rather than a CSRF error.

    Forms and session-authenticated API calls need the CSRF token; API calls signed in by a valid bearer
    token, the token route (which carries a password, not a cookie) and views marked `csrf.exempt`
    (machines pushing to us, such as the MCU's call records) do not.
    """
    if request.method in ("GET", "HEAD", "OPTIONS", "TRACE"):
        return None
    if g.get("bearer_auth") or request.endpoint == "api.create_token":
        return None
    if request.routing_exception is not None:
        return None  # no view will run: the 404 or 405 is the answer
    csrf.protect(apply_exemptions=True)
    return None


def register_auth_hooks(app: Flask) -> None:
    """Sign-in and access checks, before any other request hook."""
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "basic"
    app.before_request(_authenticate_bearer)
    app.before_request(enforce_access)
    app.before_request(refuse_control_characters)
    app.before_request(_protect_from_csrf)
