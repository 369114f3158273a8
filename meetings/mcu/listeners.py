"""The MCU listens to the meetings (booking never imports it) and to its own call records.

Every listener runs inside the sender's transaction: what it queues commits, or rolls back, with the change
that caused it. With no MCU_DRIVER they do nothing.
"""
from __future__ import annotations

import logging

from meetings.booking.models import MeetingStatus
from meetings.core.events import meeting_booked, meeting_cancelled, meeting_changed, meeting_started
from meetings.mcu import services
from meetings.mcu.models import ActionKind, ConferenceState
from meetings.mcu.signals import leg_recorded

log = logging.getLogger(__name__)


def on_booked(meeting, **extra) -> None:
    if not services.enabled() or meeting.status not in services.ACTIVE_MEETING_STATUSES:
        return
    services.ensure_conference(meeting)


def on_changed(meeting, previous: dict | None = None, **extra) -> None:
    if not services.enabled():
        return
    conference = services.conference_of(meeting.id)
    if conference is None:
        if meeting.status in services.ACTIVE_MEETING_STATUSES:
            services.ensure_conference(meeting)
        return
    if conference.state == ConferenceState.REMOVED:
        return
    previous = previous or {}
    if "title" not in previous or previous.get("title") != meeting.title:
        if conference.space_id and not services.has_open(meeting.id, ActionKind.RENAME_SPACE):
            services.queue(ActionKind.RENAME_SPACE, meeting.id)
    times_moved = any(previous.get(key) not in (None, getattr(meeting, key)) for key in ("start_at", "test_at"))
    if times_moved and conference.state != ConferenceState.ACTIVE:
        conference.test_dialled_at = conference.start_dialled_at = None  # the new test time will dial
    if meeting.status == MeetingStatus.SCHEDULED and previous.get("status") not in (None, MeetingStatus.SCHEDULED):
        services.plan_again(meeting, conference)
    services.sync_rows(meeting)


def on_cancelled(meeting, **extra) -> None:
    if not services.enabled():
        return
    conference = services.conference_of(meeting.id)
    if conference is None or conference.state == ConferenceState.REMOVED:
        return
    services.end_call(meeting, actor=None)
    if not services.has_open(meeting.id, ActionKind.REMOVE_SPACE):
        services.queue(ActionKind.REMOVE_SPACE, meeting.id)


def on_started(meeting, **extra) -> None:
    """Nothing to queue here: the sweep redials at the start time itself (a restart does not miss it)."""


def on_leg_recorded(sender, *, meeting_id=None, call_id=None, leg_id=None, endpoint_code=None, remote_party=None,
                    direction=None, event=None, reason=None, connected=False, at=None, **extra) -> None:
    if not leg_id or event not in ("started", "connected", "ended"):
        return
    services.record_leg_event(meeting_id=meeting_id, call_id=call_id, leg_id=leg_id, event=event,
                              endpoint_code=endpoint_code, remote_party=remote_party, direction=direction,
                              reason=reason, connected=bool(connected), at=at)


def connect() -> None:
    meeting_booked.connect(on_booked, weak=False)
    meeting_changed.connect(on_changed, weak=False)
    meeting_cancelled.connect(on_cancelled, weak=False)
    meeting_started.connect(on_started, weak=False)
    leg_recorded.connect(on_leg_recorded, weak=False)


connect()
