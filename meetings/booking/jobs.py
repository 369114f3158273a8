"""The booking domain's scheduled sweeps."""
from __future__ import annotations

from datetime import datetime

from meetings.booking.services import advance_statuses
from meetings.scheduler.sweep import Sweep


def advance_meeting_statuses(now: datetime) -> int:
    """Start meetings whose time has come and complete those that have ended."""
    return advance_statuses(now)


SWEEPS = [Sweep("advance-statuses", advance_meeting_statuses, 60)]
