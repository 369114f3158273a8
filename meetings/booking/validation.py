"""Turning what a form or an API client sent into clean meeting values, or field messages."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from meetings.booking.models import MeetingStatus
from meetings.core.inputs import OutsideWindow, has_control_characters, in_window, window_message
from meetings.errors import ValidationError

MINISTRY_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
TITLE_MAX = 300
MULTILINE = frozenset({"agenda", "cancel_reason"})  # the only texts that may hold line breaks and tabs
TEXT_LIMITS = {"organizer": 200, "chair": 200, "agenda": 10000, "cancel_reason": 500}


@dataclass
class MeetingValues:
    """What a booking asks for; `None` means "not given" (for a change, keep the current value)."""

    title: str | None = None
    agenda: str | None = None
    organizer: str | None = None
    chair: str | None = None
    host: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    test_minutes: int | None = None
    endpoints: list[str] | None = None
    groups: list[str] | None = None
    attendees: dict[str, int] = field(default_factory=dict)
    bridge_to_government: bool | None = None
    recurrence: str | None = None
    status: str | None = None


def parse_datetime(value: Any) -> datetime:
    """ISO 8601; a time without an offset is Hà Nội time. Returns an aware UTC datetime.

    Raises ValueError, and OutsideWindow (a ValueError) for a time outside the years 2000 to 2100, which
    could not even be moved to UTC at the ends of the calendar."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str) and value.strip():
        parsed = datetime.fromisoformat(value.strip())
    else:
        raise ValueError("not a time")
    if not in_window(parsed):
        raise OutsideWindow(window_message())
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=MINISTRY_ZONE)
    return parsed.astimezone(UTC)


def parse_day(value: str) -> date:
    """A day as the ministry writes it (dd/mm/yyyy, also d/m/yyyy) or as ISO 8601 (yyyy-mm-dd)."""
    text = (value or "").strip()
    if "/" in text:
        parts = text.split("/")
        if len(parts) != 3 or not all(part.isdigit() for part in parts) or len(parts[2]) != 4:
            raise ValueError(text)
        day = date(int(parts[2]), int(parts[1]), int(parts[0]))
    else:
        day = date.fromisoformat(text)
    if not in_window(day):
        raise OutsideWindow(window_message())
    return day


def time_error(error: Exception) -> str:
    """The field message for a time that could not be read."""
    if isinstance(error, OutsideWindow):
        return str(error)
    return _("Give a date and time such as 2026-12-01T08:00:00+07:00.")


def _text(data: dict, key: str, errors: dict, limit: int) -> str | None:
    if key not in data or data[key] is None:
        return None
    if not isinstance(data[key], str):
        errors[key] = _("Must be text.")
        return None
    value = data[key].strip()
    if len(value) > limit:
        errors[key] = _("At most %(n)d characters.", n=limit)
    elif has_control_characters(value, allow_line_breaks=key in MULTILINE):
        errors[key] = _("Must not contain control characters or line breaks.") if key not in MULTILINE else \
            _("Contains a control character, which is not allowed.")
    return value


def _codes(data: dict, key: str, errors: dict) -> list[str] | None:
    if key not in data or data[key] is None:
        return None
    value = data[key]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        errors[key] = _("Must be a list of codes.")
        return None
    return [item.strip() for item in value if item.strip()]


def _attendees(data: dict, errors: dict) -> dict[str, int]:
    raw = data.get("attendees") or {}
    if isinstance(raw, list):  # [{"endpoint": code, "expected_attendees": n}] as in the meeting shape
        raw = {item.get("endpoint"): item.get("expected_attendees") for item in raw if isinstance(item, dict)}
    if not isinstance(raw, dict):
        errors["attendees"] = _("Give expected attendees as {code: number}.")
        return {}
    cleaned: dict[str, int] = {}
    for code, count in raw.items():
        if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= 10000:
            errors[f"attendees.{code}"] = _("Expected attendees must be a whole number from 0 to 10000.")
        else:
            cleaned[str(code)] = count
    return cleaned


def _times(data: dict, errors: dict) -> tuple[datetime | None, datetime | None]:
    parsed: dict[str, datetime | None] = {"start": None, "end": None}
    for key in ("start", "end"):
        if data.get(key) is None:
            continue
        try:
            parsed[key] = parse_datetime(data[key])
        except (ValueError, TypeError) as error:
            errors[key] = time_error(error)
    return parsed["start"], parsed["end"]


