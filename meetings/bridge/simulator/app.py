"""The simulated government system as a small WSGI app: the contract's signature checks, idempotency, rate
limit and resources over `Government`, and faults injected on the way out (errors, latency, dropped
connections, 429 with Retry-After, bodies that are not JSON)."""
from __future__ import annotations

import hashlib
import hmac
import json
import random
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from meetings.bridge.client import signature
from meetings.bridge.simulator.ics import conference_ics
from meetings.bridge.simulator.state import Government, Refusal

FAULT_KINDS = ("error", "drop", "429", "garbage", "slow")
WRITE_METHODS = ("POST", "PATCH", "PUT", "DELETE")
CLOCK_SKEW = 300

URLS = Map([
    Rule("/api/v1/conferences", methods=["GET"], endpoint="list"),
    Rule("/api/v1/conferences", methods=["POST"], endpoint="create"),
    Rule("/api/v1/conferences/<conference_id>", methods=["GET"], endpoint="get"),
    Rule("/api/v1/conferences/<conference_id>", methods=["PATCH"], endpoint="update"),
    Rule("/api/v1/conferences/<conference_id>", methods=["DELETE"], endpoint="cancel"),
    Rule("/api/v1/conferences/<conference_id>/sites/<site>", methods=["PUT"], endpoint="answer"),
    Rule("/api/v1/conferences/<conference_id>/sites/<site>/readiness", methods=["PUT"], endpoint="readiness"),
    Rule("/_sim/state", methods=["GET"], endpoint="sim_state"),
    Rule("/_sim/invitations", methods=["POST"], endpoint="sim_invite"),
    Rule("/_sim/conferences/<conference_id>.ics", methods=["GET"], endpoint="sim_ics"),
    Rule("/_sim/conferences/<conference_id>/move", methods=["POST"], endpoint="sim_move"),
    Rule("/_sim/conferences/<conference_id>/cancel", methods=["POST"], endpoint="sim_withdraw"),
])


@dataclass
class Faults:
    """`rate` of the requests get one of `kinds`, chosen at random; `latency` is added to every answer."""

    rate: float = 0.0
    kinds: tuple[str, ...] = FAULT_KINDS
    latency: float = 0.0
    slow_seconds: float = 15.0  # longer than the client's read timeout
    retry_after: int = 1
    seed: int | None = None
    script: list[str | None] = field(default_factory=list)  # faults for the next requests, in order, first
    rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        unknown = (set(self.kinds) | {k for k in self.script if k}) - set(FAULT_KINDS)
        if unknown:
            raise ValueError(f"unknown fault kinds {sorted(unknown)}; known: {', '.join(FAULT_KINDS)}")
        self.rng = random.Random(self.seed)

    def pick(self) -> str | None:
        if self.script:
            return self.script.pop(0)
        if self.rate <= 0 or not self.kinds or self.rng.random() >= self.rate:
            return None
        return self.rng.choice(self.kinds)


@dataclass
class Stored:
    fingerprint: tuple[str, str, str]
    status: int
    body: bytes


class _Dropped(Exception):
    """The connection was closed without an answer."""


