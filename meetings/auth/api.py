"""JSON routes of the auth domain: exchanging a username and password for a bearer token."""
from __future__ import annotations

from flask import jsonify
from flask_babel import gettext as _

from meetings.auth import services
from meetings.auth.access import public
from meetings.auth.throttle import claim_attempt
from meetings.core.api import bp, json_body
from meetings.errors import DomainError, ValidationError


class InvalidCredentials(DomainError):
    status = 401
    code = "invalid_credentials"


def user_json(user) -> dict:
    return {"username": user.username, "role": user.role, "full_name": user.full_name,
            "endpoint": user.endpoint.code if user.endpoint else None}


@bp.post("/auth/token")
@public
def create_token():
    body = json_body()
    username, password = body.get("username"), body.get("password")
    errors = {}
    if not isinstance(username, str) or not username.strip():
        errors["username"] = _("The username is required.")
    if not isinstance(password, str) or not password:
        errors["password"] = _("The password is required.")
    if errors:
        raise ValidationError(errors)
    attempt = claim_attempt(username)  # counted before the password is checked
    user = services.authenticate(username, password)
    if user is not None:
        attempt.give_back()
    if user is None:  # the audit of the failed attempt is kept although this refuses the request
        raise InvalidCredentials(_("Wrong username or password, or the account is deactivated."))
    name = body.get("name") if isinstance(body.get("name"), str) else "API"
    token = services.issue_token(user, name=name, actor=user)
    return jsonify({"token": token, "token_type": "Bearer", "user": user_json(user)}), 201
