"""Reading readiness: a meeting's board in a fixed number of statements, its version for conditional
requests, the history of changes, an operator's agenda and the meeting office's overview."""
from __future__ import annotations

import functools
import hashlib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Integer, Select, String, and_, bindparam, func, or_, select, true
from sqlalchemy.orm import contains_eager, joinedload

from meetings.auth.models import User
from meetings.booking.models import ACTIVE_STATUSES, Meeting, Participant, ReadinessStatus
from meetings.booking.queries import endpoints_shown_to
from meetings.endpoints.models import Endpoint
from meetings.extensions import db
from meetings.readiness import rules
from meetings.readiness.models import (
    PROBE_STATES,
    STATUSES,
    TEST_RESULTS,
    UNCHECKED,
    UNTESTED,
    EndpointProbe,
    ProbeResult,
    ReadinessChange,
    ReadinessReminder,
    TechnicalTest,
)

REGION_ORDER = {"north": 0, "central": 1, "south": 2}


@dataclass(frozen=True)
class BoardItem:
    """One invited endpoint as the board shows it: the answer, the technical test, the probe, the reminders."""

    endpoint: str
    name: str
    province: str
    region: str
    latitude: float | None
    longitude: float | None
    is_host: bool
    contact_name: str
    contact_phone: str
    status: str
    note: str
    updated_at: datetime | None
    updated_by: str | None
    updated_via: str | None
    on_behalf: bool
    test_result: str | None
    test_note: str
    test_at: datetime | None
    test_by: str
    probe_address: str | None
    probe_state: str | None
    probe_detail: str
    probe_latency_ms: int | None
    probe_checked_at: datetime | None
    reminded_at: datetime | None
    sip_uri: str = ""  # the SIP OPTIONS probe of the endpoint's dial string, when it is a SIP URI
    sip_state: str | None = None
    sip_detail: str = ""
    sip_latency_ms: int | None = None
    sip_checked_at: datetime | None = None


def technical_slot_of(meeting: Meeting) -> rules.TechnicalSlot:
    config = current_app.config
    return rules.technical_slot(meeting.start_at, meeting.end_at, meeting.test_at,
                                default_lead=timedelta(minutes=config["TEST_MINUTES_BEFORE"]),
                                early=timedelta(minutes=config["READINESS_TEST_EARLY_MINUTES"]))


def technical_slot_open(meeting: Meeting, now: datetime) -> bool:
    return meeting.status in rules.TEST_STATUSES and technical_slot_of(meeting).contains(now)


@functools.cache
def _version_parts() -> tuple:
    """board_version's figures (their FROM, their columns), built once per worker; the meeting is the
    `meeting_id` parameter."""
    def latest(column, *where):
        return select(column).where(*where).scalar_subquery()

    of_meeting = bindparam("meeting_id", type_=Integer)
    # The participants are read once for their figures (not once per figure). Sums and counts rather than
    # only the newest value: a change that commits after a later one (two operators answering at once)
    # leaves a newest id or time as it was, but it still raises the sum of revisions and the count.
    invited = (select(func.count(Participant.id).label("count"), func.max(Participant.id).label("last"),
                      func.max(Participant.readiness_updated_at).label("answered"),
                      func.sum(Participant.revision).label("revisions"))
               .where(Participant.meeting_id == of_meeting).subquery())
    return invited, [
        invited.c.count, invited.c.last, invited.c.answered, invited.c.revisions,
        latest(func.max(ReadinessChange.id), ReadinessChange.meeting_id == of_meeting),
        latest(func.count(ReadinessChange.id), ReadinessChange.meeting_id == of_meeting),
        latest(func.count(ReadinessReminder.id), ReadinessReminder.meeting_id == of_meeting),
        latest(func.max(ProbeResult.checked_at), ProbeResult.meeting_id == of_meeting),
        latest(func.max(ProbeResult.sip_checked_at), ProbeResult.meeting_id == of_meeting),
        latest(func.max(ReadinessReminder.sent_at), ReadinessReminder.meeting_id == of_meeting),
        latest(func.max(EndpointProbe.updated_at)),
        latest(func.count(EndpointProbe.endpoint_id)),
        latest(func.max(Endpoint.updated_at)),  # names and provinces (indexed: one step)
    ]


