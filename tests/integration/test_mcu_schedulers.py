"""Two schedulers sweeping the same database at once, against a slow MCU: every room dialled once."""
from __future__ import annotations

import threading
from collections import Counter
from contextlib import contextmanager
from datetime import timedelta

from meetings import create_app
from meetings.database import utcnow
from meetings.extensions import db
from meetings.mcu.jobs import sweeps
from meetings.mcu.simulator.server import wait_until
from meetings.mcu.simulator.state import Faults
from meetings.scheduler.runner import run_sweep
from tests.conftest import build_database, make_settings, throwaway_database
from tests.factories import make_meeting
from tests.integration.mcu_helpers import FAST, ROOMS
from tests.mcu_sim import mcu_settings, simulated_mcu

SETTINGS = {**FAST, "MCU_CDR_TOKEN": ""}


@contextmanager
def meeting_testing_on_the_mcu(tmp_path, label: str, faults: Faults, rooms=ROOMS):
    """A fresh database holding one meeting whose technical test time has come, and an app pointed at a
    simulated MCU. Yields (app, mcu, database URL, MCU URL)."""
    with throwaway_database(tmp_path, label) as database_url, simulated_mcu(faults=faults) as (url, mcu):
        app = create_app(make_settings(database_url, **mcu_settings(url), **SETTINGS))
        build_database(app)
        with app.app_context():
            now = utcnow().replace(microsecond=0)
            start = now + timedelta(minutes=30)
            make_meeting(participants=rooms, start_at=start, end_at=start + timedelta(hours=2),
                         test_at=now - timedelta(minutes=1))
            db.session.commit()
        try:
            yield app, mcu, database_url, url
        finally:
            with app.app_context():
                db.engine.dispose()


def mcu_sweep():
    [sweep] = [s for s in sweeps() if s.name == "mcu"]
    return sweep


def test_two_schedulers_at_once_never_dial_a_room_twice(tmp_path, separate_connections):
    faults = Faults(latency=0.05, error_rate=0.1, seed=5)
    with meeting_testing_on_the_mcu(tmp_path, "mcu_two", faults) as (app, mcu, _database_url, _url):
        sweep = mcu_sweep()
        stop = threading.Event()

        def scheduler():
            while not stop.is_set():
                run_sweep(app, sweep)

        threads = [threading.Thread(target=scheduler, daemon=True) for _ in range(2)]
        for thread in threads:
            thread.start()
        try:
            rooms = len(ROOMS) + 1
            assert wait_until(lambda: sum(leg.state == "connected" for leg in mcu.live_legs()) == rooms, timeout=60)
            for _ in range(10):  # both keep sweeping over a connected call
                run_sweep(app, sweep)
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=30)
        dialled = Counter(dial["remote_party"] for dial in mcu.dials)
        assert len(dialled) == rooms and set(dialled.values()) == {1}
        assert set(Counter(leg.remote_party for leg in mcu.live_legs()).values()) == {1}
        assert len(mcu.spaces) == 1 and len(mcu.calls) == 1


def test_killing_the_sweep_mid_dial_then_sweeping_again_dials_nobody_twice(tmp_path, separate_connections):
    import os
    import signal
    import subprocess
    import sys
    import time

    from meetings import PROJECT_ROOT
    from meetings.mcu.sweep import run_mcu_sweep
    from tests.mcu_sim import PASSWORD, USERNAME

    faults = Faults(latency=0.25)  # every answer comes back 250 ms after the work is done
    with meeting_testing_on_the_mcu(tmp_path, "mcu_kill", faults) as (app, mcu, database_url, url):
        env = {**os.environ, "FLASK_APP": "wsgi", "APP_ENV": "development", "DATABASE_URL": database_url,
               "MCU_DRIVER": "cms", "MCU_URL": url, "MCU_USERNAME": USERNAME, "MCU_PASSWORD": PASSWORD,
               "MCU_RETRIES": "0", "MCU_CDR_TOKEN": ""}
        process = subprocess.Popen([sys.executable, "-m", "flask", "jobs", "run", "mcu"], cwd=PROJECT_ROOT, env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while len(mcu.dials) < 3 and time.monotonic() < deadline and process.poll() is None:
                time.sleep(0.02)
            assert process.poll() is None, process.stdout.read().decode()[-3000:]
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        finally:
            if process.poll() is None:
                process.kill()
        killed_after = len(mcu.dials)
        assert 3 <= killed_after < len(ROOMS) + 1
        faults.latency = 0.0
        later = utcnow() + timedelta(seconds=app.config["MCU_CLAIM_LEASE_SECONDS"] + 5)
        rooms = len(ROOMS) + 1
        for _ in range(60):
            with app.app_context():
                run_mcu_sweep(later)
                db.session.commit()
            if sum(leg.state == "connected" for leg in mcu.live_legs()) == rooms:
                break
            time.sleep(0.2)
            later += timedelta(seconds=5)
        dialled = Counter(dial["remote_party"] for dial in mcu.dials)
        assert len(dialled) == rooms and set(dialled.values()) == {1}
        assert set(Counter(leg.remote_party for leg in mcu.live_legs()).values()) == {1}


def test_two_sweeps_starting_one_meeting_at_the_same_moment_start_one_call(tmp_path, separate_connections):
    """Both find no call on the slow MCU at once; the lease on the conference lets only one ask for a call."""
    faults = Faults(latency=0.3)
    rooms = ROOMS[:2]
    with meeting_testing_on_the_mcu(tmp_path, "mcu_start", faults, rooms) as (app, mcu, _database_url, _url):
        run_mcu_sweep_once = mcu_sweep()
        barrier = threading.Barrier(2)

        def sweep_now():
            barrier.wait()
            run_sweep(app, run_mcu_sweep_once)

        threads = [threading.Thread(target=sweep_now, daemon=True) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        faults.latency = 0.0
        assert wait_until(lambda: (run_sweep(app, run_mcu_sweep_once) or True)
                          and sum(leg.state == "connected" for leg in mcu.live_legs()) == len(rooms) + 1, timeout=30)
        assert len(mcu.spaces) == 1 and len(mcu.calls) == 1
        assert set(Counter(dial["remote_party"] for dial in mcu.dials).values()) == {1}
