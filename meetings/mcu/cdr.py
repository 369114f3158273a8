"""The MCU's call detail records: reading what it pushes, and what the records of a leg say about it.

Pure: no Flask, no database. `parse_body` reads one request body (one or more `<records>` documents,
concatenated) with defusedxml and refuses any DTD, so entity expansion ("billion laughs") and external
entities never happen. `derive_leg` turns the set of records of one leg (plus its call's start and end)
into the leg's connected time; it sorts what it is given, so the arrival order of the records never
changes the result. `attendance_of` merges one endpoint's intervals into present, partial or absent.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import defusedxml
import defusedxml.ElementTree as SafeET

from meetings.attendance.cdr import normalise_dial

LEG_TYPES = ("callLegStart", "callLegUpdate", "callLegEnd")
CALL_TYPES = ("callStart", "callEnd")
MAX_DOCUMENTS = 10000
MAX_VALUE = 500
FEED_CHUNK = 64 * 1024
# expat's codes for a second document after the first: "junk after document element", "XML declaration not at start".
_NEXT_DOCUMENT_ERRORS = (9, 17)
MEETING_TAG = re.compile(r"meeting:(\d{1,12})")


class CdrParseError(ValueError):
    """The body cannot be taken as records; `code` is empty, not_xml, forbidden (DTD or entity) or not_records."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


@dataclass(frozen=True, eq=True)
class Record:
    """One `<record>`: identified by (call_bridge, record_index); `fields` are its object's simple children."""

    call_bridge: str
    record_index: int
    type: str
    time: datetime
    session: str = ""
    object_id: str | None = None
    call_id: str | None = None
    leg_id: str | None = None
    fields: Mapping[str, str] = field(default_factory=dict, hash=False, compare=False)

    @property
    def key(self) -> tuple[str, int]:
        return self.call_bridge, self.record_index

    @property
    def order(self) -> tuple[datetime, str, int]:
        return self.time, self.call_bridge, self.record_index

    def get(self, name: str) -> str | None:
        value = self.fields.get(name)
        return value if value else None

    def to_data(self) -> dict:
        return dict(self.fields)


@dataclass(frozen=True)
class Parsed:
    """What a body held: the readable records, and how many `<record>` elements could not be read."""

    records: list[Record]
    unreadable: int = 0
    documents: int = 0


# Reading the body -----------------------------------------------------------------------------------------------


def _parser() -> SafeET.DefusedXMLParser:
    return SafeET.XMLParser(forbid_dtd=True, forbid_entities=True, forbid_external=True)


def _parse_one(data: bytes) -> ET.Element:
    parser = _parser()
    try:
        parser.feed(data)
        return parser.close()
    except defusedxml.DefusedXmlException as error:
        raise CdrParseError("forbidden", type(error).__name__) from None
    except ET.ParseError as error:
        raise CdrParseError("not_xml", str(error)) from None


def _documents(data: bytes) -> list[ET.Element]:
    """Each concatenated XML document of the body, in order; each is parsed on its own (its own prolog)."""
    roots: list[ET.Element] = []
    start = 0
    while start < len(data) and data[start:].strip():
        if len(roots) >= MAX_DOCUMENTS:
            raise CdrParseError("not_xml", "too many documents")
        parser = _parser()
        fed = start
        try:
            while fed < len(data):
                parser.feed(data[fed:fed + FEED_CHUNK])
                fed += FEED_CHUNK
            roots.append(parser.close())
            break
        except defusedxml.DefusedXmlException as error:
            raise CdrParseError("forbidden", type(error).__name__) from None
        except ET.ParseError as error:
            end = parser.parser.ErrorByteIndex if error.code in _NEXT_DOCUMENT_ERRORS else -1
            if end <= 0:
                raise CdrParseError("not_xml", str(error)) from None
            roots.append(_parse_one(data[start:start + end]))
            start += end
    if not roots:
        raise CdrParseError("empty")
    return roots