class GovconfSimulator:
    """WSGI callable. `keys` maps key id to (secret, site)."""

    def __init__(self, government: Government, keys: dict[str, tuple[str, str]], *, faults: Faults | None = None,
                 rate_limit: int = 10, clock: Callable[[], float] = time.time):
        self.government, self.keys, self.faults = government, keys, faults or Faults()
        self.rate_limit, self.clock = rate_limit, clock
        self.idempotency: dict[str, Stored] = {}
        self.replays = 0
        self.requests = 0
        self.faults_injected: dict[str, int] = {}
        self._windows: dict[str, deque] = {}
        self._lock = threading.Lock()

    def __call__(self, environ: dict, start_response: Callable) -> Any:
        request = Request(environ)
        try:
            response = self._handle(request)
        except _Dropped:
            _drop(environ)
            response = Response(b"", status=500)  # never reaches the client: the socket is closed
        return response(environ, start_response)

    # ---- the pipeline ---------------------------------------------------------------------------

    def _handle(self, request: Request) -> Response:
        adapter = URLS.bind_to_environ(request.environ)
        try:
            endpoint, args = adapter.match()
        except Exception:  # 404 or 405 from the routing map
            return _json(404, Refusal(404, "not_found", "no such resource").body())
        if endpoint.startswith("sim_"):
            return getattr(self, f"_{endpoint}")(request, **args)
        with self._lock:
            self.requests += 1
            fault = self.faults.pick()
            if fault:
                self.faults_injected[fault] = self.faults_injected.get(fault, 0) + 1
        if fault == "error":
            return _json(self.faults.rng.choice((500, 502, 503, 504)), {"error": {"code": "unavailable"}})
        if fault == "429":
            return _json(429, {"error": {"code": "rate_limited"}}, {"Retry-After": str(self.faults.retry_after)})
        if fault == "drop" and self.faults.rng.random() < 0.5:
            raise _Dropped()  # before doing anything
        try:
            site = self._authenticate(request)
            self._count_rate(request.headers["X-Api-Key"])
        except Refusal as refusal:
            return _json(refusal.status, refusal.body(), {"Retry-After": "1"} if refusal.status == 429 else None)
        status, body = self._answer(request, endpoint, args, site)
        if self.faults.latency:  # after the work: an answer slow to come back, as over a long line
            time.sleep(self.faults.latency)
        if fault == "drop":
            raise _Dropped()  # after doing it: the client never hears that it was done
        if fault == "slow":
            time.sleep(self.faults.slow_seconds)
        if fault == "garbage":
            return Response(b"<html><body>502 Bad Gateway</body></html>", status=200, mimetype="text/html")
        return Response(body, status=status, mimetype="application/json" if body else None)

    def _answer(self, request: Request, endpoint: str, args: dict, site: str) -> tuple[int, bytes]:
        if request.method not in WRITE_METHODS:
            return self._dispatch(request, endpoint, args, site)
        key = request.headers.get("Idempotency-Key", "")
        if not key or len(key) > 64:
            return 400, _dump(Refusal(400, "idempotency_key", "Idempotency-Key is required (at most 64)").body())
        fingerprint = (request.method, request.full_path.rstrip("?"), hashlib.sha256(request.get_data()).hexdigest())
        with self.government.lock:  # one write at a time: a retry racing its first attempt waits for it
            stored = self.idempotency.get(f"{site}:{key}")
            if stored is not None:
                if stored.fingerprint != fingerprint:
                    return 422, _dump(Refusal(422, "idempotency_mismatch", "key reused with another request").body())
                self.replays += 1
                return stored.status, stored.body
            status, body = self._dispatch(request, endpoint, args, site)
            self.idempotency[f"{site}:{key}"] = Stored(fingerprint, status, body)
            return status, body

    def _authenticate(self, request: Request) -> str:
        key_id, stamp, given = (request.headers.get(name, "") for name in ("X-Api-Key", "X-Timestamp", "X-Signature"))
        if key_id not in self.keys or not stamp.isdigit() or abs(self.clock() - int(stamp)) > CLOCK_SKEW:
            raise Refusal(401, "unauthorized", "unknown key or stale timestamp")
        secret, site = self.keys[key_id]
        expected = signature(secret, request.method, request.full_path.rstrip("?"), stamp, request.get_data())
        if not hmac.compare_digest(expected, given):
            raise Refusal(401, "unauthorized", "bad signature")
        return site

    def _count_rate(self, key_id: str) -> None:
        if self.rate_limit <= 0:
            return
        now = time.monotonic()
        with self._lock:
            window = self._windows.setdefault(key_id, deque())
            while window and now - window[0] >= 1.0:
                window.popleft()
            if len(window) >= self.rate_limit:
                raise Refusal(429, "rate_limited", f"at most {self.rate_limit} requests a second")
            window.append(now)

    def _dispatch(self, request: Request, endpoint: str, args: dict, site: str) -> tuple[int, bytes]:
        government = self.government
        try:
            body = _body(request) if request.method in ("POST", "PATCH", "PUT") else {}
            if endpoint == "list":
                page = int(request.args.get("page", "1") or 1)
                query_site = request.args.get("site", site)
                if query_site != site:
                    raise Refusal(403, "forbidden", "a key reads its own site only")
                return 200, _dump(government.list_for(site, request.args.get("updated_since"), max(page, 1)))
            if endpoint == "get":
                return 200, _dump(government.get(args["conference_id"]))
            if endpoint == "create":
                return 201, _dump(government.create(site, body))
            if endpoint == "update":
                return 200, _dump(government.update(site, args["conference_id"], body))
            if endpoint == "cancel":
                government.cancel(site, args["conference_id"])
                return 204, b""
            if endpoint == "answer":
                return 200, _dump(government.answer(site, args["conference_id"], args["site"], body))
            return 200, _dump(government.set_readiness(site, args["conference_id"], args["site"], body))
        except Refusal as refusal:
            return refusal.status, _dump(refusal.body())
        except ValueError:
            return 400, _dump(Refusal(400, "malformed", "malformed request").body())

    # ---- the simulator's own controls (unsigned, for demos and tests on loopback) ----------------

    def _sim_state(self, request: Request) -> Response:
        with self.government.lock:
            conferences = list(self.government.conferences.values())
        return _json(200, {"conferences": conferences, "requests": self.requests, "replays": self.replays,
                           "faults_injected": self.faults_injected})

    def _sim_invite(self, request: Request) -> Response:
        data = request.get_json(silent=True) or {}
        title = data.get("title") or "Giao ban trực tuyến Chính phủ với các bộ, ngành"
        return _json(201, self.government.invite(title=title))

    def _sim_ics(self, request: Request, conference_id: str) -> Response:
        try:
            conference = self.government.get(conference_id)
        except Refusal as refusal:
            return _json(refusal.status, refusal.body())
        return Response(conference_ics(conference), mimetype="text/calendar")

    def _sim_move(self, request: Request, conference_id: str) -> Response:
        hours = float(request.args.get("hours", "1"))
        return _json(200, self.government.move(conference_id, hours=hours))

    def _sim_withdraw(self, request: Request, conference_id: str) -> Response:
        return _json(200, self.government.withdraw(conference_id))


def _body(request: Request) -> dict:
    data = json.loads(request.get_data().decode("utf-8") or "{}")
    if not isinstance(data, dict):
        raise ValueError("not an object")
    return data


def _dump(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def _json(status: int, data: Any, headers: dict | None = None) -> Response:
    return Response(_dump(data), status=status, mimetype="application/json", headers=headers)


def _drop(environ: dict) -> None:
    connection = environ.get("werkzeug.socket")
    if connection is None:
        return
    try:
        connection.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
