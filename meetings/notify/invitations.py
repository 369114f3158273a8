"""Invitation, change and cancellation e-mails to the endpoints of a meeting, with the .ics attached."""
from __future__ import annotations

import secrets
from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from markupsafe import escape
from sqlalchemy import inspect, select

from meetings.booking.ics import meeting_calendar
from meetings.booking.models import Meeting, Participant
from meetings.core.formatting import to_local
from meetings.core.formatting import weekday_datetime as format_datetime  # mails name the weekday
from meetings.core.links import answer_url, answer_urls
from meetings.endpoints.models import Endpoint
from meetings.extensions import db
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
    endpoints = _endpoints_of(meeting)
    calendar = meeting_calendar(meeting, organizer_email=sender_address(), endpoints=endpoints)
    return _queue(meeting, change, endpoints, calendar)


def queue_removal_notifications(meeting: Meeting, endpoints: Iterable[Endpoint]) -> int:
    """Tell endpoints taken off a meeting that still takes place; their .ics is a CANCEL for them alone."""
    endpoints = [endpoint for endpoint in endpoints if endpoint.contact_email]
    if not endpoints:
        return 0
    calendar = meeting_calendar(meeting, organizer_email=sender_address(), removed=endpoints)
    return _queue(meeting, "removed", endpoints, calendar)


def _endpoints_of(meeting: Meeting) -> list[Endpoint]:
    """The host, then the meeting's endpoints in its participants' order; only those with a contact e-mail
    when read from the database (the others get neither mail nor a place among the calendar's attendees)."""
    endpoints = {meeting.host.id: meeting.host}
    if "participants" not in inspect(meeting).unloaded:
        # Loaded: maybe changed in this transaction and not yet flushed; the collection is the truth.
        for participant in meeting.participants:
            endpoints.setdefault(participant.endpoint.id, participant.endpoint)
    else:
        # A meeting just booked: the few endpoints that have an address, without a thousand participant objects.
        for endpoint in db.session.scalars(
                select(Endpoint).join(Participant, Participant.endpoint_id == Endpoint.id)
                .where(Participant.meeting_id == meeting.id, Endpoint.contact_email != "")
                .order_by(Participant.is_host.desc(), Endpoint.sort_key, Participant.id)):
            endpoints.setdefault(endpoint.id, endpoint)
    return list(endpoints.values())


def _queue(meeting: Meeting, change: str, endpoints: Iterable[Endpoint], calendar: bytes) -> int:
    with mail_language():
        subject = f"{SUBJECT_PREFIXES[change]}: {meeting.title} — {format_datetime(meeting.start_at)}"
    recipients = [endpoint for endpoint in endpoints if endpoint.contact_email]
    for endpoint, (text, html) in zip(recipients, mail_bodies(meeting, change, recipients), strict=True):
        queue_mail([endpoint.contact_email], subject, text, html=html, calendar=calendar, meeting_id=meeting.id)
    return len(recipients)


def mail_body(meeting: Meeting, change: str, endpoint: Endpoint) -> tuple[str, str]:
    """The text and HTML of the mail to one endpoint (templates/mail/invitation.*), in Vietnamese."""
    link = answer_url(meeting.id, endpoint.id, meeting.sequence) if change in ("created", "updated") else None
    return render_mail("invitation", meeting=meeting, change=change, endpoint=endpoint, when=time_range(meeting),
                       test_at=format_datetime(meeting.test_at), answer_url=link)


class _EndpointStandIn:
    """The endpoint as mail_bodies renders the templates once: a name that stands for every recipient's.
    Any other attribute stops the shortcut (a template that reads it must be rendered per recipient)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __getattr__(self, attribute: str):
        raise _NotOnceForAll(attribute)


class _NotOnceForAll(Exception):
    pass


def mail_bodies(meeting: Meeting, change: str, endpoints: list[Endpoint]) -> list[tuple[str, str]]:
    """mail_body of each endpoint, in order, with the templates rendered once for them all.

    The templates are rendered with stand-ins for what differs per recipient (the endpoint's name and its
    answer link, random markers), then each copy gets its own, escaped in the HTML as Jinja escapes them.
    Should a template read anything else of the endpoint, or lose a marker (a filter that changes it), every
    mail is rendered on its own instead. The templates print the name and the link as they are.
    """
    if len(endpoints) < 2:
        return [mail_body(meeting, change, endpoint) for endpoint in endpoints]
    marker = secrets.token_hex(8)
    name_mark, link_mark = f"name{marker}", f"link{marker}"
    with_link = change in ("created", "updated")
    try:
        text, html = render_mail("invitation", meeting=meeting, change=change, endpoint=_EndpointStandIn(name_mark),
                                 when=time_range(meeting), test_at=format_datetime(meeting.test_at),
                                 answer_url=link_mark if with_link else None)
    except _NotOnceForAll:
        return [mail_body(meeting, change, endpoint) for endpoint in endpoints]
    links = answer_urls(meeting.id, [e.id for e in endpoints], meeting.sequence) if with_link else {}
    bodies = []
    for endpoint in endpoints:
        link = links.get(endpoint.id, "")
        copy_text = text.replace(name_mark, endpoint.name).replace(link_mark, link)
        copy_html = html.replace(name_mark, str(escape(endpoint.name))).replace(link_mark, str(escape(link)))
        bodies.append((copy_text, copy_html))
    if any(marker in body.lower() for body in bodies[0]):
        return [mail_body(meeting, change, endpoint) for endpoint in endpoints]
    return bodies


def time_range(meeting: Meeting) -> str:
    """'01/12/2026 08:00 – 11:30', or both dates and times when the meeting runs over several days."""
    start, end = to_local(meeting.start_at), to_local(meeting.end_at)
    end_text = end.strftime("%H:%M") if end.date() == start.date() else format_datetime(meeting.end_at)
    return f"{format_datetime(meeting.start_at)} – {end_text}"
