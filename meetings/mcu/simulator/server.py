"""Serving the simulated MCU: the API on a werkzeug server, a clock that moves the legs along, and a pusher
that posts call records to every registered receiver (again and again until it answers 2xx)."""
from __future__ import annotations

import logging
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

from werkzeug.serving import BaseWSGIServer, make_server

from meetings.mcu.simulator.app import McuSimulator
from meetings.mcu.simulator.state import Faults, Mcu

log = logging.getLogger(__name__)


class Engine:
    """The simulator's two background threads: the clock and the record pusher."""

    def __init__(self, mcu: Mcu, *, tick_seconds: float = 0.05, push_seconds: float = 0.2,
                 push_timeout: float = 5.0):
        self.mcu = mcu
        self.tick_seconds = tick_seconds
        self.push_seconds = push_seconds
        self.push_timeout = push_timeout
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._clock, name="mcu-sim-clock", daemon=True),
                        threading.Thread(target=self._pusher, name="mcu-sim-cdr", daemon=True)]
        self.push_failures = 0

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def stop(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=2)

    def _clock(self) -> None:
        while not self.stopping.wait(self.tick_seconds):
            try:
                self.mcu.tick()
            except Exception:  # the clock must keep running
                log.exception("mcu simulator tick failed")

    def _pusher(self) -> None:
        delay = self.push_seconds
        while not self.stopping.wait(delay):
            delay = self.push_seconds if self.push_once() else min(delay * 2, 5.0)

    def push_once(self) -> bool:
        """Post the waiting records to every receiver; False when one did not take them (they stay queued)."""
        with self.mcu.lock:
            receivers = list(self.mcu.receivers.values())
            waiting = len(self.mcu.outbox)
        if not waiting:
            return True
        if not receivers:  # like the real MCU: nobody to tell, the records are gone
            self.mcu.records_delivered(waiting)
            return True
        batch = self.mcu.take_records()
        body = self.mcu.records_document(batch).encode()
        for uri in receivers:
            request = urllib.request.Request(uri, data=body, method="POST", headers={"Content-Type": "text/xml"})
            try:
                with urllib.request.urlopen(request, timeout=self.push_timeout) as response:  # noqa: S310
                    if not 200 <= response.status < 300:
                        raise OSError(f"status {response.status}")
            except Exception as error:  # any failure: push the same records again later
                self.push_failures += 1
                log.info("mcu simulator: receiver %s did not take %d record(s): %s", uri, len(batch), error)
                return False
        self.mcu.records_delivered(len(set(batch)))
        return True


def build_simulator(*, username: str, password: str, faults: Faults | None = None, ring_seconds: float = 0.6,
                    answer_seconds: float = 1.2) -> tuple[McuSimulator, Mcu]:
    mcu = Mcu(faults=faults, ring_seconds=ring_seconds, answer_seconds=answer_seconds)
    return McuSimulator(mcu, username, password), mcu


def serve(app: McuSimulator, host: str = "127.0.0.1", port: int = 0) -> BaseWSGIServer:
    return make_server(host, port, app, threaded=True)


@contextmanager
def running(app: McuSimulator, host: str = "127.0.0.1", *, tick_seconds: float = 0.05,
            push_seconds: float = 0.1) -> Iterator[str]:
    """Serve on a free loopback port with the clock and pusher running; yields the base URL."""
    server = serve(app, host, 0)
    engine = Engine(app.mcu, tick_seconds=tick_seconds, push_seconds=push_seconds)
    thread = threading.Thread(target=server.serve_forever, name="mcu-simulator", daemon=True)
    thread.start()
    engine.start()
    try:
        yield f"http://{host}:{server.server_port}"
    finally:
        engine.stop()
        server.shutdown()
        server.server_close()


def wait_until(condition, timeout: float = 10.0, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()
