"""The whole way through the simulated MCU: the meeting's call connects by itself, the simulator pushes its call
records, our receiver takes them (and the live call state follows them), and after the call ends each room's
attendance comes from the records, then the meeting is completed with its savings."""
from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import select

from meetings.attendance.models import AttendanceRecord
from meetings.booking.models import Participant
from meetings.database import utcnow
from meetings.extensions import db
from meetings.mcu import services
from meetings.mcu.models import CallState
from meetings.mcu.records import McuCdrBatch
from meetings.mcu.simulator.server import wait_until
from meetings.mcu.simulator.state import Faults
from meetings.mcu.sweep import run_mcu_sweep
from meetings.savings.models import SavingsSnapshot
from tests.integration.mcu_helpers import ROOMS, dial_string, mcu_on, meeting_testing_now, rows_of

TOKEN = "test-token"  # the helpers' MCU_CDR_TOKEN


def _deliver(client, collector) -> int:
    """Hand what the simulator pushed to our receiver, as the MCU's HTTP push would."""
    delivered = 0
    while collector.bodies:
        response = client.post(f"/mcu/cdr/{TOKEN}", data=collector.bodies.popleft(), content_type="text/xml")
        assert response.status_code == 204, response.get_data(as_text=True)
        delivered += 1
    return delivered


def _sweep_until(client, collector, meeting, condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        run_mcu_sweep(utcnow())
        db.session.commit()
        _deliver(client, collector)
        db.session.expire_all()
        if condition():
            return
        assert time.monotonic() < deadline, {key: (row.state, row.reason) for key, row in rows_of(meeting).items()}
        time.sleep(0.1)


def test_the_simulators_records_become_attendance_and_savings(app, client, bearer, monkeypatch):
    unreachable = ROOMS[1]
    with mcu_on(app, monkeypatch, faults=Faults(unreachable={dial_string(unreachable)}, seed=3)) as (mcu, collector):
        meeting = meeting_testing_now(participants=ROOMS[:3], test_minutes_ago=2, starts_in=timedelta(minutes=-1),
                                      hours=1)
        began = utcnow()
        _sweep_until(client, collector, meeting, lambda: all(
            row.state == (CallState.FAILED if key == unreachable else CallState.CONNECTED)
            for key, row in rows_of(meeting).items()))
        connected_by_board = {key: row.connected_at for key, row in rows_of(meeting).items()}

        services.end_call(meeting, actor=None)
        db.session.commit()
        ended = utcnow()
        _sweep_until(client, collector, meeting, lambda: db.session.scalars(
            select(AttendanceRecord).join(Participant).where(Participant.meeting_id == meeting.id,
                                                             AttendanceRecord.disconnected_at.is_not(None))
        ).first() is not None and not mcu.live_legs())
        # The simulator's last push (the call's end): every record it holds has reached the collector.
        assert wait_until(lambda: not mcu.outbox, timeout=20)
        _deliver(client, collector)

    batches = list(db.session.scalars(select(McuCdrBatch)))
    assert batches and {batch.state for batch in batches} == {"processed"}
    rows = {participant.endpoint.code: record for participant, record in db.session.execute(
        select(Participant, AttendanceRecord).join(AttendanceRecord).where(Participant.meeting_id == meeting.id))}
    assert set(rows) == {"moj-hq", *ROOMS[:3]}
    assert {record.source for record in rows.values()} == {"mcu"}
    assert rows[unreachable].status == "absent" and rows[unreachable].connected_at is None
    for code in ("moj-hq", ROOMS[0], ROOMS[2]):
        record = rows[code]
        assert record.status == "partial"  # a few seconds of an hour's meeting
        # Within seconds of the call (a loaded machine may take a few seconds between the MCU and the board).
        assert began - timedelta(seconds=15) <= record.connected_at <= ended + timedelta(seconds=15)
        assert abs((record.connected_at - connected_by_board[code]).total_seconds()) <= 15
        assert ended - timedelta(seconds=15) <= record.disconnected_at <= utcnow() + timedelta(seconds=15)

    completed = client.post(f"/api/v1/meetings/{meeting.id}/complete", headers=bearer("booker"))
    assert completed.status_code == 200, completed.get_data(as_text=True)
    snapshot = db.session.scalar(select(SavingsSnapshot).where(SavingsSnapshot.meeting_id == meeting.id))
    assert snapshot is not None
    savings = client.get(f"/api/v1/meetings/{meeting.id}/savings", headers=bearer("booker")).get_json()
    assert savings["status"] == "stored"
    assert savings["counts"] == {"present": 0, "partial": 2, "absent": 1, "not_recorded": 0}
