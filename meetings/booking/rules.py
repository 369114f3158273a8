"""The booking rules: which endpoints a booking means, conflicts, MCU capacity, recurrence."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from meetings.booking.conflicts import PortUse, busy_range, overlaps, peak_ports
from meetings.booking.models import HOLDING_STATUSES, Meeting, Participant
from meetings.booking.recurrence import RecurrenceError, expand
from meetings.booking.validation import MINISTRY_ZONE, MeetingValues
from meetings.core.formatting import isoformat_local
from meetings.core.sql import among
from meetings.endpoints.models import Endpoint, EndpointGroup
from meetings.endpoints.services import members_of_groups
from meetings.errors import ConflictError, ValidationError
from meetings.extensions import db

Occurrence = tuple[datetime, datetime]


def setup_buffer() -> timedelta:
    return timedelta(minutes=current_app.config["SETUP_MINUTES"])


# ---- choosing endpoints -----------------------------------------------------------------------

def resolve_host(code: str | None) -> Endpoint:
    code = code or current_app.config["DEFAULT_HOST"]
    host = db.session.scalar(select(Endpoint).where(Endpoint.code == code))
    if host is None or not host.is_active:
        raise ValidationError({"host": _("Unknown or retired endpoint: %(code)s", code=code)})
    return host


def resolve_endpoints(codes: list[str], group_names: list[str], host: Endpoint) -> list[Endpoint]:
    """The host first, then every named endpoint and every active member of the named groups."""
    errors: dict[str, str] = {}
    chosen: dict[int, Endpoint] = {host.id: host}
    if group_names:
        groups = {
            g.name: g for g in db.session.scalars(select(EndpointGroup).where(EndpointGroup.name.in_(group_names)))
        }
        unknown = [name for name in group_names if name not in groups]
        if unknown:
            errors["groups"] = _("Unknown groups: %(names)s", names=", ".join(unknown))
        chosen.update((e.id, e) for e in members_of_groups(groups.values()))
    if codes:
        found = {e.code: e for e in db.session.scalars(select(Endpoint).where(among(Endpoint.code, set(codes))))}
        unknown = [code for code in codes if code not in found]
        retired = [code for code in codes if code in found and not found[code].is_active]
        if unknown:
            errors["endpoints"] = _("Unknown endpoint codes: %(codes)s", codes=", ".join(unknown))
        elif retired:
            errors["endpoints"] = _(
                "Retired or merged endpoints cannot be invited: %(codes)s", codes=", ".join(retired)
            )
        chosen.update((e.id, e) for e in found.values() if e.is_active)
    if len(chosen) < 2 and not errors:
        errors["endpoints"] = _("Choose at least one endpoint besides the host.")
    if errors:
        raise ValidationError(errors)
    return list(chosen.values())


# ---- the rules --------------------------------------------------------------------------------


def find_conflicts(
    endpoint_ids: list[int], occurrences: list[Occurrence], exclude_meeting_ids: set[int] = frozenset()
) -> list[dict]:
    """Every hold of these endpoints that overlaps an occurrence (one query, whatever the count)."""
    if not endpoint_ids or not occurrences:
        return []
    setup = setup_buffer()
    ranges = [busy_range(start, end, setup) for start, end in occurrences]
    low, high = min(r[0] for r in ranges), max(r[1] for r in ranges)
    rows = db.session.execute(
        select(
            Participant.busy_from,
            Participant.busy_until,
            Endpoint.code,
            Endpoint.name,
            Meeting.id,
            Meeting.title,
            Meeting.start_at,
            Meeting.end_at,
        )
        .join(Meeting, Participant.meeting_id == Meeting.id)
        .join(Endpoint, Participant.endpoint_id == Endpoint.id)
        .where(
            among(Participant.endpoint_id, endpoint_ids),
            Participant.holds_slot.is_(True),
            Participant.busy_from < high,
            Participant.busy_until > low,
            Meeting.id.not_in(exclude_meeting_ids) if exclude_meeting_ids else True,
        )
        .order_by(Meeting.start_at, Endpoint.code)
    ).all()
    conflicts = []
    for row in rows:
        for start, end in ranges:
            if overlaps(start, end, row.busy_from, row.busy_until):
                conflicts.append(
                    {
                        "endpoint": row.code,
                        "endpoint_name": row.name,
                        "meeting": row.id,
                        "title": row.title,
                        "start": isoformat_local(row.start_at),
                        "end": isoformat_local(row.end_at),
                        "occurrence_start": isoformat_local(start),
                    }
                )
                break
    return conflicts


def find_capacity_problems(
    occurrences: list[Occurrence], ports: int, exclude_meeting_ids: set[int] = frozenset()
) -> list[dict]:
    """Occurrences during which the MCU would need more ports than it has."""
    limit = current_app.config["MCU_PORTS"]
    if ports > limit:
        return [
            {"start": isoformat_local(start), "end": isoformat_local(end), "ports_needed": ports, "ports": limit}
            for start, end in occurrences
        ]
    low, high = min(s for s, _ in occurrences), max(e for _, e in occurrences)
    rows = db.session.execute(
        select(Meeting.start_at, Meeting.end_at, func.count(Participant.id))
        .join(Participant, Participant.meeting_id == Meeting.id)
        .where(
            Meeting.status.in_(HOLDING_STATUSES),
            Meeting.start_at < high,
            Meeting.end_at > low,
            Meeting.id.not_in(exclude_meeting_ids) if exclude_meeting_ids else True,
        )
        .group_by(Meeting.id, Meeting.start_at, Meeting.end_at)
    ).all()
    problems = []
    for start, end in occurrences:
        uses = [PortUse(s, e, n) for s, e, n in rows if overlaps(start, end, s, e)]
        peak = peak_ports(uses + [PortUse(start, end, ports)])
        if peak > limit:
            problems.append(
                {"start": isoformat_local(start), "end": isoformat_local(end), "ports_needed": peak, "ports": limit}
            )
    return problems


def occurrences_of(values: MeetingValues, start: datetime, end: datetime) -> list[Occurrence]:
    if not values.recurrence:
        return [(start, end)]
    try:
        starts = expand(values.recurrence, start, zone=MINISTRY_ZONE, maximum=current_app.config["MAX_OCCURRENCES"])
    except RecurrenceError as error:
        raise ValidationError({"recurrence": recurrence_message(error)}) from error
    return [(s, s + (end - start)) for s in starts]


def recurrence_message(error: RecurrenceError) -> str:
    messages = {
        "frequency": _("Only weekly (FREQ=WEEKLY) and monthly (FREQ=MONTHLY) series are possible."),
        "no_end": _("A series needs an end: COUNT (number of meetings) or UNTIL (last date)."),
        "count_and_until": _("Give COUNT or UNTIL, not both."),
        "too_many": _("A series may have at most %(n)d meetings.", n=error.values.get("maximum", 0)),
        "unsupported_part": _(
            "These parts of the rule are not supported: %(parts)s", parts=error.values.get("parts", "")
        ),
        "empty": _("This rule gives no meeting at all."),
    }
    return messages.get(error.reason, _("The repetition rule (RRULE) is not valid."))


def refuse_if_taken(endpoints: list[Endpoint], occurrences: list[Occurrence], exclude: set[int]) -> None:
    conflicts = find_conflicts([e.id for e in endpoints], occurrences, exclude)
    if conflicts:
        raise ConflictError(_("Some endpoints are already booked at that time."), conflicts=conflicts)
    problems = find_capacity_problems(occurrences, len(endpoints), exclude)
    if problems:
        raise ConflictError(_("The MCU does not have enough ports at that time."), conflicts=problems, code="capacity")


def check_booking(values: MeetingValues, *, exclude_meeting_id: int | None = None) -> dict:
    """What booking these values would meet, without booking: conflicts, capacity, participants."""
    host = resolve_host(values.host)
    endpoints = resolve_endpoints(values.endpoints or [], values.groups or [], host)
    occurrences = occurrences_of(values, values.start, values.end)
    exclude = {exclude_meeting_id} if exclude_meeting_id else set()
    conflicts = find_conflicts([e.id for e in endpoints], occurrences, exclude)
    capacity = find_capacity_problems(occurrences, len(endpoints), exclude)
    return {
        "ok": not conflicts and not capacity,
        "participants": len(endpoints),
        "occurrences": len(occurrences),
        "conflicts": conflicts,
        "capacity": capacity,
    }
