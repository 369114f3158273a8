"""The readiness domain's scheduled sweeps: reminders and the booker's alert, and the automatic probes."""
from __future__ import annotations

from meetings.readiness.monitoring import probe_due_endpoints
from meetings.readiness.reminders import send_due_reminders
from meetings.scheduler.sweep import Sweep

SWEEPS = [
    Sweep("send-reminders", send_due_reminders, 60),
    Sweep("probe-endpoints", probe_due_endpoints, 60),
]
