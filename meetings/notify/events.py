"""Notify listens to booking (see meetings.core.events): every announced meeting, change and cancellation
becomes one mail per endpoint, queued in the booking's transaction."""
from __future__ import annotations

from meetings.auth.models import User
from meetings.booking.models import Meeting, MeetingStatus
from meetings.core.events import meeting_booked, meeting_cancelled, meeting_changed
from meetings.notify.invitations import queue_meeting_notifications, queue_removal_notifications

ANNOUNCED = MeetingStatus.SCHEDULED  # drafts are not announced


def _on_booked(meeting: Meeting, *, actor: User | None = None, **extra: object) -> None:
    if meeting.status == ANNOUNCED:
        queue_meeting_notifications(meeting, "created")


def _on_changed(meeting: Meeting, *, previous: dict | None = None, removed: list | None = None,
                actor: User | None = None, **extra: object) -> None:
    if meeting.status != ANNOUNCED:
        return
    # A sender that does not say the former status changed something else than the status.
    previous_status = (previous or {}).get("status", meeting.status)
    if previous_status == MeetingStatus.IN_PROGRESS:
        return  # put back to scheduled after a mistaken start: the endpoints were never told it started
    was_announced = previous_status == ANNOUNCED
    queue_meeting_notifications(meeting, "updated" if was_announced else "created")
    if was_announced and removed:
        queue_removal_notifications(meeting, removed)


def _on_cancelled(meeting: Meeting, *, previous_status: str | None = None, actor: User | None = None,
                  **extra: object) -> None:
    if previous_status != MeetingStatus.DRAFT:
        queue_meeting_notifications(meeting, "cancelled")


meeting_booked.connect(_on_booked, weak=False)
meeting_changed.connect(_on_changed, weak=False)
meeting_cancelled.connect(_on_cancelled, weak=False)
