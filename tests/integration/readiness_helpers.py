"""Meetings for the readiness tests, built straight in the database at a time relative to now."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import insert, select

from meetings.booking.models import Meeting, Participant
from meetings.database import utcnow
from meetings.endpoints.models import Endpoint
from meetings.extensions import db
from meetings.readiness.models import ReadinessChange
from tests.integration.mail_helpers import make_meeting

AN_GIANG, HA_NOI, CA_MAU = "thads-an-giang", "thads-ha-noi", "thads-ca-mau"


def upcoming(*, participants: tuple[str, ...] = (AN_GIANG, HA_NOI), starts_in: timedelta = timedelta(days=20),
             hours: int = 3, **fields) -> Meeting:
    """A scheduled meeting hosted at moj-hq starting `starts_in` from now (test call an hour before)."""
    start = (utcnow() + starts_in).replace(second=0, microsecond=0)
    return make_meeting(participants=participants, start_at=start, end_at=start + timedelta(hours=hours),
                        test_at=start - timedelta(hours=1), **fields)


def participant(meeting: Meeting, code: str) -> Participant:
    db.session.expire_all()
    return db.session.scalar(select(Participant).join(Endpoint, Participant.endpoint_id == Endpoint.id)
                             .where(Participant.meeting_id == meeting.id, Endpoint.code == code))


def changes_of(meeting: Meeting) -> list[ReadinessChange]:
    return list(db.session.scalars(select(ReadinessChange).where(ReadinessChange.meeting_id == meeting.id)
                                   .order_by(ReadinessChange.id)))


def add_endpoints(count: int, prefix: str = "extra") -> list[int]:
    """Endpoints beyond the seeded 70 (for the 1,000-endpoint board), inside the test's transaction."""
    rows = [{"code": f"{prefix}-{i:04d}", "name": f"Điểm cầu thử {i}", "kind": "other",
             "province": "Hà Nội", "region": ("north", "central", "south")[i % 3], "distance_km": i % 2000,
             "seats": 10, "calendar_token": f"{prefix}-{i}", "latitude": 10 + (i % 12), "longitude": 105 + (i % 3)}
            for i in range(count)]
    return list(db.session.scalars(insert(Endpoint).returning(Endpoint.id), rows))


def add_participants(meeting: Meeting, endpoint_ids: list[int], *, invited_at: datetime | None = None) -> None:
    rows = [{"meeting_id": meeting.id, "endpoint_id": endpoint_id, "is_host": False, "expected_attendees": 5,
             "busy_from": meeting.start_at - timedelta(minutes=30),
             "busy_until": meeting.end_at + timedelta(minutes=30),
             "holds_slot": True, "readiness": "pending", "readiness_note": "", "invited_at": invited_at or utcnow()}
            for endpoint_id in endpoint_ids]
    db.session.execute(insert(Participant), rows)
    db.session.expire(meeting, ["participants"])
