"""Prints how long booking takes for meetings of 70 and of 1,000 endpoints.

Run: .venv/bin/python -m tests.bench.bench_booking   (DATABASE_URL=postgresql+psycopg://... for PostgreSQL)
It builds its own throwaway database, adds 930 extra endpoints, and books through the JSON API.
"""
from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert

from meetings import create_app
from meetings.endpoints.models import Endpoint
from meetings.extensions import db
from tests.conftest import DEMO_PASSWORD, build_database, make_settings, throwaway_database
from tests.factories import future_day, meeting_body

ROUNDS = 5


def _add_endpoints(count: int) -> list[str]:
    rows = [{"code": f"bench-{i:04d}", "name": f"Điểm cầu thử {i}", "kind": "other", "province": "Hà Nội",
             "region": "north", "distance_km": i % 2000, "seats": 10, "calendar_token": f"bench-{i}"}
            for i in range(count)]
    db.session.execute(insert(Endpoint), rows)
    db.session.commit()
    return [row["code"] for row in rows]


def _time_bookings(client, headers, codes: list[str], first_week: int) -> list[float]:
    timings = []
    for round_number in range(ROUNDS):
        body = meeting_body(future_day(weeks=first_week + round_number), endpoints=codes)
        started = time.perf_counter()
        response = client.post("/api/v1/meetings", json=body, headers=headers)
        timings.append(time.perf_counter() - started)
        assert response.status_code == 201, response.get_json()
    return timings


def main() -> None:
    with tempfile.TemporaryDirectory() as folder, throwaway_database(Path(folder), "bench") as url:
        app = create_app(make_settings(url, MCU_PORTS=5000, RATELIMIT_ENABLED=False))
        build_database(app)
        with app.app_context():
            extra = _add_endpoints(930)
        client = app.test_client()
        token = client.post("/api/v1/auth/token", json={"username": "booker", "password": DEMO_PASSWORD}).get_json()
        headers = {"Authorization": f"Bearer {token['token']}"}
        print(f"database: {url.split(':')[0].split('+')[0]}")
        with app.app_context():
            seventy = [code for (code,) in db.session.execute(db.select(Endpoint.code).where(
                Endpoint.code.notlike("bench-%"), Endpoint.code != "moj-hq"))]
        for label, codes, week in (("70 endpoints", seventy, 10), ("1,000 endpoints", seventy + extra, 30)):
            timings = _time_bookings(client, headers, codes, week)
            print(f"book a meeting of {label:>15}: median {statistics.median(timings) * 1000:7.1f} ms, "
                  f"max {max(timings) * 1000:7.1f} ms over {ROUNDS} bookings")


if __name__ == "__main__":
    sys.exit(main())
