"""The simulated MCU for tests: served on a free loopback port, fast legs, a driver pointed at it."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from meetings.mcu.cms import CmsDriver
from meetings.mcu.simulator.server import build_simulator, running
from meetings.mcu.simulator.state import Faults

USERNAME, PASSWORD = "api-test", "api-test-secret"


@contextmanager
def simulated_mcu(*, faults: Faults | None = None, ring_seconds: float = 0.05,
                  answer_seconds: float = 0.1) -> Iterator[tuple[str, object]]:
    """Yields (base URL, the simulator's Mcu state)."""
    app, mcu = build_simulator(username=USERNAME, password=PASSWORD, faults=faults or Faults(seed=7),
                               ring_seconds=ring_seconds, answer_seconds=answer_seconds)
    with running(app, tick_seconds=0.02, push_seconds=0.05) as url:
        yield url, mcu


def driver_for(url: str, *, retries: int = 4, read_timeout: float = 2.0) -> CmsDriver:
    return CmsDriver(url, USERNAME, PASSWORD, timeout=(1.0, read_timeout), retries=retries, backoff=0.001,
                     backoff_max=0.01)


def mcu_settings(url: str, **overrides) -> dict:
    return {"MCU_DRIVER": "cms", "MCU_URL": url, "MCU_USERNAME": USERNAME, "MCU_PASSWORD": PASSWORD,
            "MCU_CONNECT_TIMEOUT": 1.0, "MCU_READ_TIMEOUT": 2.0, "MCU_RETRIES": 4, "MCU_BACKOFF_FACTOR": 0.001,
            "MCU_BACKOFF_MAX": 0.01, **overrides}
