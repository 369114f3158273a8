"""The /api/v1 blueprint and the helpers every JSON route uses (each domain adds its routes in its api.py)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, request
from flask_babel import gettext as _

from meetings.errors import ValidationError

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def json_body() -> dict[str, Any]:
    """The request's JSON object, or a 400 (malformed) / 422 (not an object) error."""
    from werkzeug.exceptions import BadRequest

    body = request.get_json(silent=True)
    if body is None:
        raise BadRequest(_("The body must be JSON."))
    if not isinstance(body, dict):
        raise ValidationError(message=_("The body must be a JSON object."))
    return body


def query_bool(name: str) -> bool | None:
    value = request.args.get(name)
    if value is None or value == "":
        return None
    lowered = value.lower()
    if lowered in ("1", "true", "yes"):
        return True
    if lowered in ("0", "false", "no"):
        return False
    raise ValidationError({name: _("Use true or false.")})
