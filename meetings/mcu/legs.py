"""The state machine of one endpoint's place in a call: pure, no Flask, no database.

Two sources tell us what a leg does, in any order and sometimes twice: the MCU's call records (started,
connected, ended with a reason) and the sweep's polling of the live legs (seen in a state, or no longer
listed). Each event names its leg; the row keeps the live leg (`leg_id`) and the one that ended last
(`last_leg_id`), so that a late or repeated record of a finished leg changes nothing but, at most, the
reason it ended for.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from meetings.mcu.models import CallState
from meetings.readiness.models import TestStatus

EVENTS = ("started", "ringing", "connected", "ended")
POLL_STATES = {"initial": "started", "ringing": "ringing", "connected": "connected", "onHold": "connected"}
UNKNOWN_REASON = "noAnswer"  # a leg that vanished from the list before its record told why
OUR_TEARDOWN = "localTeardown"


class CallRow(Protocol):
    state: str
    reason: str
    attempts: int
    leg_id: str | None
    last_leg_id: str | None
    wanted: bool
    hung_up_by_us: bool
    next_dial_at: datetime | None
    connected_at: datetime | None
    disconnected_at: datetime | None
    missing_polls: int
    alarms: list


@dataclass
class Outcome:
    changed: bool = False
    redial_at: datetime | None = None  # dial again then
    test: str | None = None  # test_ok or test_failed, for the technical test
    dropped: bool = False  # it was connected and left without our hang-up


def retry_delay(attempts: int, base_seconds: float, *, rng: random.Random | None = None) -> timedelta:
    """Backoff after the n-th failed dial: base, 2×base, 4×base..., with up to a quarter of jitter."""
    delay = base_seconds * 2 ** max(attempts - 1, 0)
    jitter = (rng or random).uniform(0, delay / 4)
    return timedelta(seconds=delay + jitter)


def dialled(row: CallRow, leg_id: str, at: datetime) -> None:
    """A dial was carried out and the MCU created leg `leg_id` (the attempt was counted before the request:
    the record of the leg's end may arrive before the answer that names it)."""
    if row.last_leg_id == leg_id or row.leg_id is not None:
        return  # its record came first and said it all
    row.leg_id, row.missing_polls, row.next_dial_at = leg_id, 0, None
    if row.state not in (CallState.DIALLING, CallState.RINGING, CallState.CONNECTED):
        row.state = CallState.DIALLING


def apply(row: CallRow, event: str, *, leg_id: str | None, at: datetime, reason: str | None = None,
          connected: bool = False, max_attempts: int = 3, retry_base: float = 20.0) -> Outcome:
    """Apply one event of one leg to the row; returns what follows from it."""
    if event not in EVENTS:
        raise ValueError(f"unknown leg event {event!r}")
    if not leg_id:
        return Outcome()
    if leg_id == row.last_leg_id:
        # A finished leg's late record: only a better reason is news.
        if event == "ended" and reason and row.reason in ("", UNKNOWN_REASON) and row.leg_id is None:
            row.reason = reason
            return Outcome(changed=True)
        return Outcome()
    if row.leg_id is not None and row.leg_id != leg_id:
        return Outcome()  # another leg of this endpoint while ours lives: not ours to follow
    if event == "ended":
        return _ended(row, leg_id, at, reason, connected, max_attempts, retry_base)
    outcome = Outcome()
    if row.leg_id is None:
        row.leg_id = leg_id  # a dial-in, or the leg of a dial whose answer was lost
        row.next_dial_at = None
        outcome.changed = True
    row.missing_polls = 0
    if event == "connected":
        if row.state != CallState.CONNECTED:
            row.state, row.connected_at, row.reason = CallState.CONNECTED, at, ""
            row.disconnected_at = None
            outcome.changed, outcome.test = True, TestStatus.TEST_OK
    elif event == "ringing":
        if row.state not in (CallState.RINGING, CallState.CONNECTED):
            row.state, outcome.changed = CallState.RINGING, True
    elif row.state not in (CallState.DIALLING, CallState.RINGING, CallState.CONNECTED):
        row.state, outcome.changed = CallState.DIALLING, True
    return outcome


def _ended(row: CallRow, leg_id: str, at: datetime, reason: str | None, connected: bool, max_attempts: int,
           retry_base: float) -> Outcome:
    was_connected = connected or row.state == CallState.CONNECTED
    row.leg_id, row.last_leg_id, row.alarms, row.missing_polls = None, leg_id, [], 0
    if row.hung_up_by_us or not row.wanted and was_connected:
        row.state, row.reason, row.disconnected_at = CallState.DISCONNECTED, reason or OUR_TEARDOWN, at
        row.wanted = False
        return Outcome(changed=True)
    if was_connected:
        row.state, row.reason, row.disconnected_at = CallState.DISCONNECTED, reason or "remoteTeardown", at
        row.attempts = 0  # a new series of dials
        row.next_dial_at = at
        return Outcome(changed=True, redial_at=at if row.wanted else None, dropped=True)
    row.reason = reason or UNKNOWN_REASON
    if row.wanted and row.attempts < max_attempts:
        row.state = CallState.DIALLING  # waiting for the next attempt
        row.next_dial_at = at + retry_delay(row.attempts, retry_base)
        return Outcome(changed=True, redial_at=row.next_dial_at)
    row.state, row.wanted, row.next_dial_at = CallState.FAILED, False, None
    return Outcome(changed=True, test=TestStatus.TEST_FAILED)


def vanished(row: CallRow, *, at: datetime, polls_needed: int = 2, max_attempts: int = 3,
             retry_base: float = 20.0) -> Outcome:
    """The live leg was missing from the MCU's list; after `polls_needed` polls in a row it has ended
    (pages are not a snapshot: one miss may be a leg that moved between pages)."""
    if row.leg_id is None:
        return Outcome()
    row.missing_polls += 1
    if row.missing_polls < polls_needed:
        return Outcome(changed=True)
    return _ended(row, row.leg_id, at, None, row.state == CallState.CONNECTED, max_attempts, retry_base)
