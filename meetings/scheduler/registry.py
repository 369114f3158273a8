"""The one list of periodic sweeps, gathered from each domain's jobs module."""
from __future__ import annotations

from meetings.scheduler.sweep import Sweep


def all_sweeps() -> list[Sweep]:
    """Every domain's sweeps; names are unique (ValueError otherwise)."""
    # Imported when asked for, so that loading the CLI does not import every domain's services.
    from meetings.booking.jobs import SWEEPS as booking_sweeps
    from meetings.bridge.jobs import SWEEPS as bridge_sweeps
    from meetings.mcu.jobs import SWEEPS as mcu_sweeps
    from meetings.notify.jobs import SWEEPS as notify_sweeps
    from meetings.readiness.jobs import SWEEPS as readiness_sweeps

    sweeps = [*booking_sweeps, *notify_sweeps, *bridge_sweeps, *readiness_sweeps, *mcu_sweeps]
    names = [sweep.name for sweep in sweeps]
    if len(names) != len(set(names)):
        raise ValueError(f"duplicate sweep names in {names}")
    return sweeps
