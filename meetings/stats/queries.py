"""The SQL aggregates behind the statistics: a fixed number of statements whatever the number of meetings.

No Flask here. A *scope* is a period of Hà Nội days [start, end) and optional filters (organising unit,
endpoint kind). Definitions (README "Statistics"):

- held meeting: status `completed`, started inside the period;
- guest: an invited endpoint other than the host; connection: a guest recorded present or partial;
- attendees: the people in every attending room (host included): the headcount, else the expected number;
- ready on time: a guest whose answer at the start was `ready`, given no later than the start
  (`readiness_updated_at <= start_at`; answers close at the start, so a later change was made on its behalf);
- the 2025 reorganisation: a merged endpoint's figures from its `retired_on` count under its successor,
  earlier ones under itself (with the name it then had), so that nothing is counted twice.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Float, Integer, Select, and_, bindparam, case, exists, func, select, true
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql import ColumnElement, expression

from meetings.attendance.models import ATTENDED, AttendanceRecord
from meetings.booking.models import Meeting, MeetingStatus, Participant, ReadinessStatus
from meetings.database import UTCDateTime
from meetings.endpoints.models import Endpoint, EndpointName
from meetings.savings.models import SavingsItem, SavingsSnapshot

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


class seconds_between(expression.FunctionElement):  # noqa: N801  (an SQL function's name)
    """end − start in seconds, in each dialect's own arithmetic."""

    type = Float()
    inherit_cache = True
    name = "seconds_between"


@compiles(seconds_between, "postgresql")
def _seconds_postgresql(element, compiler, **kw) -> str:
    start, end = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"EXTRACT(EPOCH FROM ({end} - {start}))"


@compiles(seconds_between)
def _seconds_sqlite(element, compiler, **kw) -> str:
    start, end = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"((julianday({end}) - julianday({start})) * 86400.0)"


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, ZONE).astimezone(UTC)


@dataclass(frozen=True)
class Scope:
    start: date  # first Hà Nội day
    end: date  # the day after the last
    organizer: str | None = None
    kind: str | None = None

    def months(self) -> list[tuple[int, int]]:
        """(year, month) of every month the period touches."""
        months, (year, month) = [], (self.start.year, self.start.month)
        while date(year, month, 1) < self.end:
            months.append((year, month))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return months


@dataclass(frozen=True)
class Merges:
    """Merged endpoints: old id → (successor id, first UTC instant counted under the successor)."""

    moves: dict[int, tuple[int, datetime]] = field(default_factory=dict)

    def key(self, endpoint_id: ColumnElement, start_at: ColumnElement) -> ColumnElement:
        if not self.moves:
            return endpoint_id
        return case(*[(and_(endpoint_id == old, start_at >= since), new)
                      for old, (new, since) in sorted(self.moves.items())], else_=endpoint_id)


def merges(session: Session) -> Merges:
    rows = session.execute(select(Endpoint.id, Endpoint.successor_id, Endpoint.retired_on)
                           .where(Endpoint.successor_id.is_not(None), Endpoint.retired_on.is_not(None)))
    return Merges({old: (new, local_midnight(day)) for old, new, day in rows})


class local_month(expression.FunctionElement):  # noqa: N801  (an SQL function's name)
    """year × 100 + month of a UTC instant in Hà Nội time (UTC+7 all year: no daylight saving)."""

    type = Integer()
    inherit_cache = True
    name = "local_month"


@compiles(local_month, "postgresql")
def _local_month_postgresql(element, compiler, **kw) -> str:
    (instant,) = (compiler.process(clause, **kw) for clause in element.clauses)
    local = f"({instant} AT TIME ZONE 'Asia/Ho_Chi_Minh')"
    return f"CAST(EXTRACT(YEAR FROM {local}) * 100 + EXTRACT(MONTH FROM {local}) AS INTEGER)"


@compiles(local_month)
def _local_month_sqlite(element, compiler, **kw) -> str:
    # SQLite keeps the UTC time as text; the modifier moves it to Hà Nội time.
    (instant,) = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"CAST(strftime('%Y%m', {instant}, '+7 hours') AS INTEGER)"


