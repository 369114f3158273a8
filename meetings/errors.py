"""The one error vocabulary of the services, and how it reaches users (HTML) and clients (JSON)."""
from __future__ import annotations

import logging
from typing import Any

from flask import Flask, flash, jsonify, redirect, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from werkzeug.exceptions import HTTPException, InternalServerError


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


def _rollback_quietly() -> None:
    """Error pages first roll back: the failed request may have left the session needing it."""
    from meetings.extensions import db

    try:
        db.session.rollback()
    except Exception:  # a dead connection: the page must still be shown
        logging.getLogger(__name__).exception("rollback failed while handling an error")


FALLBACK_PAGE = """<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>{status}</title></head>
<body><h1>{status}</h1><p>{message}</p><p><a href="/">Trang chủ / Home</a></p></body></html>"""


def error_page(status: int, message: str, headers: dict[str, str] | None = None):
    """The error page: the full layout when it renders, a plain page when even that fails (no database needed)."""
    try:
        template = "errors/server_error.html" if status >= 500 else "errors/error.html"
        body = render_template(template, status=status, message=message)
    except Exception:
        logging.getLogger(__name__).exception("the error page could not be rendered")
        _rollback_quietly()
        body = FALLBACK_PAGE.format(status=status, message=escape(str(message)))
    return body, status, headers or {}


def _http_error(error: HTTPException):
    _rollback_quietly()
    status = error.code or 500
    code, message = HTTP_CODES.get(status, ("error", error.description))
    headers: dict[str, str] = {}
    if status == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)
    if status == 429:
        headers["Retry-After"] = "60"
    if wants_json():
        response, status = json_error(status, code, str(message))
        response.headers.update(headers)
        return response, status
    return error_page(status, str(message), headers)


def _domain_error(error: DomainError):
    _rollback_quietly()  # nothing half-written: a refused action changes nothing
    if wants_json():
        return json_error(error.status, error.code, error.message, **error.extra)
    if getattr(error, "as_page", False):
        return error_page(error.status, " ".join([error.message, *getattr(error, "fields", {}).values()]))
    flash(error.message, "danger")
    return redirect(request.referrer or "/") if error.status in (409, 422) else error_page(error.status, error.message)


def _csrf_error(error: CSRFError):
    message = _("Your form has expired or was not sent from this site. Please try again.")
    if wants_json():
        return json_error(400, "csrf", message)
    return error_page(400, message)


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(InternalServerError, _http_error)
