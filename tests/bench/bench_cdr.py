"""Prints how fast the MCU's call records of a 1,000-endpoint meeting are received, and the attendance they give.

Run: .venv/bin/python -m tests.bench.bench_cdr   (DATABASE_URL=postgresql+psycopg://... for PostgreSQL)
It builds its own throwaway database, adds 930 endpoints to the 70 of the registry, books a meeting of all
1,000 and moves it into the past, writes the call as the MCU would (callStart, then per endpoint
callLegStart / callLegUpdate connected / callLegEnd, some rooms busy, some dropping and coming back, some leg
ends lost, then callEnd), and pushes it in bodies of RECORDS_PER_BODY records to /mcu/cdr/<token> through
the Flask test client. The baseline, measured in the same run, is reading the same bodies alone
(cdr.parse_body, no database), so the ratio shows what storing and processing cost on top of parsing.
Nothing is asserted.
"""
from __future__ import annotations

import random
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, insert, select

from meetings import create_app
from meetings.attendance.models import AttendanceRecord
from meetings.auth.models import User
from meetings.booking.models import Meeting, Participant
from meetings.booking.services import book_meeting
from meetings.booking.validation import MeetingValues
from meetings.database import utcnow
from meetings.endpoints.models import Endpoint
from meetings.extensions import db
from meetings.mcu import cdr
from meetings.mcu.records import McuCdrRecord
from tests.cdr_xml import Script
from tests.conftest import build_database, make_settings, throwaway_database

TOKEN = "bench-cdr-token-0123456789abcdefghij"
EXTRA_ENDPOINTS = 930
RECORDS_PER_BODY = 50
SEED = 20261201


def _setup(app) -> tuple[int, list[tuple[str, str]]]:
    """A held 1,000-endpoint meeting (08:00–11:00 ten days ago); returns its id and (code, dial string)s."""
    with app.app_context():
        rows = [{"code": f"bench-{i:04d}", "name": f"Điểm cầu thử {i}", "kind": "other", "province": "Hà Nội",
                 "region": ("north", "central", "south")[i % 3], "distance_km": i % 2000, "seats": 10,
                 "calendar_token": f"bench-{i}", "dial_string": f"sip:bench-{i:04d}@vc.moj.gov.vn"}
                for i in range(EXTRA_ENDPOINTS)]
        db.session.execute(insert(Endpoint), rows)
        endpoints = [(code, dial) for code, dial in db.session.execute(select(Endpoint.code, Endpoint.dial_string))]
        booker = db.session.scalar(select(User).where(User.username == "booker"))
        start = utcnow().replace(hour=1, minute=0, second=0, microsecond=0) + timedelta(days=3)
        [meeting] = book_meeting(MeetingValues(title="Đo thử 1.000 điểm cầu", start=start,
                                               end=start + timedelta(hours=3),
                                               endpoints=[code for code, _ in endpoints]), actor=booker)
        shift = timedelta(days=13)
        meeting.start_at -= shift
        meeting.end_at -= shift
        meeting.test_at = meeting.start_at - timedelta(hours=1)
        for participant in meeting.participants:
            participant.busy_from -= shift
            participant.busy_until -= shift
        db.session.commit()
        return meeting.id, endpoints


