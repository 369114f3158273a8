"""Times and bodies shared by the booking tests."""
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


def future_day(weeks: int = 2, weekday: int = 0) -> datetime:
    """A date some weeks ahead (Monday by default), so that tests never book in the past."""
    today = datetime.now(ZONE).date()
    monday = today - timedelta(days=today.weekday()) + timedelta(weeks=weeks)
    return datetime.combine(monday + timedelta(days=weekday), time.min, ZONE)


def at(day: datetime, hour: int, minute: int = 0) -> str:
    return day.replace(hour=hour, minute=minute).isoformat()


def meeting_body(day: datetime, start=(8, 0), end=(11, 30), **extra) -> dict:
    body = {"title": "Giao ban trực tuyến toàn ngành", "start": at(day, *start), "end": at(day, *end),
            "organizer": "Văn phòng Bộ", "chair": "Thứ trưởng", "endpoints": ["thads-an-giang"]}
    body.update(extra)
    return body
