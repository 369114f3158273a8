"""The named domain events: who sends each and what it carries.

Senders never import their listeners. A listener subscribes where it lives (its domain's
`events.py` or `services.py`, connected with `weak=False`) and runs inside the sender's
transaction: whatever it writes (mail, outbox, MCU actions) commits or rolls back with the
change that caused it. Listeners must not commit.

Every event's sender is the object named; keyword arguments are listed per event, and
listeners accept `**extra` so that new arguments can be added.
"""
from __future__ import annotations

from blinker import signal

meeting_booked = signal("meeting-booked", doc="""A meeting (one occurrence) was booked and flushed.

Sender: booking. Sender object: the Meeting, participants loaded. Keywords: actor (User or None).""")

meeting_changed = signal("meeting-changed", doc="""A booked meeting's time, title or endpoints changed and were flushed.

Sender: booking. Sender object: the Meeting after the change. Keywords: actor, previous (a dict with the
former "title", "start_at", "end_at", "test_at" and "endpoint_codes"), removed (the Participants taken out).""")

meeting_cancelled = signal("meeting-cancelled", doc="""A meeting was cancelled (it stays, with status cancelled).

Sender: booking. Sender object: the Meeting. Keywords: actor, reason (str).""")

meeting_started = signal("meeting-started", doc="""A meeting moved to in progress (by hand or by the scheduler).

Sender: booking. Sender object: the Meeting. Keywords: actor (None for the scheduler), now.""")

meeting_completed = signal("meeting-completed", doc="""A meeting was held (by hand or by the scheduler).

Sender: booking. Sender object: the Meeting. Keywords: actor (None for the scheduler), now.""")

readiness_answered = signal("readiness-answered", doc="""An endpoint's readiness answer or test result changed.

Sender: readiness. Sender object: the Participant. Keywords: meeting, endpoint, aspect ("answer" or
"test"), status (the new state), actor (User or None), via ("web", "api", "link", "mcu").""")

attendance_changed = signal("attendance-changed", doc="""Attendance of a meeting changed (by hand, import or MCU).

Sender: attendance. Sender object: the Meeting. Keywords: actor (User or None).""")
