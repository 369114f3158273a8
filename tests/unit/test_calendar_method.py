"""The METHOD of a queued mail's calendar is read from the calendar's own lines, not from its events."""
from __future__ import annotations

from icalendar import Calendar, Event

from meetings.notify.services import calendar_method


def _calendar(method: str | None, attendees: int = 0) -> str:
    calendar = Calendar()
    calendar.add("prodid", "-//test//")
    calendar.add("version", "2.0")
    if method:
        calendar.add("method", method)
    event = Event()
    event.add("summary", "METHOD:PUBLISH is only a title here")
    for number in range(attendees):
        event.add("attendee", f"mailto:room{number}@example.org")
    calendar.add_component(event)
    return calendar.to_ical().decode()


def test_the_method_is_the_calendars():
    for method in ("REQUEST", "CANCEL", "PUBLISH"):
        assert calendar_method(_calendar(method, attendees=1000)) == method
        assert calendar_method(_calendar(method)) == str(Calendar.from_ical(_calendar(method))["METHOD"])


def test_no_method_reads_as_none():
    assert calendar_method(_calendar(None)) == ""
    assert calendar_method("not a calendar") == ""
