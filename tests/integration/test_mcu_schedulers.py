"""Two schedulers sweeping the same database at once, against a slow MCU: every room dialled once."""
from __future__ import annotations

import threading
from collections import Counter
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


def test_two_schedulers_at_once_never_dial_a_room_twice(tmp_path, separate_connections):
    faults = Faults(latency=0.05, error_rate=0.1, seed=5)
    with throwaway_database(tmp_path, "mcu_two") as database_url, simulated_mcu(faults=faults) as (url, mcu):
        app = create_app(make_settings(database_url, **mcu_settings(url), **{**FAST, "MCU_CDR_TOKEN": ""}))
        build_database(app)
        with app.app_context():
            now = utcnow().replace(microsecond=0)
            start = now + timedelta(minutes=30)
            make_meeting(participants=ROOMS, start_at=start, end_at=start + timedelta(hours=2),
                         test_at=now - timedelta(minutes=1))
            db.session.commit()
        [sweep] = [s for s in sweeps() if s.name == "mcu"]
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
        with app.app_context():
            db.engine.dispose()
