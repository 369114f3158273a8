"""JSON route for a meeting's savings, as DESIGN.md §4 names its fields."""
from __future__ import annotations

from typing import Any

from flask import jsonify
from flask_login import current_user

from meetings.attendance.models import AttendanceStatus
from meetings.auth.access import authenticated
from meetings.booking import queries
from meetings.booking.models import Meeting
from meetings.booking.services import get_meeting
from meetings.core.api import bp
from meetings.core.formatting import isoformat_local
from meetings.savings import services


def _hours(minutes_or_seconds: int, per_hour: int) -> float:
    return round(minutes_or_seconds / per_hour, 1)


def line_json(line: services.Line) -> dict[str, Any]:
    item = line.item
    return {
        "endpoint": item.endpoint, "name": line.name, "attendance": item.status, "counted": item.counted,
        "attendees": item.attendees, "attendees_source": line.attendees_source, "distance_km": item.distance_km,
        "mode": item.mode, "basis": item.basis, "fare_one_way_vnd": item.fare_one_way_vnd,
        "fare_band_from_km": item.band_from_km, "days": item.days, "nights": item.nights, "same_day": item.same_day,
        "travel_vnd": item.travel_vnd, "per_diem_vnd": item.per_diem_vnd, "lodging_vnd": item.lodging_vnd,
        "vc_hours": round(item.vc_seconds / 3600, 2), "vc_cost_vnd": item.vc_cost_vnd, "saving_vnd": item.saving_vnd,
        "travel_km": item.travel_km, "travel_hours": _hours(item.travel_minutes, 60),
    }


def savings_json(meeting: Meeting, report: services.Report, shown: frozenset[int] | None = None) -> dict[str, Any]:
    return {
        "meeting": meeting.id, "status": "stored" if report.stored else "estimate", "reason": report.reason,
        "computed_at": isoformat_local(report.computed_at), "computed_by": report.computed_by,
        "host": meeting.host.code, "total_vnd": report.total_vnd, "travel_km_avoided": report.travel_km,
        "travel_hours_avoided": _hours(report.travel_minutes, 60),
        "rates_effective_from": report.rates.effective_from.isoformat(), "rate_version": report.rates.version,
        "rates": report.rates.to_dict(),
        "counts": {**{status: report.count(status) for status in AttendanceStatus}, "not_recorded": report.count(None)},
        "items": [line_json(line) for line in services.shown_lines(meeting, report, shown)],
    }


@bp.get("/meetings/<int:meeting_id>/savings")
@authenticated
def get_savings(meeting_id: int):
    meeting = get_meeting(meeting_id)
    shown = queries.endpoints_shown_to(meeting, current_user)
    return jsonify(savings_json(meeting, services.report(meeting), shown))
