"""Request plumbing shared by every page: security headers, template helpers and filters.

Who is signed in and what they may open is the auth domain's (meetings.auth.web)."""
from __future__ import annotations

from flask import Flask, current_app, request
from flask_babel import get_locale
from flask_login import current_user

from meetings.core import formatting
from meetings.core.labels import template_labels

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


def _security_headers(response):
    for header, value in SECURITY_HEADERS.items():
        response.headers.setdefault(header, value)
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if not request.path.startswith("/static") and _signed_in():
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _signed_in() -> bool:
    try:
        return bool(current_user and current_user.is_authenticated)
    except Exception:  # the database failed this request: its error page is not cached either way
        return True


def _template_helpers() -> dict:
    return {"current_locale": str(get_locale() or "vi"), **template_labels()}


def register_web_hooks(app: Flask) -> None:
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