def month_bucket() -> ColumnElement:
    """year × 100 + month of a meeting's Hà Nội start."""
    return local_month(Meeting.start_at)


def held(scope: Scope) -> list[ColumnElement]:
    """The conditions on Meeting for the held meetings of a scope."""
    conditions = [Meeting.status == MeetingStatus.COMPLETED, Meeting.start_at >= local_midnight(scope.start),
                  Meeting.start_at < local_midnight(scope.end)]
    if scope.organizer:
        conditions.append(Meeting.organizer == scope.organizer)
    if scope.kind:
        guest, place = aliased(Participant), aliased(Endpoint)
        conditions.append(exists().where(guest.meeting_id == Meeting.id, guest.is_host.is_(False),
                                         guest.endpoint_id == place.id, place.kind == scope.kind))
    return conditions


def _savings_per_meeting(scope: Scope):
    """Each held meeting's stored savings (only the kind's endpoints under a kind filter)."""
    query = (select(SavingsSnapshot.meeting_id.label("meeting_id"),
                    func.sum(SavingsItem.saving_vnd).label("saving_vnd"),
                    func.sum(SavingsItem.travel_km).label("travel_km"),
                    func.sum(SavingsItem.travel_minutes).label("travel_minutes"))
             .join(SavingsItem, SavingsItem.snapshot_id == SavingsSnapshot.id)
             # Only the scope's meetings: not the savings of every year, summed and then mostly thrown away.
             .join(Meeting, Meeting.id == SavingsSnapshot.meeting_id).where(*held(scope))
             .group_by(SavingsSnapshot.meeting_id))
    if scope.kind:
        query = query.join(Endpoint, Endpoint.id == SavingsItem.endpoint_id).where(Endpoint.kind == scope.kind)
    return query.subquery()


def _guest_figures(attendees: ColumnElement) -> list[ColumnElement]:
    guest = Participant.is_host.is_(False)
    attended = Participant.attendance.in_(ATTENDED)
    on_time = and_(guest, Participant.readiness == ReadinessStatus.READY,
                   Participant.readiness_updated_at.is_not(None), Participant.readiness_updated_at <= Meeting.start_at)
    not_ready = and_(guest, Participant.readiness == ReadinessStatus.NOT_READY)
    return [
        func.sum(case((guest, 1), else_=0)).label("invited"),
        func.sum(case((and_(guest, attended), 1), else_=0)).label("connections"),
        func.sum(case((on_time, 1), else_=0)).label("on_time"),
        func.sum(case((not_ready, 1), else_=0)).label("not_ready"),
        func.sum(case((attended, attendees), else_=0)).label("attendees"),
    ]


def _participants(scope: Scope, *columns: ColumnElement):
    query = (select(*columns).select_from(Participant)
             .join(Meeting, Meeting.id == Participant.meeting_id)
             .join(Endpoint, Endpoint.id == Participant.endpoint_id)
             .outerjoin(AttendanceRecord, AttendanceRecord.participant_id == Participant.id)
             .where(*held(scope)))
    if scope.kind:
        query = query.where((Endpoint.kind == scope.kind) | Participant.is_host.is_(True))
    return query


def _headcount() -> ColumnElement:
    return func.coalesce(AttendanceRecord.attendees, Participant.expected_attendees)


def monthly_meetings(session: Session, scope: Scope) -> list[dict[str, Any]]:
    """Per month: meetings held, seconds, savings and travel avoided."""
    bucket = month_bucket().label("bucket")
    saved = _savings_per_meeting(scope)
    rows = session.execute(
        select(bucket, func.count(Meeting.id).label("meetings"),
               func.sum(seconds_between(Meeting.start_at, Meeting.end_at)).label("seconds"),
               func.coalesce(func.sum(saved.c.saving_vnd), 0).label("savings_vnd"),
               func.coalesce(func.sum(saved.c.travel_km), 0).label("travel_km"),
               func.coalesce(func.sum(saved.c.travel_minutes), 0).label("travel_minutes"))
        .outerjoin(saved, saved.c.meeting_id == Meeting.id)
        .where(*held(scope)).group_by(bucket))
    return [dict(row._mapping) for row in rows]


