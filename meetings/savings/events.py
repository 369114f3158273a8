"""Savings listens to booking and attendance (see meetings.core.events): a held meeting's savings are stored,
and stored again when its attendance changes."""
from __future__ import annotations

import logging

from meetings.auth import audit
from meetings.auth.models import User
from meetings.booking.models import Meeting, MeetingStatus
from meetings.core.events import attendance_changed, meeting_completed
from meetings.savings import services
from meetings.savings.calculator import Rates
from meetings.savings.rates import rate_on

log = logging.getLogger(__name__)


def _on_completed(meeting: Meeting, *, actor: User | None = None, **extra: object) -> None:
    """A meeting was held: store its savings with the rates in force on its day."""
    rate = rate_on(services.meeting_day(meeting))
    if rate is None:
        log.warning("meeting %s held with no cost rates in force: no savings stored", meeting.id)
        return
    snapshot = services.store_snapshot(meeting, rate.to_rates(), rate_id=rate.id, actor=actor, reason="completed")
    audit.record("savings.store", actor=actor, target_type="meeting", target_id=meeting.id,
                 summary=f"rates of {snapshot.rates_effective_from.isoformat()}",
                 changes={"total_vnd": snapshot.total_vnd})


def _on_attendance_changed(meeting: Meeting, *, actor: User | None = None, **extra: object) -> None:
    """Attendance recorded after the meeting was held updates its snapshot, with the snapshot's own rates."""
    services.lock_meeting(meeting)
    if meeting.status != MeetingStatus.COMPLETED:
        return
    snapshot = services.snapshot_of(meeting)
    if snapshot is None:
        _on_completed(meeting, actor=actor)
        return
    services.store_snapshot(meeting, Rates.from_dict(snapshot.rates), rate_id=snapshot.rate_id, actor=actor,
                            reason="attendance")


meeting_completed.connect(_on_completed, weak=False)
attendance_changed.connect(_on_attendance_changed, weak=False)
