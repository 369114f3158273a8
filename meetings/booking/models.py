"""Meetings, their series, and the endpoints taking part."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, select, text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from meetings.core.text import fold
from meetings.database import UTCDateTime, one_of, utcnow
from meetings.endpoints.models import Endpoint
from meetings.extensions import db


class MeetingStatus(enum.StrEnum):
    """Where a meeting is in its life: a draft holds nothing; booking schedules it; it runs, then is held."""

    DRAFT = "draft"
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class ReadinessStatus(enum.StrEnum):
    """An endpoint's answer to "are you ready?" for one meeting (kept on `Participant.readiness`)."""

    PENDING = "pending"
    READY = "ready"
    NOT_READY = "not_ready"


STATUSES = tuple(MeetingStatus)
# Meetings in these states hold their endpoints and MCU ports.
HOLDING_STATUSES = (MeetingStatus.SCHEDULED, MeetingStatus.IN_PROGRESS, MeetingStatus.COMPLETED)
# A booker may still change these meetings.
EDITABLE_STATUSES = (MeetingStatus.DRAFT, MeetingStatus.SCHEDULED)
# These meetings may still be cancelled.
CANCELLABLE_STATUSES = (MeetingStatus.DRAFT, MeetingStatus.SCHEDULED, MeetingStatus.IN_PROGRESS)
# Coming or running: the meetings that readiness follows.
ACTIVE_STATUSES = (MeetingStatus.SCHEDULED, MeetingStatus.IN_PROGRESS)


def _title_key(context) -> str:
    return fold(context.get_current_parameters().get("title") or "")


class MeetingSeries(db.Model):
    """A recurring meeting: its rule, and the occurrences that are meetings of their own."""

    __tablename__ = "meeting_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    rrule: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    meetings: Mapped[list[Meeting]] = relationship(back_populates="series", order_by="Meeting.start_at")


class Meeting(db.Model):
    __tablename__ = "meetings"
    __table_args__ = (
        CheckConstraint("end_at > start_at", name="ends_after_start"),
        one_of("status", MeetingStatus, name="status_known"),
        Index("ix_meetings_start_end", "start_at", "end_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    # The title folded for search (no case, no diacritics): kept by the model, also for bulk inserts.
    title_key: Mapped[str] = mapped_column(String(300), default=_title_key)
    agenda: Mapped[str] = mapped_column(Text, default="")
    organizer: Mapped[str] = mapped_column(String(200), default="", index=True)
    chair: Mapped[str] = mapped_column(String(200), default="")
    host_id: Mapped[int] = mapped_column(ForeignKey("endpoints.id"))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    test_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default=MeetingStatus.SCHEDULED, index=True)
    bridge_to_government: Mapped[bool] = mapped_column(default=False)
    series_id: Mapped[int | None] = mapped_column(ForeignKey("meeting_series.id"), index=True)
    ics_uid: Mapped[str] = mapped_column(String(200), unique=True)
    sequence: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    cancel_reason: Mapped[str] = mapped_column(String(500), default="")
    # Raised by every UPDATE of the row: the statistics' version sums it (meetings.stats.queries.data_version).
    revision: Mapped[int] = mapped_column(default=0, server_default="0", onupdate=text("revision + 1"))

    host: Mapped[Endpoint] = relationship(foreign_keys=[host_id])
    series: Mapped[MeetingSeries | None] = relationship(back_populates="meetings")
    # One order everywhere: the host first, then Vietnamese order by province and name (Endpoint.sort_key).
    participants: Mapped[list[Participant]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by=lambda: participant_order()
    )
    created_by = relationship("User", foreign_keys=[created_by_id])
    cancelled_by = relationship("User", foreign_keys=[cancelled_by_id])

    @validates("title")
    def _fold_title(self, _key: str, title: str) -> str:
        self.title_key = fold(title or "")
        return title

    def __repr__(self) -> str:
        return f"<Meeting {self.id} {self.title!r}>"


class Participant(db.Model):
    """One endpoint in one meeting. The busy range and `holds_slot` copy the meeting's so that the
    database itself can refuse two overlapping bookings of an endpoint (see the migration)."""

    __tablename__ = "participants"
    __table_args__ = (
        UniqueConstraint("meeting_id", "endpoint_id"),
        CheckConstraint("expected_attendees >= 0", name="attendees_not_negative"),
        CheckConstraint("busy_until > busy_from", name="busy_range_valid"),
        Index("ix_participants_endpoint_busy", "endpoint_id", "busy_from", "busy_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("endpoints.id"))
    expected_attendees: Mapped[int] = mapped_column(default=0)
    is_host: Mapped[bool] = mapped_column(default=False)
    busy_from: Mapped[datetime] = mapped_column(UTCDateTime)
    busy_until: Mapped[datetime] = mapped_column(UTCDateTime)
    holds_slot: Mapped[bool] = mapped_column(default=True)
    readiness: Mapped[str] = mapped_column(String(20), default=ReadinessStatus.PENDING)
    readiness_note: Mapped[str] = mapped_column(String(500), default="")
    readiness_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attendance: Mapped[str | None] = mapped_column(String(20))
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Raised by every UPDATE of the row (ORM or Core): a meeting's participants are the same exactly while
    # their count, newest id and sum of revisions are (meetings.booking.queries.ParticipantsVersion).
    revision: Mapped[int] = mapped_column(default=0, server_default="0", onupdate=text("revision + 1"))

    meeting: Mapped[Meeting] = relationship(back_populates="participants")
    endpoint: Mapped[Endpoint] = relationship()


def participant_order() -> list:
    """ORDER BY terms for a meeting's participants: host first, then the endpoints' stored sort key."""
    endpoint_key = (select(Endpoint.sort_key).where(Endpoint.id == Participant.endpoint_id)
                    .correlate(Participant).scalar_subquery())
    return [Participant.is_host.desc(), endpoint_key, Participant.id]


class BookingLock(db.Model):
    """One row that every booking locks first, so that bookings are decided one at a time."""

    __tablename__ = "booking_locks"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    version: Mapped[int] = mapped_column(default=0)
