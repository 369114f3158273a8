"""The MCU's call records, read and derived without a database: hostile XML refused, several documents in one
body, and a leg's connected time the same whatever order (duplicates, gaps) its records arrive in."""
from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from meetings.mcu import cdr
from tests.cdr_xml import BILLION_LAUGHS, EXTERNAL_DTD, EXTERNAL_ENTITY, Script

START = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)  # 08:00 in Hanoi
END = START + timedelta(hours=3)


def minutes(value: float) -> datetime:
    return START + timedelta(minutes=value)


# Reading -----------------------------------------------------------------------------------------------------------


def test_the_contract_sample_reads_into_typed_records():
    script = Script(meeting_id=1234)
    script.call_start(minutes(-20))
    script.leg_start("leg-1", minutes(-19), remote="sip:thads-an-giang@vc.moj.gov.vn", owner="thads-an-giang",
                     name="THADS An Giang")
    script.leg_update("leg-1", minutes(-18))
    script.leg_end("leg-1", minutes(150))
    script.call_end(minutes(190))
    parsed = cdr.parse_body(script.xml())
    assert parsed.documents == 1 and parsed.unreadable == 0
    kinds = [(record.type, record.call_id, record.leg_id) for record in parsed.records]
    assert kinds == [("callStart", script.call_id, None), ("callLegStart", script.call_id, "leg-1"),
                     ("callLegUpdate", script.call_id, "leg-1"), ("callLegEnd", None, "leg-1"),
                     ("callEnd", script.call_id, None)]
    start = parsed.records[0]
    assert start.call_bridge == script.call_bridge and start.time == minutes(-20)
    assert cdr.derive_call(script.call_id, parsed.records).meeting_id == 1234
    assert parsed.records[1].get("displayName") == "THADS An Giang"


def test_several_documents_in_one_body_are_all_read():
    script = Script(meeting_id=7)
    for index in range(6):
        script.other(minutes(index))
    body = script.xml(script.records[:2]) + script.xml(script.records[2:4], declaration=False) + b"\n  \n" + \
        script.xml(script.records[4:])
    parsed = cdr.parse_body(body)
    assert parsed.documents == 3
    assert [record.record_index for record in parsed.records] == [index for index, _ in script.records]


def test_a_long_body_of_many_documents_is_read_in_linear_passes():
    script = Script(meeting_id=7)
    for index in range(3000):
        script.other(minutes(index / 10))
    body = b"".join(script.xml([record]) for record in script.records)
    assert len(cdr.parse_body(body).records) == 3000


@pytest.mark.parametrize("body, code", [
    (BILLION_LAUGHS, "forbidden"),
    (EXTERNAL_ENTITY, "forbidden"),
    (EXTERNAL_DTD, "forbidden"),
    (b"", "empty"),
    (b"   \n", "empty"),
    (b"callStart,2026-01-01", "not_xml"),
    (b'<records callBridge="x"><record type="callStart"', "not_xml"),
    (b"<records><record></records>", "not_xml"),
    (b"<records>&undefined;</records>", "not_xml"),
    (b"<html><body>hello</body></html>", "not_records"),
    (b'<records callBridge="x"/><html/>', "not_records"),
])
def test_hostile_truncated_and_foreign_bodies_are_refused(body, code):
    with pytest.raises(cdr.CdrParseError) as refused:
        cdr.parse_body(body)
    assert refused.value.code == code


def test_a_second_document_with_a_dtd_is_refused_too():
    good = Script(meeting_id=1)
    good.other(minutes(0))
    with pytest.raises(cdr.CdrParseError) as refused:
        cdr.parse_body(good.xml() + BILLION_LAUGHS)
    assert refused.value.code == "forbidden"


def test_a_truncated_second_document_refuses_the_whole_body():
    script = Script(meeting_id=1)
    script.other(minutes(0))
    script.other(minutes(1))
    with pytest.raises(cdr.CdrParseError):
        cdr.parse_body(script.xml(script.records[:1]) + script.xml(script.records[1:])[:-30])