@functools.cache
def _version_statement() -> Select:
    invited, columns = _version_parts()
    return select(*columns).select_from(invited)


@functools.cache
def _meeting_and_version_statement() -> Select:
    invited, columns = _version_parts()
    return (select(Meeting, *columns).join(invited, true())
            .where(Meeting.id == bindparam("meeting_id", type_=Integer)).options(joinedload(Meeting.host)))


def board_version(meeting: Meeting, now: datetime) -> str:
    """A short tag that changes whenever anything the board shows changes; one statement.

    Computed from the database (never from a process's memory), so that every worker agrees.
    """
    row = db.session.execute(_version_statement(), {"meeting_id": meeting.id}).one()
    return _version_of(meeting, tuple(row), now)


def meeting_and_board_version(meeting_id: int, now: datetime) -> tuple[Meeting, str] | None:
    """The meeting with its host and its board_version, in one statement; None for no such meeting."""
    found = db.session.execute(_meeting_and_version_statement(), {"meeting_id": meeting_id}).first()
    if found is None:
        return None
    meeting, *figures = found
    return meeting, _version_of(meeting, tuple(figures), now)


def _version_of(meeting: Meeting, figures: tuple, now: datetime) -> str:
    state = (figures, meeting.updated_at, meeting.status, meeting.sequence,
             rules.is_open(meeting.status, meeting.start_at, now), technical_slot_open(meeting, now))
    return hashlib.sha256(repr(state).encode()).hexdigest()[:24]


def _item_columns(reminded_at) -> list:
    """A board item's columns; the last answer is the joined ReadinessChange (see _with_item_sources)."""
    return [Endpoint.code.label("endpoint"), Endpoint.name, Endpoint.province, Endpoint.region, Endpoint.latitude,
            Endpoint.longitude, Participant.is_host, Endpoint.contact_name, Endpoint.contact_phone,
            Participant.readiness.label("status"), Participant.readiness_note.label("note"),
            Participant.readiness_updated_at.label("updated_at"), ReadinessChange.actor_name.label("updated_by"),
            ReadinessChange.channel.label("updated_via"), ReadinessChange.on_behalf,
            TechnicalTest.result.label("test_result"), TechnicalTest.note.label("test_note"),
            TechnicalTest.recorded_at.label("test_at"), TechnicalTest.recorded_by_name.label("test_by"),
            EndpointProbe.address.label("probe_address"), ProbeResult.state.label("probe_state"),
            ProbeResult.detail.label("probe_detail"), ProbeResult.latency_ms.label("probe_latency_ms"),
            ProbeResult.checked_at.label("probe_checked_at"), reminded_at.label("reminded_at"),
            ProbeResult.sip_uri, ProbeResult.sip_state, ProbeResult.sip_detail, ProbeResult.sip_latency_ms,
            ProbeResult.sip_checked_at]


def _with_item_sources(statement: Select, last_answer_id) -> Select:
    """The joins of _item_columns from each participant: its endpoint, last answer, test and probes."""
    return (statement.join(Endpoint, Participant.endpoint_id == Endpoint.id)
            .outerjoin(ReadinessChange, ReadinessChange.id == last_answer_id)
            .outerjoin(TechnicalTest, and_(TechnicalTest.meeting_id == Participant.meeting_id,
                                           TechnicalTest.endpoint_id == Participant.endpoint_id))
            .outerjoin(ProbeResult, and_(ProbeResult.meeting_id == Participant.meeting_id,
                                         ProbeResult.endpoint_id == Participant.endpoint_id))
            .outerjoin(EndpointProbe, EndpointProbe.endpoint_id == Participant.endpoint_id))


def _own_last_answer_and_reminder() -> tuple:
    """One participant's newest answer (its id) and newest reminder, looked up through their indexes."""
    answer = (select(func.max(ReadinessChange.id))
              .where(ReadinessChange.meeting_id == Participant.meeting_id,
                     ReadinessChange.endpoint_id == Participant.endpoint_id, ReadinessChange.aspect == "answer")
              .correlate(Participant).scalar_subquery())
    reminder = (select(func.max(ReadinessReminder.sent_at))
                .where(ReadinessReminder.meeting_id == Participant.meeting_id,
                       ReadinessReminder.endpoint_id == Participant.endpoint_id)
                .correlate(Participant).scalar_subquery())
    return answer, reminder