def monthly_participation(session: Session, scope: Scope) -> list[dict[str, Any]]:
    """Per month: invited guests, connections, ready on time, not ready, attendees."""
    bucket = month_bucket().label("bucket")
    rows = session.execute(_participants(scope, bucket, *_guest_figures(_headcount())).group_by(bucket))
    return [dict(row._mapping) for row in rows]


def by_organizer(session: Session, scope: Scope) -> list[dict[str, Any]]:
    saved = _savings_per_meeting(scope)
    rows = session.execute(
        select(Meeting.organizer.label("organizer"), func.count(Meeting.id).label("meetings"),
               func.sum(seconds_between(Meeting.start_at, Meeting.end_at)).label("seconds"),
               func.coalesce(func.sum(saved.c.saving_vnd), 0).label("savings_vnd"))
        .outerjoin(saved, saved.c.meeting_id == Meeting.id)
        .where(*held(scope)).group_by(Meeting.organizer)
        .order_by(func.count(Meeting.id).desc(), Meeting.organizer))
    return [dict(row._mapping) for row in rows]


def by_endpoint(session: Session, scope: Scope, moves: Merges) -> list[dict[str, Any]]:
    """Per endpoint (merged ones under their successor from the merge on): guest figures and meetings."""
    key = moves.key(Participant.endpoint_id, Meeting.start_at).label("endpoint_id")
    rows = session.execute(
        _participants(scope, key, func.count(func.distinct(Meeting.id)).label("meetings"),
                      *_guest_figures(_headcount()))
        .where(Participant.is_host.is_(False)).group_by(key))
    return [dict(row._mapping) for row in rows]


def savings_by_endpoint(session: Session, scope: Scope, moves: Merges) -> dict[int, tuple[int, int]]:
    """endpoint id → (savings, travel km), with the same attribution as by_endpoint."""
    key = moves.key(SavingsItem.endpoint_id, Meeting.start_at).label("endpoint_id")
    query = (select(key, func.sum(SavingsItem.saving_vnd), func.sum(SavingsItem.travel_km))
             .select_from(SavingsItem)
             .join(SavingsSnapshot, SavingsSnapshot.id == SavingsItem.snapshot_id)
             .join(Meeting, Meeting.id == SavingsSnapshot.meeting_id)
             .join(Endpoint, Endpoint.id == SavingsItem.endpoint_id)
             .where(*held(scope)).group_by(key))
    if scope.kind:
        query = query.where(Endpoint.kind == scope.kind)
    return {endpoint_id: (int(saving or 0), int(km or 0)) for endpoint_id, saving, km in session.execute(query)}


def latest_not_ready_notes(session: Session, scope: Scope, moves: Merges) -> dict[int, tuple[str, datetime]]:
    """endpoint id → (the reason given, the meeting's start) of its latest not-ready answer in the scope."""
    key = moves.key(Participant.endpoint_id, Meeting.start_at)
    ranked = (_participants(scope, key.label("endpoint_id"), Participant.readiness_note.label("note"),
                            Meeting.start_at.label("start_at"),
                            func.row_number().over(partition_by=key, order_by=(Meeting.start_at.desc(),
                                                                               Participant.id.desc())).label("rank"))
              .where(Participant.is_host.is_(False), Participant.readiness == ReadinessStatus.NOT_READY).subquery())
    rows = session.execute(select(ranked.c.endpoint_id, ranked.c.note, ranked.c.start_at).where(ranked.c.rank == 1))
    return {endpoint_id: (note, start_at) for endpoint_id, note, start_at in rows}


