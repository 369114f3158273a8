"""Attendance of each endpoint in a meeting, and call-detail-record imports waiting for confirmation."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, event, select, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meetings.booking.models import Participant
from meetings.database import UTCDateTime, one_of, utcnow
from meetings.extensions import db


class AttendanceStatus(enum.StrEnum):
    """Whether an endpoint took part in a held meeting; not recorded yet is none (NULL)."""

    PRESENT = "present"
    ABSENT = "absent"
    PARTIAL = "partial"


class AttendanceSource(enum.StrEnum):
    """Where a recorded attendance came from: a person, an imported call-detail record, or the MCU."""

    MANUAL = "manual"
    CDR = "cdr"
    MCU = "mcu"


class ImportState(enum.StrEnum):
    """A call-detail-record import waits for a decision, then is confirmed (recorded) or discarded."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    DISCARDED = "discarded"


STATUSES = tuple(AttendanceStatus)
# An endpoint in these states attended (and counts its attendees).
ATTENDED = (AttendanceStatus.PRESENT, AttendanceStatus.PARTIAL)
SOURCES = tuple(AttendanceSource)
IMPORT_STATES = tuple(ImportState)


class AttendanceRecord(db.Model):
    """The details behind Participant.attendance (which keeps the current status for the meeting JSON)."""

    __tablename__ = "attendance_records"
    __table_args__ = (
        one_of("status", AttendanceStatus, name="status_known"),
        one_of("source", AttendanceSource, name="source_known"),
        CheckConstraint("attendees IS NULL OR attendees >= 0", name="attendees_not_negative"),
        CheckConstraint("connected_seconds IS NULL OR connected_seconds >= 0", name="seconds_not_negative"),
        CheckConstraint("disconnected_at IS NULL OR connected_at IS NULL OR disconnected_at > connected_at",
                        name="disconnects_after_connecting"),
        # The statistics' version reads a period's records by meeting: a range of this index per meeting, its
        # figures from the index alone on PostgreSQL, rather than one lookup per participant.
        Index("ix_attendance_records_meeting_id", "meeting_id", postgresql_include=["id", "revision"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"), unique=True)
    # The participant's meeting, copied (a participant never changes meeting): set_meeting_of_new_records
    # fills it for the ORM; a Core insert names it.
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(10))
    attendees: Mapped[int | None] = mapped_column()
    connected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disconnected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    connected_seconds: Mapped[int | None] = mapped_column()
    source: Mapped[str] = mapped_column(String(10), default=AttendanceSource.MANUAL)
    cdr_import_id: Mapped[int | None] = mapped_column(ForeignKey("cdr_imports.id", ondelete="SET NULL"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Raised by every UPDATE of the row: the statistics' version sums it (meetings.stats.queries.data_version).
    revision: Mapped[int] = mapped_column(default=0, server_default="0", onupdate=text("revision + 1"))

    participant: Mapped[Participant] = relationship()
    cdr_import: Mapped[CdrImport | None] = relationship()
    recorded_by = relationship("User", lazy="joined")


@event.listens_for(AttendanceRecord, "before_insert")
def set_meeting_of_new_records(_mapper, connection, record: AttendanceRecord) -> None:
    """A record added with its participant (or its participant's id) alone gets the participant's meeting."""
    if record.meeting_id is not None:
        return
    participant = record.__dict__.get("participant")  # only if set or loaded: no lazy load inside the flush
    if participant is not None and participant.meeting_id is not None:
        record.meeting_id = participant.meeting_id
    else:
        record.meeting_id = connection.scalar(select(Participant.meeting_id)
                                              .where(Participant.id == record.participant_id))


class CdrImport(db.Model):
    """An uploaded call-detail-record file, parsed and matched; nothing is recorded until it is confirmed."""

    __tablename__ = "cdr_imports"
    __table_args__ = (one_of("state", ImportState, name="state_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255), default="")
    state: Mapped[str] = mapped_column(String(10), default=ImportState.PENDING)
    rows: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    uploaded_by = relationship("User", foreign_keys=[uploaded_by_id])
