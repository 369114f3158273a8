"""The MCU call records' sweep: process again the pushed bodies whose processing failed when they arrived."""
from __future__ import annotations

from datetime import datetime

from flask import current_app

from meetings.mcu.records import due_batches, process_safely
from meetings.scheduler.sweep import Sweep

BATCHES_PER_PASS = 50


def process_pending_batches(now: datetime) -> int:
    """Each due pending batch in its own savepoint (a failing one waits longer, the others go on); returns how
    many were processed. Processing is idempotent, so a batch taken twice changes nothing the second time."""
    max_attempts = current_app.config["MCU_CDR_MAX_ATTEMPTS"]
    done = 0
    for batch in due_batches(now, BATCHES_PER_PASS):
        if process_safely(batch, now=now, max_attempts=max_attempts) is not None:
            done += 1
    return done


SWEEPS = [Sweep("mcu-cdr", process_pending_batches, 60)]
