"""Reading meetings: lists, calendars, and who may see what."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import Integer, Select, bindparam, exists, func, select, true
from sqlalchemy.orm import joinedload, selectinload

from meetings.auth.models import User
from meetings.auth.roles import OPERATOR
from meetings.booking.models import STATUSES, Meeting, Participant
from meetings.core.text import LIKE_ESCAPE, contains_pattern, fold
from meetings.endpoints.models import Endpoint
from meetings.errors import NotFound, PermissionDenied, ValidationError
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


def ensure_can_view_rows(user: User, endpoint_ids: list[int]) -> None:
    """ensure_can_view for a meeting read as rows (participant_rows)."""
    if user.role == OPERATOR and user.endpoint_id not in endpoint_ids:
        raise PermissionDenied(_("Your endpoint does not take part in this meeting."))


def get_meeting_alone(meeting_id: int) -> Meeting:
    """The meeting with its host and without its participants (read them with participant_rows); NotFound."""
    meeting = db.session.scalar(select(Meeting).where(Meeting.id == meeting_id).options(joinedload(Meeting.host)))
    if meeting is None:
        raise NotFound(_("No meeting number %(id)s.", id=meeting_id))
    return meeting


@dataclass(frozen=True)
class ParticipantsVersion:
    """What a meeting's participants, as its JSON shows them, are the same exactly while it is the same: their
    count, newest id and sum of revisions (every UPDATE raises a row's revision, so a change committed late
    still changes the sum) and the endpoints' newest change (names, regions, sort keys)."""

    meeting_id: int
    meeting_created_at: datetime | None  # tells apart a rolled-back meeting and a later one with its id (SQLite)
    count: int
    last_id: int | None
    revisions: int | None
    endpoints_changed_at: datetime | None


@functools.cache
def _meeting_and_version_statement() -> Select:
    """get_meeting_and_version's statement, built once per worker (the meeting is the `meeting_id` parameter)."""
    meeting_id = bindparam("meeting_id", type_=Integer)
    invited = (select(func.count(Participant.id).label("count"), func.max(Participant.id).label("last_id"),
                      func.sum(Participant.revision).label("revisions"))
               .where(Participant.meeting_id == meeting_id).subquery())
    endpoints_changed_at = select(func.max(Endpoint.updated_at)).scalar_subquery()
    return (select(Meeting, invited.c.count, invited.c.last_id, invited.c.revisions, endpoints_changed_at)
            .join(invited, true()).where(Meeting.id == meeting_id).options(joinedload(Meeting.host)))


def get_meeting_and_version(meeting_id: int) -> tuple[Meeting, ParticipantsVersion]:
    """The meeting with its host (get_meeting_alone) and the version of its participants, in one statement."""
    found = db.session.execute(_meeting_and_version_statement(), {"meeting_id": meeting_id}).first()
    if found is None:
        raise NotFound(_("No meeting number %(id)s.", id=meeting_id))
    meeting, count, last_id, revisions, changed_at = found
    return meeting, ParticipantsVersion(meeting.id, meeting.created_at, count, last_id, revisions, changed_at)


def ensure_can_view_meeting(meeting_id: int, user: User) -> None:
    """ensure_can_view without reading the participants: an operator's endpoint is looked up alone."""
    if user.role == OPERATOR and not db.session.scalar(select(exists().where(
            Participant.meeting_id == meeting_id, Participant.endpoint_id == user.endpoint_id))):
        raise PermissionDenied(_("Your endpoint does not take part in this meeting."))


def participant_rows(meeting_ids: list[int]) -> dict[int, list]:
    """The participants of these meetings as plain rows in the one order (host first, then Endpoint.sort_key),
    by meeting; one statement whatever their number (a meeting of 1,000 endpoints builds no ORM object)."""
    rows = db.session.execute(
        select(Participant.meeting_id, Participant.endpoint_id, Endpoint.code, Endpoint.name, Endpoint.region,
               Participant.is_host, Participant.expected_attendees, Participant.readiness, Participant.attendance)
        .join(Endpoint, Participant.endpoint_id == Endpoint.id)
        .where(Participant.meeting_id.in_(meeting_ids))
        .order_by(Participant.meeting_id, Participant.is_host.desc(), Endpoint.sort_key, Participant.id))
    by_meeting: dict[int, list] = {meeting_id: [] for meeting_id in meeting_ids}
    for row in rows:
        by_meeting[row.meeting_id].append(row)
    return by_meeting
def endpoints_shown_to(meeting: Meeting, user: User) -> frozenset[int] | None:
    """The one rule for what a user reads of a meeting's per-endpoint detail (readiness, attendance, savings),
    in the API and on the pages alike.

    None: every endpoint's row (the host endpoint's operator, bookers, leaders and admins). A set: only
    those endpoints' rows (an invited operator: their own), while counts and totals still cover every
    endpoint. An operator whose endpoint is not invited is refused (PermissionDenied).
    """
    ensure_can_view(meeting, user)
    if user.role != OPERATOR or user.endpoint_id == meeting.host_id:
        return None
    return frozenset({user.endpoint_id})


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
        # Folded on both sides (case and Vietnamese diacritics), the same on SQLite and PostgreSQL;
        # % and _ typed by the user are matched literally.
        statement = statement.where(Meeting.title_key.like(contains_pattern(fold(criteria.query)),
                                                           escape=LIKE_ESCAPE))
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
                  limit: int | None = None, offset: int = 0) -> list[Meeting]:
    statement = _filtered(criteria, user).options(joinedload(Meeting.host)).order_by(Meeting.start_at, Meeting.id)
    if with_participants:
        statement = statement.options(selectinload(Meeting.participants).joinedload(Participant.endpoint))
    if limit:
        statement = statement.limit(limit)
    if offset:
        statement = statement.offset(offset)
    return list(db.session.scalars(statement).unique())


def count_meetings(criteria: MeetingFilter, user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(_filtered(criteria, user).subquery()))


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
