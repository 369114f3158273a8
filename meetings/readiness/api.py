"""JSON routes for readiness: read a meeting's board (with conditional requests), answer, record a test."""
from __future__ import annotations

from flask import Response, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from meetings.auth.access import authenticated, roles
from meetings.auth.roles import ADMIN, BOOKER, OPERATOR
from meetings.booking.models import Meeting, Participant
from meetings.booking.queries import endpoints_shown_to
from meetings.core.api import bp, json_body
from meetings.core.bodies import cached_body, json_response
from meetings.core.transaction import reads_only
from meetings.database import utcnow
from meetings.errors import NotFound, ValidationError
from meetings.readiness import queries, rules, services
from meetings.readiness.serializers import item_json, readiness_json

HISTORY_MAX = 200


def _history_limit() -> int:
    value = request.args.get("history", "0")
    if not value.isdigit() or int(value) > HISTORY_MAX:
        raise ValidationError({"history": _("A number of changes from 0 to %(n)d.", n=HISTORY_MAX)})
    return int(value)


@bp.get("/meetings/<int:meeting_id>/readiness")
@authenticated
@reads_only
def get_readiness(meeting_id: int):
    """Every invited endpoint's state with counts; answers 304 to If-None-Match when nothing changed."""
    now = utcnow()
    # The meeting and the version in one statement; the version is read before the data: a change
    # committed in between shows at the next poll.
    found = queries.meeting_and_board_version(meeting_id, now)
    if found is None:
        raise NotFound(_("No meeting number %(id)s.", id=meeting_id))
    meeting, version = found
    shown = endpoints_shown_to(meeting, current_user)  # refuses an operator whose endpoint is not invited
    history_limit = _history_limit()
    # An invited operator's board (the counts and their own row) is a representation of its own.
    etag = f"{version}-{history_limit}" + (f"-own{min(shown)}" if shown else "")
    if request.if_none_match.contains(etag):
        response = Response(status=304)
        response.set_etag(etag)
        return response

    def build() -> dict:
        board = queries.board_shown_to(meeting, current_user)
        history = (queries.history(meeting.id, limit=history_limit, endpoint_id=board.endpoint_id)
                   if history_limit else None)
        return readiness_json(meeting, board.items, rows=board.rows, version=etag, history=history,
                              is_open=rules.is_open(meeting.status, meeting.start_at, now),
                              test_open=queries.technical_slot_open(meeting, now))

    # The same version is the same body, in any worker: build and serialise it once per version.
    response = json_response(cached_body(("readiness", meeting.id, etag), build))
    response.set_etag(etag)
    return response


def _one_item(meeting: Meeting, participant: Participant):
    [item] = queries.board_items(meeting, endpoint_id=participant.endpoint_id)
    return jsonify(item_json(item))


@bp.put("/meetings/<int:meeting_id>/readiness/<code>")
@roles(ADMIN, BOOKER, OPERATOR)
def put_readiness(meeting_id: int, code: str):
    """An answer for one endpoint; answers with that endpoint's item, as the board shows it after the answer."""
    found = services.participant_to_answer(meeting_id, code, current_user)
    body = json_body()
    change = services.set_readiness(found.meeting, found.participant, body.get("status"), body.get("note"),
                                    actor=current_user, channel="api")
    return jsonify(item_json(found.answered(change)))


@bp.put("/meetings/<int:meeting_id>/readiness/<code>/test")
@roles(ADMIN, BOOKER, OPERATOR)
def put_readiness_test(meeting_id: int, code: str):
    meeting = services.get_meeting(meeting_id)
    services.ensure_can_record_tests(meeting, current_user)
    body = json_body()
    participant = services.get_participant(meeting, code)
    services.record_test(meeting, participant, body.get("result"), body.get("note"), actor=current_user,
                         channel="api")
    return _one_item(meeting, participant)
