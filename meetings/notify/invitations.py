"""Invitation, change and cancellation e-mails to the endpoints of a meeting, with the .ics attached."""
from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l

from meetings.booking.ics import meeting_calendar
from meetings.booking.models import Meeting
from meetings.core.formatting import to_local
from meetings.core.formatting import weekday_datetime as format_datetime  # mails name the weekday
from meetings.core.links import answer_url
from meetings.endpoints.models import Endpoint
from meetings.notify.services import mail_language, queue_mail, render_mail, sender_address

SUBJECT_PREFIXES = {"created": _l("Invitation"), "updated": _l("Change"), "cancelled": _l("Cancellation"),
                    "removed": _l("No longer invited")}


def queue_meeting_notifications(meeting: Meeting, change: str) -> int:
    """Queue one mail per endpoint of the meeting (host included) that has a contact e-mail; returns how many.

    `change` is "created", "updated" or "cancelled" (ValueError otherwise). The attached .ics is a
    REQUEST, or a CANCEL when the meeting is cancelled. Adds to the current transaction only.
    """
    if change not in ("created", "updated", "cancelled"):
        raise ValueError(f"unknown change {change!r}")
    calendar = meeting_calendar(meeting, organizer_email=sender_address())
    return _queue(meeting, change, _endpoints_of(meeting), calendar)


def queue_removal_notifications(meeting: Meeting, endpoints: Iterable[Endpoint]) -> int:
    """Tell endpoints taken off a meeting that still takes place; their .ics is a CANCEL for them alone."""
    endpoints = [endpoint for endpoint in endpoints if endpoint.contact_email]
    if not endpoints:
        return 0
    calendar = meeting_calendar(meeting, organizer_email=sender_address(), removed=endpoints)
    return _queue(meeting, "removed", endpoints, calendar)


def _endpoints_of(meeting: Meeting) -> list[Endpoint]:
    endpoints = {meeting.host.id: meeting.host}
    for participant in meeting.participants:
        endpoints.setdefault(participant.endpoint.id, participant.endpoint)
    return list(endpoints.values())


def _queue(meeting: Meeting, change: str, endpoints: Iterable[Endpoint], calendar: bytes) -> int:
    with mail_language():
        subject = f"{SUBJECT_PREFIXES[change]}: {meeting.title} — {format_datetime(meeting.start_at)}"
    queued = 0
    for endpoint in endpoints:
        if not endpoint.contact_email:
            continue
        text, html = mail_body(meeting, change, endpoint)
        queue_mail([endpoint.contact_email], subject, text, html=html, calendar=calendar, meeting_id=meeting.id)
        queued += 1
    return queued


def mail_body(meeting: Meeting, change: str, endpoint: Endpoint) -> tuple[str, str]:
    """The text and HTML of the mail to one endpoint (templates/mail/invitation.*), in Vietnamese."""
    link = answer_url(meeting.id, endpoint.id, meeting.sequence) if change in ("created", "updated") else None
    return render_mail("invitation", meeting=meeting, change=change, endpoint=endpoint, when=time_range(meeting),
                       test_at=format_datetime(meeting.test_at), answer_url=link)


def time_range(meeting: Meeting) -> str:
    """'01/12/2026 08:00 – 11:30', or both dates and times when the meeting runs over several days."""
    start, end = to_local(meeting.start_at), to_local(meeting.end_at)
    end_text = end.strftime("%H:%M") if end.date() == start.date() else format_datetime(meeting.end_at)
    return f"{format_datetime(meeting.start_at)} – {end_text}"