def _call(app, meeting_id: int, endpoints: list[tuple[str, str]]) -> tuple[Script, Counter]:
    """The MCU's records of the whole call, and what each endpoint was meant to be."""
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        start, end = meeting.start_at, meeting.end_at
    rnd = random.Random(SEED)
    script = Script(meeting_id=meeting_id)
    script.call_start(start - timedelta(minutes=60))
    planned: Counter = Counter()
    legs = []
    for number, (code, dial) in enumerate(endpoints):
        kind = rnd.choices(["present", "partial", "busy", "lost_end"], weights=[80, 10, 5, 5])[0]
        planned["absent" if kind == "busy" else "partial" if kind == "partial" else "present"] += 1
        leg = f"leg-{number:04d}"
        begin = start - timedelta(minutes=rnd.uniform(5, 60))
        owner = code if number % 2 == 0 else None  # half matched by ownerId, half by dial string
        legs.append((begin, "start", leg, dial, owner))
        if kind == "busy":
            legs.append((begin + timedelta(seconds=3), "end", leg, "remoteBusy", None))
            continue
        legs.append((begin + timedelta(seconds=rnd.uniform(2, 20)), "connected", leg, None, None))
        if kind == "partial":
            drop = start + timedelta(minutes=rnd.uniform(20, 60))
            legs.append((drop, "end", leg, "mediaFailure", None))
            back = f"{leg}-b"
            legs.append((drop + timedelta(minutes=1), "start", back, dial, owner))
            legs.append((drop + timedelta(minutes=1, seconds=5), "connected", back, None, None))
            legs.append((drop + timedelta(minutes=rnd.uniform(10, 40)), "end", back, "remoteTeardown", None))
        elif kind == "present":
            legs.append((end + timedelta(minutes=rnd.uniform(0, 9)), "end", leg, "remoteTeardown", None))
    for moment, event, leg, detail, owner in sorted(legs, key=lambda item: item[0]):
        if event == "start":
            script.leg_start(leg, moment, remote=detail, owner=owner)
        elif event == "connected":
            script.leg_update(leg, moment)
        else:
            script.leg_end(leg, moment, reason=detail)
    script.call_end(end + timedelta(minutes=10))
    return script, planned


def main() -> None:
    with tempfile.TemporaryDirectory() as folder, throwaway_database(Path(folder), "benchcdr") as url:
        app = create_app(make_settings(url, MCU_PORTS=5000, RATELIMIT_ENABLED=False, MCU_CDR_TOKEN=TOKEN))
        build_database(app)
        meeting_id, endpoints = _setup(app)
        script, planned = _call(app, meeting_id, endpoints)
        bodies = script.batches(RECORDS_PER_BODY)
        total = len(script.records)
        print(f"database: {url.split(':')[0].split('+')[0]}; {len(endpoints)} endpoints, {total} records "
              f"in {len(bodies)} bodies of {RECORDS_PER_BODY}")

        began = time.perf_counter()
        parsed = sum(len(cdr.parse_body(body).records) for body in bodies)
        parse_seconds = time.perf_counter() - began
        print(f"baseline, parsing alone:        {parsed / parse_seconds:9.0f} records/s ({parse_seconds:.2f} s)")

        client = app.test_client()
        began = time.perf_counter()
        statuses = Counter(client.post(f"/mcu/cdr/{TOKEN}", data=body, content_type="text/xml").status_code
                           for body in bodies)
        receive_seconds = time.perf_counter() - began
        print(f"receive, store, process:        {total / receive_seconds:9.0f} records/s ({receive_seconds:.2f} s, "
              f"answers {dict(statuses)}); {receive_seconds / parse_seconds:.0f}× the parsing alone")

        began = time.perf_counter()
        resent = Counter(client.post(f"/mcu/cdr/{TOKEN}", data=body, content_type="text/xml").status_code
                         for body in bodies)
        resend_seconds = time.perf_counter() - began
        print(f"the same bodies again (dups):   {total / resend_seconds:9.0f} records/s ({resend_seconds:.2f} s, "
              f"answers {dict(resent)})")

        with app.app_context():
            stored = db.session.scalar(select(func.count(McuCdrRecord.id)))
            recorded = Counter(dict(db.session.execute(
                select(AttendanceRecord.status, func.count(AttendanceRecord.id)).join(Participant)
                .where(Participant.meeting_id == meeting_id, AttendanceRecord.source == "mcu")
                .group_by(AttendanceRecord.status)).all()))
            db.engine.dispose()
        print(f"records stored once: {stored} of {total} (each pushed twice)")
        print(f"attendance (source mcu): present {recorded['present']}, partial {recorded['partial']}, "
              f"absent {recorded['absent']}; planned present {planned['present']}, partial {planned['partial']}, "
              f"absent {planned['absent']}")


if __name__ == "__main__":
    sys.exit(main())
