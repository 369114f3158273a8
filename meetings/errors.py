"""The one error vocabulary of the services, and how it reaches users (HTML) and clients (JSON)."""
from __future__ import annotations

from typing import Any

from flask import Flask, flash, jsonify, redirect, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


class DomainError(Exception):
    status = 400
    code = "error"
    default_message = _l("The request could not be completed.")

    def __init__(self, message: str | None = None, **extra: Any):
        super().__init__(message or str(self.default_message))
        self.message = message or str(self.default_message)
        self.extra = extra

    def payload(self) -> dict:
        return {"code": self.code, "message": self.message, **self.extra}


class ValidationError(DomainError):
    """Input that breaks a rule; `fields` maps each field to its message."""

    status = 422
    code = "validation"
    default_message = _l("Some fields are not valid.")

    def __init__(self, fields: dict[str, str] | None = None, message: str | None = None):
        super().__init__(message)
        self.fields = {key: str(value) for key, value in (fields or {}).items()}
        self.extra = {"fields": self.fields}


class ConflictError(DomainError):
    status = 409
    code = "conflict"
    default_message = _l("This conflicts with the current state.")

    def __init__(self, message: str | None = None, conflicts: list[dict] | None = None, code: str | None = None):
        super().__init__(message)
        if code:
            self.code = code
        self.extra = {"conflicts": conflicts} if conflicts is not None else {}


class PermissionDenied(DomainError):
    status = 403
    code = "forbidden"
    default_message = _l("You do not have permission to do this.")


class NotFound(DomainError):
    status = 404
    code = "not_found"
    default_message = _l("Not found.")


HTTP_CODES = {
    400: ("malformed", _l("The request is malformed.")),
    401: ("unauthenticated", _l("Please sign in.")),
    403: ("forbidden", _l("You do not have permission to do this.")),
    404: ("not_found", _l("Not found.")),
    405: ("method_not_allowed", _l("This method is not allowed here.")),
    409: ("conflict", _l("This conflicts with the current state.")),
    413: ("too_large", _l("The upload is larger than allowed.")),
    422: ("validation", _l("Some fields are not valid.")),
    429: ("rate_limited", _l("Too many attempts. Please wait a minute and try again.")),
    500: ("server_error", _l("Something went wrong on our side. The error has been logged.")),
}


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def json_error(status: int, code: str, message: str, **extra: Any):
    body = {"error": {"code": code, "message": message, **extra}}
    return jsonify(body), status


def _http_error(error: HTTPException):
    status = error.code or 500
    code, message = HTTP_CODES.get(status, ("error", error.description))
    if wants_json():
        response, status = json_error(status, code, str(message))
        if status == 429:
            response.headers["Retry-After"] = "60"
        return response, status
    return render_template("errors/error.html", status=status, message=message), status


def _domain_error(error: DomainError):
    from meetings.extensions import db

    db.session.rollback()  # nothing half-written: a refused action changes nothing
    if wants_json():
        return json_error(error.status, error.code, error.message, **error.extra)
    flash(error.message, "danger")
    return redirect(request.referrer or "/") if error.status in (409, 422) else (
        render_template("errors/error.html", status=error.status, message=error.message), error.status
    )


def _csrf_error(error: CSRFError):
    message = _("Your form has expired or was not sent from this site. Please try again.")
    if wants_json():
        return json_error(400, "csrf", message)
    return render_template("errors/error.html", status=400, message=message), 400


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(HTTPException, _http_error)