def test_records_without_index_or_time_are_counted_unreadable_not_fatal():
    body = (b'<records callBridge="b"><record type="callStart" time="2026-01-01T00:00:00Z"/>'
            b'<record type="callStart" recordIndex="2" time="yesterday"/>'
            b'<record type="callStart" recordIndex="3" time="2026-01-01T00:00:00Z"><call id="c"/></record></records>')
    parsed = cdr.parse_body(body)
    assert parsed.unreadable == 2 and [record.record_index for record in parsed.records] == [3]


@pytest.mark.parametrize("tag, meeting", [("meeting:1234", 1234), (" meeting:5 ", 5), ("meeting:", None),
                                           ("other:5", None), ("", None), (None, None), ("meeting:12x", None)])
def test_the_cdr_tag_names_the_meeting(tag, meeting):
    assert cdr.meeting_of_tag(tag) == meeting


def test_legs_are_matched_by_owner_id_then_by_dial_string_in_any_spelling():
    index = cdr.dial_index({"thads-an-giang": "sip:thads-an-giang@vc.moj.gov.vn", "moj-hq": "sip:moj-hq@vc.moj.gov.vn"})
    codes = {"thads-an-giang", "moj-hq"}
    leg = cdr.LegSummary
    assert cdr.endpoint_of(leg("l", None, owner_id="moj-hq", remote_party="sip:x@y"), codes, index) == "moj-hq"
    for remote in ("sip:THADS-An-Giang@VC.moj.gov.vn:5060", "thads-an-giang@vc.moj.gov.vn",
                   "SIPS:thads-an-giang@vc.moj.gov.vn;transport=tls", "Room <sip:thads-an-giang@vc.moj.gov.vn>"):
        assert cdr.endpoint_of(leg("l", None, owner_id="not-ours", remote_party=remote), codes, index) \
            == "thads-an-giang", remote
    assert cdr.endpoint_of(leg("l", None, remote_party="sip:stranger@elsewhere.vn"), codes, index) is None
    assert cdr.endpoint_of(leg("l", None), codes, index) is None


# Deriving a leg ----------------------------------------------------------------------------------------------------


def test_connected_time_runs_from_the_connected_update_to_the_leg_end():
    script = Script(meeting_id=1)
    script.call_start(minutes(-5))
    script.leg_start("a", minutes(-4), remote="sip:a@x")
    script.leg_update("a", minutes(-3), state="ringing")
    script.leg_update("a", minutes(-2))
    script.leg_end("a", minutes(170))
    script.call_end(minutes(185))
    records = cdr.parse_body(script.xml()).records
    leg = cdr.derive_leg("a", records, records)
    assert leg.intervals == ((minutes(-2), minutes(170)),)
    assert leg.connected and leg.reason == "remoteTeardown" and leg.ended_at == minutes(170)


def test_without_a_leg_end_the_call_end_closes_the_leg_and_without_a_start_it_still_counts():
    script = Script(meeting_id=1)
    script.call_start(minutes(-5))
    script.leg_update("a", minutes(1))
    script.call_end(minutes(185))
    records = cdr.parse_body(script.xml()).records
    leg = cdr.derive_leg("a", records, records)
    assert leg.intervals == ((minutes(1), minutes(185)),) and leg.ended_at == minutes(185) and leg.reason is None
    still_running = cdr.derive_leg("a", records[:-1], records[:-1])
    assert still_running.intervals == ((minutes(1), None),) and still_running.is_open


def test_a_leg_that_never_connected_failed_with_its_reason():
    script = Script(meeting_id=1)
    script.leg_start("a", minutes(0), remote="sip:a@x")
    script.leg_end("a", minutes(0.5), reason="remoteBusy")
    records = cdr.parse_body(script.xml()).records
    leg = cdr.derive_leg("a", records)
    assert leg.failed and not leg.connected and leg.reason == "remoteBusy" and leg.intervals == ()


def test_a_leg_that_connected_in_the_second_the_call_ended_was_connected():
    script = Script(meeting_id=1)
    script.call_start(minutes(0))
    script.leg_start("a", minutes(1), remote="sip:a@x")
    script.leg_update("a", minutes(2))
    script.leg_end("a", minutes(2), reason="localTeardown")
    script.call_end(minutes(2))
    records = cdr.parse_body(script.xml()).records
    leg = cdr.derive_leg("a", records, records)
    assert leg.connected and leg.intervals == ((minutes(2), minutes(2)),)