@functools.cache
def _items_statement(one: bool) -> Select:
    """board_items' statement, built once per worker: the meeting (and, for one item, the endpoint) are the
    `meeting_id` and `endpoint_id` parameters."""
    of_meeting = bindparam("meeting_id", type_=Integer)
    if one:
        last_answer_id, reminded_at = _own_last_answer_and_reminder()
        statement = _with_item_sources(select(*_item_columns(reminded_at)).select_from(Participant), last_answer_id)
        return statement.where(Participant.meeting_id == of_meeting,
                               Participant.endpoint_id == bindparam("endpoint_id", type_=Integer))
    last_answer = (select(ReadinessChange.endpoint_id, func.max(ReadinessChange.id).label("change_id"))
                   .where(ReadinessChange.meeting_id == of_meeting, ReadinessChange.aspect == "answer")
                   .group_by(ReadinessChange.endpoint_id).subquery())
    last_reminder = (select(ReadinessReminder.endpoint_id, func.max(ReadinessReminder.sent_at).label("sent_at"))
                     .where(ReadinessReminder.meeting_id == of_meeting)
                     .group_by(ReadinessReminder.endpoint_id).subquery())
    statement = (select(*_item_columns(last_reminder.c.sent_at)).select_from(Participant)
                 .outerjoin(last_answer, last_answer.c.endpoint_id == Participant.endpoint_id))
    return (_with_item_sources(statement, last_answer.c.change_id)
            .outerjoin(last_reminder, last_reminder.c.endpoint_id == Participant.endpoint_id)
            .where(Participant.meeting_id == of_meeting)
            .order_by(Participant.is_host.desc(), Endpoint.sort_key, Endpoint.code))


@functools.cache
def _answer_statement() -> Select:
    """answer_row's statement, built once per worker: the `meeting_id` and the endpoint's `code`."""
    last_answer_id, reminded_at = _own_last_answer_and_reminder()
    statement = select(Participant, Meeting, *_item_columns(reminded_at)).select_from(Participant)
    return (_with_item_sources(statement.join(Meeting, Participant.meeting_id == Meeting.id), last_answer_id)
            .where(Participant.meeting_id == bindparam("meeting_id", type_=Integer),
                   Endpoint.code == bindparam("code", type_=String))
            .options(contains_eager(Participant.endpoint)).with_for_update(of=Participant))


@dataclass(frozen=True)
class AnswerRow:
    """An endpoint's place in a meeting, locked for an answer, with the meeting and its board item."""

    meeting: Meeting
    participant: Participant
    item: BoardItem

    def answered(self, change: ReadinessChange | None) -> BoardItem:
        """The item after `change` (None: nothing changed): the answer the participant now holds."""
        if change is None:
            return self.item
        return replace(self.item, status=self.participant.readiness, note=self.participant.readiness_note,
                       updated_at=self.participant.readiness_updated_at, updated_by=change.actor_name or None,
                       updated_via=change.channel, on_behalf=change.on_behalf)


def answer_row(meeting_id: int, endpoint_code: str) -> AnswerRow | None:
    """The endpoint's place in the meeting, locked until the transaction ends, with the meeting and the
    endpoint's board item: one statement. None when there is no such meeting or the endpoint is not invited."""
    found = db.session.execute(_answer_statement(), {"meeting_id": meeting_id, "code": endpoint_code}).first()
    if found is None:
        return None
    participant, meeting, *_ = found
    columns = dict(found._mapping)
    del columns["Participant"], columns["Meeting"]
    return AnswerRow(meeting, participant, _item(columns))


def board_items(meeting: Meeting, *, endpoint_id: int | None = None) -> list[BoardItem]:
    """Every invited endpoint (or one) with its answer, test, probe and last reminder: one statement, any size.

    Plain columns rather than ORM objects: a board of 1,000 endpoints would otherwise spend most of its
    time building five objects per row. One endpoint's item (the answer to a PUT) reads only that
    endpoint's changes and reminders, not the whole meeting's.
    """
    parameters = {"meeting_id": meeting.id, **({} if endpoint_id is None else {"endpoint_id": endpoint_id})}
    items = [_item(row._mapping) for row in db.session.execute(_items_statement(endpoint_id is not None), parameters)]
    # Stable: within a region the rows keep the statement's order (host first, then Endpoint.sort_key).
    items.sort(key=lambda item: (not item.is_host, REGION_ORDER.get(item.region, 3)))
    return items


