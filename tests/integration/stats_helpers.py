"""Hand-built held meetings for the statistics tests: participants, attendance, readiness and a snapshot."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from meetings.attendance.models import AttendanceRecord
from meetings.booking.models import Meeting, Participant
from meetings.endpoints.models import Endpoint
from meetings.extensions import db
from meetings.savings.models import SavingsItem, SavingsSnapshot

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
_counter = iter(range(1, 10**6))


def endpoint(code: str) -> Endpoint:
    return db.session.scalar(select(Endpoint).where(Endpoint.code == code))


def held_meeting(day: datetime, guests: dict[str, tuple[str, str, int]], *, organizer: str = "Văn phòng Bộ",
                 hours: int = 2, saving_per_guest: int = 1_000_000) -> Meeting:
    """A completed meeting on `day` (Hà Nội, 08:00); guests: code → (readiness, attendance, headcount).

    Readiness `ready` is answered a day ahead; `late` is `ready` answered after the start."""
    start = day.replace(hour=8, minute=0, tzinfo=ZONE)
    end = start + timedelta(hours=hours)
    host = endpoint("moj-hq")
    number = next(_counter)
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
