"""The invitation file the Government Office e-mails: METHOD:REQUEST (or CANCEL), UID `<id>@govconf`."""
from __future__ import annotations

from datetime import UTC, datetime

from icalendar import Calendar, Event


def conference_ics(conference: dict) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Van phong Chinh phu//govconf simulator//VI")
    calendar.add("version", "2.0")
    cancelled = conference["status"] == "cancelled"
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")
    event = Event()
    event.add("uid", f"{conference['id']}@govconf")
    event.add("sequence", int(conference["version"]))
    event.add("summary", conference["title"])
    event.add("dtstart", datetime.fromisoformat(conference["start"]).astimezone(UTC))
    event.add("dtend", datetime.fromisoformat(conference["end"]).astimezone(UTC))
    event.add("dtstamp", datetime.now(UTC))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("location", conference["dial"].get("sip", ""))
    event.add("organizer", "mailto:giaoban@chinhphu.vn")
    calendar.add_component(event)
    return calendar.to_ical()
