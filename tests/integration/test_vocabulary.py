"""The CHECK constraints built from the status enums accept exactly the enums' values, on the database the
migrations built (SQLite or PostgreSQL)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import CheckConstraint, select, text
from sqlalchemy.exc import IntegrityError

from meetings.attendance.models import AttendanceRecord, AttendanceSource, AttendanceStatus, CdrImport, ImportState
from meetings.booking.models import Meeting, MeetingStatus, Participant, ReadinessStatus
from meetings.bridge.models import Invitation, OutboxMessage, OutboxState, RemoteStatus
from meetings.database import utcnow
from meetings.endpoints.models import Endpoint
from meetings.extensions import db
from meetings.mcu.attendance_from_calls import McuCdrAttendance
from meetings.mcu.models import (
    Action,
    ActionKind,
    ActionState,
    CallState,
    Conference,
    ConferenceState,
    ConnectMode,
    EndpointCall,
)
from meetings.mcu.records import BatchState, McuCdrBatch
from meetings.notify.models import MailState, OutgoingMail
from meetings.readiness.models import ProbeResult, ProbeState, TechnicalTest, TestStatus

ENUM_COLUMNS = {
    ("meetings", "status"): MeetingStatus,
    ("attendance_records", "status"): AttendanceStatus,
    ("attendance_records", "source"): AttendanceSource,
    ("cdr_imports", "state"): ImportState,
    ("technical_tests", "result"): TestStatus,
    ("probe_results", "state"): ProbeState,
    ("govconf_outbox", "state"): OutboxState,
    ("govconf_invitations", "remote_status"): RemoteStatus,
    ("outgoing_mail", "state"): MailState,
    ("mcu_conferences", "mode"): ConnectMode,
    ("mcu_conferences", "state"): ConferenceState,
    ("mcu_calls", "state"): CallState,
    ("mcu_actions", "kind"): ActionKind,
    ("mcu_actions", "state"): ActionState,
    ("probe_results", "sip_state"): ProbeState,
    ("mcu_cdr_batches", "state"): BatchState,
    ("mcu_cdr_attendance", "status"): AttendanceStatus,
}


def _enum_constraints() -> dict[tuple[str, str], CheckConstraint]:
    return {(table.name, constraint.info["column"]): constraint
            for table in db.metadata.tables.values() for constraint in table.constraints
            if isinstance(constraint, CheckConstraint) and "values" in constraint.info}


def test_every_enum_constraint_is_built_from_its_enum(app):
    constraints = _enum_constraints()
    assert set(constraints) == set(ENUM_COLUMNS)
    for key, enum in ENUM_COLUMNS.items():
        assert constraints[key].info["values"] == tuple(member.value for member in enum)


def test_status_enums_equal_their_strings():
    assert MeetingStatus.SCHEDULED == "scheduled" and f"{MeetingStatus.IN_PROGRESS}" == "in_progress"
    assert ReadinessStatus("not_ready") is ReadinessStatus.NOT_READY
    assert list(AttendanceSource) == ["manual", "cdr", "mcu"]


@pytest.fixture
def rows(db_session):
    """One row of every table with an enum column, ids by table name."""
    now = utcnow()
    host, guest = db.session.scalars(select(Endpoint).order_by(Endpoint.id).limit(2))
    meeting = Meeting(title="Vocabulary", host_id=host.id, start_at=now + timedelta(days=30),
                      end_at=now + timedelta(days=30, hours=1), ics_uid="vocabulary@test")
    db.session.add(meeting)
    db.session.flush()
    participant = Participant(meeting_id=meeting.id, endpoint_id=guest.id, busy_from=meeting.start_at,
                              busy_until=meeting.end_at)
    cdr_import = CdrImport(meeting_id=meeting.id)
    db.session.add_all([participant, cdr_import])
    db.session.flush()
    others = [
        AttendanceRecord(participant_id=participant.id, status=AttendanceStatus.PRESENT),
        TechnicalTest(meeting_id=meeting.id, endpoint_id=guest.id, result=TestStatus.TEST_OK),
        ProbeResult(meeting_id=meeting.id, endpoint_id=guest.id),
        OutboxMessage(stream="vocabulary", kind="publish", payload={}, idempotency_key="vocabulary"),
        Invitation(conference_id="vocabulary", title="Vocabulary", start_at=meeting.start_at, end_at=meeting.end_at),
        OutgoingMail(recipients=[], subject="Vocabulary", body_text=""),
        Conference(meeting_id=meeting.id, uri="btp-vocabulary", call_number="889999999"),
        EndpointCall(meeting_id=meeting.id, endpoint_id=guest.id, key=guest.code),
        Action(meeting_id=meeting.id, kind=ActionKind.DIAL),
        McuCdrBatch(body=b"<records/>"),
        McuCdrAttendance(meeting_id=meeting.id, endpoint_id=guest.id, status=AttendanceStatus.ABSENT),
    ]
    db.session.add_all(others)
    db.session.flush()
    return {row.__tablename__: row.id for row in (meeting, participant, cdr_import, *others)}


def _set(table: str, column: str, row_id: int, value: str | None) -> None:
    with db.session.begin_nested():
        db.session.execute(text(f"UPDATE {table} SET {column} = :value WHERE id = :id"), {"value": value, "id": row_id})


@pytest.mark.parametrize(("table", "column"), sorted(ENUM_COLUMNS))
def test_the_database_accepts_exactly_the_enum_values(rows, table, column):
    enum = ENUM_COLUMNS[(table, column)]
    for member in enum:
        _set(table, column, rows[table], member.value)
    for unknown in ("unknown", member.value.upper(), ""):
        with pytest.raises(IntegrityError):
            _set(table, column, rows[table], unknown)
    if _enum_constraints()[(table, column)].info["nullable"]:
        _set(table, column, rows[table], None)
