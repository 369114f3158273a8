"""JSON routes for meetings: list, book, read, change, cancel, complete, check availability."""
from __future__ import annotations

import orjson
from flask import jsonify, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from meetings.auth.access import authenticated, roles
from meetings.auth.roles import ADMIN, BOOKER, LEADER
from meetings.booking import availability as assistant
from meetings.booking import queries, rules, services
from meetings.booking.conflicts import group_by_meeting
from meetings.booking.models import Meeting, MeetingStatus
from meetings.booking.serializers import meeting_json, participant_row_json
from meetings.booking.validation import parse_datetime, parse_day, values_from_json
from meetings.core.api import bp, json_body
from meetings.core.bodies import cached_body, json_response
from meetings.core.inputs import DB_INT_MAX, OutsideWindow
from meetings.core.transaction import reads_only
from meetings.errors import ValidationError
from meetings.extensions import db

SCOPES = ("this", "following")
PAGE_DEFAULT, PAGE_MAX = 100, 500


def _scope(body: dict) -> str:
    scope = body.get("scope", request.args.get("scope", "this"))
    if scope not in SCOPES:
        raise ValidationError({"scope": _("Use 'this' or 'following'.")})
    return scope


def _time_arg(name: str):
    value = request.args.get(name)
    if not value:
        return None
    try:
        return parse_datetime(value)
    except ValueError as error:
        message = str(error) if isinstance(error, OutsideWindow) else _("Give a date or a date and time in ISO 8601.")
        raise ValidationError({name: message}) from error


def _page_arg(name: str, default: int, low: int, high: int) -> int:
    value = request.args.get(name)
    if value is None or value == "":
        return default
    if not value.isdigit() or not low <= int(value) <= high:
        raise ValidationError({name: _("Give a whole number from %(low)s to %(high)s.", low=low, high=high)})
    return int(value)


def _meetings_json(ids: list[int]) -> list[dict]:
    """The meetings with their participants, in two statements and without participant objects."""
    meetings = list(db.session.scalars(select(Meeting).where(Meeting.id.in_(ids)).order_by(Meeting.start_at)
                                       .options(joinedload(Meeting.host))))
    rows = queries.participant_rows([m.id for m in meetings])
    return [meeting_json(m, rows=rows[m.id]) for m in meetings]


def _one_or_series(meeting_id: int, ids: list[int], *, series: bool = False, status: int = 200):
    """A change to one meeting answers the meeting; a change to several answers them all."""
    bodies = _meetings_json(ids)
    if len(bodies) == 1 and not series:
        return json_response(bodies[0], status)
    return json_response({"series_id": bodies[0]["series_id"], "meetings": bodies}, status)


@bp.get("/meetings")
@authenticated
def list_meetings():
    criteria = queries.MeetingFilter(start=_time_arg("from"), end=_time_arg("to"),
                                     endpoint=request.args.get("endpoint", ""), status=request.args.get("status", ""),
                                     organizer=request.args.get("organizer", ""), query=request.args.get("q", ""))
    limit = _page_arg("limit", PAGE_DEFAULT, 1, PAGE_MAX)
    offset = _page_arg("offset", 0, 0, DB_INT_MAX)
    total = queries.count_meetings(criteria, current_user)
    meetings = queries.list_meetings(criteria, current_user, limit=limit, offset=offset)
    counts = queries.participant_counts([m.id for m in meetings])
    following = None
    if offset + len(meetings) < total:
        args = {**request.args.to_dict(), "limit": limit, "offset": offset + limit}
        following = url_for("api.list_meetings", **args, _external=True)
    return jsonify({"count": total, "limit": limit, "offset": offset, "next": following,
                    "items": [meeting_json(m, participants=False, participant_count=counts.get(m.id, 0))
                              for m in meetings]})


@bp.post("/meetings")
@roles(ADMIN, BOOKER)
def book_meeting():
    values = values_from_json(json_body(), creating=True)
    booked = services.book_meeting(values, actor=current_user)
    return _one_or_series(booked[0].id, [m.id for m in booked], series=bool(values.recurrence), status=201)


