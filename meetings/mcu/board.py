"""What the live board shows of a meeting's call: one query for every endpoint, counts, and a version tag
that changes whenever any of it changes (read from the database, so every worker agrees)."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select

from meetings.booking.models import Meeting, Participant
from meetings.core.formatting import isoformat_local
from meetings.database import utcnow
from meetings.endpoints.models import Endpoint
from meetings.extensions import db
from meetings.mcu import services
from meetings.mcu.models import GOVERNMENT_KEY, CallState, Conference, EndpointCall
from meetings.readiness.models import TechnicalTest

COUNTED = ("connected", "dialling", "failed", "idle", "disconnected")


@dataclass(frozen=True)
class Item:
    endpoint: str
    name: str
    is_host: bool
    dial_string: str
    state: str
    reason: str
    attempts: int
    connected_at: datetime | None
    disconnected_at: datetime | None
    alarms: list
    excluded: bool
    hung_up: bool
    direction: str
    readiness: str | None
    test: str | None

    @property
    def counted_as(self) -> str:
        return "dialling" if self.state == CallState.RINGING else self.state

    def duration_seconds(self, now: datetime) -> int | None:
        if self.state != CallState.CONNECTED or self.connected_at is None:
            return None
        return max(int((now - self.connected_at).total_seconds()), 0)


def items(meeting: Meeting, *, only: str | None = None) -> list[Item]:
    """Every invited endpoint (the host first) with its call state, and the government cascade; one query."""
    query = (select(Participant.is_host, Participant.readiness, Endpoint.code, Endpoint.name, Endpoint.dial_string,
                    EndpointCall, TechnicalTest.result)
             .join(Endpoint, Endpoint.id == Participant.endpoint_id)
             .outerjoin(EndpointCall, and_(EndpointCall.meeting_id == Participant.meeting_id,
                                           EndpointCall.endpoint_id == Participant.endpoint_id))
             .outerjoin(TechnicalTest, and_(TechnicalTest.meeting_id == Participant.meeting_id,
                                            TechnicalTest.endpoint_id == Participant.endpoint_id))
             .where(Participant.meeting_id == meeting.id)
             .order_by(Participant.is_host.desc(), Endpoint.name))
    if only is not None:
        query = query.where(Endpoint.code == only)
    result = []
    for is_host, readiness, code, name, dial_string, row, test in db.session.execute(query):
        result.append(_item(code, name, is_host, dial_string or "", row, readiness, test))
    if only in (None, GOVERNMENT_KEY):
        government = db.session.scalar(select(EndpointCall).where(EndpointCall.meeting_id == meeting.id,
                                                                  EndpointCall.key == GOVERNMENT_KEY))
        if government is not None:
            result.append(_item(GOVERNMENT_KEY, str(services.GOVERNMENT_LABEL), False, government.remote_party,
                                government, None, None))
    return result


def _item(code, name, is_host, dial_string, row: EndpointCall | None, readiness, test) -> Item:
    if row is None:
        return Item(endpoint=code, name=name, is_host=is_host, dial_string=dial_string, state=CallState.IDLE,
                    reason="", attempts=0, connected_at=None, disconnected_at=None, alarms=[], excluded=False,
                    hung_up=False, direction="", readiness=readiness, test=test)
    return Item(endpoint=code, name=name, is_host=is_host, dial_string=row.remote_party or dial_string,
                state=row.state, reason=row.reason, attempts=row.attempts, connected_at=row.connected_at,
                disconnected_at=row.disconnected_at, alarms=list(row.alarms or []), excluded=row.excluded,
                hung_up=row.hung_up_by_us, direction=row.direction, readiness=readiness, test=test)


def counts(entries: list[Item]) -> dict[str, int]:
    tally = dict.fromkeys(COUNTED, 0)
    for item in entries:
        tally[item.counted_as] = tally.get(item.counted_as, 0) + 1
    tally["total"] = len(entries)
    return tally


def version(meeting: Meeting) -> str:
    """One statement: the conference, the rows, the readiness answers and tests of this meeting."""
    def latest(column, *where):
        return select(column).where(*where).scalar_subquery()

    row = db.session.execute(select(
        latest(func.max(Conference.updated_at), Conference.meeting_id == meeting.id),
        latest(func.count(EndpointCall.id), EndpointCall.meeting_id == meeting.id),
        latest(func.max(EndpointCall.updated_at), EndpointCall.meeting_id == meeting.id),
        latest(func.count(Participant.id), Participant.meeting_id == meeting.id),
        latest(func.max(Participant.readiness_updated_at), Participant.meeting_id == meeting.id),
        latest(func.max(TechnicalTest.recorded_at), TechnicalTest.meeting_id == meeting.id),
    )).one()
    state = (tuple(row), meeting.status, meeting.updated_at, services.enabled())
    return hashlib.sha256(repr(state).encode()).hexdigest()[:24]


def item_json(item: Item, now: datetime) -> dict:
    return {"endpoint": item.endpoint, "name": item.name, "is_host": item.is_host, "state": item.state,
            "reason": item.reason or None, "reason_text": services.reason_text(item.reason) or None,
            "attempts": item.attempts, "connected_at": isoformat_local(item.connected_at),
            "disconnected_at": isoformat_local(item.disconnected_at), "duration_seconds": item.duration_seconds(now),
            "alarms": item.alarms, "excluded": item.excluded, "hung_up": item.hung_up,
            "dialled_in": item.direction == "incoming", "readiness": item.readiness, "test": item.test}


def _dial_in(meeting: Meeting) -> dict | None:
    details = services.dial_in_for(meeting)
    return {"uri": details["uri"], "call_id": details["call_id"]} if details else None


def calls_json(meeting: Meeting, *, only: str | None = None, now: datetime | None = None,
               etag: str | None = None) -> dict:
    now = now or utcnow()
    conference = services.conference_of(meeting.id)
    entries = items(meeting, only=only)
    return {
        "meeting": meeting.id,
        "enabled": services.enabled(),
        "mode": conference.mode if conference else "automatic",
        "conference": {
            "state": conference.state if conference else "planned",
            "dial_in": _dial_in(meeting),
            "started_at": isoformat_local(conference.started_at) if conference else None,
            "ended_at": isoformat_local(conference.ended_at) if conference else None,
            "test_at": isoformat_local(services.test_time(meeting)),
            "connect_opens_at": isoformat_local(services.slot_opens_at(meeting)),
        },
        "counts": counts(entries),
        "items": [item_json(item, now) for item in entries],
        "version": etag,
    }
