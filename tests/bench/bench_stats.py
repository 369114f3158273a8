"""Prints how long the statistics take over 10 years × 500 held meetings × 100 endpoints (5,000 meetings).

Run: .venv/bin/python -m tests.bench.bench_stats   (DATABASE_URL=postgresql+psycopg://... for PostgreSQL)
It builds its own throwaway database, adds 30 endpoints to the 70, and bulk-inserts the history (participants,
attendance and savings items; no readiness history, which the statistics do not read).
"""
from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select

from meetings import create_app
from meetings.attendance.models import AttendanceRecord
from meetings.booking.models import Meeting, Participant
from meetings.endpoints.models import Endpoint
from meetings.extensions import db
from meetings.savings.models import SavingsItem, SavingsSnapshot
from tests.conftest import DEMO_PASSWORD, build_database, make_settings, throwaway_database

YEARS, PER_YEAR, ENDPOINTS, ROUNDS = range(2015, 2025), 500, 100, 5


def _endpoints() -> list[int]:
    db.session.execute(insert(Endpoint), [
        {"code": f"bench-{i:03d}", "name": f"Điểm cầu thử {i}", "kind": "other", "province": "Hà Nội",
         "region": "north", "distance_km": 50 * i, "seats": 10, "calendar_token": f"bench-{i}",
         "latitude": 21.0, "longitude": 105.8} for i in range(ENDPOINTS - 70)])
    return list(db.session.scalars(select(Endpoint.id).order_by(Endpoint.id)))


def _history(endpoint_ids: list[int]) -> int:
    rng = random.Random(7)
    host, guests = endpoint_ids[0], endpoint_ids[1:]
    rows = 0
    for year in YEARS:
        starts = [datetime(year, 1, 1, 1, tzinfo=UTC) + timedelta(hours=17 * n) for n in range(PER_YEAR)]
        ids = list(db.session.scalars(insert(Meeting).returning(Meeting.id, sort_by_parameter_order=True), [
            {"title": f"Hội nghị {year}-{n}", "organizer": f"Đơn vị {n % 12}", "host_id": host, "start_at": start,
             "end_at": start + timedelta(hours=3), "status": "completed", "ics_uid": f"bench-{year}-{n}"}
            for n, start in enumerate(starts)]))
        people = [{"meeting_id": m, "endpoint_id": e, "is_host": e == host, "expected_attendees": 8,
                   "busy_from": s, "busy_until": s + timedelta(hours=3), "holds_slot": False,
                   "readiness": rng.choice(("ready", "ready", "ready", "not_ready", "pending")),
                   "readiness_updated_at": s - timedelta(hours=2), "attendance": rng.choice(("present", "absent"))}
                  for m, s in zip(ids, starts, strict=False) for e in [host, *guests]]
        part_ids = list(db.session.scalars(insert(Participant).returning(Participant.id, sort_by_parameter_order=True),
                                           people))
        db.session.execute(
            insert(AttendanceRecord),
            [
                {"participant_id": p, "meeting_id": row["meeting_id"], "status": row["attendance"], "attendees": 8}
                for p, row in zip(part_ids, people, strict=False)
            ],
        )
        snaps = list(
            db.session.scalars(
                insert(SavingsSnapshot).returning(SavingsSnapshot.id, sort_by_parameter_order=True),
                [
                    {
                        "meeting_id": m,
                        "rates_effective_from": s.date(),
                        "rates": {},
                        "total_vnd": 99 * 1_000_000,
                        "travel_km": 99 * 100,
                        "travel_minutes": 99 * 60,
                        "reason": "completed",
                    }
                    for m, s in zip(ids, starts, strict=False)
                ],
            )
        )
        db.session.execute(
            insert(SavingsItem),
            [
                {"snapshot_id": snap, "endpoint_id": e, "saving_vnd": 1_000_000, "travel_km": 100, "travel_minutes": 60}
                for snap in snaps
                for e in guests
            ],
        )
        db.session.commit()
        rows += len(people)
    return rows


def _time(client, path: str, headers: dict) -> list[float]:
    timings = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        response = client.get(path, headers=headers)
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    return timings


def main() -> None:
    with tempfile.TemporaryDirectory() as folder, throwaway_database(Path(folder), "benchstats") as url:
        app = create_app(make_settings(url, RATELIMIT_ENABLED=False))
        build_database(app)
        started = time.perf_counter()
        with app.app_context():
            participants = _history(_endpoints())
        print(
            f"database: {url.split(':')[0].split('+')[0]}; {len(YEARS) * PER_YEAR} meetings, {participants} "
            f"participants inserted in {time.perf_counter() - started:.1f} s"
        )
        client = app.test_client()
        token = client.post("/api/v1/auth/token", json={"username": "leader", "password": DEMO_PASSWORD}).get_json()
        headers = {"Authorization": f"Bearer {token['token']}"}
        session = app.test_client()
        page = session.get("/login").get_data(as_text=True)
        csrf = (
            page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
            if 'type="hidden" value="' in page
            else page.split('value="')[1].split('"')[0]
        )
        session.post("/login", data={"username": "leader", "password": DEMO_PASSWORD, "csrf_token": csrf})
        for label, client_, path in (
            ("API /stats/annual (one year)", client, "/api/v1/stats/annual?year=2020"),
            ("dashboard /stats (one year)", session, "/stats?year=2020"),
            ("dashboard, 10-year range", session, "/stats?from=2015-01-01&to=2024-12-31"),
            ("xlsx export (one year)", session, "/stats/export.xlsx?year=2020"),
        ):
            timings = _time(client_, path, headers if client_ is client else {})
            print(
                f"{label:<32}: median {statistics.median(timings) * 1000:8.1f} ms, max {max(timings) * 1000:8.1f} ms "
                f"over {ROUNDS} requests"
            )


if __name__ == "__main__":
    sys.exit(main())
