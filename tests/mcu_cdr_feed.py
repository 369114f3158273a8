"""Call records from the simulated MCU, collected on loopback and turned into `leg_recorded` events.

The MCU pushes its records over HTTP; a test cannot let them reach its own rolled-back session from
another thread, so a small collector keeps the bodies and the test feeds them in between sweeps.
"""
from __future__ import annotations

import threading
from collections import deque
from datetime import UTC, datetime

from defusedxml.ElementTree import fromstring
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from meetings.mcu.signals import leg_recorded


class Collector:
    def __init__(self):
        self.bodies: deque[bytes] = deque()
        self.calls: dict[str, int | None] = {}  # call id → meeting id (from the cdrTag)
        self.legs: dict[str, dict] = {}  # leg id → what its start said
        self.seen: set[tuple[str, str]] = set()
        self.events: list[dict] = []
        self.connected: set[str] = set()

    def __call__(self, environ, start_response):
        self.bodies.append(Request(environ).get_data())
        return Response(status=204)(environ, start_response)

    def feed(self) -> int:
        """Send a `leg_recorded` for every new leg record received so far; returns how many."""
        sent = 0
        while self.bodies:
            root = fromstring(self.bodies.popleft())
            bridge = root.get("callBridge", "")
            for record in root.findall("record"):  # in the order pushed, which may not be the order they happened
                key = (bridge, record.get("recordIndex", ""))
                if key in self.seen:
                    continue
                self.seen.add(key)
                sent += self._one(record)
        return sent

    def _one(self, record) -> int:
        kind = record.get("type")
        at = datetime.strptime(record.get("time"), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        if kind == "callStart":
            call = record.find("call")
            tag = call.findtext("cdrTag") or ""
            self.calls[call.get("id")] = int(tag.split(":")[1]) if tag.startswith("meeting:") else None
            return 0
        leg = record.find("callLeg")
        if leg is None:
            return 0
        leg_id = leg.get("id")
        if kind == "callLegStart":
            self.legs[leg_id] = {"call": leg.findtext("call"), "owner": leg.findtext("ownerId"),
                                 "remote": leg.findtext("remoteParty"), "direction": leg.findtext("direction")}
            return self._send(leg_id, "started", at)
        if kind == "callLegUpdate" and leg.findtext("state") == "connected":
            self.connected.add(leg_id)
            return self._send(leg_id, "connected", at)
        if kind == "callLegEnd":
            return self._send(leg_id, "ended", at, reason=leg.findtext("reason"),
                              connected=leg_id in self.connected)
        return 0

    def _send(self, leg_id: str, event: str, at, *, reason=None, connected=False) -> int:
        start = self.legs.get(leg_id, {})
        call_id = start.get("call")
        payload = dict(meeting_id=self.calls.get(call_id), call_id=call_id, leg_id=leg_id,
                       endpoint_code=start.get("owner") or None, remote_party=start.get("remote"),
                       direction=start.get("direction"), event=event, reason=reason, connected=connected, at=at)
        self.events.append(payload)
        leg_recorded.send("mcu-test", **payload)
        return 1


class running_collector:
    def __init__(self):
        self.collector = Collector()

    def __enter__(self) -> tuple[str, Collector]:
        self.server = make_server("127.0.0.1", 0, self.collector, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return f"http://127.0.0.1:{self.server.server_port}", self.collector

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