@bp.post("/meetings/check")
@roles(ADMIN, BOOKER)
def check_meeting():
    body = json_body()
    values = values_from_json(body, creating=True)
    given = body.get("meeting")
    exclude = given if isinstance(given, int) and not isinstance(given, bool) and 0 < given <= DB_INT_MAX else None
    result = rules.check_booking(values, exclude_meeting_id=exclude)
    result["groups"] = group_by_meeting(result["conflicts"])
    result["next_free"] = None if result["ok"] else assistant.next_free_for(values, exclude_meeting_id=exclude)
    db.session.rollback()  # a dry run: whatever the check locked or flushed is not kept
    return jsonify(result)


def _list_arg(name: str) -> list[str]:
    """`?endpoints=a,b&endpoints=c` -> ["a", "b", "c"]."""
    return [item.strip() for value in request.args.getlist(name) for item in value.split(",") if item.strip()]


def availability_query() -> assistant.AvailabilityQuery:
    """The query string of /availability (also read by the assistant's page)."""
    errors: dict[str, str] = {}
    day = None
    try:
        day = parse_day(request.args.get("date", ""))
    except ValueError:
        errors["date"] = _("Give the day as YYYY-MM-DD or dd/mm/yyyy.")
    minutes_text = request.args.get("minutes", "60").strip()
    if not minutes_text.isdigit():
        errors["minutes"] = _("Give the meeting's length in minutes, from 5 to 1440.")
    meeting = request.args.get("meeting", "")
    if errors:
        raise ValidationError(errors)
    return assistant.AvailabilityQuery(day=day, minutes=int(minutes_text), endpoints=_list_arg("endpoints"),
                                       groups=_list_arg("groups"), host=request.args.get("host") or None,
                                       exclude_meeting=int(meeting) if meeting.isdigit() else None)


@bp.get("/availability")
@roles(ADMIN, BOOKER, LEADER)
def availability():
    return jsonify(assistant.availability(availability_query()))


@bp.get("/meetings/<int:meeting_id>")
@authenticated
@reads_only
def get_meeting(meeting_id: int):
    meeting, version = queries.get_meeting_and_version(meeting_id)
    queries.ensure_can_view_meeting(meeting.id, current_user)

    def build() -> list[dict]:
        return [participant_row_json(row) for row in queries.participant_rows([meeting.id])[meeting.id]]

    # The participants (a thousand rows) are built and serialised once per version, in any worker; the
    # meeting around them is built per request (its links name the host the request came to).
    body = meeting_json(meeting, participants=False)
    body["participants"] = orjson.Fragment(cached_body(("meeting-participants", version), build))
    body["participant_count"] = version.count
    return json_response(body)


@bp.patch("/meetings/<int:meeting_id>")
@roles(ADMIN, BOOKER)
def change_meeting(meeting_id: int):
    body = json_body()
    meeting = services.get_meeting(meeting_id)
    values = values_from_json(body, creating=False)
    if values.recurrence:
        raise ValidationError({"recurrence": _("The repetition of an existing series cannot be changed.")})
    changed = services.change_meeting(meeting, values, actor=current_user, scope=_scope(body))
    return _one_or_series(meeting_id, [m.id for m in changed])


@bp.delete("/meetings/<int:meeting_id>")
@roles(ADMIN, BOOKER)
def cancel_meeting(meeting_id: int):
    body = request.get_json(silent=True) or {}
    if not isinstance(body, dict):
        raise ValidationError(message=_("The body must be a JSON object."))
    reason = body.get("reason", request.args.get("reason", ""))
    if not isinstance(reason, str):
        raise ValidationError({"reason": _("Must be text.")})
    meeting = services.get_meeting(meeting_id)
    cancelled = services.cancel_meeting(meeting, actor=current_user, reason=reason, scope=_scope(body))
    return _one_or_series(meeting_id, [m.id for m in cancelled])


@bp.post("/meetings/<int:meeting_id>/complete")
@roles(ADMIN, BOOKER)
def complete_meeting(meeting_id: int):
    meeting = services.get_meeting(meeting_id)
    services.set_status(meeting, MeetingStatus.COMPLETED, actor=current_user)
    return _one_or_series(meeting_id, [meeting_id])
