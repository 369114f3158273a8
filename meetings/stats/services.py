"""The statistics of a period: figures, the same period a year earlier, and breakdowns; plain values out."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from meetings.booking.validation import parse_day
from meetings.core.formatting import isoformat_local
from meetings.core.inputs import OutsideWindow
from meetings.endpoints.models import KINDS, Endpoint
from meetings.errors import ValidationError
from meetings.extensions import db
from meetings.stats import queries
from meetings.stats.queries import Scope

FIGURES = ("meetings", "hours", "endpoint_connections", "attendees", "attendance_rate", "readiness_on_time_rate",
           "savings_vnd", "travel_km_avoided", "travel_hours_avoided")
MIN_YEAR = 2000


@dataclass
class Statistics:
    scope: Scope
    previous_scope: Scope
    totals: dict[str, Any]
    previous: dict[str, Any]
    by_month: list[dict[str, Any]]
    by_organizer: list[dict[str, Any]] = field(default_factory=list)
    by_endpoint: list[dict[str, Any]] = field(default_factory=list)
    as_of: date | None = None  # the last day counted, when the period was cut at today

    @property
    def last_day(self) -> date:
        return self.scope.end - timedelta(days=1)

    @property
    def has_previous(self) -> bool:
        """Whether the same dates a year earlier have any held meeting to compare with."""
        return bool(self.previous["meetings"])

    def changes(self) -> dict[str, dict[str, Any] | None]:
        """Each figure against the same dates a year earlier; None where the earlier figure is zero."""
        return {name: change(self.totals[name], self.previous[name]) for name in FIGURES}

    def not_ready(self, limit: int = 10) -> list[dict[str, Any]]:
        """The endpoints most often not ready, most first."""
        rows = [row for row in self.by_endpoint if row["not_ready"]]
        return sorted(rows, key=lambda row: (-row["not_ready"], row["name"]))[:limit]


def change(current: float, previous: float | None) -> dict[str, Any] | None:
    if not previous:
        return None
    difference = round(current - previous, 4) if isinstance(current, float) else current - previous
    percent = round(100 * (current - previous) / previous, 1) if previous else None
    return {"difference": difference, "percent": percent}


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _figures(meetings: dict[str, int], guests: dict[str, int]) -> dict[str, Any]:
    return {
        "meetings": meetings["meetings"], "hours": round(meetings["seconds"] / 3600, 1),
        "endpoint_connections": guests["connections"], "attendees": guests["attendees"],
        "invited": guests["invited"], "ready_on_time": guests["on_time"], "not_ready": guests["not_ready"],
        "attendance_rate": _ratio(guests["connections"], guests["invited"]),
        "readiness_on_time_rate": _ratio(guests["on_time"], guests["invited"]),
        "savings_vnd": meetings["savings_vnd"], "travel_km_avoided": meetings["travel_km"],
        "travel_hours_avoided": round(meetings["travel_minutes"] / 60, 1),
    }


MEETING_COLUMNS = ("meetings", "seconds", "savings_vnd", "travel_km", "travel_minutes")
GUEST_COLUMNS = ("invited", "connections", "on_time", "not_ready", "attendees")


def _as_ints(row: dict[str, Any] | None, names: tuple[str, ...]) -> dict[str, int]:
    return {name: int(round(float((row or {}).get(name) or 0))) for name in names}


def _monthly(scope: Scope) -> list[dict[str, Any]]:
    meetings = {row["bucket"]: row for row in queries.monthly_meetings(db.session, scope)}
    guests = {row["bucket"]: row for row in queries.monthly_participation(db.session, scope)}
    months = []
    for year, month in scope.months():
        bucket = year * 100 + month
        figures = _figures(_as_ints(meetings.get(bucket), MEETING_COLUMNS), _as_ints(guests.get(bucket), GUEST_COLUMNS))
        months.append({"year": year, "month": month, **figures})
    return months


def _total(months: list[dict[str, Any]]) -> dict[str, Any]:
    sums = {name: sum(m[name] for m in months) for name in ("meetings", "endpoint_connections", "attendees",
                                                              "invited", "ready_on_time", "not_ready", "savings_vnd",
                                                              "travel_km_avoided")}
    sums["hours"] = round(sum(m["hours"] for m in months), 1)
    sums["travel_hours_avoided"] = round(sum(m["travel_hours_avoided"] for m in months), 1)
    sums["attendance_rate"] = _ratio(sums["endpoint_connections"], sums["invited"])
    sums["readiness_on_time_rate"] = _ratio(sums["ready_on_time"], sums["invited"])
    return sums


def year_earlier(scope: Scope) -> Scope:
    def back(day: date) -> date:
        return day.replace(year=day.year - 1) if not (day.month == 2 and day.day == 29) else day - timedelta(days=366)

    return Scope(back(scope.start), back(scope.end), scope.organizer, scope.kind)


def _endpoint_name(endpoint: Endpoint, scope: Scope) -> str:
    """The name an endpoint carried at the end of the period (a merged one: its last own name)."""
    last_day = scope.end - timedelta(days=1)
    if endpoint.retired_on is not None and endpoint.successor_id is not None:
        last_day = min(last_day, endpoint.retired_on - timedelta(days=1))
    return endpoint.name_on(last_day)


def _province_on(endpoint: Endpoint, day: date) -> str:
    for former in endpoint.former_names:
        if day < former.valid_until:
            return former.province
    return endpoint.province


def _endpoints(scope: Scope) -> list[dict[str, Any]]:
    moves = queries.merges(db.session)
    rows = queries.by_endpoint(db.session, scope, moves)
    savings = queries.savings_by_endpoint(db.session, scope, moves)
    notes = queries.latest_not_ready_notes(db.session, scope, moves)
    ids = {row["endpoint_id"] for row in rows}
    endpoints = {e.id: e for e in db.session.scalars(
        select(Endpoint).where(Endpoint.id.in_(ids)).options(selectinload(Endpoint.former_names)))} if ids else {}
    result = []
    for row in rows:
        endpoint = endpoints[row["endpoint_id"]]
        guests = _as_ints(row, GUEST_COLUMNS)
        saving, km = savings.get(endpoint.id, (0, 0))
        note, noted_at = notes.get(endpoint.id, ("", None))
        name = _endpoint_name(endpoint, scope)
        result.append({
            "endpoint": endpoint.code, "name": name, "kind": endpoint.kind, "region": endpoint.region,
            "province": _province_on(endpoint, scope.end - timedelta(days=1)),
            "latitude": endpoint.latitude, "longitude": endpoint.longitude,
            "merged_into": endpoint.successor.code if endpoint.successor_id else None,
            "meetings": int(row["meetings"]), "invited": guests["invited"], "connections": guests["connections"],
            "attendees": guests["attendees"], "ready_on_time": guests["on_time"], "not_ready": guests["not_ready"],
            "attendance_rate": _ratio(guests["connections"], guests["invited"]),
            "readiness_on_time_rate": _ratio(guests["on_time"], guests["invited"]),
            "savings_vnd": saving, "travel_km_avoided": km,
            "last_not_ready_note": note, "last_not_ready_at": isoformat_local(noted_at),
        })
    return sorted(result, key=lambda r: (-r["connections"], r["name"]))


def _organizers(scope: Scope) -> list[dict[str, Any]]:
    return [{"organizer": row["organizer"] or "", "meetings": int(row["meetings"]),
             "hours": round(float(row["seconds"] or 0) / 3600, 1), "savings_vnd": int(row["savings_vnd"] or 0)}
            for row in queries.by_organizer(db.session, scope)]


def cut_at(scope: Scope, today: date | None) -> tuple[Scope, date | None]:
    """A period that runs past today ends with today, so that it is compared with the same dates a year earlier."""
    if today is None or not scope.start <= today < scope.end - timedelta(days=1):
        return scope, None
    return Scope(scope.start, today + timedelta(days=1), scope.organizer, scope.kind), today


def statistics(scope: Scope, *, details: bool = True, today: date | None = None) -> Statistics:
    """The figures of a scope beside those of the same dates a year earlier; with details, the breakdowns.

    With `today`, a period that has not ended yet counts up to today, and so does the year before."""
    scope, as_of = cut_at(scope, today)
    previous_scope = year_earlier(scope)
    months = _monthly(scope)
    result = Statistics(scope=scope, previous_scope=previous_scope, totals=_total(months),
                        previous=_total(_monthly(previous_scope)), by_month=months, as_of=as_of)
    if details:
        result.by_organizer = _organizers(scope)
        result.by_endpoint = _endpoints(scope)
    return result


def meeting_list(scope: Scope) -> list[dict[str, Any]]:
    return queries.meeting_list(db.session, scope)


def _parse_int(value: str | None, name: str, low: int, high: int, errors: dict[str, str]) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except ValueError:
        number = None
    if number is None or not low <= number <= high:
        errors[name] = _("Give a whole number from %(low)s to %(high)s.", low=low, high=high)
        return None
    return number


def _parse_day(value: str | None, name: str, errors: dict[str, str]) -> date | None:
    if not value:
        return None
    try:
        return parse_day(value)
    except OutsideWindow as error:
        errors[name] = str(error)
    except ValueError:
        errors[name] = _("Give a date as YYYY-MM-DD.")
    return None


def parse_scope(args: dict[str, str], *, today: date) -> Scope:
    """A scope from query arguments: year (default this year), quarter, or from/to days; organizer; kind.

    Raises ValidationError with the fields at fault."""
    errors: dict[str, str] = {}
    year = _parse_int(args.get("year"), "year", MIN_YEAR, today.year + 1, errors) or today.year
    quarter = _parse_int(args.get("quarter"), "quarter", 1, 4, errors)
    first, last = _parse_day(args.get("from"), "from", errors), _parse_day(args.get("to"), "to", errors)
    kind = args.get("kind") or None
    if kind is not None and kind not in KINDS:
        errors["kind"] = _("Unknown endpoint kind.")
    if first and last and last < first:
        errors["to"] = _("The end must not be before the start.")
    if errors:
        raise ValidationError(errors)
    if first or last:
        start, end = first or date(year, 1, 1), (last or date(year, 12, 31)) + timedelta(days=1)
    elif quarter:
        start = date(year, 3 * quarter - 2, 1)
        end = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    else:
        start, end = date(year, 1, 1), date(year + 1, 1, 1)
    return Scope(start, end, (args.get("organizer") or "").strip() or None, kind)
