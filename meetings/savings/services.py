"""A meeting's savings: a snapshot stored when it is held (its rates frozen), otherwise an estimate."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field, fields
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from meetings.attendance.services import records_of
from meetings.auth import audit
from meetings.auth.models import User
from meetings.booking.models import Meeting, MeetingStatus, Participant
from meetings.core.formatting import to_local
from meetings.endpoints.models import Endpoint
from meetings.endpoints.names import short_name
from meetings.errors import ConflictError
from meetings.extensions import db
from meetings.savings.calculator import Attendance, Item, MeetingTime, Rates, Savings, meeting_savings
from meetings.savings.models import SavingsItem, SavingsSnapshot
from meetings.savings.rates import rate_on

log = logging.getLogger(__name__)

ITEM_FIELDS = [f.name for f in fields(Item) if f.name not in ("endpoint", "status")]


@dataclass(frozen=True)
class Line:
    """One endpoint's figures with what explains them: its name and where the headcount came from."""

    item: Item
    name: str
    attendees_source: str  # headcount (recorded) or expected (from the booking)

    @property
    def short_name(self) -> str:
        """The name as the table shows it ("THADS An Giang"); the full name goes with it as a tooltip."""
        return short_name(self.name)


@dataclass(frozen=True)
class Report:
    meeting_id: int
    stored: bool
    rates: Rates
    lines: list[Line] = field(default_factory=list)
    computed_at: datetime | None = None
    computed_by: str | None = None
    reason: str | None = None

    @property
    def total_vnd(self) -> int:
        return sum(line.item.saving_vnd for line in self.lines)

    @property
    def travel_km(self) -> int:
        return sum(line.item.travel_km for line in self.lines)

    @property
    def travel_minutes(self) -> int:
        return sum(line.item.travel_minutes for line in self.lines)

    def count(self, status: str | None) -> int:
        return sum(1 for line in self.lines if line.item.status == status)


def meeting_day(meeting: Meeting) -> date:
    return to_local(meeting.start_at).date()


def meeting_time(meeting: Meeting) -> MeetingTime:
    return MeetingTime(to_local(meeting.start_at), to_local(meeting.end_at))


def _guests(meeting: Meeting) -> list[Participant]:
    """The participants but the host, with their endpoints and former names, in a fixed number of queries
    (the scheduler hands over meetings loaded without them)."""
    return list(db.session.scalars(
        select(Participant).where(Participant.meeting_id == meeting.id, Participant.is_host.is_(False))
        .join(Endpoint, Endpoint.id == Participant.endpoint_id).order_by(Endpoint.sort_key, Participant.id)
        .options(joinedload(Participant.endpoint).selectinload(Endpoint.former_names))))


def _inputs(meeting: Meeting) -> list[tuple[Participant, Attendance, str]]:
    """Every endpoint but the host, with its recorded attendance (headcount, else the expected number)."""
    records = records_of(meeting)
    inputs = []
    for participant in _guests(meeting):
        record = records.get(participant.id)
        counted = record is not None and record.attendees is not None
        inputs.append((participant, Attendance(
            endpoint=participant.endpoint.code, distance_km=participant.endpoint.distance_km,
            status=record.status if record else None,
            attendees=record.attendees if counted else participant.expected_attendees,
            connected_seconds=record.connected_seconds if record else None),
            "headcount" if counted else "expected"))
    return inputs


def _compute(meeting: Meeting, rates: Rates) -> tuple[Savings, list[tuple[Participant, str]]]:
    inputs = _inputs(meeting)
    result = meeting_savings(rates, meeting_time(meeting), [attendance for _p, attendance, _s in inputs])
    return result, [(participant, source) for participant, _a, source in inputs]


def _lines(meeting: Meeting, result: Savings, sources: list[tuple[Participant, str]]) -> list[Line]:
    day = meeting_day(meeting)
    return [Line(item, participant.endpoint.name_on(day), source)
            for item, (participant, source) in zip(result.items, sources, strict=False)]


def rates_in_force(meeting: Meeting) -> Rates:
    """The rates in force on the meeting's day; ConflictError(no_rates) when there are none."""
    rate = rate_on(meeting_day(meeting))
    if rate is None:
        raise ConflictError(_("No cost rates are in force on %(day)s; an administrator must add them.",
                              day=meeting_day(meeting).strftime("%d/%m/%Y")), code="no_rates")
    return rate.to_rates()


