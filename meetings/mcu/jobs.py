"""The MCU's sweep for the scheduler: every MCU_SWEEP_SECONDS (read when the scheduler starts)."""
from __future__ import annotations

from flask import current_app, has_app_context

from meetings.mcu.sweep import run_mcu_sweep
from meetings.scheduler.sweep import Sweep


def _interval() -> int:
    if has_app_context():
        return max(int(current_app.config.get("MCU_SWEEP_SECONDS", 15)), 1)
    return 15


def sweeps() -> list[Sweep]:
    return [Sweep("mcu", run_mcu_sweep, _interval())]


SWEEPS = sweeps()
