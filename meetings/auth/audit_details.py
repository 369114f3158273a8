"""What an audit entry changed, in words: each field's label in the reader's language and its values as a
person writes them (names for endpoint codes, dates as dd/mm/yyyy, "Yes" for True, what a list gained and lost)
instead of field codes and Python values such as `bridge_to_government: False → True` or `['thads-an-giang']`.

Labels reuse the message ids of the forms where the fields are typed, so that they read the same."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from meetings.core.formatting import format_date, format_datetime, format_number, format_vnd

FIELDS = {
    # meetings
    "title": _l("Title"), "agenda": _l("Agenda"), "organizer": _l("Organising unit"), "chair": _l("Chair"),
    "host": _l("Host endpoint"), "start": _l("Starts at"), "end": _l("Ends at"), "status": _l("Status"),
    "bridge_to_government": _l("Connect to the Government Office's conference system"),
    "endpoints": _l("Endpoints"), "occurrences": _l("Occurrences"), "series": _l("Series"),
    # users
    "role": _l("Role"), "full_name": _l("Full name"), "email": _l("E-mail"), "endpoint": _l("Endpoint"),
    # endpoints and groups
    "name": _l("Name"), "province": _l("Province"), "city": _l("City / town"),
    "distance_km": _l("Road distance to Hà Nội (km)"), "contact_name": _l("Contact person"),
    "contact_email": _l("Contact e-mail"), "contact_phone": _l("Contact phone"),
    "dial_string": _l("Dial string (SIP URI, H.323 alias or IP)"), "seats": _l("Seats"), "notes": _l("Notes"),
    "latitude": _l("Latitude"), "longitude": _l("Longitude"), "retired_on": _l("Retired from"),
    "successor": _l("Merged into"), "merged_on": _l("Merged from"), "label_vi": _l("Name in Vietnamese"),
    "label_en": _l("Name in English"), "description": _l("Description"), "members": _l("Members"),
    "probe_address": _l("Probe address"),
    # attendance
    "attendees": _l("Attendees"), "source": _l("Recorded from"), "connected_at": _l("Connected"),
    "disconnected_at": _l("Disconnected"), "rows": _l("Rows read"), "problems": _l("Problems"),
    # savings, cost rates, mail
    "total_vnd": _l("Saved in all"), "effective_from": _l("In force from"), "note": _l("Legal basis and notes"),
    "per_diem_vnd": _l("Per diem, per person and day (₫)"),
    "lodging_hanoi_vnd": _l("Lodging a night: Hà Nội, centrally-run and grade-I cities (₫)"),
    "lodging_city_vnd": _l("Lodging a night: other provincial cities and towns (₫)"),
    "lodging_other_vnd": _l("Lodging a night: elsewhere (₫)"), "fuel_price_vnd": _l("Petrol price a litre (₫)"),
    "fuel_ml_per_km": _l("Own vehicle: petrol a km (millilitres)"), "local_max_km": _l("Local trip below (km)"),
    "same_day_max_km": _l("Same-day return below (km)"), "travel_days": _l("Travel days added beyond that distance"),
    "air_from_km": _l("Air travel from (km)"), "road_speed_kmh": _l("Average road speed (km/h)"),
    "air_speed_kmh": _l("Air: road-distance km covered per hour of flight"),
    "air_transfer_minutes": _l("Air: transfers and check-in, one way (minutes)"),
    "vc_endpoint_hour_vnd": _l("Videoconference cost per endpoint-hour (₫)"), "fares": _l("Fares"),
    "last_error": _l("Last error"),
}
ENDPOINT_FIELDS = ("host", "endpoint", "successor")
ENDPOINT_LISTS = ("endpoints", "members")
DAY_FIELDS = ("retired_on", "merged_on", "effective_from")
MOMENT_FIELDS = ("start", "end", "connected_at", "disconnected_at")

WORDS = {
    # meeting, readiness and attendance states, and roles: the domains' own message ids
    "draft": _l("Draft"), "scheduled": _l("Scheduled"), "in_progress": _l("In progress"), "completed": _l("Held"),
    "cancelled": _l("Cancelled"), "present": _l("Present"), "absent": _l("Absent"), "partial": _l("Partly present"),
    "booker": _l("Booker (meeting office)"), "operator": _l("Endpoint operator"), "leader": _l("Leader"),
    "admin": _l("Administrator"), "manual": _l("by hand"), "cdr": _l("call records"), "mcu": _l("the MCU"),
}


def endpoint_codes(changes: dict[str, Any]) -> set[str]:
    """The endpoint codes the changes carry, for one look-up of their names per page."""
    codes: set[str] = set()
    for key, value in (changes or {}).items():
        if key not in ENDPOINT_FIELDS + ENDPOINT_LISTS:
            continue
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, list):
                codes.update(code for code in item if isinstance(code, str))
            elif isinstance(item, str):
                codes.add(item)
    return codes


def _moment(value: str, *, day_only: bool) -> str:
    try:
        if len(value) == 10:
            return format_date(date.fromisoformat(value))
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return value
    return format_date(parsed) if day_only else format_datetime(parsed)


def _value(key: str, value: Any, endpoints: dict[str, str]) -> str:
    """One value as a person writes it."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        return ", ".join(_value(key, item, endpoints) for item in value)
    if key in ENDPOINT_FIELDS + ENDPOINT_LISTS and isinstance(value, str):
        return endpoints.get(value, value)
    if isinstance(value, str) and (key in DAY_FIELDS or key in MOMENT_FIELDS):
        return _moment(value, day_only=key in DAY_FIELDS)
    if isinstance(value, int | float) and key.endswith("_vnd"):
        return format_vnd(int(value))
    if isinstance(value, int) and key not in ("latitude", "longitude"):
        return format_number(value)
    if isinstance(value, str) and key in ("status", "role", "source") and value in WORDS:
        return str(WORDS[value])
    return str(value)


def _list_change(key: str, old: list, new: list, endpoints: dict[str, str]) -> str:
    added = [item for item in new if item not in old]
    removed = [item for item in old if item not in new]
    parts = []
    if added:
        parts.append(_("added: %(items)s", items=_value(key, added, endpoints)))
    if removed:
        parts.append(_("removed: %(items)s", items=_value(key, removed, endpoints)))
    return "; ".join(parts) or _value(key, new, endpoints)


def change_rows(changes: dict[str, Any], endpoints: dict[str, str]) -> list[tuple[str, str]]:
    """(label, "old → new" or the value) for each field that says something."""
    rows = []
    for key, value in (changes or {}).items():
        if value is None or value == "" or value is False or value == []:
            continue
        label = str(FIELDS.get(key, key.replace("_", " ")))
        if isinstance(value, list) and len(value) == 2 and all(isinstance(v, list) for v in value):
            rows.append((label, _list_change(key, value[0], value[1], endpoints)))
        elif isinstance(value, list) and len(value) == 2 and key not in ENDPOINT_LISTS + ("fares",):
            rows.append((label, f"{_value(key, value[0], endpoints)} → {_value(key, value[1], endpoints)}"))
        else:
            rows.append((label, _value(key, value, endpoints)))
    return rows
