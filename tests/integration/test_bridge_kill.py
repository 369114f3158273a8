"""Killing the delivering process mid-way and starting again: no message lost, no write done twice."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from meetings import PROJECT_ROOT, create_app
from meetings.auth.models import User
from meetings.booking.services import book_meeting
from meetings.booking.validation import MeetingValues
from meetings.bridge.delivery import deliver_outbox
from meetings.bridge.models import OutboxMessage
from meetings.bridge.simulator.app import Faults
from meetings.bridge.simulator.server import running
from meetings.database import utcnow
from meetings.extensions import db
from tests.conftest import build_database, make_settings, throwaway_database
from tests.factories import future_day
from tests.integration.govconf_helpers import FAST, KEY_ID, SECRET, simulator

MEETINGS = 20


def _book_all(app) -> None:
    with app.app_context():
        booker = db.session.scalar(select(User).where(User.username == "booker"))
        first = future_day(3).replace(hour=0)
        for index in range(MEETINGS):
            start = first + timedelta(hours=3 * index)
            book_meeting(MeetingValues(title=f"Giao ban {index}", start=start, end=start + timedelta(hours=1),
                                       endpoints=["thads-an-giang"], bridge_to_government=True), actor=booker)
        db.session.commit()


def _delivery_process(database_url: str, govconf_url: str) -> subprocess.Popen:
    env = {**os.environ, "FLASK_APP": "wsgi", "APP_ENV": "development", "DATABASE_URL": database_url,
           "GOVCONF_URL": govconf_url, "GOVCONF_KEY_ID": KEY_ID, "GOVCONF_SECRET": SECRET,
           "GOVCONF_READ_TIMEOUT": "5", "GOVCONF_RATE_PER_SECOND": "0"}
    return subprocess.Popen([sys.executable, "-m", "flask", "jobs", "run", "deliver-outbox"], cwd=PROJECT_ROOT,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_killing_delivery_midway_loses_and_duplicates_nothing(tmp_path, separate_connections):
    # Every answer comes back 100 ms after the work is done: the kill lands between the two.
    sim = simulator(capacity=1000, faults=Faults(latency=0.1))
    with throwaway_database(tmp_path, "bridge_kill") as database_url, running(sim) as govconf_url:
        app = create_app(make_settings(database_url, **FAST, GOVCONF_URL=govconf_url))
        build_database(app)
        _book_all(app)
        process = _delivery_process(database_url, govconf_url)
        try:
            deadline = time.monotonic() + 60
            while len(sim.government.effects) < 5 and time.monotonic() < deadline and process.poll() is None:
                time.sleep(0.01)
            os.kill(process.pid, signal.SIGKILL)  # no clean-up, no rollback, no goodbye
        finally:
            process.wait(timeout=30)
        done_before = len(sim.government.effects)
        assert 5 <= done_before < MEETINGS, "the process was not killed in the middle of its work"
        with app.app_context():
            states = Counter(db.session.scalars(select(OutboxMessage.state)))
            assert states["delivered"] + states["sending"] + states["pending"] == MEETINGS
            # Killed after the remote did a write and before the process recorded it: that claim is left behind.
            assert states["sending"] == 1 and states["delivered"] == done_before - 1
            now = utcnow()
            deliver_outbox(now)  # a fresh sweep: the claim of the killed one is still leased
            deliver_outbox(now + timedelta(seconds=FAST["GOVCONF_CLAIM_LEASE_SECONDS"]))
            assert Counter(db.session.scalars(select(OutboxMessage.state))) == {"delivered": MEETINGS}
            db.session.remove()
            db.engine.dispose()
    posts = Counter(effect.conference_id for effect in sim.government.effects if effect.method == "POST")
    refs = Counter(c["external_ref"] for c in sim.government.conferences.values())
    assert len(posts) == MEETINGS and set(refs.values()) == {1}  # each meeting created exactly once
    assert sim.replays >= 1  # the interrupted write was sent again with its key and answered from memory