def estimate(meeting: Meeting) -> Report:
    result, sources = _compute(meeting, rates_in_force(meeting))
    return Report(meeting_id=meeting.id, stored=False, rates=result.rates, lines=_lines(meeting, result, sources))


def snapshot_of(meeting: Meeting) -> SavingsSnapshot | None:
    return db.session.scalar(
        select(SavingsSnapshot).where(SavingsSnapshot.meeting_id == meeting.id)
        .options(selectinload(SavingsSnapshot.items).joinedload(SavingsItem.endpoint),
                 joinedload(SavingsSnapshot.computed_by)))


def _line_of(meeting: Meeting, stored: SavingsItem) -> Line:
    item = Item(endpoint=stored.endpoint.code, status=stored.attendance,
                **{name: getattr(stored, name) for name in ITEM_FIELDS})
    return Line(item, stored.endpoint.name_on(meeting_day(meeting)), stored.attendees_source)


def shown_lines(meeting: Meeting, report: Report, shown: frozenset[int] | None) -> list[Line]:
    """The lines of the endpoints a user reads (booking.queries.endpoints_shown_to); totals cover them all."""
    if shown is None:
        return list(report.lines)
    codes = {p.endpoint.code for p in meeting.participants if p.endpoint_id in shown}
    return [line for line in report.lines if line.item.endpoint in codes]


def report(meeting: Meeting) -> Report:
    """The stored snapshot of a held meeting, else an estimate with the rates in force on its day."""
    snapshot = snapshot_of(meeting)
    if snapshot is None:
        return estimate(meeting)
    return Report(meeting_id=meeting.id, stored=True, rates=Rates.from_dict(snapshot.rates),
                  lines=[_line_of(meeting, item) for item in snapshot.items], computed_at=snapshot.computed_at,
                  computed_by=snapshot.computed_by.username if snapshot.computed_by else None, reason=snapshot.reason)


def lock_meeting(meeting: Meeting) -> None:
    """Hold the meeting's row (PostgreSQL; SQLite writes one at a time anyway) and read its status afresh, so that
    completing a meeting and recording its attendance at the same moment never store each other's half."""
    db.session.execute(select(Meeting.id).where(Meeting.id == meeting.id).with_for_update())
    db.session.refresh(meeting, ["status"])


def store_snapshot(meeting: Meeting, rates: Rates, *, rate_id: int | None, actor: User | None,
                   reason: str) -> SavingsSnapshot:
    """Compute with these rates (of version rate_id) and store the result as the meeting's snapshot."""
    lock_meeting(meeting)
    result, sources = _compute(meeting, rates)
    previous = snapshot_of(meeting)
    if previous is not None:
        db.session.delete(previous)
        db.session.flush()
    snapshot = SavingsSnapshot(
        meeting_id=meeting.id, rate_id=rate_id, rates_effective_from=rates.effective_from,
        rates=rates.to_dict(), total_vnd=result.total_vnd, travel_km=result.travel_km,
        travel_minutes=result.travel_minutes, reason=reason, computed_by_id=actor.id if actor else None)
    snapshot.items = [
        SavingsItem(endpoint_id=participant.endpoint_id, attendance=item.status, attendees_source=source,
                    **{name: getattr(item, name) for name in ITEM_FIELDS})
        for item, (participant, source) in zip(result.items, sources, strict=False)]
    db.session.add(snapshot)
    db.session.flush()
    return snapshot


def recompute(meeting: Meeting, *, actor: User | None) -> SavingsSnapshot:
    """An admin's explicit recomputation with the rates in force on the meeting's day (not today's)."""
    if meeting.status != MeetingStatus.COMPLETED:
        raise ConflictError(_("Only a held meeting's savings are stored."), code="not_held")
    previous = snapshot_of(meeting)
    before = previous.total_vnd if previous else None
    rates = rates_in_force(meeting)
    snapshot = store_snapshot(meeting, rates, rate_id=rates.version, actor=actor, reason="recomputed")
    audit.record("savings.recompute", actor=actor, target_type="meeting", target_id=meeting.id,
                 summary=f"rates of {snapshot.rates_effective_from.isoformat()}",
                 changes={"total_vnd": [before, snapshot.total_vnd]})
    return snapshot

