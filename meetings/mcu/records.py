"""Call detail records the MCU pushed: kept raw, each record once, and what they say about each call and leg.

A pushed body is stored as it came (`McuCdrBatch`) before anything is read from it, so that a failure
while processing loses nothing: the batch stays `pending` and the `mcu-cdr` sweep tries it again.
Processing stores each record once (`(call_bridge, record_index)` is unique, so a resent record changes
nothing), then derives every leg it touches again from all the stored records of that leg (and its call's
start and end): the result depends on the set of records, never on the order they arrived in.
"""
from __future__ import annotations

import enum
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    UniqueConstraint,
    func,
    select,
)
from sqlalchemy.orm import Mapped, defer, mapped_column

from meetings.booking.models import Meeting
from meetings.database import UTCDateTime, one_of, utcnow
from meetings.endpoints.models import Endpoint
from meetings.extensions import db
from meetings.mcu import cdr
from meetings.mcu.signals import leg_recorded

log = logging.getLogger(__name__)



class BatchState(enum.StrEnum):
    """A pushed body waits to be processed (again, after a failure), was processed, or failed too often."""

    PENDING = "pending"
    PROCESSED = "processed"
    FAILED = "failed"

CHUNK = 500
RETRY_BASE = timedelta(seconds=30)
RETRY_CAP = timedelta(hours=1)