def meeting_list(session: Session, scope: Scope) -> list[dict[str, Any]]:
    """Every held meeting of the scope, with its guests, connections, attendees and savings."""
    saved = _savings_per_meeting(scope)
    figures = (_participants(scope, Participant.meeting_id.label("meeting_id"), *_guest_figures(_headcount()))
               .group_by(Participant.meeting_id).subquery())
    host = Endpoint.__table__.alias("host")
    rows = session.execute(
        select(Meeting.id, Meeting.title, Meeting.organizer, Meeting.chair, Meeting.start_at, Meeting.end_at,
               host.c.code.label("host"),
               func.coalesce(figures.c.invited, 0).label("invited"),
               func.coalesce(figures.c.connections, 0).label("connections"),
               func.coalesce(figures.c.on_time, 0).label("on_time"),
               func.coalesce(figures.c.attendees, 0).label("attendees"),
               func.coalesce(saved.c.saving_vnd, 0).label("savings_vnd"),
               func.coalesce(saved.c.travel_km, 0).label("travel_km"))
        .join(host, host.c.id == Meeting.host_id)
        .outerjoin(figures, figures.c.meeting_id == Meeting.id)
        .outerjoin(saved, saved.c.meeting_id == Meeting.id)
        .where(*held(scope)).order_by(Meeting.start_at, Meeting.id))
    return [dict(row._mapping) for row in rows]


def organizers(session: Session) -> list[str]:
    """The organising units of held meetings, for the filter."""
    return [name for (name,) in session.execute(
        select(Meeting.organizer).where(Meeting.status == MeetingStatus.COMPLETED, Meeting.organizer != "")
        .group_by(Meeting.organizer).order_by(Meeting.organizer))]


def first_year(session: Session) -> int | None:
    first = session.scalar(select(func.min(Meeting.start_at)).where(Meeting.status == MeetingStatus.COMPLETED))
    if first is None:
        return None
    if first.tzinfo is None:
        first = first.replace(tzinfo=UTC)
    return first.astimezone(ZONE).year


def data_version(session: Session, start: date, end: date) -> tuple:
    """What changes whenever anything the statistics of the days [start, end) read changes; one statement.

    The meetings that start in those days (any status), their participants, attendance records and savings
    snapshots and items: per table the count, the newest id and the sum of the rows' revisions (raised by
    every UPDATE), so that an insert, a delete and an update each change it, even one that commits after a
    later one; a meeting moved into or out of the days changes the meetings' count. The endpoints and
    their former names as the registry's version has them. Read from the database, so that every worker
    agrees; through the indexes of the meetings' start and of each table's meeting or participant.
    """
    return tuple(session.execute(_version_statement(), {"from_at": local_midnight(start),
                                                        "until_at": local_midnight(end)}).one())


@functools.cache
def _version_statement() -> Select:
    """data_version's statement, built once per worker (the days are the `from_at` and `until_at` parameters)."""
    in_days = [Meeting.start_at >= bindparam("from_at", type_=UTCDateTime()),
               Meeting.start_at < bindparam("until_at", type_=UTCDateTime())]

    def figures(*models) -> list:
        return [aggregate for model in models for aggregate in (
            func.count(model.id), func.max(model.id), func.sum(model.revision))]

    # Each table is read once, by meeting: the participants, the attendance records (their own copy of the
    # meeting: a range of an index that holds the figures), the snapshots with their items. A fingerprint, not
    # a figure: a snapshot is counted and its revision summed once per item, and those still change with
    # every insert, delete and update.
    parts = [
        select(*figures(Meeting)).where(*in_days).subquery(),
        select(*figures(Participant)).join(Meeting, Meeting.id == Participant.meeting_id).where(*in_days).subquery(),
        select(*figures(AttendanceRecord)).join(Meeting, Meeting.id == AttendanceRecord.meeting_id)
        .where(*in_days).subquery(),
        select(*figures(SavingsSnapshot, SavingsItem)).select_from(SavingsSnapshot)
        .join(Meeting, Meeting.id == SavingsSnapshot.meeting_id)
        .outerjoin(SavingsItem, SavingsItem.snapshot_id == SavingsSnapshot.id).where(*in_days).subquery(),
    ]
    statement = select(
        *(column for part in parts for column in part.c),
        select(func.count(Endpoint.id)).scalar_subquery(), select(func.max(Endpoint.id)).scalar_subquery(),
        select(func.max(Endpoint.updated_at)).scalar_subquery(),
        select(func.count(EndpointName.id)).scalar_subquery(), select(func.max(EndpointName.id)).scalar_subquery(),
    ).select_from(parts[0])
    for part in parts[1:]:
        statement = statement.join(part, true())
    return statement
