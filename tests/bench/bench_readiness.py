"""Prints the readiness board's response time for 70 and 1,000 endpoints, and how many confirmations per
second concurrent operators get through.

Run: .venv/bin/python -m tests.bench.bench_readiness   (DATABASE_URL=postgresql+psycopg://... for PostgreSQL)
It builds its own throwaway database, adds 930 extra endpoints, books a meeting of 70 and one of 1,000, and
talks to a real HTTP server on 127.0.0.1 (a threaded werkzeug server in this process) with a bounded pool.
"""
from __future__ import annotations

import json
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert, select
from werkzeug.serving import make_server

from meetings import create_app
from meetings.auth.models import User
from meetings.auth.services import issue_token
from meetings.booking.services import book_meeting
from meetings.booking.validation import MeetingValues
from meetings.database import utcnow
from meetings.endpoints.models import Endpoint
from meetings.extensions import db
from tests.conftest import build_database, make_settings, throwaway_database

BOARD_ROUNDS = 20
OPERATORS_AT_ONCE = 16
ANSWERS_PER_OPERATOR = 10


def _setup(app) -> tuple[int, int, str, dict[str, str]]:
    """Two meetings (70 and 1,000 endpoints), a booker's token and one token per operator of the 70."""
    with app.app_context():
        rows = [{"code": f"bench-{i:04d}", "name": f"Điểm cầu thử {i}", "kind": "other", "province": "Hà Nội",
                 "region": ("north", "central", "south")[i % 3], "distance_km": i % 2000, "seats": 10,
                 "calendar_token": f"bench-{i}"} for i in range(930)]
        db.session.execute(insert(Endpoint), rows)
        seeded = list(db.session.scalars(select(Endpoint.code).where(Endpoint.code.notlike("bench-%"))))
        booker = db.session.scalar(select(User).where(User.username == "booker"))
        start = utcnow().replace(second=0, microsecond=0) + timedelta(days=3)
        meetings = []
        for offset, codes in ((0, seeded), (1, seeded + [row["code"] for row in rows])):
            begin = start + timedelta(days=offset)
            [meeting] = book_meeting(MeetingValues(title=f"Đo thử {len(codes)} điểm cầu", start=begin,
                                                   end=begin + timedelta(hours=3), endpoints=codes), actor=booker)
            meetings.append(meeting.id)
        operators = {code: issue_token(db.session.scalar(select(User).where(User.username == f"op-{code}")),
                                       name="bench", actor=None) for code in seeded}
        token = issue_token(booker, name="bench", actor=None)
        db.session.commit()
    return meetings[0], meetings[1], token, operators


def _request(url: str, token: str, *, method: str = "GET", body: dict | None = None,
             etag: str | None = None) -> tuple[int, str | None]:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    if etag:
        headers["If-None-Match"] = etag
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            response.read()
            return response.status, response.headers.get("ETag")
    except urllib.error.HTTPError as error:
        error.read()
        return error.code, error.headers.get("ETag")


def _time_board(base: str, meeting_id: int, token: str) -> tuple[list[float], list[float]]:
    url = f"{base}/api/v1/meetings/{meeting_id}/readiness?history=30"
    full, unchanged = [], []
    etag = None
    for _ in range(BOARD_ROUNDS):
        started = time.perf_counter()
        status, etag = _request(url, token)
        full.append(time.perf_counter() - started)
        assert status == 200, status
        started = time.perf_counter()
        status, _ = _request(url, token, etag=etag)
        unchanged.append(time.perf_counter() - started)
        assert status == 304, status
    return full, unchanged


def _confirmations(base: str, meeting_id: int, operators: dict[str, str]) -> tuple[float, int]:
    """Every operator answers ANSWERS_PER_OPERATOR times (ready / not ready), OPERATORS_AT_ONCE at a time."""
    def answer(job: tuple[str, int]) -> int:
        code, round_number = job
        body = ({"status": "ready"} if round_number % 2 == 0
                else {"status": "not_ready", "note": f"Thử lần {round_number}"})
        status, _ = _request(f"{base}/api/v1/meetings/{meeting_id}/readiness/{code}", operators[code], method="PUT",
                             body=body)
        return status

    jobs = [(code, round_number) for round_number in range(ANSWERS_PER_OPERATOR) for code in operators]
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=OPERATORS_AT_ONCE) as pool:
        statuses = list(pool.map(answer, jobs))
    elapsed = time.perf_counter() - started
    assert statuses.count(200) == len(jobs), {status: statuses.count(status) for status in set(statuses)}
    return len(jobs) / elapsed, len(jobs)


def _ms(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[max(int(len(ordered) * 0.95) - 1, 0)]
    return f"median {statistics.median(values) * 1000:7.1f} ms, p95 {p95 * 1000:7.1f} ms"


def main() -> None:
    with tempfile.TemporaryDirectory() as folder, throwaway_database(Path(folder), "bench") as url:
        app = create_app(make_settings(url, MCU_PORTS=5000, RATELIMIT_ENABLED=False))
        build_database(app)
        small, large, token, operators = _setup(app)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        base = f"http://127.0.0.1:{server.server_port}"
        try:
            print(f"database: {url.split(':')[0].split('+')[0]}; server: werkzeug, threaded, on {base}")
            for label, meeting_id in (("70 endpoints", small), ("1,000 endpoints", large)):
                full, unchanged = _time_board(base, meeting_id, token)
                print(f"board data, {label:>15}: {_ms(full)}; unchanged (304): {_ms(unchanged)} "
                      f"over {BOARD_ROUNDS} requests")
            rate, count = _confirmations(base, small, operators)
            print(f"confirmations: {rate:7.1f} requests/s ({count} PUTs by {len(operators)} operators, "
                  f"{OPERATORS_AT_ONCE} at once)")
        finally:
            server.shutdown()
            with app.app_context():
                db.engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
