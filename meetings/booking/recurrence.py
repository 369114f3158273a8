"""Recurring meetings: validating an RRULE and expanding it into occurrences. No Flask here."""
from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

ALLOWED_FREQUENCIES = {"WEEKLY", "MONTHLY"}
ALLOWED_KEYS = {"FREQ", "COUNT", "UNTIL", "INTERVAL", "BYDAY", "BYMONTHDAY", "BYSETPOS", "WKST"}


class RecurrenceError(ValueError):
    """An RRULE the ministry's booking does not accept; the message says why."""

    def __init__(self, reason: str, **values):
        super().__init__(reason)
        self.reason = reason
        self.values = values


def _parts(rule: str) -> dict[str, str]:
    text = rule.strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    parts: dict[str, str] = {}
    for item in filter(None, text.split(";")):
        key, sep, value = item.partition("=")
        if not sep or not value:
            raise RecurrenceError("malformed")
        parts[key.strip().upper()] = value.strip().upper()
    return parts


def _until_in_utc(value: str, zone: ZoneInfo) -> str:
    """UNTIL as UTC: a bare date means the end of that day in the ministry's zone."""
    if value.endswith("Z"):
        return value
    try:
        if "T" in value:
            local = datetime.strptime(value, "%Y%m%dT%H%M%S").replace(tzinfo=zone)
        else:
            local = datetime.combine(datetime.strptime(value, "%Y%m%d").date(), time(23, 59, 59), zone)
        return local.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    except (ValueError, OverflowError) as error:  # also a date at the very ends of the calendar
        raise RecurrenceError("malformed") from error


def normalise_rule(rule: str, zone: ZoneInfo) -> str:
    """Check the rule (weekly or monthly, with COUNT or UNTIL) and return it in canonical form."""
    parts = _parts(rule)
    unknown = set(parts) - ALLOWED_KEYS
    if unknown:
        raise RecurrenceError("unsupported_part", parts=", ".join(sorted(unknown)))
    if parts.get("FREQ") not in ALLOWED_FREQUENCIES:
        raise RecurrenceError("frequency")
    if "COUNT" not in parts and "UNTIL" not in parts:
        raise RecurrenceError("no_end")
    if "COUNT" in parts and "UNTIL" in parts:
        raise RecurrenceError("count_and_until")
    if "COUNT" in parts and (not parts["COUNT"].isdigit() or int(parts["COUNT"]) < 1):
        raise RecurrenceError("malformed")
    if "UNTIL" in parts:
        parts["UNTIL"] = _until_in_utc(parts["UNTIL"], zone)
    order = ["FREQ"] + sorted(key for key in parts if key != "FREQ")
    return ";".join(f"{key}={parts[key]}" for key in order)


def expand(rule: str, first_start: datetime, *, zone: ZoneInfo, maximum: int) -> list[datetime]:
    """The start times (aware, UTC) of every occurrence, the first one included.

    Occurrences keep the wall-clock time of the first in the ministry's zone. More than `maximum`
    occurrences is refused rather than cut short.
    """
    canonical = normalise_rule(rule, zone)
    local_start = first_start.astimezone(zone)
    try:
        recurrence = rrulestr(canonical, dtstart=local_start)
    except (ValueError, TypeError) as error:
        raise RecurrenceError("malformed") from error
    starts: list[datetime] = []
    for occurrence in recurrence:
        starts.append(occurrence.astimezone(UTC))
        if len(starts) > maximum:
            raise RecurrenceError("too_many", maximum=maximum)
    if not starts:
        raise RecurrenceError("empty")
    return starts
