"""The scheduler: sweeps run by name, one scheduler at a time, and a failing sweep harms no other."""
from __future__ import annotations

import time
from pathlib import Path

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy import select

from meetings import PROJECT_ROOT
from meetings.extensions import db
from meetings.notify.models import OutgoingMail
from meetings.notify.services import queue_mail
from meetings.scheduler import registry
from meetings.scheduler.lock import SchedulerAlreadyRunning, advisory_lock, file_lock, lock_file_path, scheduler_lock
from meetings.scheduler.runner import build_scheduler, run_sweep
from meetings.scheduler.sweep import Sweep
from tests.factories import set_aside_queued_mail


def _dialect(app) -> str:
    with app.app_context():
        return db.engine.dialect.name


@pytest.fixture
def sqlite_lock_file(app):
    """The lock file `scheduler_lock` uses on SQLite, removed afterwards (it lives under instance/)."""
    path = lock_file_path(app)
    yield path
    path.unlink(missing_ok=True)


class Counting:
    def __init__(self):
        self.runs = 0

    def __call__(self, now) -> int:
        self.runs += 1
        return 1


class Failing:
    def __init__(self):
        self.runs = 0

    def __call__(self, now) -> int:
        self.runs += 1
        queue_mail(["rollback@moj.gov.vn"], "written by a failing sweep", "x")
        db.session.flush()
        raise RuntimeError("the sweep broke")


def test_every_domain_contributes_its_sweeps():
    sweeps = {sweep.name: sweep for sweep in registry.all_sweeps()}
    assert {"send-mail", "advance-statuses"} <= set(sweeps)
    assert sweeps["send-mail"].interval_seconds == 30 and sweeps["advance-statuses"].interval_seconds == 60


def test_a_job_runs_by_name(app):
    set_aside_queued_mail()
    mail = queue_mail(["thads@angiang.moj.gov.vn"], "Giấy mời: chạy tay", "x")
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["jobs", "run", "send-mail"])
    assert result.exit_code == 0, result.output
    assert "send-mail: 1 handled." in result.output
    db.session.expire_all()
    assert db.session.get(OutgoingMail, mail.id).state == "logged"


def test_an_unknown_job_lists_the_names(app):
    result = app.test_cli_runner().invoke(args=["jobs", "run", "send-everything"])
    assert result.exit_code != 0
    assert "Unknown job 'send-everything'" in result.output
    assert all(name in result.output for name in ("advance-statuses", "send-mail"))
    listed = app.test_cli_runner().invoke(args=["jobs", "list"])
    assert "send-mail\tevery 30 s" in listed.output


def test_a_failing_job_is_rolled_back_and_reported(app, monkeypatch):
    monkeypatch.setattr(registry, "all_sweeps", lambda: [Sweep("boom", Failing(), 60)])
    result = app.test_cli_runner().invoke(args=["jobs", "run", "boom"])
    assert result.exit_code != 0 and "boom failed" in result.output
    assert db.session.scalar(select(OutgoingMail).where(OutgoingMail.subject == "written by a failing sweep")) is None


def test_run_sweep_commits_once_and_returns_the_count(app):
    def queue_one(now) -> int:
        queue_mail(["a@moj.gov.vn"], "từ một sweep", "x")
        return 1

    assert run_sweep(app, Sweep("queue-one", queue_one, 60)) == 1
    assert db.session.scalar(select(OutgoingMail).where(OutgoingMail.subject == "từ một sweep")) is not None


def test_a_failing_sweep_does_not_stop_the_others(app, separate_connections):
    failing, counting = Failing(), Counting()
    sweeps = [Sweep("boom", failing, 1), Sweep("count", counting, 1)]
    scheduler = build_scheduler(app, sweeps, still_held=lambda: True, scheduler_class=BackgroundScheduler)
    scheduler.start()
    try:
        deadline = time.monotonic() + 15
        while (failing.runs < 2 or counting.runs < 2) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        scheduler.shutdown(wait=True)
    assert failing.runs >= 2 and counting.runs >= 2
    with app.app_context():
        assert db.session.scalar(select(OutgoingMail).where(
            OutgoingMail.subject == "written by a failing sweep")) is None