def _item(row: Mapping) -> BoardItem:
    values = dict(row)
    values["updated_by"] = values["updated_by"] or None  # "" for an answer by the e-mail link
    values["on_behalf"] = bool(values["on_behalf"])
    values["test_note"] = values["test_note"] or ""
    values["test_by"] = values["test_by"] or ""
    values["probe_detail"] = values["probe_detail"] or ""
    values["sip_uri"], values["sip_detail"] = values["sip_uri"] or "", values["sip_detail"] or ""
    return BoardItem(**values)


def counts(items: list[BoardItem]) -> dict[str, int]:
    tally = Counter(item.status for item in items)
    return {status: tally.get(status, 0) for status in STATUSES}


def test_counts(items: list[BoardItem]) -> dict[str, int]:
    tally = Counter(item.test_result or UNTESTED for item in items)
    return {key: tally.get(key, 0) for key in (*TEST_RESULTS, UNTESTED)}


def probe_counts(items: list[BoardItem]) -> dict[str, int]:
    tally = Counter(item.probe_state or UNCHECKED for item in items if item.probe_address)
    return {key: tally.get(key, 0) for key in (*PROBE_STATES, UNCHECKED)}


def sip_probe_counts(items: list[BoardItem]) -> dict[str, int]:
    tally = Counter(item.sip_state for item in items if item.sip_checked_at)
    return {key: tally.get(key, 0) for key in ("ok", "failed")}


def by_region(items: list[BoardItem]) -> list[tuple[str, list[BoardItem]]]:
    groups: dict[str, list[BoardItem]] = {}
    for item in items:
        groups.setdefault(item.region, []).append(item)
    return sorted(groups.items(), key=lambda pair: REGION_ORDER.get(pair[0], 3))


@dataclass(frozen=True)
class HistoryEntry:
    change: ReadinessChange
    endpoint: str
    name: str


def history(meeting_id: int, *, limit: int | None = None, offset: int = 0,
            endpoint_id: int | None = None) -> list[HistoryEntry]:
    """Changes of answers and test results, newest first; one statement."""
    statement = (select(ReadinessChange, Endpoint.code, Endpoint.name)
                 .join(Endpoint, ReadinessChange.endpoint_id == Endpoint.id)
                 .where(ReadinessChange.meeting_id == meeting_id)
                 .order_by(ReadinessChange.id.desc()).offset(offset))
    if endpoint_id is not None:
        statement = statement.where(ReadinessChange.endpoint_id == endpoint_id)
    if limit is not None:
        statement = statement.limit(limit)
    return [HistoryEntry(change, code, name) for change, code, name in db.session.execute(statement)]


def history_count(meeting_id: int, *, endpoint_id: int | None = None) -> int:
    statement = select(func.count(ReadinessChange.id)).where(ReadinessChange.meeting_id == meeting_id)
    if endpoint_id is not None:
        statement = statement.where(ReadinessChange.endpoint_id == endpoint_id)
    return db.session.scalar(statement)


@dataclass(frozen=True)
class ShownBoard:
    """A meeting's board as one user reads it (booking.queries.endpoints_shown_to is the rule)."""

    items: list[BoardItem]  # every invited endpoint: what the counts are made of
    rows: list[BoardItem]  # the rows this user reads
    endpoint_id: int | None  # the one endpoint whose history this user reads; None: every endpoint's


def board_shown_to(meeting: Meeting, user: User) -> ShownBoard:
    """The board for this user: every row, or an invited operator's own row beside the counts of all.
    Raises PermissionDenied for an operator whose endpoint is not invited."""
    shown = endpoints_shown_to(meeting, user)
    items = board_items(meeting)
    if shown is None:
        return ShownBoard(items, items, None)
    codes = set(db.session.scalars(select(Endpoint.code).where(Endpoint.id.in_(shown))))
    return ShownBoard(items, [item for item in items if item.endpoint in codes], next(iter(shown)))


