"""Booking, changing and cancelling meetings, under the conflict and capacity rules."""
from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from meetings.auth import audit
from meetings.auth.models import User
from meetings.booking.conflicts import busy_range
from meetings.booking.models import (
    CANCELLABLE_STATUSES,
    EDITABLE_STATUSES,
    HOLDING_STATUSES,
    BookingLock,
    Meeting,
    MeetingSeries,
    MeetingStatus,
    Participant,
    ReadinessStatus,
)
from meetings.booking.rules import occurrences_of, refuse_if_taken, resolve_endpoints, resolve_host, setup_buffer
from meetings.booking.validation import MeetingValues, check_texts, check_times
from meetings.core.events import (
    meeting_booked,
    meeting_cancelled,
    meeting_changed,
    meeting_completed,
    meeting_started,
)
from meetings.core.formatting import format_datetime
from meetings.core.inputs import in_window, window_message
from meetings.core.sql import insert_rows
from meetings.database import utcnow
from meetings.endpoints.models import Endpoint
from meetings.errors import ConflictError, NotFound, ValidationError
from meetings.extensions import db


def lock_bookings() -> None:
    """Decide bookings one at a time, across threads, processes and hosts."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(BookingLock.id).where(BookingLock.name == "bookings").with_for_update())
        return
    # SQLite transactions already hold the database's write lock from their start (BEGIN IMMEDIATE,
    # see meetings.database); the row update keeps both databases on the same path.
    db.session.execute(update(BookingLock).where(BookingLock.name == "bookings")
                       .values(version=BookingLock.version + 1))


def get_meeting(meeting_id: int) -> Meeting:
    meeting = db.session.scalar(
        select(Meeting).where(Meeting.id == meeting_id)
        .options(selectinload(Meeting.participants).joinedload(Participant.endpoint)
                 .selectinload(Endpoint.former_names),
                 joinedload(Meeting.host).selectinload(Endpoint.former_names))
    )
    if meeting is None:
        raise NotFound(_("No meeting number %(id)s.", id=meeting_id))
    return meeting


def get_meetings(meeting_ids: list[int]) -> list[Meeting]:
    """Several meetings with their participants and endpoints, in two queries."""
    return list(db.session.scalars(
        select(Meeting).where(Meeting.id.in_(meeting_ids)).order_by(Meeting.start_at)
        .options(selectinload(Meeting.participants).joinedload(Participant.endpoint))
    ))


def default_attendees(endpoint: Endpoint) -> int:
    return current_app.config["DEFAULT_ATTENDEES"].get(endpoint.kind, 5)


# ---- writing ----------------------------------------------------------------------------------

def _participant_rows(meeting: Meeting, endpoints: list[Endpoint], attendees: dict[str, int]) -> list[dict]:
    busy_from, busy_until = busy_range(meeting.start_at, meeting.end_at, setup_buffer())
    holds = meeting.status in HOLDING_STATUSES
    return [
        {"meeting_id": meeting.id, "endpoint_id": e.id, "is_host": e.id == meeting.host_id,
         "expected_attendees": attendees.get(e.code, default_attendees(e)), "busy_from": busy_from,
         "busy_until": busy_until, "holds_slot": holds, "readiness": ReadinessStatus.PENDING, "readiness_note": "",
         "invited_at": utcnow()}
        for e in endpoints
    ]


def _flush_or_conflict(write: Callable[[], object] | None = None) -> None:
    try:
        if write is not None:
            write()
        db.session.flush()
    except IntegrityError as error:
        # The exclusion constraint caught a race the lock did not (another writer, another path).
        raise ConflictError(_("Some endpoints are already booked at that time.")) from error


def book_meeting(values: MeetingValues, *, actor: User, now: datetime | None = None) -> list[Meeting]:
    """Book one meeting, or every occurrence of a series; all or nothing.

    Raises ValidationError for bad input and ConflictError (code `conflict` or `capacity`).
    """
    now = now or utcnow()
    errors: dict[str, str] = {}
    check_times(values.start, values.end, now=now, errors=errors)
    check_texts(values, errors)
    status = values.status or MeetingStatus.SCHEDULED
    if status not in EDITABLE_STATUSES:
        errors["status"] = _("A new meeting is either a draft or scheduled.")
    if errors:
        raise ValidationError(errors)
    lock_bookings()
    host = resolve_host(values.host)
    endpoints = resolve_endpoints(values.endpoints or [], values.groups or [], host)
    occurrences = occurrences_of(values, values.start, values.end)
    if occurrences and not in_window(occurrences[-1][1]):
        raise ValidationError({"recurrence": window_message()})
    if status == MeetingStatus.SCHEDULED:
        refuse_if_taken(endpoints, occurrences, set())
    series = MeetingSeries(rrule=values.recurrence, created_by_id=actor.id) if values.recurrence else None
    if series:
        db.session.add(series)
    test_minutes = values.test_minutes if values.test_minutes is not None else current_app.config["TEST_MINUTES_BEFORE"]
    meetings = []
    for start, end in occurrences:
        meeting = Meeting(
            title=values.title, agenda=values.agenda or "", organizer=values.organizer or "",
            chair=values.chair or "", host=host, start_at=start, end_at=end,
            test_at=start - timedelta(minutes=test_minutes), status=status,
            bridge_to_government=bool(values.bridge_to_government), series=series,
            ics_uid=f"{uuid.uuid4()}@hoinghi.moj.gov.vn", created_by_id=actor.id,
        )
        db.session.add(meeting)
        meetings.append(meeting)
    db.session.flush()
    rows = [row for meeting in meetings for row in _participant_rows(meeting, endpoints, values.attendees)]
    # One Core statement for them all, without the ORM's per-row bookkeeping.
    _flush_or_conflict(lambda: insert_rows(Participant.__table__, rows))
    for meeting in meetings:
        db.session.expire(meeting, ["participants"])
    audit.record("meeting.create", actor=actor, target_type="meeting", target_id=meetings[0].id,
                 summary=values.title, changes={"occurrences": len(meetings), "endpoints": len(endpoints),
                                                "series": series.id if series else None})
    for meeting in meetings:
        meeting_booked.send(meeting, actor=actor)
    return meetings


def _targets(meeting: Meeting, scope: str) -> list[Meeting]:
    if scope == "following" and meeting.series_id:
        return list(db.session.scalars(
            select(Meeting).where(Meeting.series_id == meeting.series_id, Meeting.start_at >= meeting.start_at,
                                  Meeting.status.in_(EDITABLE_STATUSES))
            .order_by(Meeting.start_at)
        ))
    return [meeting]


def _snapshot(meeting: Meeting) -> dict:
    return {"title": meeting.title, "agenda": meeting.agenda, "organizer": meeting.organizer, "chair": meeting.chair,
            "host": meeting.host.code, "start": meeting.start_at.isoformat(), "end": meeting.end_at.isoformat(),
            "bridge_to_government": meeting.bridge_to_government, "status": meeting.status,
            "endpoints": sorted(p.endpoint.code for p in meeting.participants)}


def _previous(meeting: Meeting) -> dict:
    """The meeting as `meeting_changed` tells its listeners it was (meetings/core/events.py)."""
    return {"title": meeting.title, "start_at": meeting.start_at, "end_at": meeting.end_at,
            "test_at": meeting.test_at, "status": meeting.status, "host_code": meeting.host.code,
            "endpoint_codes": sorted(p.endpoint.code for p in meeting.participants)}


def ensure_editable(meeting: Meeting) -> None:
    """Only a draft or a scheduled meeting can be changed; ConflictError otherwise."""
    if meeting.status not in EDITABLE_STATUSES:
        raise ConflictError(_("Only a draft or scheduled meeting can be changed."), code="not_editable")


def change_meeting(meeting: Meeting, values: MeetingValues, *, actor: User, scope: str = "this",
                   now: datetime | None = None) -> list[Meeting]:
    """Change a meeting (or it and the following ones of its series) under the same rules as booking.

    A time change moves every targeted occurrence by the same amount. Raises ValidationError,
    ConflictError.
    """
    now = now or utcnow()
    ensure_editable(meeting)
    lock_bookings()
    targets = _targets(meeting, scope)
    start = values.start or meeting.start_at
    end = values.end or (meeting.end_at + (start - meeting.start_at) if values.start else meeting.end_at)
    errors: dict[str, str] = {}
    check_times(start, end, now=now, errors=errors, allow_past=values.start is None)
    check_texts(values, errors)
    if values.status and values.status not in EDITABLE_STATUSES:
        errors["status"] = _("Use cancel to cancel; a meeting can be a draft or scheduled.")
    if errors:
        raise ValidationError(errors)
    host = resolve_host(values.host) if values.host else meeting.host
    endpoint_change = values.endpoints is not None or values.groups is not None or values.host is not None
    if endpoint_change:
        codes = values.endpoints if values.endpoints is not None else [p.endpoint.code for p in meeting.participants]
        endpoints = resolve_endpoints(codes, values.groups or [], host)
    else:
        endpoints = [p.endpoint for p in meeting.participants]
    shift, duration = start - meeting.start_at, end - start
    occurrences = [(t.start_at + shift, t.start_at + shift + duration) for t in targets]
    new_status = values.status or meeting.status
    if new_status == MeetingStatus.SCHEDULED:
        refuse_if_taken(endpoints, occurrences, {t.id for t in targets})
    for target, (occurrence_start, occurrence_end) in zip(targets, occurrences, strict=False):
        _apply(target, values, host, endpoints, occurrence_start, occurrence_end, new_status, actor)
    _flush_or_conflict()
    return targets


def _apply(meeting: Meeting, values: MeetingValues, host: Endpoint, endpoints: list[Endpoint],
           start: datetime, end: datetime, status: str, actor: User) -> None:
    before = _snapshot(meeting)
    previous = _previous(meeting)
    for key in ("title", "agenda", "organizer", "chair", "bridge_to_government"):
        if getattr(values, key) is not None:
            setattr(meeting, key, getattr(values, key))
    test_lead = meeting.start_at - meeting.test_at if meeting.test_at else None
    if values.test_minutes is not None:
        test_lead = timedelta(minutes=values.test_minutes)
    meeting.host, meeting.start_at, meeting.end_at, meeting.status = host, start, end, status
    meeting.test_at = start - test_lead if test_lead is not None else None
    removed = _sync_participants(meeting, endpoints, values.attendees)
    after = _snapshot(meeting)
    changes = audit.diff(before, after)
    if not changes and not values.attendees:
        return
    was_published = before["status"] == MeetingStatus.SCHEDULED
    if was_published:
        meeting.sequence += 1
    audit.record("meeting.update", actor=actor, target_type="meeting", target_id=meeting.id, changes=changes)
    meeting_changed.send(meeting, actor=actor, previous=previous, removed=removed)


def _sync_participants(meeting: Meeting, endpoints: list[Endpoint], attendees: dict[str, int]) -> list[Endpoint]:
    """Make the participants those endpoints; returns the endpoints taken off the meeting."""
    busy_from, busy_until = busy_range(meeting.start_at, meeting.end_at, setup_buffer())
    holds = meeting.status in HOLDING_STATUSES
    wanted = {e.id: e for e in endpoints}
    removed = []
    for participant in list(meeting.participants):
        if participant.endpoint_id not in wanted:
            removed.append(participant.endpoint)
            meeting.participants.remove(participant)
            continue
        participant.busy_from, participant.busy_until, participant.holds_slot = busy_from, busy_until, holds
        participant.is_host = participant.endpoint_id == meeting.host.id
        if participant.endpoint.code in attendees:
            participant.expected_attendees = attendees[participant.endpoint.code]
    present = {p.endpoint_id for p in meeting.participants}
    for endpoint_id, endpoint in wanted.items():
        if endpoint_id not in present:
            meeting.participants.append(Participant(
                endpoint=endpoint, is_host=endpoint_id == meeting.host.id, busy_from=busy_from,
                busy_until=busy_until, holds_slot=holds,
                expected_attendees=attendees.get(endpoint.code, default_attendees(endpoint))))
    return removed


def cancel_meeting(meeting: Meeting, *, actor: User, reason: str = "", scope: str = "this") -> list[Meeting]:
    """Cancel a meeting (or it and the following ones of its series). The meetings stay, cancelled."""
    if meeting.status not in CANCELLABLE_STATUSES:
        raise ConflictError(_("This meeting is already %(status)s.", status=meeting.status), code="not_cancellable")
    if len(reason) > 500:
        raise ValidationError({"reason": _("At most %(n)d characters.", n=500)})
    targets = _targets(meeting, scope)
    now = utcnow()
    for target in targets:
        previous_status = target.status
        target.status, target.cancelled_at, target.cancelled_by_id = MeetingStatus.CANCELLED, now, actor.id
        target.cancel_reason = reason.strip()
        target.sequence += 1
        db.session.execute(update(Participant).where(Participant.meeting_id == target.id).values(holds_slot=False))
        audit.record("meeting.cancel", actor=actor, target_type="meeting", target_id=target.id, summary=reason)
        meeting_cancelled.send(target, actor=actor, reason=target.cancel_reason, previous_status=previous_status)
    db.session.flush()
    return targets


def start_opens_at(meeting: Meeting) -> datetime:
    """The earliest a meeting may be started by hand: the opening of its technical test slot (the test time,
    by default TEST_MINUTES_BEFORE the start, less READINESS_TEST_EARLY_MINUTES), as readiness counts it."""
    config = current_app.config
    test_time = meeting.test_at or meeting.start_at - timedelta(minutes=config["TEST_MINUTES_BEFORE"])
    return test_time - timedelta(minutes=config["READINESS_TEST_EARLY_MINUTES"])


def can_start(meeting: Meeting, now: datetime | None = None) -> bool:
    return meeting.status == MeetingStatus.SCHEDULED and (now or utcnow()) >= start_opens_at(meeting)


def can_put_back(meeting: Meeting, now: datetime | None = None) -> bool:
    """A meeting started by mistake goes back to scheduled while its start has not come."""
    return meeting.status == MeetingStatus.IN_PROGRESS and (now or utcnow()) < meeting.start_at


def set_status(meeting: Meeting, status: str, *, actor: User | None, now: datetime | None = None) -> Meeting:
    """Move a meeting on: scheduled → in_progress → completed (by hand, or by the scheduler), or put a meeting
    started by mistake back to scheduled (before its start). Whatever the path (page, API, CLI, scheduler),
    a meeting cannot start before its technical test slot opens."""
    allowed = {MeetingStatus.IN_PROGRESS: (MeetingStatus.SCHEDULED,),
               MeetingStatus.COMPLETED: (MeetingStatus.SCHEDULED, MeetingStatus.IN_PROGRESS),
               MeetingStatus.SCHEDULED: (MeetingStatus.IN_PROGRESS,)}
    if status not in allowed:
        raise ValidationError({"status": _("Unknown status change.")})
    if meeting.status not in allowed[status]:
        raise ConflictError(_("A %(current)s meeting cannot become %(new)s.", current=meeting.status, new=status),
                            code="status")
    now = now or utcnow()
    if status == MeetingStatus.IN_PROGRESS and now < start_opens_at(meeting):
        raise ConflictError(_("The meeting can be started from %(when)s, when its technical test slot opens.",
                              when=format_datetime(start_opens_at(meeting))), code="too_early")
    if status == MeetingStatus.SCHEDULED and not can_put_back(meeting, now):
        raise ConflictError(_("The meeting's start has come: it can no longer go back to scheduled."),
                            code="status")
    if status == MeetingStatus.COMPLETED and meeting.start_at > now:
        raise ConflictError(_("A meeting that has not started cannot be marked as held."), code="status")
    previous = _previous(meeting)
    before = meeting.status
    meeting.status = status
    audit.record("meeting.status", actor=actor, target_type="meeting", target_id=meeting.id,
                 changes={"status": [before, status]})
    if status == MeetingStatus.COMPLETED:
        meeting_completed.send(meeting, actor=actor, now=now)
    elif status == MeetingStatus.IN_PROGRESS:
        meeting_started.send(meeting, actor=actor, now=now)
    else:
        # Back to scheduled (started by mistake): the listeners plan it again as a scheduled meeting (the MCU its
        # call). Nothing the endpoints were told changed, so the published sequence stays.
        meeting_changed.send(meeting, actor=actor, previous=previous, removed=[])
    return meeting


def advance_statuses(now: datetime) -> int:
    """The scheduler's sweep: start meetings whose time has come, complete those that ended."""
    changed = 0
    due_to_start = list(db.session.scalars(select(Meeting).where(
        Meeting.status == MeetingStatus.SCHEDULED, Meeting.start_at <= now, Meeting.end_at > now)))
    for meeting in due_to_start:
        set_status(meeting, MeetingStatus.IN_PROGRESS, actor=None, now=now)
        changed += 1
    due_to_end = list(db.session.scalars(select(Meeting).where(
        Meeting.status.in_((MeetingStatus.SCHEDULED, MeetingStatus.IN_PROGRESS)), Meeting.end_at <= now)))
    for meeting in due_to_end:
        set_status(meeting, MeetingStatus.COMPLETED, actor=None, now=now)
        changed += 1
    db.session.flush()
    return changed
