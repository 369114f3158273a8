"""The outgoing mail queue: every message the system sends, with its delivery state."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from meetings.database import UTCDateTime, one_of, utcnow
from meetings.extensions import db


class MailState(enum.StrEnum):
    """Where a message is in the mail queue (see OutgoingMail)."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    LOGGED = "logged"
    FAILED = "failed"


MAIL_STATES = tuple(MailState)
CALENDAR_METHODS = ("REQUEST", "CANCEL", "PUBLISH")


class OutgoingMail(db.Model):
    """One message. `pending` rows are claimed (`sending`) by one sweep, then end `sent`, `logged`
    (no SMTP server configured) or `failed`; a failure before the last attempt goes back to `pending`."""

    __tablename__ = "outgoing_mail"
    __table_args__ = (
        one_of("state", MailState, name="state_known"),
        CheckConstraint("calendar_method IS NULL OR calendar_method IN ('REQUEST', 'CANCEL', 'PUBLISH')",
                        name="calendar_method_known"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        Index("ix_outgoing_mail_state_due", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipients: Mapped[list[str]] = mapped_column(JSON)
    subject: Mapped[str] = mapped_column(String(500))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)  # the alternative for clients that show HTML
    calendar: Mapped[str | None] = mapped_column(Text)
    calendar_method: Mapped[str | None] = mapped_column(String(10))
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="SET NULL"), index=True)
    state: Mapped[str] = mapped_column(String(10), default=MailState.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def attachment_name(self) -> str | None:
        if self.calendar is None:
            return None
        return "cancel.ics" if self.calendar_method == "CANCEL" else "invite.ics"

    def __repr__(self) -> str:
        return f"<OutgoingMail {self.id} {self.state}>"