def test_each_sweep_is_one_interval_job_that_never_piles_up(app):
    sweeps = [Sweep("count", Counting(), 45)]
    scheduler = build_scheduler(app, sweeps, still_held=lambda: True, scheduler_class=BackgroundScheduler)
    job = scheduler.get_job("count")
    assert job.trigger.interval.total_seconds() == 45
    assert job.coalesce is True and job.max_instances == 1
    assert scheduler.get_job("scheduler-lock-check") is not None


def test_a_lost_lock_stops_the_scheduler(app, separate_connections):
    held = {"value": True}
    scheduler = build_scheduler(app, [], still_held=lambda: held["value"], scheduler_class=BackgroundScheduler)
    scheduler.start()
    check = scheduler.get_job("scheduler-lock-check").func
    check()
    assert scheduler.running
    held["value"] = False
    check()
    assert not scheduler.running


def test_the_file_lock_refuses_a_second_holder(tmp_path):
    path = tmp_path / "scheduler.lock"
    with file_lock(path):
        with pytest.raises(SchedulerAlreadyRunning, match="already running"):
            with file_lock(path):
                pass
    with file_lock(path):  # released with the first holder
        pass


def test_the_file_lock_refuses_another_process(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "scheduler.lock"
    code = ("import sys; from pathlib import Path; from meetings.scheduler.lock import file_lock, "
            "SchedulerAlreadyRunning\ntry:\n    with file_lock(Path(sys.argv[1])): pass\n"
            "except SchedulerAlreadyRunning as e:\n    print(e); sys.exit(3)")
    with file_lock(path):
        busy = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True,
                              cwd=PROJECT_ROOT)
    assert busy.returncode == 3 and "already running" in busy.stdout
    free = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, cwd=PROJECT_ROOT)
    assert free.returncode == 0, free.stderr


def test_the_advisory_lock_refuses_a_second_holder(app):
    if _dialect(app) != "postgresql":
        pytest.skip("PostgreSQL advisory locks need PostgreSQL")
    with advisory_lock(db.engine) as still_held:
        assert still_held()
        with pytest.raises(SchedulerAlreadyRunning, match="advisory lock"):
            with advisory_lock(db.engine):
                pass
    with advisory_lock(db.engine):
        pass


def test_scheduler_lock_uses_the_databases_own_kind(app, sqlite_lock_file):
    with app.app_context(), scheduler_lock(app):
        if db.engine.dialect.name == "sqlite":
            assert sqlite_lock_file.exists() and sqlite_lock_file.parent == Path(app.instance_path)
        with pytest.raises(SchedulerAlreadyRunning):
            with scheduler_lock(app):
                pass


def test_a_second_scheduler_process_exits_with_a_clear_message(app, sqlite_lock_file):
    with app.app_context(), scheduler_lock(app):
        result = app.test_cli_runner().invoke(args=["scheduler", "run"])
    assert result.exit_code == 1
    assert "Another scheduler is already running" in result.output


def test_scheduler_run_starts_every_sweep_and_releases_its_lock(app, sqlite_lock_file, monkeypatch):
    seen = {}

    def fake_start(scheduler, *args, **kwargs):
        seen["jobs"] = {job.id: job for job in scheduler.get_jobs()}
        raise KeyboardInterrupt

    monkeypatch.setattr(BlockingScheduler, "start", fake_start)
    result = app.test_cli_runner().invoke(args=["scheduler", "run"])
    assert result.exit_code == 0, result.output
    assert "Scheduler started: advance-statuses (every 60 s), send-mail (every 30 s)" in result.output
    assert "Scheduler stopped." in result.output
    assert {"advance-statuses", "send-mail", "scheduler-lock-check"} <= set(seen["jobs"])
    with app.app_context(), scheduler_lock(app):
        pass
