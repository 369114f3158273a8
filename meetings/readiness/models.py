"""Readiness history, technical test results, endpoint probes and their results, and sent reminders.

The current answer of each endpoint stays on `Participant.readiness` (the booking domain's row, read by the
meeting API and pages); these tables keep everything around it.
"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meetings.booking.models import ReadinessStatus as ReadinessStatus  # defined with Participant.readiness
from meetings.database import UTCDateTime, one_of, utcnow
from meetings.endpoints.models import Endpoint
from meetings.extensions import db


class TestStatus(enum.StrEnum):
    """The result of an endpoint's technical test call; an endpoint not yet tested has none (NULL)."""

    __test__ = False  # not a test class for pytest, which collects names starting with "Test"

    TEST_OK = "test_ok"
    TEST_FAILED = "test_failed"


# The name counts and filters give an endpoint without a test result.
UNTESTED = "untested"


class ProbeState(enum.StrEnum):
    """The outcome of an automatic check of an endpoint; one not checked yet has none (NULL)."""

    OK = "ok"
    FAILED = "failed"


# The name counts and filters give an endpoint not checked yet.
UNCHECKED = "unchecked"

STATUSES = tuple(ReadinessStatus)
ANSWERS = (ReadinessStatus.READY, ReadinessStatus.NOT_READY)
TEST_RESULTS = tuple(TestStatus)
ASPECTS = ("answer", "test")
CHANNELS = ("web", "api", "link", "mcu")
PROBE_STATES = tuple(ProbeState)
ESCALATION = "escalation"


class ReadinessChange(db.Model):
    """One change of an endpoint's answer (`answer`) or technical test result (`test`): who, when, from → to."""

    __tablename__ = "readiness_changes"
    __table_args__ = (
        CheckConstraint("aspect IN ('answer', 'test')", name="aspect_known"),
        CheckConstraint("channel IN ('web', 'api', 'link', 'mcu')", name="channel_known"),
        # An endpoint's newest answer (its board item) and its history, newest first: a few steps back along
        # this index, however many changes the endpoint has.
        Index("ix_readiness_changes_meeting_endpoint", "meeting_id", "endpoint_id", "id"),
        # A meeting's newest change (the board's version) and its history, newest first, without a scan.
        Index("ix_readiness_changes_meeting_newest", "meeting_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("endpoints.id"))
    aspect: Mapped[str] = mapped_column(String(10), default="answer")
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(String(500), default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_name: Mapped[str] = mapped_column(String(80), default="")
    channel: Mapped[str] = mapped_column(String(10), default="web")
    on_behalf: Mapped[bool] = mapped_column(default=False)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    endpoint: Mapped[Endpoint] = relationship()


class TechnicalTest(db.Model):
    """The latest technical test call of one endpoint for one meeting (earlier ones are in the history)."""

    __tablename__ = "technical_tests"
    __table_args__ = (
        UniqueConstraint("meeting_id", "endpoint_id"),
        one_of("result", TestStatus, name="result_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("endpoints.id"))
    result: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(String(500), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_by_name: Mapped[str] = mapped_column(String(80), default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class EndpointProbe(db.Model):
    """Where the scheduler checks an endpoint before its meetings: `host:port`, a SIP URI, or an HTTP(S) URL."""

    __tablename__ = "endpoint_probes"

    endpoint_id: Mapped[int] = mapped_column(ForeignKey("endpoints.id", ondelete="CASCADE"), primary_key=True)
    address: Mapped[str] = mapped_column(String(300))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    endpoint: Mapped[Endpoint] = relationship()


class ProbeResult(db.Model):
    """The latest automatic checks of one endpoint before one meeting: its probe address (`state`...) and, when
    its dial string is a SIP URI, a SIP OPTIONS request over UDP and TCP (`sip_state`...).

    `next_check_at` is also the claim: a sweep takes the row by moving it forward, so that two sweeps
    never check the same endpoint at once. A state is empty until its first check has finished.
    """

    __tablename__ = "probe_results"
    __table_args__ = (
        UniqueConstraint("meeting_id", "endpoint_id"),
        one_of("state", ProbeState, name="state_known", nullable=True),
        one_of("sip_state", ProbeState, name="sip_state_known", nullable=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("endpoints.id"))
    address: Mapped[str] = mapped_column(String(300), default="")
    state: Mapped[str | None] = mapped_column(String(10))
    detail: Mapped[str] = mapped_column(String(300), default="")
    latency_ms: Mapped[int | None] = mapped_column()
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_check_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sip_uri: Mapped[str] = mapped_column(String(200), default="")
    sip_state: Mapped[str | None] = mapped_column(String(10))
    sip_detail: Mapped[str] = mapped_column(String(300), default="")
    sip_latency_ms: Mapped[int | None] = mapped_column()
    sip_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ReadinessReminder(db.Model):
    """A reminder sent to one endpoint (`reminder-<minutes>`) or the escalation to the booker (no endpoint).

    The unique keys are the claim: a sweep sends only what it managed to insert, so a restarted or a second
    scheduler never sends a reminder twice. `for_start_at` is the start the reminder was about; when a
    meeting moves, the row is claimed again for the new time.
    """

    __tablename__ = "readiness_reminders"
    __table_args__ = (
        UniqueConstraint("meeting_id", "endpoint_id", "kind"),
        # NULLs are distinct in a unique constraint: the escalation (no endpoint) needs its own index.
        Index("uq_readiness_reminders_escalation", "meeting_id", "kind", unique=True,
              sqlite_where=text("endpoint_id IS NULL"), postgresql_where=text("endpoint_id IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    endpoint_id: Mapped[int | None] = mapped_column(ForeignKey("endpoints.id"))
    kind: Mapped[str] = mapped_column(String(20))
    for_start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recipients: Mapped[list[str]] = mapped_column(JSON, default=list)
    endpoints: Mapped[list[str]] = mapped_column(JSON, default=list)
    mail_id: Mapped[int | None] = mapped_column(ForeignKey("outgoing_mail.id", ondelete="SET NULL"))


def insert_or_skip(model: type[db.Model]):
    """`INSERT ... ON CONFLICT DO NOTHING` on PostgreSQL and SQLite alike: the claim primitive of the sweeps."""
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(model).on_conflict_do_nothing()
