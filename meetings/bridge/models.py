"""The bridge's tables: the outbox of messages to the government system, the link of each meeting to its
government conference, the invitations pulled or imported, and the bridge's own small state."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meetings.booking.models import Meeting
from meetings.database import UTCDateTime, one_of, utcnow
from meetings.extensions import db

MESSAGE_KINDS = ("publish", "cancel", "answer", "readiness")


class OutboxState(enum.StrEnum):
    """Where a message to the government system is on its way (see OutboxMessage)."""

    PENDING = "pending"
    SENDING = "sending"
    DELIVERED = "delivered"
    FAILED = "failed"
    ABANDONED = "abandoned"


class RemoteStatus(enum.StrEnum):
    """A government conference as the government system last described it."""

    SCHEDULED = "scheduled"
    CHANGED = "changed"
    CANCELLED = "cancelled"


MESSAGE_STATES = tuple(OutboxState)
# A message in these states holds back the later messages of its stream (order per meeting).
OPEN_STATES = (OutboxState.PENDING, OutboxState.SENDING)


class OutboxMessage(db.Model):
    """One change to tell the government system, written in the transaction of the change itself.

    `pending` rows are claimed (`sending`) by one sweep with a lease; they end `delivered`, or `failed` when
    the remote refuses them for good (an admin may send them again or abandon them). A transient failure puts
    the row back to `pending` with a later `next_attempt_at`: messages wait, none is dropped.
    """

    __tablename__ = "govconf_outbox"
    __table_args__ = (
        CheckConstraint("kind IN ('publish', 'cancel', 'answer', 'readiness')", name="kind_known"),
        one_of("state", OutboxState, name="state_known"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        Index("ix_govconf_outbox_state_due", "state", "next_attempt_at"),
        Index("ix_govconf_outbox_stream_id", "stream", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    stream: Mapped[str] = mapped_column(String(40))  # messages of one stream are delivered in id order
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="SET NULL"), index=True)
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("govconf_invitations.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(20))
    payload: Mapped[dict] = mapped_column(JSON)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    state: Mapped[str] = mapped_column(String(20), default=OutboxState.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_status: Mapped[int | None] = mapped_column()
    last_error_kind: Mapped[str] = mapped_column(String(20), default="")
    last_error_code: Mapped[str] = mapped_column(String(40), default="")
    last_error: Mapped[str] = mapped_column(Text, default="")
    conference_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    meeting: Mapped[Meeting | None] = relationship()

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.kind} {self.stream} {self.state}>"


class ConferenceLink(db.Model):
    """A meeting and its conference on the government system: one we host (`outbound`) or one we accepted."""

    __tablename__ = "govconf_links"
    __table_args__ = (CheckConstraint("direction IN ('outbound', 'inbound')", name="direction_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), unique=True)
    direction: Mapped[str] = mapped_column(String(10))
    conference_id: Mapped[str | None] = mapped_column(String(64), index=True)
    remote_status: Mapped[str] = mapped_column(String(20), default="")
    remote_version: Mapped[int | None] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    meeting: Mapped[Meeting] = relationship()


class Invitation(db.Model):
    """A government conference the Ministry is invited to, pulled from the API or imported from its .ics.

    `conference_id` is unique: the API and the file converge on one row. `changes` keeps what moved since a
    booker last looked at it (`seen_version`).
    """

    __tablename__ = "govconf_invitations"
    __table_args__ = (
        CheckConstraint("answer IN ('new', 'accepted', 'declined')", name="answer_known"),
        one_of("remote_status", RemoteStatus, name="remote_status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    host_site: Mapped[str] = mapped_column(String(20), default="")
    remote_status: Mapped[str] = mapped_column(String(20), default=RemoteStatus.SCHEDULED)
    remote_version: Mapped[int] = mapped_column(default=0)
    seen_version: Mapped[int] = mapped_column(default=0)
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    dial: Mapped[dict] = mapped_column(JSON, default=dict)
    answer: Mapped[str] = mapped_column(String(20), default="new", index=True)
    source: Mapped[str] = mapped_column(String(10), default="api")
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="SET NULL"), index=True)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    meeting: Mapped[Meeting | None] = relationship()

    @property
    def has_news(self) -> bool:
        return self.remote_version > self.seen_version and bool(self.changes)


class BridgeState(db.Model):
    """The bridge's own state, one row: the pull cursor and a delivery pause after a 401."""

    __tablename__ = "govconf_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    pull_cursor: Mapped[str] = mapped_column(String(64), default="")
    pulled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paused_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pause_reason: Mapped[str] = mapped_column(Text, default="")
    admins_alerted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
