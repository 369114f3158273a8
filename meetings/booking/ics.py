"""iCalendar files: a meeting as an invitation or cancellation, an endpoint's feed. Needs no request or app."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from icalendar import Calendar, Event, Timezone, vCalAddress

from meetings.booking.models import Meeting, MeetingStatus
from meetings.core.formatting import format_datetime, to_local
from meetings.database import utcnow
from meetings.endpoints.models import Endpoint

PRODID = "-//Bo Tu phap Viet Nam//Hoi nghi truc tuyen//VI"
ZONE_ID = "Asia/Ho_Chi_Minh"
DEFAULT_ORGANIZER_NAME = "Bộ Tư pháp"
# The zone has kept UTC+7 since 1975; one STANDARD block from then on covers every meeting.
_VTIMEZONE = Timezone.from_tzid(ZONE_ID, first_date=date(1976, 1, 1), last_date=date(2100, 1, 1))
_VTIMEZONE.pop("COMMENT", None)
EVENT_STATUS = {MeetingStatus.DRAFT: "TENTATIVE", MeetingStatus.CANCELLED: "CANCELLED"}


def meeting_calendar(meeting: Meeting, *, organizer_email: str, removed: Sequence[Endpoint] = (),
                     endpoints: Sequence[Endpoint] | None = None) -> bytes:
    """METHOD:REQUEST for a meeting, METHOD:CANCEL when it is cancelled.

    With `removed`, a METHOD:CANCEL addressed to those endpoints only: they were taken off a meeting
    that still takes place. `endpoints`, when the caller has them, are the meeting's endpoints in its
    participants' order (only those with a contact e-mail become attendees); else its participants are read.
    """
    method = "CANCEL" if meeting.status == MeetingStatus.CANCELLED or removed else "REQUEST"
    event = _event(meeting, stamp=utcnow())
    event.add("organizer", _organizer(meeting, organizer_email))
    if endpoints is None:
        endpoints = [p.endpoint for p in meeting.participants]
    for attendee in _attendees(removed or endpoints):
        event.add("attendee", attendee)
    return _calendar(method, [event]).to_ical()


def endpoint_feed(endpoint: Endpoint, meetings: Iterable[Meeting], *, organizer_email: str = "") -> bytes:
    """METHOD:PUBLISH: the meetings of one endpoint, cancelled ones kept with STATUS:CANCELLED."""
    stamp = utcnow()
    events = []
    for meeting in meetings:
        event = _event(meeting, stamp=stamp)
        if organizer_email:
            event.add("organizer", _organizer(meeting, organizer_email))
        events.append(event)
    calendar = _calendar("PUBLISH", events)
    calendar.add("x-wr-calname", f"Hội nghị trực tuyến – {endpoint.name}")
    calendar.add("x-wr-timezone", ZONE_ID)
    calendar.add("x-published-ttl", "PT1H")
    return calendar.to_ical()


def _calendar(method: str, events: list[Event]) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    calendar.add_component(_VTIMEZONE)
    for event in events:
        calendar.add_component(event)
    return calendar


def _event(meeting: Meeting, *, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", meeting.ics_uid)
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", stamp)
    event.add("dtstart", to_local(meeting.start_at))
    event.add("dtend", to_local(meeting.end_at))
    event.add("summary", meeting.title)
    event.add("description", describe(meeting))
    event.add("location", meeting.host.name)
    event.add("status", EVENT_STATUS.get(meeting.status, "CONFIRMED"))
    event.add("transp", "TRANSPARENT" if meeting.status == MeetingStatus.CANCELLED else "OPAQUE")
    if meeting.created_at:
        event.add("created", meeting.created_at)
    if meeting.updated_at:
        event.add("last-modified", meeting.updated_at)
    return event


def describe(meeting: Meeting) -> str:
    """The event's text: agenda, organiser, chair, host endpoint, technical test (Hà Nội time)."""
    lines = []
    if meeting.agenda:
        lines += [meeting.agenda.strip(), ""]
    lines.append(f"Đơn vị chủ trì: {meeting.organizer or '—'}")
    lines.append(f"Chủ trì: {meeting.chair or '—'}")
    lines.append(f"Điểm cầu chính: {meeting.host.name}")
    if meeting.test_at:
        lines.append(f"Kiểm tra kỹ thuật: {format_datetime(meeting.test_at)} (giờ Hà Nội)")
    if meeting.status == MeetingStatus.CANCELLED and meeting.cancel_reason:
        lines.append(f"Lý do hủy: {meeting.cancel_reason}")
    return "\n".join(lines)


def _organizer(meeting: Meeting, email: str) -> vCalAddress:
    organizer = vCalAddress(f"mailto:{email}")
    organizer.params["cn"] = meeting.organizer or DEFAULT_ORGANIZER_NAME
    return organizer


def _attendees(endpoints: Iterable[Endpoint]) -> list[vCalAddress]:
    seen: set[str] = set()
    attendees = []
    for endpoint in endpoints:
        email = (endpoint.contact_email or "").strip()
        if not email or email.lower() in seen:
            continue
        seen.add(email.lower())
        attendee = vCalAddress(f"mailto:{email}")
        attendee.params.update({"cn": endpoint.name, "role": "REQ-PARTICIPANT", "partstat": "NEEDS-ACTION",
                                "rsvp": "FALSE"})
        attendees.append(attendee)
    return attendees

