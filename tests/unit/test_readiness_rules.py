"""When answers are open, the technical test slot, and which reminder is due."""
from datetime import UTC, datetime, timedelta

import pytest

from meetings.readiness.rules import due_offset, escalation_due, is_open, reminder_kind, technical_slot

START = datetime(2031, 3, 3, 1, 0, tzinfo=UTC)
INVITED = START - timedelta(days=10)
OFFSETS = (1440, 120)


@pytest.mark.parametrize("status, now, expected", [
    ("scheduled", START - timedelta(seconds=1), True), ("scheduled", START, False),
    ("draft", START - timedelta(days=1), False), ("in_progress", START - timedelta(days=1), False),
    ("cancelled", START - timedelta(days=1), False),
])
def test_answers_are_open_for_a_scheduled_meeting_until_it_starts(status, now, expected):
    assert is_open(status, START, now) is expected


@pytest.mark.parametrize("before, expected", [
    (timedelta(hours=25), None), (timedelta(hours=24), 1440), (timedelta(hours=3), 1440),
    (timedelta(hours=2), 120), (timedelta(minutes=1), 120), (timedelta(0), None), (-timedelta(hours=1), None),
])
def test_the_latest_offset_that_has_come_is_due(before, expected):
    assert due_offset(START, INVITED, START - before, OFFSETS) == expected


def test_an_offset_that_passed_before_the_invitation_is_never_due():
    invited = START - timedelta(hours=5)
    assert due_offset(START, invited, START - timedelta(hours=4), OFFSETS) is None
    assert due_offset(START, invited, START - timedelta(hours=2), OFFSETS) == 120


def test_offsets_in_any_order():
    assert due_offset(START, INVITED, START - timedelta(hours=1), (120, 1440, 90)) == 90


def test_the_escalation_is_due_from_its_time_until_the_start():
    assert not escalation_due(START, START - timedelta(minutes=61), 60)
    assert escalation_due(START, START - timedelta(minutes=60), 60)
    assert not escalation_due(START, START, 60)


def test_reminder_kinds_name_their_offset():
    assert reminder_kind(1440) == "reminder-1440"


def test_the_technical_test_slot_opens_before_the_test_time_and_closes_at_the_end():
    end = START + timedelta(hours=3)
    slot = technical_slot(START, end, START - timedelta(minutes=45), default_lead=timedelta(minutes=60),
                     early=timedelta(minutes=30))
    assert slot.opens_at == START - timedelta(minutes=75) and slot.closes_at == end
    assert slot.contains(START - timedelta(minutes=75)) and not slot.contains(end)
    default = technical_slot(START, end, None, default_lead=timedelta(minutes=60), early=timedelta(minutes=30))
    assert default.opens_at == START - timedelta(minutes=90)