def values_from_json(data: dict, *, creating: bool) -> MeetingValues:
    """Check the types and formats of a JSON body; rules that need the database come later."""
    errors: dict[str, str] = {}
    values = MeetingValues(
        title=_text(data, "title", errors, TITLE_MAX),
        agenda=_text(data, "agenda", errors, TEXT_LIMITS["agenda"]),
        organizer=_text(data, "organizer", errors, TEXT_LIMITS["organizer"]),
        chair=_text(data, "chair", errors, TEXT_LIMITS["chair"]),
        host=_text(data, "host", errors, 64),
        endpoints=_codes(data, "endpoints", errors),
        groups=_codes(data, "groups", errors),
        attendees=_attendees(data, errors),
        recurrence=_text(data, "recurrence", errors, 500) or None,
        status=_text(data, "status", errors, 20),
    )
    values.start, values.end = _times(data, errors)
    if "bridge_to_government" in data:
        if not isinstance(data["bridge_to_government"], bool):
            errors["bridge_to_government"] = _("Must be true or false.")
        else:
            values.bridge_to_government = data["bridge_to_government"]
    if "test_minutes_before" in data:
        minutes = data["test_minutes_before"]
        if not isinstance(minutes, int) or isinstance(minutes, bool) or not 0 <= minutes <= 24 * 60:
            errors["test_minutes_before"] = _("Give minutes from 0 to 1440.")
        else:
            values.test_minutes = minutes
    if creating:
        _require_for_creation(values, errors)
    if errors:
        raise ValidationError(errors)
    return values


def values_from_form(data: Mapping[str, Any]) -> MeetingValues:
    """The booking form's values, as its fields parsed them (dates and times as objects), into meeting values.

    Besides the form's fields, `data` holds `endpoints` (the chosen codes), `attendees` ({code: the
    text typed}) and `draft` (saved as a draft rather than booked). Builds the repetition rule.
    Raises ValidationError.
    """
    errors: dict[str, str] = {}
    start = end = None
    if data.get("start_date") and data.get("start_time"):
        start = datetime.combine(data["start_date"], data["start_time"], MINISTRY_ZONE)
        end_day = data.get("end_date") or data["start_date"]
        if data.get("end_time"):
            end = datetime.combine(end_day, data["end_time"], MINISTRY_ZONE)
    attendees: dict[str, int] = {}
    for code, value in (data.get("attendees") or {}).items():
        if not value.strip():
            continue
        if not value.strip().isdigit() or int(value) > 10000:
            errors["endpoints"] = _("Expected attendees must be a whole number from 0 to 10000.")
        else:
            attendees[code] = int(value)
    recurrence = None
    if data.get("repeat"):
        if data.get("repeat_count"):
            recurrence = f"FREQ={data['repeat']};COUNT={data['repeat_count']}"
        elif data.get("repeat_until"):
            recurrence = f"FREQ={data['repeat']};UNTIL={data['repeat_until']:%Y%m%d}"
        else:
            errors["recurrence"] = _("Say how many meetings, or until which date.")
    if errors:
        raise ValidationError(errors)
    selected = list(data.get("endpoints") or [])
    return MeetingValues(
        title=(data.get("title") or "").strip(),
        agenda=(data.get("agenda") or "").strip(),
        organizer=(data.get("organizer") or "").strip(),
        chair=(data.get("chair") or "").strip(),
        host=data.get("host"),
        start=start,
        end=end,
        test_minutes=data.get("test_minutes_before"),
        endpoints=selected,
        attendees={code: n for code, n in attendees.items() if code in selected},
        bridge_to_government=data.get("bridge_to_government"),
        recurrence=recurrence,
        status=MeetingStatus.DRAFT if data.get("draft") else MeetingStatus.SCHEDULED,
    )


def _require_for_creation(values: MeetingValues, errors: dict) -> None:
    if not values.title and "title" not in errors:
        errors["title"] = _("The title is required.")
    for key in ("start", "end"):
        if getattr(values, key) is None and key not in errors:
            errors[key] = _("Required.")


def check_texts(values: MeetingValues, errors: dict) -> None:
    """Whatever sent them (form or JSON): one-line texts hold no control character or line break."""
    for key in ("title", "organizer", "chair"):
        value = getattr(values, key)
        if value and key not in errors and has_control_characters(value, allow_line_breaks=False):
            errors[key] = _("Must not contain control characters or line breaks.")


def check_times(start: datetime, end: datetime, *, now: datetime, errors: dict, allow_past: bool = False) -> None:
    for key, value in (("start", start), ("end", end)):
        if not in_window(value):
            errors[key] = window_message()
    if errors.keys() & {"start", "end"}:
        return
    if end <= start:
        errors["end"] = _("The end must be after the start.")
    elif end - start > timedelta(days=7):
        errors["end"] = _("A meeting lasts at most 7 days.")
    if not allow_past and start < now:
        errors["start"] = _("The start is in the past.")
