"""iCalendar downloads: one meeting for signed-in users, and each endpoint's feed at its secret URL."""
from __future__ import annotations

import hmac
from datetime import timedelta
from email.utils import parseaddr

from flask import Blueprint, Response, abort, current_app, request
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from meetings.auth.access import authenticated, public
from meetings.booking import queries
from meetings.booking.ics import endpoint_feed, meeting_calendar
from meetings.booking.models import Meeting, MeetingStatus, Participant
from meetings.database import utcnow
from meetings.endpoints.models import Endpoint
from meetings.extensions import db

bp = Blueprint("ical", __name__)

FEED_HISTORY = timedelta(days=90)


def _organizer_email() -> str:
    return parseaddr(current_app.config["MAIL_FROM"])[1]


def _calendar_response(body: bytes, *, method: str, filename: str) -> Response:
    response = Response(body, content_type=f"text/calendar; charset=utf-8; method={method}")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/meetings/<int:meeting_id>.ics")
@authenticated
def meeting_ics(meeting_id: int):
    meeting = db.session.scalar(
        select(Meeting).where(Meeting.id == meeting_id)
        .options(joinedload(Meeting.host), selectinload(Meeting.participants).joinedload(Participant.endpoint)))
    if meeting is None:
        abort(404)
    queries.ensure_can_view(meeting, current_user)  # the same rule as the meeting's page and its API
    method = "CANCEL" if meeting.status == MeetingStatus.CANCELLED else "REQUEST"
    return _calendar_response(meeting_calendar(meeting, organizer_email=_organizer_email()), method=method,
                              filename=f"meeting-{meeting.id}.ics")


def _endpoint_for_token(code: str, token: str) -> Endpoint:
    endpoint = db.session.scalar(select(Endpoint).where(Endpoint.code == code))
    # The same 404 for an unknown code and a wrong token: the URL reveals nothing.
    if endpoint is None or not hmac.compare_digest(token.encode(), endpoint.calendar_token.encode()):
        abort(404)
    return endpoint


@bp.get("/calendar/<code>.ics")
@public
def endpoint_calendar(code: str):
    endpoint = _endpoint_for_token(code, request.args.get("token", ""))
    # One query: the feed needs each meeting and its host, not the other participants.
    meetings = db.session.scalars(
        select(Meeting)
        .where(or_(Meeting.host_id == endpoint.id, Meeting.participants.any(Participant.endpoint_id == endpoint.id)),
               Meeting.status != MeetingStatus.DRAFT, Meeting.start_at >= utcnow() - FEED_HISTORY)
        .options(joinedload(Meeting.host))
        .order_by(Meeting.start_at, Meeting.id)).all()
    body = endpoint_feed(endpoint, meetings, organizer_email=_organizer_email())
    return _calendar_response(body, method="PUBLISH", filename=f"{endpoint.code}.ics")