REASONS = ("remoteTeardown", "localTeardown", "timeout", "remoteBusy", "unknownDestination", "mediaFailure")


@st.composite
def call_scripts(draw):
    """A call with up to five legs, each with or without its start, connection and end, in MCU order."""
    script = Script(meeting_id=draw(st.integers(1, 10_000)))
    events: list[tuple[float, str, str, str | None]] = []
    call_start = draw(st.floats(-60, 0))
    call_end = draw(st.one_of(st.none(), st.floats(200, 260)))
    for number in range(draw(st.integers(1, 5))):
        leg = f"leg-{number}"
        begin = draw(st.floats(call_start + 0.1, 190))
        connect = begin + draw(st.floats(0, 5))
        finish = connect + draw(st.floats(0, 120))
        if draw(st.booleans()):
            events.append((begin, "start", leg, None))
        if draw(st.booleans()):
            events.append((begin + 0.01, "ringing", leg, None))
        if draw(st.booleans()):
            events.append((connect, "connected", leg, None))
        if draw(st.booleans()) and (call_end is None or finish < call_end):
            events.append((finish, "end", leg, draw(st.sampled_from(REASONS))))
    script.call_start(minutes(call_start))
    for moment, kind, leg, reason in sorted(events):
        if kind == "start":
            script.leg_start(leg, minutes(moment), remote=f"sip:{leg}@vc.moj.gov.vn")
        elif kind in ("ringing", "connected"):
            script.leg_update(leg, minutes(moment), state=kind)
        else:
            script.leg_end(leg, minutes(moment), reason=reason)
    if draw(st.booleans()):
        script.other(minutes(100))
    if call_end is not None:
        script.call_end(minutes(call_end))
    return script


class InOrder:
    """A reference that reads a call's records one at a time, in the MCU's order, and keeps each leg's state."""

    def __init__(self):
        self.legs: dict[str, dict] = {}
        self.call_end: datetime | None = None

    def leg(self, leg_id: str) -> dict:
        return self.legs.setdefault(leg_id, {"open": None, "intervals": [], "ended": None, "reason": None,
                                             "connected": False, "finished": False})

    def feed(self, record: cdr.Record) -> None:
        if record.type == "callEnd" and self.call_end is None:
            self.call_end = record.time
            for state in self.legs.values():
                if state["open"] is not None:
                    state["intervals"].append((state["open"], record.time))
                    state["open"] = None
                if state["ended"] is None:
                    state["ended"] = record.time
        elif record.leg_id:
            state = self.leg(record.leg_id)
            if state["finished"]:
                return
            if record.type == "callLegEnd":
                if state["open"] is not None:
                    state["intervals"].append((state["open"], record.time))
                    state["open"] = None
                state["ended"], state["reason"], state["finished"] = record.time, record.get("reason"), True
            elif (record.type == "callLegUpdate" and record.get("state") == "connected" and not state["connected"]
                  and self.call_end is None):
                state["open"], state["connected"] = record.time, True

    def intervals(self, leg_id: str) -> tuple:
        state = self.leg(leg_id)
        return tuple(state["intervals"]) + (((state["open"], None),) if state["open"] is not None else ())


def _leg_ids(records: list[cdr.Record]) -> set[str]:
    return {record.leg_id for record in records if record.leg_id}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(script=call_scripts(), data=st.data())
def test_any_arrival_order_with_duplicates_and_gaps_gives_the_in_order_result(script, data):
    records = cdr.parse_body(script.xml()).records
    kept = [record for record in records if data.draw(st.booleans(), label="keep") or record.type == "callEnd"]
    arrived = kept + data.draw(st.lists(st.sampled_from(kept), max_size=6), label="resent") if kept else []
    random.Random(data.draw(st.integers(0, 2**32), label="seed")).shuffle(arrived)

    reference = InOrder()
    for record in sorted(kept, key=lambda item: item.record_index):
        reference.feed(record)
    for leg_id in _leg_ids(kept):
        derived = cdr.derive_leg(leg_id, arrived, arrived)
        in_order = cdr.derive_leg(leg_id, kept, kept)
        assert derived == in_order
        if derived.call_id is not None:  # a leg known only by its end is not tied to the call's end
            assert derived.intervals == reference.intervals(leg_id)
            assert derived.connected == reference.leg(leg_id)["connected"]
            assert derived.reason == reference.leg(leg_id)["reason"]


