"""Importing a government invitation from its .ics file (METHOD:REQUEST or CANCEL, UID `<id>@govconf`):
the same result as pulling it, and never a second invitation for the same conference."""
from __future__ import annotations

from datetime import date, datetime

from flask_babel import gettext as _
from icalendar import Calendar

from meetings.booking.validation import MINISTRY_ZONE, parse_datetime
from meetings.bridge.inbound import ConferenceFacts, upsert_invitation
from meetings.bridge.models import Invitation, RemoteStatus
from meetings.core.inputs import DB_INT_MAX, has_control_characters
from meetings.errors import ValidationError

UID_SUFFIX = "@govconf"
MAX_BYTES = 256 * 1024


def import_invitation(data: bytes) -> tuple[Invitation, bool]:
    """Read one invitation file; returns (invitation, changed). Raises ValidationError on a file that is not
    a government invitation."""
    return upsert_invitation(read_invitation(data), source="ics")


def read_invitation(data: bytes) -> ConferenceFacts:
    if not data or len(data) > MAX_BYTES:
        raise ValidationError({"file": _("Choose the invitation's .ics file (at most 256 KB).")})
    try:
        calendar = Calendar.from_ical(data)
        method = str(calendar.get("METHOD", "REQUEST")).upper()
        events = calendar.walk("VEVENT")
    except (ValueError, KeyError, IndexError, TypeError):
        raise ValidationError({"file": _("This file is not an iCalendar (.ics) file.")}) from None
    if len(events) != 1 or method not in ("REQUEST", "CANCEL", "PUBLISH"):
        raise ValidationError({"file": _("This file is not one government invitation.")})
    return _facts(events[0], method)


def _facts(event, method: str) -> ConferenceFacts:
    uid = str(event.get("UID", ""))
    if not uid.endswith(UID_SUFFIX) or len(uid) == len(UID_SUFFIX):
        raise ValidationError({"file": _("This invitation does not come from the government conference system.")})
    try:
        start, end = _time(event.decoded("DTSTART")), _time(event.decoded("DTEND"))
        sequence = int(str(event.get("SEQUENCE", 0)).strip())
    except (KeyError, TypeError, ValueError, OverflowError):
        raise ValidationError({"file": _("The invitation has no valid start and end.")}) from None
    if not 0 <= sequence <= DB_INT_MAX:
        raise ValidationError({"file": _("The invitation's SEQUENCE (its version number) is not a valid number.")})
    if end <= start:
        raise ValidationError({"file": _("The invitation ends before it starts.")})
    texts = [uid, str(event.get("SUMMARY", "")), str(event.get("LOCATION", ""))]
    if any(has_control_characters(text, allow_line_breaks=False) for text in texts):
        raise ValidationError({"file": _("The invitation's title, place or identifier contains control characters.")})
    cancelled = method == "CANCEL" or str(event.get("STATUS", "")).upper() == "CANCELLED"
    location = str(event.get("LOCATION", ""))
    return ConferenceFacts(conference_id=uid[:-len(UID_SUFFIX)][:64], title=str(event.get("SUMMARY", ""))[:300] or uid,
                           start_at=start, end_at=end,
                           status=RemoteStatus.CANCELLED if cancelled else RemoteStatus.SCHEDULED, version=sequence,
                           dial={"sip": location} if location.startswith("sip:") else None)


def _time(value) -> datetime:
    if isinstance(value, datetime):
        return parse_datetime(value if value.tzinfo else value.replace(tzinfo=MINISTRY_ZONE))
    if isinstance(value, date):
        raise ValueError("an all-day invitation has no time")
    raise ValueError("not a time")
