"""A demo meeting whose technical test time comes a minute after `make run`: the simulated MCU connects it."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from meetings.auth.models import User
from meetings.booking.models import Meeting, MeetingStatus
from meetings.database import utcnow
from meetings.errors import DomainError
from meetings.extensions import db

DEMO_TITLE = "Giao ban trực tuyến (thử kết nối MCU)"
DEMO_ROOMS = ("thads-ha-noi", "thads-hai-phong", "thads-quang-ninh", "thads-nghe-an", "thads-da-nang",
              "thads-khanh-hoa", "thads-lam-dong", "thads-can-tho", "thads-ca-mau", "thads-an-giang",
              "thads-cao-bang", "thads-lang-son")


def seed_demo_call_meeting() -> Meeting | None:
    """Book the demo call meeting unless one is still to come or running; returns it, or None."""
    from meetings.booking.services import book_meeting
    from meetings.booking.validation import MeetingValues

    now = utcnow()
    coming = (MeetingStatus.SCHEDULED, MeetingStatus.IN_PROGRESS)
    current = db.session.scalar(select(Meeting).where(Meeting.title == DEMO_TITLE, Meeting.end_at > now,
                                                      Meeting.status.in_(coming)))
    if current is not None:
        return None
    booker = db.session.scalar(select(User).where(User.username == "booker"))
    if booker is None:
        return None
    start = (now + timedelta(minutes=35)).replace(second=0, microsecond=0)
    values = MeetingValues(title=DEMO_TITLE, agenda="Dữ liệu mẫu: các điểm cầu được MCU mô phỏng gọi tự động.",
                           organizer="Văn phòng Bộ", chair="Chánh Văn phòng", start=start,
                           end=start + timedelta(hours=2), test_minutes=33, endpoints=list(DEMO_ROOMS))
    try:
        [meeting] = book_meeting(values, actor=booker)
    except DomainError:
        return None
    return meeting
