"""How views turn a service's refusal into feedback, and run an action as one transaction."""
from __future__ import annotations

from collections.abc import Callable

from flask import flash

from meetings.errors import DomainError, ValidationError
from meetings.extensions import db


def show_errors(form, error: ValidationError, field_names: dict[str, str] | None = None) -> dict[str, str]:
    """Put each message on its form field (keys renamed by `field_names`); flash and return the others."""
    others = {}
    for key, message in error.fields.items():
        name = (field_names or {}).get(key, key)
        if name in form._fields:
            form[name].errors = list(form[name].errors) + [message]
        else:
            others[key] = message
            flash(message, "danger")
    return others


def flash_error(error: DomainError) -> None:
    messages = list(getattr(error, "fields", {}).values()) or [error.message]
    for message in messages:
        flash(message, "danger")


def perform(action: Callable[[], object], success: str) -> bool:
    """Run a service call as the request's one transaction: commit and say so, or roll back and say why."""
    try:
        action()
    except DomainError as error:
        db.session.rollback()
        flash_error(error)
        return False
    db.session.commit()
    flash(success, "success")
    return True