class McuCdrBatch(db.Model):
    """One body the MCU pushed, exactly as received; `state` says whether its records were processed."""

    __tablename__ = "mcu_cdr_batches"
    __table_args__ = (
        one_of("state", BatchState, name="state_known"),
        Index("ix_mcu_cdr_batches_due", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    remote_addr: Mapped[str] = mapped_column(String(64), default="")
    body: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int] = mapped_column(default=0)
    state: Mapped[str] = mapped_column(String(10), default=BatchState.PENDING)
    documents: Mapped[int] = mapped_column(default=0)
    records: Mapped[int] = mapped_column(default=0)
    new_records: Mapped[int] = mapped_column(default=0)
    unreadable: Mapped[int] = mapped_column(default=0)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class McuCdrRecord(db.Model):
    """One record, stored once: a record seen again (same Call Bridge, same index) is a duplicate."""

    __tablename__ = "mcu_cdr_records"
    __table_args__ = (UniqueConstraint("call_bridge", "record_index"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("mcu_cdr_batches.id", ondelete="SET NULL"), index=True)
    call_bridge: Mapped[str] = mapped_column(String(64))
    record_index: Mapped[int] = mapped_column(BigInteger)
    type: Mapped[str] = mapped_column(String(40))
    time: Mapped[datetime] = mapped_column(UTCDateTime)
    session: Mapped[str] = mapped_column(String(64), default="")
    object_id: Mapped[str | None] = mapped_column(String(64))
    call_id: Mapped[str | None] = mapped_column(String(64), index=True)
    leg_id: Mapped[str | None] = mapped_column(String(64), index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    def as_record(self) -> cdr.Record:
        return cdr.Record(call_bridge=self.call_bridge, record_index=self.record_index, type=self.type,
                          time=self.time, session=self.session, object_id=self.object_id, call_id=self.call_id,
                          leg_id=self.leg_id, fields=self.data or {})


class McuCdrCall(db.Model):
    """A call the records told us about, and the meeting its cdrTag names (leg records carry only the call id)."""

    __tablename__ = "mcu_cdr_calls"

    call_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="SET NULL"), index=True)
    cdr_tag: Mapped[str] = mapped_column(String(100), default="")
    name: Mapped[str] = mapped_column(String(200), default="")
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class McuCdrLeg(db.Model):
    """One leg as all its stored records tell it (derived again whenever a record about it arrives)."""

    __tablename__ = "mcu_cdr_legs"
    __table_args__ = (Index("ix_mcu_cdr_legs_meeting_endpoint", "meeting_id", "endpoint_id"),)

    leg_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    call_id: Mapped[str | None] = mapped_column(String(64), index=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="SET NULL"))
    endpoint_id: Mapped[int | None] = mapped_column(ForeignKey("endpoints.id", ondelete="SET NULL"))
    remote_party: Mapped[str] = mapped_column(String(200), default="")
    owner_id: Mapped[str] = mapped_column(String(64), default="")
    direction: Mapped[str | None] = mapped_column(String(10))
    display_name: Mapped[str] = mapped_column(String(200), default="")
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    connected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(String(60))
    connected: Mapped[bool] = mapped_column(default=False)
    intervals: Mapped[list[list[str | None]]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def interval_times(self) -> list[cdr.Interval]:
        return [(datetime.fromisoformat(start), datetime.fromisoformat(end) if end else None)
                for start, end in self.intervals or []]


def insert_or_skip(model: type[db.Model]):
    """`INSERT ... ON CONFLICT DO NOTHING` on PostgreSQL and SQLite alike."""
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(model).on_conflict_do_nothing()


def _chunks(items: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


# Receiving -------------------------------------------------------------------------------------------------------


def store_batch(body: bytes, parsed: cdr.Parsed, *, remote_addr: str = "", now: datetime | None = None
                ) -> McuCdrBatch:
    """Keep a pushed body as it came (flushed, pending), before anything is read from it."""
    now = now or utcnow()
    batch = McuCdrBatch(received_at=now, remote_addr=(remote_addr or "")[:64], body=body, size=len(body),
                        state=BatchState.PENDING, documents=parsed.documents, records=len(parsed.records),
                        unreadable=parsed.unreadable, next_attempt_at=now)
    db.session.add(batch)
    db.session.flush()
    return batch


@dataclass
class Outcome:
    """What processing one batch did."""

    new_records: int = 0
    duplicates: int = 0
    legs: int = 0
    meetings: set[int] = field(default_factory=set)
    attendance_changed: int = 0


def process_batch(batch: McuCdrBatch, *, parsed: cdr.Parsed | None = None, now: datetime | None = None) -> Outcome:
    """Store the batch's records once each, derive the legs and calls they touch, send `leg_recorded` for each
    new leg record and update the attendance of the meetings concerned. Flushes; the caller commits (or runs
    it in a savepoint, so that a failure leaves the batch pending)."""
    now = now or utcnow()
    parsed = parsed or cdr.parse_body(batch.body)
    records = cdr.unique(parsed.records)
    new = _insert_records(batch, records)
    outcome = Outcome(new_records=len(new), duplicates=len(parsed.records) - len(new))
    if new:
        _derive(new, now, outcome)
    batch.state, batch.processed_at, batch.new_records = BatchState.PROCESSED, now, len(new)
    batch.last_error, batch.next_attempt_at = "", None
    db.session.flush()
    return outcome


def note_failure(batch: McuCdrBatch, error: BaseException, *, now: datetime, max_attempts: int) -> None:
    """Processing failed (its savepoint was rolled back): try again later with backoff, or give up visibly."""
    batch.attempts += 1
    batch.last_error = f"{type(error).__name__}: {error}"[:500]
    if batch.attempts >= max_attempts:
        batch.state, batch.next_attempt_at = BatchState.FAILED, None
    else:
        batch.state = BatchState.PENDING
        batch.next_attempt_at = now + min(RETRY_CAP, RETRY_BASE * 2 ** (batch.attempts - 1))
    db.session.flush()


def _insert_records(batch: McuCdrBatch, records: list[cdr.Record]) -> list[cdr.Record]:
    """Insert what is not stored yet; returns the records that were new (in time order)."""
    inserted: set[tuple[str, int]] = set()
    for chunk in _chunks(records):
        rows = [{"batch_id": batch.id, "call_bridge": record.call_bridge, "record_index": record.record_index,
                 "type": record.type, "time": record.time, "session": record.session, "object_id": record.object_id,
                 "call_id": record.call_id, "leg_id": record.leg_id, "data": record.to_data()} for record in chunk]
        # executemany ("insertmanyvalues"): one cached statement whatever the number of rows.
        result = db.session.connection().execute(
            insert_or_skip(McuCdrRecord).returning(McuCdrRecord.call_bridge, McuCdrRecord.record_index), rows)
        inserted.update((bridge, index) for bridge, index in result)
    return [record for record in records if record.key in inserted]


# Deriving calls and legs -----------------------------------------------------------------------------------------


def _lock_rows(model: type[db.Model], key, ids: set[str], **defaults) -> dict[str, Any]:
    """Make sure a row exists per id, then lock them in a fixed order (PostgreSQL; SQLite writes one at a time)."""
    if not ids:
        return {}
    ordered = sorted(ids)
    for chunk in _chunks(ordered):
        db.session.connection().execute(insert_or_skip(model), [{key.key: value, **defaults} for value in chunk])
    rows: dict[str, Any] = {}
    for chunk in _chunks(ordered):
        statement = (select(model).where(key.in_(chunk)).order_by(key).with_for_update()
                     .execution_options(populate_existing=True))
        rows.update((getattr(row, key.key), row) for row in db.session.scalars(statement))
    return rows


def _stored(statement) -> list[cdr.Record]:
    return [row.as_record() for row in db.session.scalars(statement)]


def _derive(new: list[cdr.Record], now: datetime, outcome: Outcome) -> None:
    new_leg_records = [record for record in new if record.leg_id]
    leg_ids = {record.leg_id for record in new_leg_records}
    restarted_calls = {record.call_id for record in new
                       if record.leg_id is None and record.call_id and record.type in cdr.CALL_TYPES}
    known_calls = {call_id for chunk in _chunks(sorted(leg_ids)) for call_id in db.session.scalars(
        select(McuCdrLeg.call_id).where(McuCdrLeg.leg_id.in_(chunk), McuCdrLeg.call_id.is_not(None)))}
    call_ids = restarted_calls | known_calls | {record.call_id for record in new_leg_records if record.call_id}
    calls = _lock_rows(McuCdrCall, McuCdrCall.call_id, call_ids, cdr_tag="", name="")
    for chunk in _chunks(sorted(restarted_calls)):
        # A call's start (its cdrTag) or end changes every leg of it.
        leg_ids.update(db.session.scalars(select(McuCdrLeg.leg_id).where(McuCdrLeg.call_id.in_(chunk))))
    legs = _lock_rows(McuCdrLeg, McuCdrLeg.leg_id, leg_ids, remote_party="", owner_id="", display_name="",
                      connected=False, intervals=[])

    leg_records: dict[str, list[cdr.Record]] = defaultdict(list)
    for chunk in _chunks(sorted(leg_ids)):
        for record in _stored(select(McuCdrRecord).where(McuCdrRecord.leg_id.in_(chunk))):
            leg_records[record.leg_id].append(record)
    for records in leg_records.values():
        call_ids.update(record.call_id for record in records if record.call_id)
    missing_calls = call_ids - set(calls)
    calls.update(_lock_rows(McuCdrCall, McuCdrCall.call_id, missing_calls, cdr_tag="", name=""))
    call_records: dict[str, list[cdr.Record]] = defaultdict(list)
    for chunk in _chunks(sorted(call_ids)):
        for record in _stored(select(McuCdrRecord).where(McuCdrRecord.call_id.in_(chunk),
                                                        McuCdrRecord.leg_id.is_(None),
                                                        McuCdrRecord.type.in_(cdr.CALL_TYPES))):
            call_records[record.call_id].append(record)

    meeting_ids = _existing_meetings({cdr.derive_call(call_id, call_records[call_id]).meeting_id
                                      for call_id in call_ids})
    for call_id in call_ids:
        summary = cdr.derive_call(call_id, call_records[call_id])
        row = calls[call_id]
        row.meeting_id = summary.meeting_id if summary.meeting_id in meeting_ids else None
        row.cdr_tag, row.name = summary.cdr_tag, summary.name
        row.started_at, row.ended_at, row.updated_at = summary.started_at, summary.ended_at, now

    endpoints = {code: (endpoint_id, dial) for endpoint_id, code, dial in db.session.execute(
        select(Endpoint.id, Endpoint.code, Endpoint.dial_string))}
    index = _dial_index(tuple(sorted((code, dial or "") for code, (_id, dial) in endpoints.items())))
    codes = set(endpoints)
    code_of_id = {endpoint_id: code for code, (endpoint_id, _dial) in endpoints.items()}
    touched: dict[int, set[int]] = defaultdict(set)
    summaries: dict[str, cdr.LegSummary] = {}
    for leg_id in sorted(leg_ids):
        records = leg_records.get(leg_id, [])
        summary = cdr.derive_leg(leg_id, records, call_records.get(
            next((record.call_id for record in records if record.call_id), ""), []))
        summaries[leg_id] = summary
        row = legs[leg_id]
        if row.meeting_id and row.endpoint_id:
            touched[row.meeting_id].add(row.endpoint_id)
        code = cdr.endpoint_of(summary, codes, index)
        row.call_id = summary.call_id
        row.meeting_id = calls[summary.call_id].meeting_id if summary.call_id in calls else None
        row.endpoint_id = endpoints[code][0] if code else None
        row.remote_party, row.owner_id, row.direction = summary.remote_party, summary.owner_id, summary.direction
        row.display_name, row.started_at, row.ended_at = summary.display_name, summary.started_at, summary.ended_at
        row.reason, row.connected = summary.reason, summary.connected
        row.connected_at = summary.intervals[0][0] if summary.intervals else None
        row.intervals = [[start.isoformat(), end.isoformat() if end else None] for start, end in summary.intervals]
        row.updated_at = now
        if row.meeting_id and row.endpoint_id:
            touched[row.meeting_id].add(row.endpoint_id)
    outcome.legs = len(leg_ids)
    db.session.flush()

    for record in sorted(new_leg_records, key=lambda item: item.order):
        event = cdr.leg_event(record)
        if event is None:
            continue
        row, summary = legs[record.leg_id], summaries[record.leg_id]
        leg_recorded.send(
            None, meeting_id=row.meeting_id, call_id=summary.call_id, leg_id=record.leg_id,
            endpoint_code=code_of_id.get(row.endpoint_id), remote_party=summary.remote_party or None,
            direction=summary.direction, event=event, reason=record.get("reason") if event == "ended" else None,
            connected=summary.connected, at=record.time)

    from meetings.mcu.attendance_from_calls import refresh

    for meeting_id, endpoint_ids in sorted(touched.items()):
        outcome.meetings.add(meeting_id)
        outcome.attendance_changed += refresh(meeting_id, endpoint_ids, now=now)


@lru_cache(maxsize=4)
def _dial_index(dial_strings: tuple[tuple[str, str], ...]) -> dict[str, str]:
    """The registry's dial strings, normalised once while the registry does not change."""
    return cdr.dial_index(dict(dial_strings))


def _existing_meetings(ids: set[int | None]) -> set[int]:
    wanted = sorted(i for i in ids if i is not None)
    if not wanted:
        return set()
    return set(db.session.scalars(select(Meeting.id).where(Meeting.id.in_(wanted))))


# The sweep -------------------------------------------------------------------------------------------------------


def due_batches(now: datetime, limit: int) -> list[McuCdrBatch]:
    return list(db.session.scalars(
        select(McuCdrBatch).where(McuCdrBatch.state == BatchState.PENDING, McuCdrBatch.next_attempt_at <= now)
        .order_by(McuCdrBatch.id).limit(limit)))


def process_safely(batch: McuCdrBatch, *, now: datetime, max_attempts: int,
                   parsed: cdr.Parsed | None = None) -> Outcome | None:
    """Process in a savepoint: on failure nothing of the processing stays, the batch is marked for a retry."""
    try:
        with db.session.begin_nested():
            return process_batch(batch, parsed=parsed, now=now)
    except Exception as error:  # any failure: the raw batch is kept and tried again by the sweep
        log.exception("MCU call records: batch %s could not be processed", batch.id)
        note_failure(batch, error, now=now, max_attempts=max_attempts)
        return None


# What a person sees and does about batches that failed -----------------------------------------------------------

FAILED_SHOWN = 10
REPROCESS_LIMIT = 200


@dataclass(frozen=True)
class BatchHealth:
    """The call-record batches that need a person: how many failed (the newest first) and how many still wait."""

    failed: int
    pending: int
    newest: list[McuCdrBatch]  # the latest failed ones, at most FAILED_SHOWN, without their bodies


def batch_health(*, shown: int = FAILED_SHOWN) -> BatchHealth:
    """Counts of failed and pending batches and the newest failed ones (bodies not loaded); two statements."""
    counts = dict(db.session.execute(
        select(McuCdrBatch.state, func.count()).where(McuCdrBatch.state.in_((BatchState.FAILED, BatchState.PENDING)))
        .group_by(McuCdrBatch.state)).all())
    newest = list(db.session.scalars(
        select(McuCdrBatch).options(defer(McuCdrBatch.body)).where(McuCdrBatch.state == BatchState.FAILED)
        .order_by(McuCdrBatch.id.desc()).limit(shown))) if counts.get(BatchState.FAILED) else []
    return BatchHealth(failed=int(counts.get(BatchState.FAILED, 0)), pending=int(counts.get(BatchState.PENDING, 0)),
                       newest=newest)


@dataclass(frozen=True)
class Reprocessed:
    processed: int  # batches whose records are now processed
    failed: int  # batches that failed again (kept failed, with the new error)
    remaining: int  # failed batches not tried this time (more than REPROCESS_LIMIT)


def reprocess_failed_batches(*, now: datetime | None = None, limit: int = REPROCESS_LIMIT) -> Reprocessed:
    """Process the stored raw bodies of failed batches again, oldest first, each in its own savepoint (a person
    asked, after fixing what made them fail). Idempotent: records already stored are duplicates and change
    nothing, so a batch taken twice (two people pressing at once) gives the same result. A batch that fails again
    stays failed with its new error; the sweep never takes failed batches by itself. Flushes; the caller commits."""
    now = now or utcnow()
    ids = list(db.session.scalars(select(McuCdrBatch.id).where(McuCdrBatch.state == BatchState.FAILED)
                                  .order_by(McuCdrBatch.id).limit(limit + 1)))
    processed = failed = 0
    for batch_id in ids[:limit]:
        # Locked (PostgreSQL) so that a second press waits for this one and then finds it processed.
        batch = db.session.scalar(select(McuCdrBatch).where(McuCdrBatch.id == batch_id,
                                                            McuCdrBatch.state == BatchState.FAILED)
                                  .with_for_update().execution_options(populate_existing=True))
        if batch is None:
            continue  # processed meanwhile
        if process_safely(batch, now=now, max_attempts=batch.attempts + 1) is None:
            failed += 1
        else:
            processed += 1
    remaining = 0
    if len(ids) > limit:
        remaining = db.session.scalar(select(func.count()).select_from(McuCdrBatch)
                                      .where(McuCdrBatch.state == BatchState.FAILED)) - failed
    return Reprocessed(processed=processed, failed=failed, remaining=max(0, remaining))
