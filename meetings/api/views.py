"""The OpenAPI document of /api/v1 (the domains add their JSON routes to the blueprint in their api.py)."""
from __future__ import annotations

from flask import jsonify, request

from meetings.api.openapi import build_document
from meetings.auth.access import public
from meetings.core.api import bp


@bp.get("/openapi.json")
@public
def openapi():
    return jsonify(build_document(request.host_url.rstrip("/") + bp.url_prefix))