@settings(max_examples=200, deadline=None)
@given(script=call_scripts(), data=st.data())
def test_connected_time_never_starts_before_it_connected_nor_outlasts_the_call(script, data):
    records = cdr.parse_body(script.xml()).records
    call = cdr.derive_call(script.call_id, records)
    for leg_id in _leg_ids(records):
        leg = cdr.derive_leg(leg_id, records, records)
        connections = [record.time for record in records
                       if record.leg_id == leg_id and record.get("state") == "connected"]
        for start, end in leg.intervals:
            assert start == min(connections)
            if call.ended_at is not None:
                assert end is not None and end <= call.ended_at
            if end is not None:
                assert end >= start


# Attendance of an endpoint -----------------------------------------------------------------------------------------


def test_reconnects_and_overlapping_legs_are_merged():
    result = cdr.attendance_of([(minutes(0), minutes(60)), (minutes(50), minutes(90)), (minutes(150), minutes(170))],
                               start=START, end=END, now=END + timedelta(hours=1), present_share=0.75)
    assert result.intervals == ((minutes(0), minutes(90)), (minutes(150), minutes(170)))
    assert result.connected_seconds == 110 * 60 and result.status == "partial"
    assert result.connected_at == minutes(0) and result.disconnected_at == minutes(170)


def test_present_from_the_share_of_the_meeting_and_absent_when_only_connected_outside_it():
    late = END + timedelta(hours=1)
    present = cdr.attendance_of([(minutes(-30), minutes(140))], start=START, end=END, now=late, present_share=0.75)
    assert present.status == "present" and present.meeting_seconds == 140 * 60
    test_only = cdr.attendance_of([(minutes(-50), minutes(-40))], start=START, end=END, now=late, present_share=0.75)
    assert test_only.status == "absent" and test_only.connected_at is None and test_only.connected_seconds == 600
    never = cdr.attendance_of([], start=START, end=END, now=late, present_share=0.75)
    assert never.status == "absent" and never.intervals == ()


def test_a_leg_that_connected_and_ended_within_one_second_of_the_meeting_is_partial():
    late = END + timedelta(hours=1)
    blink = cdr.attendance_of([(minutes(5), minutes(5))], start=START, end=END, now=late, present_share=0.75)
    assert blink.status == "partial" and blink.connected_at == minutes(5) and blink.disconnected_at == minutes(5)
    at_the_end_of_the_test = cdr.attendance_of([(minutes(-10), minutes(0))], start=START, end=END, now=late,
                                               present_share=0.75)
    assert at_the_end_of_the_test.status == "absent"


def test_while_the_meeting_runs_an_open_leg_is_present_so_far():
    now = minutes(60)
    result = cdr.attendance_of([(minutes(-10), None)], start=START, end=END, now=now, present_share=0.75)
    assert result.status == "present" and result.disconnected_at is None and result.intervals == ((minutes(-10), None),)
    assert result.connected_seconds == 70 * 60


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.floats(-60, 240), st.floats(0, 200), st.booleans()), max_size=8), st.randoms())
def test_attendance_does_not_depend_on_the_order_of_the_intervals(spans, rnd):
    intervals = [(minutes(begin), None if is_open else minutes(begin + length)) for begin, length, is_open in spans]
    shuffled = list(intervals)
    rnd.shuffle(shuffled)
    kwargs = {"start": START, "end": END, "now": END + timedelta(minutes=30), "present_share": 0.75}
    first, second = cdr.attendance_of(intervals, **kwargs), cdr.attendance_of(shuffled, **kwargs)
    assert first == second
    assert first.meeting_seconds <= (END - START).total_seconds()
    assert first.connected_seconds <= sum(
        ((end or min(kwargs["now"], END)) - begin).total_seconds() for begin, end in intervals
        if (end or min(kwargs["now"], END)) > begin) + 1
