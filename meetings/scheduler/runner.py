"""Running sweeps: one pass of one sweep in its own app context, and the scheduler that repeats them."""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import UTC

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from meetings.database import utcnow
from meetings.extensions import db
from meetings.scheduler.sweep import Sweep

log = logging.getLogger(__name__)


def run_sweep(app: Flask, sweep: Sweep) -> int | None:
    """One pass in a fresh app context, committed once; None when it failed (rolled back and logged)."""
    with app.app_context():
        try:
            handled = sweep.function(now=utcnow())
            db.session.commit()
        except Exception:  # a failing sweep must never stop the scheduler or the other sweeps
            db.session.rollback()
            log.exception("sweep %s failed", sweep.name)
            return None
    if handled:
        log.info("sweep %s handled %s item(s)", sweep.name, handled)
    return handled


def schedule_sweeps(scheduler: BaseScheduler, app: Flask, sweeps: Iterable[Sweep]) -> None:
    """One interval job per sweep, first run at once; a late or overlapping run is merged, not stacked."""
    for sweep in sweeps:
        scheduler.add_job(run_sweep, "interval", args=(app, sweep), id=sweep.name, name=sweep.name,
                          seconds=sweep.interval_seconds, next_run_time=utcnow(), coalesce=True,
                          max_instances=1, misfire_grace_time=sweep.interval_seconds)


def watch_lock(scheduler: BaseScheduler, still_held: Callable[[], bool], interval_seconds: int = 30) -> None:
    """Stop the scheduler if its lock is lost (say, PostgreSQL restarted), so that two never run at once."""

    def check() -> None:
        if not still_held():
            log.error("scheduler lock lost; stopping so that another scheduler can take over")
            scheduler.shutdown(wait=False)

    scheduler.add_job(check, "interval", id="scheduler-lock-check", name="scheduler-lock-check",
                      seconds=interval_seconds, coalesce=True, max_instances=1)


def build_scheduler(app: Flask, sweeps: Iterable[Sweep], *, still_held: Callable[[], bool],
                    scheduler_class: type[BaseScheduler] = BlockingScheduler) -> BaseScheduler:
    """A scheduler (not started) that runs every sweep and watches its single-instance lock."""
    scheduler = scheduler_class(timezone=UTC)
    # APScheduler logs every run, and every job it adds ("Adding job tentatively ..."), at INFO; run_sweep logs
    # what each run did, and failures; the CLI says which sweeps started. Its warnings (missed runs) still show.
    logging.getLogger("apscheduler.executors").setLevel(logging.WARNING)
    logging.getLogger("apscheduler.scheduler").setLevel(logging.WARNING)
    schedule_sweeps(scheduler, app, sweeps)
    watch_lock(scheduler, still_held)
    return scheduler
