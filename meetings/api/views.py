"""The API blueprint with every domain's JSON routes, and its OpenAPI document."""
from __future__ import annotations

from flask import jsonify, request

import meetings.attendance.api  # noqa: F401
import meetings.auth.api  # noqa: F401  (registers its routes on the blueprint)
import meetings.booking.api  # noqa: F401
import meetings.endpoints.api  # noqa: F401
import meetings.mcu.api  # noqa: F401
import meetings.readiness.api  # noqa: F401
import meetings.savings.api  # noqa: F401
import meetings.stats.api  # noqa: F401
from meetings.api.blueprint import bp
from meetings.api.openapi import build_document
from meetings.auth.access import public


@bp.get("/openapi.json")
@public
def openapi():
    return jsonify(build_document(request.host_url.rstrip("/") + bp.url_prefix))
