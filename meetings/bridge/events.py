"""The bridge listens to booking and readiness (see meetings.core.events): what the government system must
learn is written to the outbox in the same transaction as the change."""
from __future__ import annotations

from meetings.booking.models import Meeting, MeetingStatus, Participant
from meetings.bridge import outbox
from meetings.core.events import meeting_booked, meeting_cancelled, meeting_changed, readiness_answered


def _on_booked(meeting: Meeting, **extra: object) -> None:
    if meeting.status == MeetingStatus.SCHEDULED:  # a draft is not published
        outbox.record_meeting_change(meeting)


def _on_changed_or_cancelled(meeting: Meeting, **extra: object) -> None:
    outbox.record_meeting_change(meeting)


def _on_readiness_answered(participant: Participant, *, meeting: Meeting, aspect: str, status: str, note: str,
                           **extra: object) -> None:
    # The main point's answer is the Ministry's answer to the government conference, if any.
    if aspect == "answer" and participant.is_host:
        outbox.record_readiness_change(meeting, status, note)


meeting_booked.connect(_on_booked, weak=False)
meeting_changed.connect(_on_changed_or_cancelled, weak=False)
meeting_cancelled.connect(_on_changed_or_cancelled, weak=False)
readiness_answered.connect(_on_readiness_answered, weak=False)
