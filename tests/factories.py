"""Test data: times and request bodies, meetings booked through the API or built straight in the database,
held meetings with their figures, and extra endpoints. Every factory works inside the test's transaction."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select, update

from meetings.attendance.models import AttendanceRecord
from meetings.booking.models import Meeting, Participant
from meetings.database import utcnow
from meetings.endpoints.models import Endpoint
from meetings.extensions import db
from meetings.notify.models import OutgoingMail
from meetings.readiness.models import ReadinessChange
from meetings.savings.models import SavingsItem, SavingsSnapshot

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
AN_GIANG, HA_NOI, CA_MAU = "thads-an-giang", "thads-ha-noi", "thads-ca-mau"
ENDPOINTS = [HA_NOI, "thads-nghe-an", CA_MAU, AN_GIANG]


# ---- times and API bodies ----------------------------------------------------------------------

def future_day(weeks: int = 2, weekday: int = 0) -> datetime:
    """A date some weeks ahead (Monday by default), so that tests never book in the past."""
    today = datetime.now(ZONE).date()
    monday = today - timedelta(days=today.weekday()) + timedelta(weeks=weeks)
    return datetime.combine(monday + timedelta(days=weekday), time.min, ZONE)


def at(day: datetime, hour: int, minute: int = 0) -> str:
    return day.replace(hour=hour, minute=minute).isoformat()


def meeting_body(day: datetime, start=(8, 0), end=(11, 30), **extra) -> dict:
    body = {"title": "Giao ban trực tuyến toàn ngành", "start": at(day, *start), "end": at(day, *end),
            "organizer": "Văn phòng Bộ", "chair": "Thứ trưởng", "endpoints": [AN_GIANG]}
    body.update(extra)
    return body


# ---- meetings booked through the API -----------------------------------------------------------

def book(client, headers, *, endpoints=ENDPOINTS, days: int = 1, weeks: int = 3, **extra) -> int:
    """Book a meeting 08:00–11:30 (or over `days` days, ending 17:00) some weeks ahead; returns its id."""
    day = future_day(weeks=weeks)
    body = meeting_body(day, endpoints=endpoints, **extra)
    if days > 1:
        body["end"] = at(day + timedelta(days=days - 1), 17)
    response = client.post("/api/v1/meetings", json=body, headers=headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["id"]


def move_to_past(meeting_id: int, *, days_ago: int = 10) -> Meeting:
    """Shift the meeting (and its participants' busy ranges) so that it started `days_ago` days ago
    (booking refuses the past)."""
    meeting = db.session.get(Meeting, meeting_id)
    local_start = meeting.start_at.astimezone(ZONE)
    target = datetime.combine((datetime.now(ZONE) - timedelta(days=days_ago)).date(), local_start.timetz())
    shift = target - local_start
    meeting.start_at += shift
    meeting.end_at += shift
    if meeting.test_at:
        meeting.test_at += shift
    for participant in meeting.participants:
        participant.busy_from += shift
        participant.busy_until += shift
    db.session.commit()
    return meeting


def held_meeting(client, headers, *, days_ago: int = 10, **kwargs) -> Meeting:
    """A meeting in the past, still `scheduled` (attendance can be recorded; completing it stores savings)."""
    return move_to_past(book(client, headers, **kwargs), days_ago=days_ago)


# ---- meetings built straight in the database ---------------------------------------------------

def endpoint(code: str, email: str | None = None) -> Endpoint:
    """A seeded endpoint; with `email`, its contact address is set to it."""
    found = db.session.scalar(select(Endpoint).where(Endpoint.code == code))
    if email is not None:
        found.contact_email = email
    return found


def make_meeting(*, participants: tuple[str, ...] = (AN_GIANG,), day: int = 0, **fields) -> Meeting:
    """A scheduled meeting hosted at moj-hq, far enough ahead that it meets no other test's booking."""
    start = datetime(2031, 3, 3, 1, 0, tzinfo=UTC) + timedelta(days=day)
    values = dict(title="Hội nghị trực tuyến tổng kết công tác thi hành án dân sự", agenda="Báo cáo; thảo luận",
                  organizer="Văn phòng Bộ", chair="Thứ trưởng Nguyễn Thanh Tịnh", host=endpoint("moj-hq"),
                  start_at=start, end_at=start + timedelta(hours=3), test_at=start - timedelta(hours=1),
                  status="scheduled", ics_uid=f"{uuid.uuid4()}@hoinghi.moj.gov.vn", sequence=0)
    values.update(fields)
    meeting = Meeting(**values)
    busy = dict(busy_from=meeting.start_at - timedelta(minutes=30), busy_until=meeting.end_at + timedelta(minutes=30),
                holds_slot=meeting.status != "cancelled")
    meeting.participants.append(Participant(endpoint=meeting.host, is_host=True, **busy))
    for code in participants:
        meeting.participants.append(Participant(endpoint=endpoint(code), **busy))
    db.session.add(meeting)
    db.session.flush()
    return meeting


def upcoming(*, participants: tuple[str, ...] = (AN_GIANG, HA_NOI), starts_in: timedelta = timedelta(days=20),
             hours: int = 3, **fields) -> Meeting:
    """A scheduled meeting hosted at moj-hq starting `starts_in` from now (test call an hour before)."""
    start = (utcnow() + starts_in).replace(second=0, microsecond=0)
    return make_meeting(participants=participants, start_at=start, end_at=start + timedelta(hours=hours),
                        test_at=start - timedelta(hours=1), **fields)


_numbers = iter(range(1, 10**6))


def completed_meeting(day: datetime, guests: dict[str, tuple[str, str, int]], *, organizer: str = "Văn phòng Bộ",
                      hours: int = 2, saving_per_guest: int = 1_000_000) -> Meeting:
    """A completed meeting on `day` (Hà Nội, 08:00) with attendance, readiness and a savings snapshot;
    guests: code → (readiness, attendance, headcount).

    Readiness `ready` is answered a day ahead; `late` is `ready` answered after the start."""
    start = day.replace(hour=8, minute=0, tzinfo=ZONE)
    end = start + timedelta(hours=hours)
    host = endpoint("moj-hq")
    number = next(_numbers)
    meeting = Meeting(title=f"Hội nghị thử {number}", organizer=organizer, host=host, start_at=start, end_at=end,
                      status="completed", ics_uid=f"stats-test-{number}-{start.isoformat()}")
    snapshot = SavingsSnapshot(rates_effective_from=start.date(), rates={}, total_vnd=0, travel_km=0,
                               travel_minutes=0, reason="completed")
    rows = [(host, "ready", "present", 20, True)] + [(endpoint(code), *values, False)
                                                    for code, values in guests.items()]
    for place, readiness, attendance, headcount, is_host in rows:
        answered = start + timedelta(minutes=10) if readiness == "late" else start - timedelta(days=1)
        participant = Participant(endpoint=place, is_host=is_host, expected_attendees=headcount,
                                  busy_from=start, busy_until=end, holds_slot=True, attendance=attendance,
                                  readiness="ready" if readiness == "late" else readiness,
                                  readiness_updated_at=None if readiness == "pending" else answered,
                                  readiness_note="Mất đường truyền" if readiness == "not_ready" else "")
        meeting.participants.append(participant)
        db.session.add(AttendanceRecord(participant=participant, status=attendance, attendees=headcount))
        if not is_host:
            saving = saving_per_guest if attendance != "absent" else 0
            snapshot.items.append(SavingsItem(endpoint=place, attendance=attendance, counted=saving > 0,
                                              attendees=headcount, saving_vnd=saving, travel_km=100))
            snapshot.total_vnd += saving
            snapshot.travel_km += 100
    db.session.add(meeting)
    db.session.flush()
    snapshot.meeting_id = meeting.id
    db.session.add(snapshot)
    db.session.flush()
    return meeting


# ---- reading back, and bulk -------------------------------------------------------------------

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


def set_aside_queued_mail() -> None:
    """Mail the suite's database already holds is marked sent (inside the test's rolled-back transaction),
    so that a sweep in the test handles the test's own messages only."""
    db.session.execute(update(OutgoingMail).where(OutgoingMail.state.in_(("pending", "sending"))).values(state="sent"))
