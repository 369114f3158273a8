"""JSON routes of a meeting's call: read it (with conditional requests), connect all, dial or hang up one, end.

Bookers, admins and the host endpoint's operator act; leaders read; an invited endpoint's operator reads
its own row only. The request's transaction boundary commits what the services queued.
"""
from __future__ import annotations

from flask import Response, jsonify, request
from flask_login import current_user

from meetings.auth.access import authenticated, roles
from meetings.auth.roles import ADMIN, BOOKER, OPERATOR
from meetings.core.api import bp
from meetings.database import utcnow
from meetings.mcu import board, services


@bp.get("/meetings/<int:meeting_id>/calls")
@authenticated
def get_calls(meeting_id: int):
    """The call state of every endpoint with counts; 304 to If-None-Match when nothing changed."""
    meeting = services.get_meeting(meeting_id)
    scope = services.readable_scope(meeting, current_user)
    only = None if scope == "all" else scope
    # The version is read before the data: a change committed in between shows at the next poll.
    etag = f"{board.version(meeting)}-{only or 'all'}"
    if request.if_none_match.contains(etag):
        response = Response(status=304)
        response.set_etag(etag)
        return response
    body = board.calls_json(meeting, only=only, etag=etag)
    body["can_operate"] = services.may_operate(meeting, current_user)
    response = jsonify(body)
    response.set_etag(etag)
    return response


def _answer(meeting, status: int = 202):
    body = board.calls_json(meeting, now=utcnow())
    body["can_operate"] = True
    return jsonify(body), status


@bp.post("/meetings/<int:meeting_id>/calls")
@roles(ADMIN, BOOKER, OPERATOR)
def connect_all(meeting_id: int):
    meeting = services.get_meeting(meeting_id)
    services.ensure_can_operate(meeting, current_user)
    services.connect_all(meeting, actor=current_user)
    return _answer(meeting)


@bp.delete("/meetings/<int:meeting_id>/calls")
@roles(ADMIN, BOOKER, OPERATOR)
def end_call(meeting_id: int):
    meeting = services.get_meeting(meeting_id)
    services.ensure_can_operate(meeting, current_user)
    services.ensure_enabled()
    services.end_call(meeting, actor=current_user)
    return _answer(meeting)


def _one(meeting, code: str):
    [item] = board.items(meeting, only=code) or [None]
    return jsonify(board.item_json(item, utcnow())), 202


@bp.post("/meetings/<int:meeting_id>/calls/<code>")
@roles(ADMIN, BOOKER, OPERATOR)
def dial_one(meeting_id: int, code: str):
    meeting = services.get_meeting(meeting_id)
    services.ensure_can_operate(meeting, current_user)
    services.dial_one(meeting, code, actor=current_user)
    return _one(meeting, code)


@bp.delete("/meetings/<int:meeting_id>/calls/<code>")
@roles(ADMIN, BOOKER, OPERATOR)
def hang_up_one(meeting_id: int, code: str):
    meeting = services.get_meeting(meeting_id)
    services.ensure_can_operate(meeting, current_user)
    services.hang_up_one(meeting, code, actor=current_user)
    return _one(meeting, code)