def parse_time(value: str | None) -> datetime | None:
    """ISO 8601 (`2022-05-17T10:07:29Z`, fractions allowed) as an aware UTC datetime; naive times are UTC."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _record(element: ET.Element, call_bridge: str, session: str) -> Record | None:
    kind = (element.get("type") or "").strip()
    moment = parse_time(element.get("time"))
    try:
        index = int(element.get("recordIndex") or "")
    except ValueError:
        return None
    if not kind or moment is None or index < 0:
        return None
    subject = next(iter(element), None)
    fields: dict[str, str] = {}
    object_id = None
    if subject is not None:
        object_id = (subject.get("id") or "").strip()[:64] or None
        fields = {child.tag: (child.text or "").strip()[:MAX_VALUE] for child in subject if len(child) == 0}
        fields["object"] = subject.tag
    call_id = leg_id = None
    if subject is not None and subject.tag == "callLeg":
        leg_id = object_id
        call_id = fields.get("call") or None
    elif subject is not None and subject.tag == "call":
        call_id = object_id
    return Record(call_bridge=call_bridge[:64], record_index=index, type=kind[:40], time=moment,
                  session=session[:64], object_id=object_id, call_id=call_id and call_id[:64], leg_id=leg_id,
                  fields=fields)


def parse_body(data: bytes) -> Parsed:
    """The records of one pushed body; raises CdrParseError for anything that is not well-formed CDR XML."""
    if not data or not data.strip():
        raise CdrParseError("empty")
    roots = _documents(data)
    records: list[Record] = []
    unreadable = 0
    for root in roots:
        if root.tag != "records":
            raise CdrParseError("not_records", root.tag[:40])
        call_bridge, session = root.get("callBridge", "").strip(), root.get("session", "").strip()
        for element in root.iter("record"):
            record = _record(element, call_bridge, session)
            if record is None:
                unreadable += 1
            else:
                records.append(record)
    return Parsed(records=records, unreadable=unreadable, documents=len(roots))


def unique(records: Iterable[Record]) -> list[Record]:
    """One record per (callBridge, recordIndex), the first seen, in time order."""
    seen: dict[tuple[str, int], Record] = {}
    for record in records:
        seen.setdefault(record.key, record)
    return sorted(seen.values(), key=lambda record: record.order)


# What the records of a call and of a leg say ---------------------------------------------------------------------


def meeting_of_tag(tag: str | None) -> int | None:
    """`meeting:1234` -> 1234 (the cdrTag every space of ours carries); anything else None."""
    match = MEETING_TAG.fullmatch((tag or "").strip())
    return int(match.group(1)) if match else None


@dataclass(frozen=True)
class CallSummary:
    call_id: str
    meeting_id: int | None
    cdr_tag: str
    name: str
    started_at: datetime | None
    ended_at: datetime | None


def derive_call(call_id: str, records: Iterable[Record]) -> CallSummary:
    """The call's tag, name, start and end from its own records (callStart, callEnd), in any order."""
    own = [record for record in unique(records) if record.call_id == call_id and record.leg_id is None]
    tag = next((record.get("cdrTag") for record in own if record.get("cdrTag")), None) or ""
    name = next((record.get("name") for record in own if record.get("name")), None) or ""
    starts = [record.time for record in own if record.type == "callStart"]
    ends = [record.time for record in own if record.type == "callEnd"]
    return CallSummary(call_id=call_id, meeting_id=meeting_of_tag(tag), cdr_tag=tag[:100], name=name[:200],
                       started_at=min(starts, default=None), ended_at=min(ends, default=None))


Interval = tuple[datetime, datetime | None]


@dataclass(frozen=True)
class LegSummary:
    """One leg as its records tell it. `intervals` end None while the leg is still connected."""

    leg_id: str
    call_id: str | None
    remote_party: str = ""
    owner_id: str = ""
    direction: str | None = None
    display_name: str = ""
    started_at: datetime | None = None
    ended_at: datetime | None = None
    reason: str | None = None
    connected: bool = False
    intervals: tuple[Interval, ...] = ()

    @property
    def is_open(self) -> bool:
        return bool(self.intervals) and self.intervals[-1][1] is None

    @property
    def failed(self) -> bool:
        """Ended without ever connecting (busy, rejected, unreachable...)."""
        return not self.connected and self.ended_at is not None


def _first(records: list[Record], name: str) -> str:
    return next((record.get(name) for record in records if record.get(name)), None) or ""


def derive_leg(leg_id: str, records: Iterable[Record], call_records: Iterable[Record] = ()) -> LegSummary:
    """The leg's connected time from the set of its records and its call's callEnd.

    Connected time starts at the first callLegUpdate with state `connected` (not at callLegStart, when
    dialling began) and ends at the leg's callLegEnd, else at the call's callEnd; a leg without a
    callLegStart still counts. Duplicates and arrival order do not matter: the records are sorted by
    time (then recordIndex) first.
    """
    own = [record for record in unique(records) if record.leg_id == leg_id]
    call_id = next((record.call_id for record in own if record.call_id), None)
    call_end = min((record.time for record in unique(call_records)
                    if record.type == "callEnd" and record.leg_id is None and call_id is not None
                    and record.call_id == call_id), default=None)
    described = sorted(own, key=lambda record: (record.type != "callLegStart", record.order))
    started = [record.time for record in own if record.type == "callLegStart"]

    opened: datetime | None = None
    ended: datetime | None = None
    reason: str | None = None
    intervals: list[Interval] = []
    connected = False
    for record in own:
        if record.type == "callLegEnd":
            ended, reason = record.time, record.get("reason")
            if opened is not None:
                close = min(record.time, call_end) if call_end is not None else record.time
                intervals.append((opened, max(opened, close)))
                opened = None
            break
        if (record.type == "callLegUpdate" and record.get("state") == "connected" and opened is None
                and not intervals and (call_end is None or record.time <= call_end)):
            # At the call's end itself (the records' times are whole seconds: a room that connected in the
            # second the call ended was connected) a zero-length connection, still a connection.
            opened, connected = record.time, True
    if opened is not None:
        intervals.append((opened, call_end if call_end is not None else None))
    if ended is None and call_end is not None and own:
        ended = call_end
    direction = _first(described, "direction") or None
    return LegSummary(
        leg_id=leg_id, call_id=call_id, remote_party=_first(described, "remoteParty")[:200],
        owner_id=_first(described, "ownerId")[:64], direction=direction if direction in ("incoming", "outgoing")
        else None, display_name=_first(described, "displayName")[:200], started_at=min(started, default=None),
        ended_at=ended, reason=reason and reason[:60], connected=connected, intervals=tuple(intervals))


