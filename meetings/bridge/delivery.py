"""The deliver-outbox sweep: claim due messages one by one, send them, record the answer.

Like the mail sweep it commits as it goes: each claim is committed before the request, so that no database
lock is held over the network and a concurrent sweep sees the claim. A sweep that dies after the remote
accepted a write but before recording it leaves the claim behind; after its lease the message is sent again
with the same Idempotency-Key, and the remote answers as the first time without doing it twice.
"""
from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import exists, select, update
from sqlalchemy.orm import aliased

from meetings.bridge.client import ConfigurationError, GovconfClient, GovconfError, PermanentError, TransientError
from meetings.bridge.models import OPEN_STATES, ConferenceLink, OutboxMessage, OutboxState, RemoteStatus
from meetings.bridge.state import bridge_state, make_client, pause_for_configuration, resume_after_success
from meetings.extensions import db

log = logging.getLogger(__name__)

BATCH_SIZE = 200


@dataclass(frozen=True)
class Claimed:
    id: int
    kind: str
    stream: str
    meeting_id: int | None
    payload: dict
    key: str
    attempts: int
    conference_id: str | None


@dataclass
class Outcome:
    state: str  # delivered, retry, failed, paused
    conference: dict | None = None
    conference_id: str | None = None
    error: GovconfError | None = None
    note: str = ""
    link_values: dict[str, Any] = field(default_factory=dict)


def retry_delay(attempts: int, *, base: float, cap: float, retry_after: float | None = None) -> timedelta:
    """Exponential backoff with equal jitter after the n-th failed attempt; a Retry-After is a floor."""
    delay = min(base * 2 ** max(attempts - 1, 0), cap)
    jittered = delay / 2 + random.uniform(0, delay / 2)
    return timedelta(seconds=max(jittered, retry_after or 0.0))


def deliver_outbox(now: datetime, *, client: GovconfClient | None = None) -> int:
    """Send the due messages in order per stream; returns how many were delivered.

    A scheduled job is its own transaction boundary and commits as it goes: each claim is committed
    before the call to the government system, so that no database lock is held over the network and
    a concurrent sweep sees the claim; each outcome is committed when it is known.
    """
    config = current_app.config
    if not config["GOVCONF_URL"]:
        return 0
    state = bridge_state()
    if state.paused_until is not None and state.paused_until > now:
        db.session.commit()
        return 0
    _release_stale_claims(now)
    delivered, tried = 0, set()
    # Rounds: a delivered message lets the next one of its stream go in the same sweep; each message is tried
    # at most once a sweep.
    while len(tried) < BATCH_SIZE:
        due = [message_id for message_id in _due_ids(now) if message_id not in tried]
        db.session.commit()
        if not due:
            break
        client = client or make_client()
        for message_id in due:
            tried.add(message_id)
            claimed = _claim(message_id, now)
            if claimed is None:
                continue
            outcome = _deliver(client, claimed)
            _record(claimed, outcome, now)
            delivered += outcome.state == OutboxState.DELIVERED
            if outcome.state == "paused":
                return delivered
    return delivered


def _blocked_by_earlier():
    earlier = aliased(OutboxMessage)
    return exists().where(earlier.stream == OutboxMessage.stream, earlier.id < OutboxMessage.id,
                          earlier.state.in_(OPEN_STATES))


def _release_stale_claims(now: datetime) -> None:
    released = db.session.execute(
        update(OutboxMessage).where(OutboxMessage.state == OutboxState.SENDING, OutboxMessage.next_attempt_at <= now)
        .values(state=OutboxState.PENDING).execution_options(synchronize_session=False)).rowcount
    if released:
        log.warning("govconf outbox: %d message(s) left in 'sending' by a stopped sweep, sent again (same key)",
                    released)


def _due_ids(now: datetime) -> list[int]:
    query = (select(OutboxMessage.id)
             .where(OutboxMessage.state == OutboxState.PENDING, OutboxMessage.next_attempt_at <= now,
                    ~_blocked_by_earlier())
             .order_by(OutboxMessage.id).limit(BATCH_SIZE * 2))
    return list(db.session.scalars(query))


def _claim(message_id: int, now: datetime) -> Claimed | None:
    """Take one message for this sweep: exactly one claimant sees rowcount 1, and only the head of its stream."""
    lease = timedelta(seconds=current_app.config["GOVCONF_CLAIM_LEASE_SECONDS"])
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.state == OutboxState.PENDING,
               OutboxMessage.next_attempt_at <= now, ~_blocked_by_earlier())
        .values(state=OutboxState.SENDING, attempts=OutboxMessage.attempts + 1, next_attempt_at=now + lease)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.commit()
        return None
    message = db.session.get(OutboxMessage, message_id, populate_existing=True)
    conference_id = message.conference_id
    if message.meeting_id is not None and (message.kind != "answer" or conference_id is None):
        link = db.session.scalar(select(ConferenceLink).where(ConferenceLink.meeting_id == message.meeting_id))
        conference_id = link.conference_id if link is not None else conference_id
    claimed = Claimed(id=message.id, kind=message.kind, stream=message.stream, meeting_id=message.meeting_id,
                      payload=dict(message.payload), key=message.idempotency_key, attempts=message.attempts,
                      conference_id=conference_id)
    db.session.commit()
    return claimed