@dataclass(frozen=True)
class AgendaEntry:
    """A meeting an operator's endpoint is invited to, with what it answered and how it got there."""

    meeting: Meeting
    participant: Participant
    changes: list[ReadinessChange]
    test: TechnicalTest | None
    is_open: bool

    @property
    def needs_answer(self) -> bool:
        return self.is_open and self.participant.readiness == ReadinessStatus.PENDING


def operator_agenda(user: User, now: datetime, *, limit: int = 100) -> list[AgendaEntry]:
    """The coming meetings of the operator's endpoint, soonest first; three statements."""
    rows = db.session.execute(
        select(Meeting, Participant).join(Participant, Participant.meeting_id == Meeting.id)
        .where(Participant.endpoint_id == user.endpoint_id, Meeting.status.in_(ACTIVE_STATUSES), Meeting.end_at > now)
        .order_by(Meeting.start_at, Meeting.id).options(joinedload(Meeting.host)).limit(limit)
    ).all()
    meeting_ids = [meeting.id for meeting, _ in rows]
    changes: dict[int, list[ReadinessChange]] = {}
    tests: dict[int, TechnicalTest] = {}
    if meeting_ids:
        for change in db.session.scalars(select(ReadinessChange).where(
                ReadinessChange.meeting_id.in_(meeting_ids), ReadinessChange.endpoint_id == user.endpoint_id)
                .order_by(ReadinessChange.id.desc())):
            changes.setdefault(change.meeting_id, []).append(change)
        tests = {test.meeting_id: test for test in db.session.scalars(select(TechnicalTest).where(
            TechnicalTest.meeting_id.in_(meeting_ids), TechnicalTest.endpoint_id == user.endpoint_id))}
    return [AgendaEntry(meeting, participant, changes.get(meeting.id, []), tests.get(meeting.id),
                        rules.is_open(meeting.status, meeting.start_at, now))
            for meeting, participant in rows]


@dataclass(frozen=True)
class OverviewEntry:
    meeting: Meeting
    counts: dict[str, int]
    tests: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def overview(now: datetime, *, limit: int = 100) -> list[OverviewEntry]:
    """Coming and running meetings with their readiness and test tallies; three statements."""
    meetings = list(db.session.scalars(
        select(Meeting).where(Meeting.status.in_(ACTIVE_STATUSES), Meeting.end_at > now)
        .order_by(Meeting.start_at, Meeting.id).options(joinedload(Meeting.host)).limit(limit)))
    ids = [meeting.id for meeting in meetings]
    answers: dict[int, Counter] = {meeting_id: Counter() for meeting_id in ids}
    tests: dict[int, Counter] = {meeting_id: Counter() for meeting_id in ids}
    if ids:
        for meeting_id, status, number in db.session.execute(
                select(Participant.meeting_id, Participant.readiness, func.count())
                .where(Participant.meeting_id.in_(ids)).group_by(Participant.meeting_id, Participant.readiness)):
            answers[meeting_id][status] = number
        for meeting_id, result, number in db.session.execute(
                select(TechnicalTest.meeting_id, TechnicalTest.result, func.count())
                .where(TechnicalTest.meeting_id.in_(ids)).group_by(TechnicalTest.meeting_id, TechnicalTest.result)):
            tests[meeting_id][result] = number
    return [OverviewEntry(meeting, {status: answers[meeting.id].get(status, 0) for status in STATUSES},
                          {result: tests[meeting.id].get(result, 0) for result in TEST_RESULTS})
            for meeting in meetings]


def latest_probe_results() -> dict[int, ProbeResult]:
    """Each endpoint's probe results (address, SIP or both) for the latest meeting it was probed for; one statement."""
    latest = (select(func.max(ProbeResult.id))
              .where(or_(and_(ProbeResult.checked_at.is_not(None), ProbeResult.state.is_not(None)),
                         ProbeResult.sip_checked_at.is_not(None)))
              .group_by(ProbeResult.endpoint_id).scalar_subquery())
    return {result.endpoint_id: result for result in db.session.scalars(
        select(ProbeResult).where(ProbeResult.id.in_(latest)))}