def leg_event(record: Record) -> str | None:
    """What a leg record announces: started, connected or ended (other updates announce nothing)."""
    if record.type == "callLegStart":
        return "started"
    if record.type == "callLegUpdate" and record.get("state") == "connected":
        return "connected"
    if record.type == "callLegEnd":
        return "ended"
    return None


# Matching legs to endpoints --------------------------------------------------------------------------------------


def dial_index(dial_strings: Mapping[str, str]) -> dict[str, str]:
    """normalised dial string -> endpoint code, plus the user part alone where it names one endpoint only."""
    index = {normalise_dial(dial): code for code, dial in dial_strings.items() if dial and dial.strip()}
    users: dict[str, set[str]] = {}
    for normalised, code in index.items():
        users.setdefault(normalised.split("@")[0], set()).add(code)
    for user, codes in users.items():
        if len(codes) == 1:
            index.setdefault(user, next(iter(codes)))
    return index


def endpoint_of(leg: LegSummary, codes: Iterable[str] | set[str], index: Mapping[str, str]) -> str | None:
    """The leg's ownerId when it is one of our endpoint codes, else the endpoint whose dial string is the
    remote party's (scheme, case and port aside), else None."""
    if leg.owner_id and leg.owner_id in codes:
        return leg.owner_id
    if not leg.remote_party:
        return None
    dial = normalise_dial(leg.remote_party)
    return index.get(dial) or index.get(dial.split("@")[0])


# One endpoint's attendance from its legs -------------------------------------------------------------------------


@dataclass(frozen=True)
class EndpointAttendance:
    status: str  # present, partial or absent
    connected_at: datetime | None
    disconnected_at: datetime | None  # None while still connected
    connected_seconds: int
    meeting_seconds: int  # of the meeting's time (so far) connected
    intervals: tuple[Interval, ...]  # merged


def merge(intervals: Iterable[Interval], *, open_until: datetime) -> list[tuple[datetime, datetime, bool]]:
    """Overlapping and touching intervals merged; an open one counts until `open_until` and stays marked open.
    A closed leg that ended in the second it connected is kept (records carry whole seconds)."""
    spans = []
    for start, end in intervals:
        is_open = end is None
        stop = max(start, open_until) if is_open else end
        if stop > start or (not is_open and stop == start):
            spans.append((start, stop, is_open))
    merged: list[tuple[datetime, datetime, bool]] = []
    for start, stop, is_open in sorted(spans):
        if merged and start <= merged[-1][1]:
            first, last, was_open = merged[-1]
            if stop > last:
                merged[-1] = (first, stop, is_open)
            else:
                merged[-1] = (first, last, was_open or (is_open and stop == last))
        else:
            merged.append((start, stop, is_open))
    return merged


def _seconds(spans: Iterable[tuple[datetime, datetime, bool]], window: tuple[datetime, datetime] | None = None) -> int:
    total = 0.0
    for start, stop, _open in spans:
        if window:
            start, stop = max(start, window[0]), min(stop, window[1])
        if stop > start:
            total += (stop - start).total_seconds()
    return int(total)


def attendance_of(intervals: Iterable[Interval], *, start: datetime, end: datetime, now: datetime,
                  present_share: float) -> EndpointAttendance:
    """Present when connected for `present_share` of the meeting (of its part so far, while it runs), partial
    when less, absent when never connected during it (dialled but unreachable, or only in the test call).
    A still-open interval counts until now, at most until the meeting's end. Records carry whole seconds, so a
    leg that connected during the meeting and ended within the same second counts as connected (partial)."""
    merged = merge(intervals, open_until=min(now, end))
    window_end = min(end, max(start, now))
    during = _seconds(merged, (start, window_end))
    shown = tuple((first, None if is_open else last) for first, last, is_open in merged)
    connected_during = during > 0 or any(start <= first <= window_end for first, _last, _open in merged)
    if not merged or not connected_during:
        return EndpointAttendance("absent", None, None, _seconds(merged), during, shown)
    window = (window_end - start).total_seconds()
    status = "present" if during >= present_share * window else "partial"
    return EndpointAttendance(status, merged[0][0], None if merged[-1][2] else merged[-1][1], _seconds(merged),
                              during, shown)
