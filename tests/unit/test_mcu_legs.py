"""The state machine of an endpoint's place in a call, over every order (and repetition) of its records."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from meetings.mcu import legs
from meetings.mcu.models import CallState

T0 = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)


@dataclass
class Row:
    state: str = CallState.IDLE
    reason: str = ""
    attempts: int = 0
    leg_id: str | None = None
    last_leg_id: str | None = None
    wanted: bool = True
    hung_up_by_us: bool = False
    next_dial_at: datetime | None = None
    connected_at: datetime | None = None
    disconnected_at: datetime | None = None
    missing_polls: int = 0
    alarms: list = field(default_factory=list)


def dialled(row: Row, leg: str) -> Row:
    row.attempts += 1
    legs.dialled(row, leg, T0)
    return row


def test_a_leg_rings_connects_and_drops_then_is_redialled():
    row = dialled(Row(), "L1")
    assert legs.apply(row, "started", leg_id="L1", at=T0).changed is False  # already dialling
    assert legs.apply(row, "ringing", leg_id="L1", at=T0).changed
    outcome = legs.apply(row, "connected", leg_id="L1", at=T0 + timedelta(seconds=3))
    assert row.state == CallState.CONNECTED and outcome.test == "test_ok"
    outcome = legs.apply(row, "ended", leg_id="L1", at=T0 + timedelta(minutes=5), reason="remoteTeardown",
                         connected=True)
    assert outcome.dropped and outcome.redial_at == T0 + timedelta(minutes=5)
    assert (row.state, row.reason, row.attempts, row.leg_id) == (CallState.DISCONNECTED, "remoteTeardown", 0, None)


def test_busy_is_retried_with_backoff_until_the_attempts_run_out():
    row = Row()
    for attempt in range(1, 4):
        dialled(row, f"L{attempt}")
        outcome = legs.apply(row, "ended", leg_id=f"L{attempt}", at=T0, reason="remoteBusy", max_attempts=3,
                             retry_base=10)
        if attempt < 3:
            backoff = timedelta(seconds=10 * 2 ** (attempt - 1))
            assert row.state == CallState.DIALLING and outcome.redial_at >= T0 + backoff
        else:
            assert (row.state, row.reason, outcome.test, row.wanted) == (CallState.FAILED, "remoteBusy", "test_failed",
                                                                         False)


def test_our_hang_up_is_not_a_drop():
    row = dialled(Row(), "L1")
    legs.apply(row, "connected", leg_id="L1", at=T0)
    row.hung_up_by_us, row.wanted = True, False
    outcome = legs.apply(row, "ended", leg_id="L1", at=T0, reason="localTeardown", connected=True)
    assert not outcome.dropped and outcome.redial_at is None and row.state == CallState.DISCONNECTED


def test_a_late_record_of_a_finished_leg_only_improves_the_reason():
    row = dialled(Row(), "L1")
    legs.vanished(row, at=T0, polls_needed=1, max_attempts=1)
    assert (row.state, row.reason) == (CallState.FAILED, legs.UNKNOWN_REASON)
    legs.apply(row, "started", leg_id="L1", at=T0)
    legs.apply(row, "ended", leg_id="L1", at=T0, reason="unknownDestination")
    assert (row.state, row.reason, row.leg_id) == (CallState.FAILED, "unknownDestination", None)


def test_a_dial_in_is_adopted_and_counted_connected():
    row = Row(wanted=False)
    legs.apply(row, "connected", leg_id="IN1", at=T0)
    assert (row.state, row.leg_id) == (CallState.CONNECTED, "IN1")


def test_another_leg_of_the_same_endpoint_is_not_followed():
    row = dialled(Row(), "L1")
    legs.apply(row, "connected", leg_id="L1", at=T0)
    assert legs.apply(row, "ended", leg_id="OTHER", at=T0, reason="remoteTeardown").changed is False
    assert row.state == CallState.CONNECTED and row.leg_id == "L1"


EVENTS = [("started", {}), ("ringing", {}), ("connected", {}),
          ("ended", {"reason": "remoteTeardown", "connected": True})]


@settings(max_examples=300, deadline=None)
@given(st.permutations(EVENTS), st.lists(st.integers(min_value=0, max_value=3), max_size=4))
def test_any_order_and_any_repeats_of_one_connected_legs_records_end_the_same(order, repeats):
    row = dialled(Row(), "L1")
    events = list(order) + [EVENTS[i] for i in repeats]
    for event, extra in events:
        legs.apply(row, event, leg_id="L1", at=T0, **extra)
    assert (row.state, row.leg_id, row.last_leg_id, row.reason) == (CallState.DISCONNECTED, None, "L1",
                                                                    "remoteTeardown")


FAILED = [("started", {}), ("ringing", {}), ("ended", {"reason": "remoteBusy"})]


@settings(max_examples=200, deadline=None)
@given(st.permutations(FAILED), st.lists(st.integers(min_value=0, max_value=2), max_size=3),
       st.integers(min_value=1, max_value=3))
def test_any_order_of_a_failed_dials_records_counts_one_attempt(order, repeats, max_attempts):
    row = dialled(Row(), "L1")
    for event, extra in list(order) + [FAILED[i] for i in repeats]:
        legs.apply(row, event, leg_id="L1", at=T0, max_attempts=max_attempts, **extra)
    assert row.attempts == 1 and row.leg_id is None and row.reason == "remoteBusy"
    assert row.state == (CallState.FAILED if max_attempts == 1 else CallState.DIALLING)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["started", "ringing", "connected", "ended"]), min_size=1, max_size=12))
def test_never_a_live_leg_after_its_end(events):
    row = dialled(Row(), "L1")
    ended = False
    for event in events:
        legs.apply(row, event, leg_id="L1", at=T0, reason="remoteTeardown" if event == "ended" else None)
        ended = ended or event == "ended"
        if ended:
            assert row.leg_id is None and row.state != CallState.CONNECTED or row.state == CallState.DISCONNECTED
