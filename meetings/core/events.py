"""The named domain events: who sends each and what it carries.

Senders never import their listeners. A listener subscribes where it lives (its domain's `events.py`,
connected at import with `weak=False`; the factory imports every such module) and runs inside the
sender's transaction: whatever it writes (mail, outbox rows, MCU actions) commits or rolls back with
the change that caused it. Listeners flush at most, never commit, and must not rely on running
before or after another listener (blinker does not promise an order).

Every event's sender is the object named; keyword arguments are listed per event, and listeners
accept `**extra` so that new arguments can be added.

Who listens today:
- meeting_booked, meeting_changed, meeting_cancelled: notify (meetings.notify.events: invitation,
  change, cancellation and removal mails), the bridge (meetings.bridge.events: the government
  outbox) and the MCU (meetings.mcu.listeners: the meeting's space and call, planned again when the
  meeting is scheduled again).
- meeting_completed: savings (meetings.savings.events: the meeting's savings snapshot).
- readiness_answered: the bridge (the headquarters' answer goes to the government conference).
- attendance_changed: savings (the snapshot of a held meeting is computed again).
"""
from __future__ import annotations

from blinker import signal

meeting_booked = signal("meeting-booked", doc="""A meeting was booked (a series sends one per occurrence).

Sender: booking, after the meeting and its participants are flushed. Sender object: the Meeting, with
its participants and host (status "scheduled" or "draft": listeners check it). Keywords: actor (User).""")

meeting_changed = signal("meeting-changed", doc="""A meeting's details, time, status or endpoints changed.

Sender: booking, once per changed occurrence, after the change is applied (the meeting's `sequence` is
already raised if it was published; participants may still be unflushed). Sender object: the Meeting
after the change. Keywords: actor (User); previous (a dict of the meeting before the change:
"title", "start_at", "end_at", "test_at" (aware UTC datetimes or None), "status", "host_code",
"endpoint_codes" (a sorted list)); removed (the Endpoints taken off the meeting, a list, maybe empty).
Not sent when nothing changed. Also sent when a meeting started by mistake is put back to scheduled
(previous "status" is "in_progress", nothing else changed, `sequence` unchanged, removed empty).""")

meeting_cancelled = signal("meeting-cancelled", doc="""A meeting was cancelled (it stays, with status "cancelled").

Sender: booking, once per cancelled occurrence. Sender object: the Meeting (already cancelled, its
participants no longer hold their slots). Keywords: actor (User); reason (str, may be empty);
previous_status ("draft", "scheduled" or "in_progress": a draft was never announced).""")

meeting_started = signal("meeting-started", doc="""A meeting moved to in progress (by hand or by the scheduler).

Sender: booking. Sender object: the Meeting. Keywords: actor (User, or None for the scheduler), now.""")

meeting_completed = signal("meeting-completed", doc="""A meeting was held (by hand or by the scheduler).

Sender: booking. Sender object: the Meeting. Keywords: actor (User, or None for the scheduler), now.""")

readiness_answered = signal("readiness-answered", doc="""An endpoint's readiness answer or test result changed.

Sender: readiness, after the change is recorded (before its flush). Sender object: the Participant.
Keywords: meeting (Meeting); endpoint (Endpoint); aspect ("answer" or "test"); status (the new state:
"pending", "ready", "not_ready" for an answer, "test_ok", "test_failed" for a test); note (str);
previous (the former state, None for a first test); actor (User, or None for the e-mail link);
channel ("web", "api" or "link").""")

attendance_changed = signal("attendance-changed", doc="""Attendance of a meeting changed (by hand, import or MCU).

Sender: attendance. Sender object: the Meeting. Keywords: actor (User or None).""")
