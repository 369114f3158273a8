"""What each role's home page needs, read with a fixed number of statements whatever the data's size.

The home package sits above the domains (tests/unit/test_imports.py): it reads their models and queries and
nothing imports it back."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import joinedload

from meetings.booking.models import ACTIVE_STATUSES, Meeting, MeetingStatus, Participant, ReadinessStatus
from meetings.bridge.models import BridgeState, Invitation, OutboxMessage, OutboxState
from meetings.endpoints.models import Endpoint
from meetings.extensions import db
from meetings.mcu.records import BatchState, McuCdrBatch
from meetings.notify.models import MailState, OutgoingMail
from meetings.readiness.models import ProbeResult, ProbeState

BOOKER_DAYS = 7
ATTENDANCE_LOOKBACK_DAYS = 60
BIG_MEETING_ENDPOINTS = 20
LIST_LIMIT = 10


@dataclass
class UpcomingMeeting:
    meeting: Meeting
    invited: int
    ready: int
    not_ready: int
    pending: int

    @property
    def gaps(self) -> int:
        return self.not_ready + self.pending


@dataclass
class Problems:
    failed_mail: int = 0
    failed_outbox: int = 0
    paused_until: datetime | None = None
    pause_reason: str = ""
    failing_probes: list = field(default_factory=list)
    incomplete_endpoints: list = field(default_factory=list)
    incomplete_total: int = 0
    failed_call_records: int = 0  # batches of the MCU's call records that could not be processed

    @property
    def any(self) -> bool:
        return bool(self.failed_mail or self.failed_outbox or self.paused_until or self.failing_probes
                    or self.incomplete_total or self.failed_call_records)


def upcoming_with_gaps(now: datetime, *, days: int = BOOKER_DAYS, limit: int = LIST_LIMIT) -> list[UpcomingMeeting]:
    """The meetings of the next `days` days with their readiness counts; one statement."""
    counts = (select(Participant.meeting_id.label("meeting_id"), func.count().label("invited"),
                     func.sum(case((Participant.readiness == ReadinessStatus.READY, 1), else_=0)).label("ready"),
                     func.sum(case((Participant.readiness == ReadinessStatus.NOT_READY, 1), else_=0)).label("nr"))
              .group_by(Participant.meeting_id).subquery())
    rows = db.session.execute(
        select(Meeting, counts.c.invited, counts.c.ready, counts.c.nr)
        .outerjoin(counts, counts.c.meeting_id == Meeting.id)
        .where(Meeting.status.in_(ACTIVE_STATUSES), Meeting.end_at > now, Meeting.start_at < now + timedelta(days=days))
        .options(joinedload(Meeting.host)).order_by(Meeting.start_at, Meeting.id).limit(limit)).all()
    result = []
    for meeting, invited, ready, not_ready in rows:
        invited, ready, not_ready = int(invited or 0), int(ready or 0), int(not_ready or 0)
        result.append(UpcomingMeeting(meeting, invited, ready, not_ready, invited - ready - not_ready))
    return result


def invitations_to_answer(now: datetime, *, limit: int = LIST_LIMIT) -> list[Invitation]:
    """Government invitations still unanswered, soonest first; one statement."""
    return list(db.session.scalars(select(Invitation).where(Invitation.answer == "new", Invitation.end_at > now)
                                   .order_by(Invitation.start_at).limit(limit)))


def delivery_failures() -> tuple[int, int]:
    """Failed mail and government messages that failed or were given up; one statement."""
    mail = select(func.count()).select_from(OutgoingMail).where(OutgoingMail.state == MailState.FAILED)
    outbox = select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.state.in_((OutboxState.FAILED, OutboxState.ABANDONED)))
    row = db.session.execute(select(mail.scalar_subquery(), outbox.scalar_subquery())).one()
    return int(row[0] or 0), int(row[1] or 0)


def held_without_attendance(now: datetime, *, days: int = ATTENDANCE_LOOKBACK_DAYS,
                            limit: int = LIST_LIMIT) -> list[Meeting]:
    """Meetings held in the last `days` days for which no endpoint's attendance is recorded; one statement."""
    recorded = select(Participant.meeting_id).where(Participant.attendance.is_not(None))
    return list(db.session.scalars(
        select(Meeting).where(Meeting.status == MeetingStatus.COMPLETED, Meeting.end_at > now - timedelta(days=days),
                              Meeting.id.not_in(recorded))
        .order_by(Meeting.start_at.desc()).limit(limit)))


def big_meetings(now: datetime, *, minimum: int = BIG_MEETING_ENDPOINTS, limit: int = 5) -> list[tuple[Meeting, int]]:
    """The coming meetings with at least `minimum` endpoints, soonest first; one statement."""
    size = (select(Participant.meeting_id, func.count().label("size")).group_by(Participant.meeting_id).subquery())
    rows = db.session.execute(
        select(Meeting, size.c.size).join(size, size.c.meeting_id == Meeting.id)
        .where(Meeting.status.in_(ACTIVE_STATUSES), Meeting.end_at > now, size.c.size >= minimum)
        .order_by(Meeting.start_at, Meeting.id).limit(limit)).all()
    return [(meeting, int(count)) for meeting, count in rows]


def problems(now: datetime) -> Problems:
    """What an administrator should fix; six statements."""
    failed_mail, failed_outbox = delivery_failures()
    state = db.session.scalar(select(BridgeState).limit(1))
    paused = state.paused_until if state is not None and state.paused_until and state.paused_until > now else None
    probes = db.session.execute(
        select(ProbeResult, Endpoint.name, Meeting.title).join(Endpoint, Endpoint.id == ProbeResult.endpoint_id)
        .join(Meeting, Meeting.id == ProbeResult.meeting_id)
        .where(ProbeResult.state == ProbeState.FAILED, Meeting.status.in_(ACTIVE_STATUSES), Meeting.end_at > now)
        .order_by(Meeting.start_at, Endpoint.sort_key).limit(LIST_LIMIT)).all()
    incomplete = or_(Endpoint.dial_string == "", (Endpoint.contact_email == "") & (Endpoint.contact_phone == ""))
    endpoints = list(db.session.scalars(select(Endpoint).where(Endpoint.is_active.is_(True), incomplete)
                                        .order_by(Endpoint.sort_key).limit(LIST_LIMIT)))
    total = db.session.scalar(select(func.count()).select_from(Endpoint)
                              .where(Endpoint.is_active.is_(True), incomplete)) or 0
    failed_batches = db.session.scalar(select(func.count()).select_from(McuCdrBatch)
                                       .where(McuCdrBatch.state == BatchState.FAILED)) or 0
    return Problems(failed_mail, failed_outbox, paused, state.pause_reason if paused else "",
                    [(result, name, title) for result, name, title in probes], endpoints, int(total),
                    int(failed_batches))


def year_start(today: date) -> date:
    return date(today.year, 1, 1)
