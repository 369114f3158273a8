"""Meetings on the simulated MCU: settings, a meeting whose test time has come, sweeping until done."""
from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import delete, select

from meetings.booking.models import Meeting
from meetings.database import utcnow
from meetings.extensions import db
from meetings.mcu.models import Action, Conference, EndpointCall, McuState
from meetings.mcu.sweep import run_mcu_sweep
from tests.factories import make_meeting
from tests.mcu_cdr_feed import running_collector
from tests.mcu_sim import mcu_settings, simulated_mcu

ROOMS = ("thads-an-giang", "thads-ha-noi", "thads-ca-mau", "thads-can-tho", "thads-da-nang", "thads-hai-phong",
         "thads-nghe-an", "thads-quang-ninh")
FAST = {"MCU_SWEEP_SECONDS": 1, "MCU_REDIAL_SECONDS": 0.2, "MCU_DIAL_ATTEMPTS": 3, "MCU_END_GRACE_MINUTES": 10,
        "MCU_CDR_TOKEN": "test-token", "MCU_CLAIM_LEASE_SECONDS": 120}


def dial_string(code: str) -> str:
    return f"sip:{code}@vc.moj.gov.vn"


def clear_mcu() -> None:
    """The suite database is shared: no other test's actions or rows in the way."""
    for model in (Action, EndpointCall, Conference, McuState):
        db.session.execute(delete(model))


@contextmanager
def mcu_on(app, monkeypatch, *, faults=None, with_records: bool = True, **overrides):
    """The app pointed at a simulated MCU (and its call records at a collector). Yields (mcu, collector)."""
    clear_mcu()
    with simulated_mcu(faults=faults) as (url, mcu), running_collector() as (public, collector):
        settings = {**mcu_settings(url), **FAST, **overrides}
        if with_records:
            settings["PUBLIC_URL"] = public
        else:
            settings["MCU_CDR_TOKEN"] = ""
        for key, value in settings.items():
            monkeypatch.setitem(app.config, key, value)
        yield mcu, collector


def meeting_testing_now(*, participants=ROOMS, test_minutes_ago: int = 1, starts_in: timedelta = timedelta(minutes=40),
                hours: int = 2, **fields) -> Meeting:
    """A scheduled meeting whose technical test time has just come."""
    now = utcnow().replace(microsecond=0)
    start = now + starts_in
    return make_meeting(participants=participants, start_at=start, end_at=start + timedelta(hours=hours),
                        test_at=now - timedelta(minutes=test_minutes_ago), **fields)


def sweep_until(condition: Callable[[], bool], *, collector=None, timeout: float = 20.0, now=None) -> int:
    """Sweep (feeding the call records in between) until `condition()`; returns the sweeps it took."""
    deadline = time.monotonic() + timeout
    sweeps = 0
    while True:
        run_mcu_sweep(now() if callable(now) else (now or utcnow()))
        sweeps += 1
        if collector is not None:
            collector.feed()
        db.session.commit()
        db.session.expire_all()
        if condition():
            return sweeps
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached after {sweeps} sweeps: {states_of_rows()}")
        time.sleep(0.1)


def rows_of(meeting: Meeting) -> dict[str, EndpointCall]:
    db.session.expire_all()
    return {row.key: row for row in db.session.scalars(select(EndpointCall).where(
        EndpointCall.meeting_id == meeting.id))}


def states_of_rows() -> dict[str, tuple]:
    return {row.key: (row.state, row.reason, row.attempts) for row in db.session.scalars(select(EndpointCall))}


def live_legs_per_party(mcu) -> Counter:
    return Counter(leg.remote_party for leg in mcu.live_legs())
