"""The government system simulator for the bridge tests: served on loopback, the app pointed at it."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import delete

from meetings.bridge.models import BridgeState, OutboxMessage
from meetings.bridge.simulator.app import Faults, GovconfSimulator
from meetings.bridge.simulator.server import build_simulator, running
from meetings.extensions import db

KEY_ID, SECRET, SITE = "BTP-test", "test-govconf-secret", "BTP"

# Fast settings: short timeouts and backoffs, so that faults cost milliseconds, not minutes.
FAST = {"GOVCONF_KEY_ID": KEY_ID, "GOVCONF_SECRET": SECRET, "GOVCONF_SITE": SITE, "GOVCONF_CONNECT_TIMEOUT": 1.0,
        "GOVCONF_READ_TIMEOUT": 0.3, "GOVCONF_RETRIES": 2, "GOVCONF_BACKOFF_FACTOR": 0.001,
        "GOVCONF_BACKOFF_MAX": 0.01, "GOVCONF_MAX_INLINE_WAIT": 2.0, "GOVCONF_RATE_PER_SECOND": 0.0,
        "GOVCONF_RETRY_BASE_SECONDS": 30.0, "GOVCONF_RETRY_CAP_SECONDS": 600.0, "GOVCONF_CLAIM_LEASE_SECONDS": 300,
        "GOVCONF_AUTH_PAUSE_SECONDS": 600}


def simulator(**kwargs) -> GovconfSimulator:
    kwargs.setdefault("rate_limit", 0)
    kwargs.setdefault("faults", Faults(slow_seconds=0.5, retry_after=0, seed=7))
    return build_simulator(key_id=KEY_ID, secret=SECRET, site=SITE, **kwargs)


@contextmanager
def pointed_at(app, monkeypatch, sim: GovconfSimulator, **overrides) -> Iterator[str]:
    """Serve `sim` and point the app's bridge at it."""
    with running(sim) as url:
        for key, value in {**FAST, "GOVCONF_URL": url, **overrides}.items():
            monkeypatch.setitem(app.config, key, value)
        yield url


def empty_outbox() -> None:
    """The suite database is shared: start each test from an empty outbox and an unpaused bridge."""
    db.session.execute(delete(OutboxMessage))
    state = db.session.get(BridgeState, 1)
    if state is not None:
        state.paused_until, state.admins_alerted_at, state.pull_cursor = None, None, ""


def drain(deliver, now, *, rounds: int = 60, step: timedelta = timedelta(minutes=15)) -> int:
    """Run the sweep until nothing is pending, advancing the clock past every backoff; returns the rounds used."""
    from sqlalchemy import func, select

    for used in range(1, rounds + 1):
        deliver(now)
        waiting = db.session.scalar(select(func.count(OutboxMessage.id))
                                    .where(OutboxMessage.state.in_(("pending", "sending"))))
        if not waiting:
            return used
        now += step
    raise AssertionError(f"the outbox did not drain in {rounds} rounds")
