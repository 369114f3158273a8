"""Reading meetings: lists, calendars, and who may see what."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import joinedload, selectinload

from meetings.auth.models import User
from meetings.auth.roles import OPERATOR
from meetings.booking.models import STATUSES, Meeting, Participant
from meetings.endpoints.models import Endpoint
from meetings.errors import PermissionDenied, ValidationError
from meetings.extensions import db


@dataclass(frozen=True)
class MeetingFilter:
    start: datetime | None = None
    end: datetime | None = None
    endpoint: str = ""
    status: str = ""
    organizer: str = ""
    query: str = ""


def ensure_can_view(meeting: Meeting, user: User) -> None:
    """Operators see only the meetings their endpoint takes part in (403 for the others)."""
    if user.role != OPERATOR:
        return
    if not any(p.endpoint_id == user.endpoint_id for p in meeting.participants):
        raise PermissionDenied(_("Your endpoint does not take part in this meeting."))


def _filtered(criteria: MeetingFilter, user: User) -> Select:
    statement = select(Meeting)
    if criteria.start:
        statement = statement.where(Meeting.end_at > criteria.start)
    if criteria.end:
        statement = statement.where(Meeting.start_at < criteria.end)
    if criteria.status:
        if criteria.status not in STATUSES:
            raise ValidationError({"status": _("Unknown status.")})
        statement = statement.where(Meeting.status == criteria.status)
    if criteria.organizer:
        statement = statement.where(Meeting.organizer == criteria.organizer)
    if criteria.query:
        statement = statement.where(Meeting.title.ilike(f"%{criteria.query}%"))
    endpoint_ids = []
    if criteria.endpoint:
        endpoint_id = db.session.scalar(select(Endpoint.id).where(Endpoint.code == criteria.endpoint))
        if endpoint_id is None:
            raise ValidationError({"endpoint": _("Unknown endpoint code.")})
        endpoint_ids.append(endpoint_id)
    if user.role == OPERATOR:
        endpoint_ids.append(user.endpoint_id)
    for endpoint_id in endpoint_ids:
        statement = statement.where(exists().where(Participant.meeting_id == Meeting.id,
                                                   Participant.endpoint_id == endpoint_id))
    return statement


def list_meetings(criteria: MeetingFilter, user: User, *, with_participants: bool = False,
                  limit: int | None = None) -> list[Meeting]:
    statement = _filtered(criteria, user).options(joinedload(Meeting.host)).order_by(Meeting.start_at, Meeting.id)
    if with_participants:
        statement = statement.options(selectinload(Meeting.participants).joinedload(Participant.endpoint))
    if limit:
        statement = statement.limit(limit)
    return list(db.session.scalars(statement).unique())


def participant_counts(meeting_ids: list[int]) -> dict[int, int]:
    if not meeting_ids:
        return {}
    rows = db.session.execute(
        select(Participant.meeting_id, func.count())
        .where(Participant.meeting_id.in_(meeting_ids))
        .group_by(Participant.meeting_id)
    )
    return dict(rows.all())


def organizers() -> list[str]:
    """Organising units already used, for the booking form's suggestions."""
    rows = db.session.scalars(
        select(Meeting.organizer).where(Meeting.organizer != "").distinct().order_by(Meeting.organizer)
    )
    return list(rows)
