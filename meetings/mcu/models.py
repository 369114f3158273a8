"""The MCU's tables: each meeting's conference (its space, call and connect mode), the call state of each
endpoint in it, the queue of actions for the MCU, and the driver's own small state."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meetings.booking.models import Meeting
from meetings.database import UTCDateTime, one_of, utcnow
from meetings.endpoints.models import Endpoint
from meetings.extensions import db


class ConnectMode(StrEnum):
    AUTOMATIC = "automatic"  # dialled at the technical test time, again at the start, redialled when dropped
    MANUAL = "manual"  # a booker or the host's operator connects


class ConferenceState(StrEnum):
    PLANNED = "planned"  # no space on the MCU yet
    READY = "ready"  # the space exists
    ACTIVE = "active"  # the call runs
    ENDED = "ended"  # the call was ended (the space stays until the meeting is cancelled)
    REMOVED = "removed"  # the space is gone (cancelled meeting)


class CallState(StrEnum):
    IDLE = "idle"
    DIALLING = "dialling"
    RINGING = "ringing"
    CONNECTED = "connected"
    FAILED = "failed"
    DISCONNECTED = "disconnected"


class ActionKind(StrEnum):
    CREATE_SPACE = "create_space"
    RENAME_SPACE = "rename_space"
    REMOVE_SPACE = "remove_space"
    START_CALL = "start_call"
    DIAL = "dial"
    HANG_UP = "hang_up"
    END_CALL = "end_call"


class ActionState(StrEnum):
    PENDING = "pending"
    RUNNING = "running"  # claimed by a sweep until `next_attempt_at` (its lease)
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


OPEN_ACTION_STATES = (ActionState.PENDING, ActionState.RUNNING)
LIVE_CALL_STATES = (CallState.DIALLING, CallState.RINGING, CallState.CONNECTED)
GOVERNMENT_KEY = "_government"  # the cascade leg's key: it has no endpoint of ours


class Conference(db.Model):
    """One meeting on the MCU: its space (dial-in URI and call id), its call, its connect mode."""

    __tablename__ = "mcu_conferences"
    __table_args__ = (
        one_of("mode", ConnectMode, "mode_known"),
        one_of("state", ConferenceState, "state_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), unique=True)
    mode: Mapped[str] = mapped_column(String(20), default=ConnectMode.AUTOMATIC)
    state: Mapped[str] = mapped_column(String(20), default=ConferenceState.PLANNED)
    space_id: Mapped[str | None] = mapped_column(String(64))
    uri: Mapped[str] = mapped_column(String(200))  # the user part, e.g. btp-1234
    call_number: Mapped[str] = mapped_column(String(20), unique=True)  # digits, e.g. 881234
    call_id: Mapped[str | None] = mapped_column(String(64), index=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    test_dialled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the automatic dial at the test time
    start_dialled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the redial at the start
    polled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A sweep is starting the call: until then no other sweep asks the MCU for one.
    call_lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    meeting: Mapped[Meeting] = relationship()


class EndpointCall(db.Model):
    """One endpoint's place in a meeting's call (or the government cascade, key `_government`)."""

    __tablename__ = "mcu_calls"
    __table_args__ = (
        UniqueConstraint("meeting_id", "key"),
        one_of("state", CallState, "state_known"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    endpoint_id: Mapped[int | None] = mapped_column(ForeignKey("endpoints.id"))
    key: Mapped[str] = mapped_column(String(64))  # the endpoint's code, or _government
    remote_party: Mapped[str] = mapped_column(String(200), default="")
    dtmf: Mapped[str] = mapped_column(String(60), default="")
    state: Mapped[str] = mapped_column(String(20), default=CallState.IDLE)
    reason: Mapped[str] = mapped_column(String(60), default="")  # the MCU's code, e.g. remoteBusy
    attempts: Mapped[int] = mapped_column(default=0)  # dials in the current series (reset by a new series)
    leg_id: Mapped[str | None] = mapped_column(String(64), index=True)  # the live leg
    last_leg_id: Mapped[str | None] = mapped_column(String(64), index=True)  # the leg that ended last
    direction: Mapped[str] = mapped_column(String(10), default="")
    wanted: Mapped[bool] = mapped_column(default=False)  # we are (re)connecting it
    excluded: Mapped[bool] = mapped_column(default=False)  # the booker keeps it out of automatic dialling
    hung_up_by_us: Mapped[bool] = mapped_column(default=False)
    next_dial_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dialled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    connected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disconnected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    missing_polls: Mapped[int] = mapped_column(default=0)
    alarms: Mapped[list] = mapped_column(JSON, default=list)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)  # a sweep is dialling or hanging it up
    test_reported: Mapped[str] = mapped_column(String(20), default="")  # test result the MCU recorded
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    endpoint: Mapped[Endpoint | None] = relationship()

    @property
    def is_government(self) -> bool:
        return self.key == GOVERNMENT_KEY


class Action(db.Model):
    """One thing to do on the MCU, queued in the transaction that decided it; the `mcu` sweep claims it with
    a lease (`running` until `next_attempt_at`), carries it out and records the result. A transient failure
    puts it back to `pending` later; none is dropped, and each is idempotent on the MCU's side."""

    __tablename__ = "mcu_actions"
    __table_args__ = (
        one_of("kind", ActionKind, "kind_known"),
        one_of("state", ActionState, "state_known"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        Index("ix_mcu_actions_state_due", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    call_row_id: Mapped[int | None] = mapped_column(ForeignKey("mcu_calls.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(20), default=ActionState.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str] = mapped_column(Text, default="")
    last_reason: Mapped[str] = mapped_column(String(60), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<McuAction {self.id} {self.kind} meeting {self.meeting_id} {self.state}>"


class McuState(db.Model):
    """The driver's own state, one row: where call records go, and the MCU's health as last seen."""

    __tablename__ = "mcu_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    receiver_url: Mapped[str] = mapped_column(String(300), default="")
    receiver_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    software_version: Mapped[str] = mapped_column(String(60), default="")
    legs_active: Mapped[int | None] = mapped_column()
    reachable: Mapped[bool] = mapped_column(default=False)
    last_error: Mapped[str] = mapped_column(Text, default="")
