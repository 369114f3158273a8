"""When readiness is open, when the technical test slot is, and which reminder is due; pure functions."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from meetings.booking.models import MeetingStatus

OPEN_STATUSES = (MeetingStatus.SCHEDULED,)
TEST_STATUSES = (MeetingStatus.SCHEDULED, MeetingStatus.IN_PROGRESS)


def is_open(status: str, start_at: datetime, now: datetime) -> bool:
    """Answers are taken for a scheduled meeting until it starts."""
    return status in OPEN_STATUSES and now < start_at


@dataclass(frozen=True)
class TechnicalSlot:
    opens_at: datetime
    closes_at: datetime

    def contains(self, moment: datetime) -> bool:
        return self.opens_at <= moment < self.closes_at


def technical_slot(start_at: datetime, end_at: datetime, test_at: datetime | None, *, default_lead: timedelta,
                   early: timedelta) -> TechnicalSlot:
    """From a little before the technical test time (default: `default_lead` before the start) to the end:
    technicians also test a reconnection during the meeting."""
    test_time = test_at or start_at - default_lead
    return TechnicalSlot(opens_at=test_time - early, closes_at=end_at)


def reminder_kind(offset_minutes: int) -> str:
    return f"reminder-{offset_minutes}"


def due_offset(start_at: datetime, invited_at: datetime, now: datetime, offsets: Iterable[int]) -> int | None:
    """The reminder offset (minutes before the start) an endpoint should have had by `now`, or None.

    Only the latest offset that has come counts: a scheduler that was down through two offsets sends one
    reminder, not two. An offset that had already passed when the endpoint was invited is never due (the
    invitation itself was the message).
    """
    if now >= start_at:
        return None
    passed = [minutes for minutes in offsets
              if start_at - timedelta(minutes=minutes) <= now
              and invited_at <= start_at - timedelta(minutes=minutes)]
    return min(passed) if passed else None


def escalation_due(start_at: datetime, now: datetime, minutes: int) -> bool:
    return start_at - timedelta(minutes=minutes) <= now < start_at
