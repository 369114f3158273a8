"""Serving the simulator with werkzeug on a local port: in a thread (tests) or until stopped (the CLI)."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from werkzeug.serving import BaseWSGIServer, make_server

from meetings.bridge.simulator.app import Faults, GovconfSimulator
from meetings.bridge.simulator.state import Government


def build_simulator(*, key_id: str, secret: str, site: str = "BTP", capacity: int = 10,
                    faults: Faults | None = None, rate_limit: int = 10, invitations: int = 0) -> GovconfSimulator:
    government = Government(site=site, capacity=capacity)
    for _ in range(invitations):
        government.invite()
    return GovconfSimulator(government, {key_id: (secret, site)}, faults=faults, rate_limit=rate_limit)


def serve(simulator: GovconfSimulator, host: str = "127.0.0.1", port: int = 0) -> BaseWSGIServer:
    """A threaded server (not yet serving); `server.server_port` is the port it got."""
    return make_server(host, port, simulator, threaded=True)


@contextmanager
def running(simulator: GovconfSimulator, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve on a free loopback port in a background thread; yields the base URL."""
    server = serve(simulator, host, 0)
    thread = threading.Thread(target=server.serve_forever, name="govconf-simulator", daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