def _deliver(client: GovconfClient, claimed: Claimed) -> Outcome:
    try:
        return SENDERS[claimed.kind](client, claimed)
    except ConfigurationError as error:
        return Outcome("paused", error=error)
    except PermanentError as error:
        return Outcome(OutboxState.FAILED, error=error)
    except TransientError as error:
        return Outcome("retry", error=error)


def _publish(client: GovconfClient, claimed: Claimed) -> Outcome:
    payload = claimed.payload
    if claimed.conference_id:
        change = {key: payload[key] for key in ("title", "start", "end", "endpoint_count")}
        return _linked(client.update_conference(claimed.conference_id, change, key=claimed.key))
    try:
        return _linked(client.create_conference(payload, key=claimed.key))
    except PermanentError as error:
        existing = _duplicate_id(error)
        if existing is None:
            raise
    # The conference exists under our reference (created by a message an admin abandoned): adopt it and
    # bring it up to date with this message, under a key of its own.
    change = {key: payload[key] for key in ("title", "start", "end", "endpoint_count")}
    return _linked(client.update_conference(existing, change, key=f"{claimed.key}-adopt"))


def _cancel(client: GovconfClient, claimed: Claimed) -> Outcome:
    if not claimed.conference_id:
        return Outcome(OutboxState.DELIVERED, note="never created on the government system: nothing to cancel")
    client.cancel_conference(claimed.conference_id, key=claimed.key)
    return Outcome(OutboxState.DELIVERED, conference_id=claimed.conference_id,
                   link_values={"remote_status": RemoteStatus.CANCELLED})


def _answer(client: GovconfClient, claimed: Claimed) -> Outcome:
    if not claimed.conference_id:
        raise PermanentError("No government conference is linked to this meeting.", code="no_conference")
    return _linked(client.answer_invitation(claimed.conference_id, claimed.payload, key=claimed.key))


def _readiness(client: GovconfClient, claimed: Claimed) -> Outcome:
    if not claimed.conference_id:
        raise PermanentError("The meeting has no conference on the government system (yet).", code="no_conference")
    client.set_readiness(claimed.conference_id, claimed.payload, key=claimed.key)
    return Outcome(OutboxState.DELIVERED, conference_id=claimed.conference_id)


SENDERS = {"publish": _publish, "cancel": _cancel, "answer": _answer, "readiness": _readiness}


def _linked(conference: dict) -> Outcome:
    return Outcome(OutboxState.DELIVERED, conference=conference, conference_id=conference["id"],
                   link_values={"conference_id": conference["id"], "remote_status": str(conference.get("status", "")),
                                "remote_version": conference.get("version")})


def _duplicate_id(error: PermanentError) -> str | None:
    if error.code != "duplicate_ref" or not isinstance(error.body, dict):
        return None
    details = error.body.get("error") if isinstance(error.body.get("error"), dict) else {}
    existing = details.get("id") or error.body.get("id")
    return existing if isinstance(existing, str) and existing else None


def _record(claimed: Claimed, outcome: Outcome, now: datetime) -> None:
    """Write the outcome, if this sweep still holds the claim; commit."""
    values: dict[str, Any] = {}
    error = outcome.error
    if error is not None:
        values.update(last_status=error.status, last_error_kind=error.kind, last_error_code=error.code[:40],
                      last_error=error.message[:2000])
    if outcome.state == OutboxState.DELIVERED:
        values.update(state=OutboxState.DELIVERED, delivered_at=now, last_error_kind="", last_error_code="",
                      last_error=outcome.note, conference_id=outcome.conference_id or claimed.conference_id)
    elif outcome.state == OutboxState.FAILED:
        values.update(state=OutboxState.FAILED)
    else:
        values.update(state=OutboxState.PENDING, next_attempt_at=now + _delay(claimed, outcome))
    held = db.session.execute(
        update(OutboxMessage).where(OutboxMessage.id == claimed.id, OutboxMessage.state == OutboxState.SENDING)
        .values(**values).execution_options(synchronize_session=False)).rowcount
    if held and outcome.link_values and claimed.meeting_id is not None:
        db.session.execute(update(ConferenceLink).where(ConferenceLink.meeting_id == claimed.meeting_id)
                           .values(**outcome.link_values, updated_at=now).execution_options(synchronize_session=False))
    _log(claimed, outcome)
    if outcome.state == "paused":
        pause_for_configuration(error, now)
    elif outcome.state in (OutboxState.DELIVERED, OutboxState.FAILED):
        resume_after_success(now)
    db.session.commit()


def _delay(claimed: Claimed, outcome: Outcome) -> timedelta:
    config = current_app.config
    if outcome.state == "paused":
        return timedelta(0)  # waits for the pause, then goes first
    retry_after = outcome.error.retry_after if isinstance(outcome.error, TransientError) else None
    return retry_delay(claimed.attempts, base=config["GOVCONF_RETRY_BASE_SECONDS"],
                       cap=config["GOVCONF_RETRY_CAP_SECONDS"], retry_after=retry_after)


def _log(claimed: Claimed, outcome: Outcome) -> None:
    where = f"govconf message {claimed.id} ({claimed.kind}, {claimed.stream}, attempt {claimed.attempts})"
    if outcome.state == OutboxState.DELIVERED:
        log.info("%s delivered: conference %s", where, outcome.conference_id or claimed.conference_id or "-")
    elif outcome.state == OutboxState.FAILED:
        log.warning("%s refused for good: %s", where, outcome.error)
    else:
        log.warning("%s will be tried again (%s): %s", where, outcome.state, outcome.error)
