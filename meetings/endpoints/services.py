"""The endpoint registry: search, corrections, retirement, merging, and groups."""
from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, and_, delete, func, insert, or_, select
from sqlalchemy.orm import selectinload

from meetings.auth import audit
from meetings.auth.models import User
from meetings.core.text import fold
from meetings.endpoints.models import Endpoint, EndpointGroup, EndpointName, group_members
from meetings.errors import NotFound, ValidationError
from meetings.extensions import db

EDITABLE_FIELDS = (
    "name", "province", "city", "distance_km", "contact_name", "contact_email", "contact_phone",
    "dial_string", "seats", "notes", "latitude", "longitude",
)


@dataclass(frozen=True)
class EndpointFilter:
    query: str = ""
    kind: str = ""
    region: str = ""
    group: str = ""
    active: bool | None = True


def get_endpoint(code: str) -> Endpoint:
    endpoint = db.session.scalar(select(Endpoint).where(Endpoint.code == code))
    if endpoint is None:
        raise NotFound(_("No endpoint with code %(code)s.", code=code))
    return endpoint


def get_group(name: str) -> EndpointGroup:
    group = db.session.scalar(select(EndpointGroup).where(EndpointGroup.name == name))
    if group is None:
        raise NotFound(_("No group named %(name)s.", name=name))
    return group


def _group_condition(group: EndpointGroup):
    if group.is_system:
        conditions = []
        if group.rule_kind:
            conditions.append(Endpoint.kind == group.rule_kind)
        if group.rule_region:
            conditions.append(Endpoint.region == group.rule_region)
        return conditions
    members = select(group_members.c.endpoint_id).where(group_members.c.group_id == group.id)
    return [Endpoint.id.in_(members)]


def search_endpoints(criteria: EndpointFilter) -> list[Endpoint]:
    """Endpoints matching the filter in Vietnamese order (province, then name); the search ignores diacritics."""
    statement = select(Endpoint).options(selectinload(Endpoint.former_names))
    if criteria.active is not None:
        statement = statement.where(Endpoint.is_active.is_(criteria.active))
    if criteria.kind:
        statement = statement.where(Endpoint.kind == criteria.kind)
    if criteria.region:
        statement = statement.where(Endpoint.region == criteria.region)
    if criteria.group:
        statement = statement.where(*_group_condition(get_group(criteria.group)))
    endpoints = list(db.session.scalars(statement.order_by(Endpoint.sort_key, Endpoint.code)))
    if criteria.query:
        # Diacritic-insensitive matching is done here: SQLite and PostgreSQL disagree on unaccent.
        needle = fold(criteria.query.strip())
        endpoints = [e for e in endpoints if needle in _haystack(e)]
    return endpoints


def host_first(endpoints: list[Endpoint], host_code: str) -> list[Endpoint]:
    """The same list with the host moved to the front: the one order of every list of a meeting's endpoints."""
    return [e for e in endpoints if e.code == host_code] + [e for e in endpoints if e.code != host_code]


def registry_version() -> tuple:
    """What changes whenever an endpoint or a former name is added, changed or removed; one indexed statement.

    Read from the database (never from a worker's memory), so that every worker agrees on it."""
    return tuple(db.session.execute(_registry_version_statement()).one())


@functools.cache
def _registry_version_statement() -> Select:
    """registry_version's statement, built once per worker."""
    def latest(column):
        return select(column).scalar_subquery()

    return select(
        latest(func.count(Endpoint.id)), latest(func.max(Endpoint.updated_at)), latest(func.max(Endpoint.id)),
        latest(func.count(EndpointName.id)), latest(func.max(EndpointName.id)),
    )


def _haystack(endpoint: Endpoint) -> str:
    former = " ".join(f"{n.name} {n.province}" for n in endpoint.former_names)
    return fold(f"{endpoint.code} {endpoint.name} {endpoint.province} {endpoint.city} {former}")


def group_members_of(group: EndpointGroup) -> list[Endpoint]:
    """The group's active members now (what a booking by group expands to)."""
    statement = select(Endpoint).where(Endpoint.is_active.is_(True), *_group_condition(group))
    return list(db.session.scalars(statement.order_by(Endpoint.sort_key, Endpoint.code)))


def members_of_groups(groups: Iterable[EndpointGroup]) -> list[Endpoint]:
    """The active members of any of these groups, in one query whatever the number of groups."""
    conditions = [and_(*_group_condition(group)) for group in groups]
    if not conditions:
        return []
    statement = select(Endpoint).where(Endpoint.is_active.is_(True), or_(*conditions))
    return list(db.session.scalars(statement.order_by(Endpoint.sort_key, Endpoint.code)))


def groups_with_members() -> list[tuple[EndpointGroup, list[str]]]:
    """Every group with the codes of its active members, in two queries whatever the count."""
    groups = list(db.session.scalars(select(EndpointGroup).order_by(EndpointGroup.is_system.desc(),
                                                                    EndpointGroup.name)))
    active = list(db.session.execute(select(Endpoint.id, Endpoint.code, Endpoint.kind, Endpoint.region)
                                     .where(Endpoint.is_active.is_(True)).order_by(Endpoint.code)))
    explicit: dict[int, set[int]] = {}
    for group_id, endpoint_id in db.session.execute(select(group_members.c.group_id, group_members.c.endpoint_id)):
        explicit.setdefault(group_id, set()).add(endpoint_id)
    result = []
    for group in groups:
        if group.is_system:
            codes = [row.code for row in active
                     if (not group.rule_kind or row.kind == group.rule_kind)
                     and (not group.rule_region or row.region == group.rule_region)]
        else:
            ids = explicit.get(group.id, set())
            codes = [row.code for row in active if row.id in ids]
        result.append((group, codes))
    return result


def counts_by_kind() -> dict[str, int]:
    rows = db.session.execute(select(Endpoint.kind, func.count()).where(Endpoint.is_active.is_(True))
                              .group_by(Endpoint.kind))
    return {kind: count for kind, count in rows}


def _snapshot(endpoint: Endpoint) -> dict[str, Any]:
    return {field: getattr(endpoint, field) for field in EDITABLE_FIELDS}


def _validate_endpoint_values(values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    cleaned = dict(values)
    if "name" in values and not str(values["name"]).strip():
        errors["name"] = _("The name is required.")
    for field in ("distance_km", "seats"):
        if field in values:
            try:
                cleaned[field] = int(values[field])
                if cleaned[field] < 0 or cleaned[field] > 100000:
                    raise ValueError
            except (TypeError, ValueError):
                errors[field] = _("Enter a whole number from 0 to 100000.")
    for field, low, high in (("latitude", 8.0, 24.0), ("longitude", 102.0, 118.0)):
        if field not in values:  # a correction of other facts keeps the coordinates
            continue
        value = values[field]
        if value in (None, ""):
            cleaned[field] = None
            continue
        try:
            cleaned[field] = float(value)
            if not low <= cleaned[field] <= high:
                raise ValueError
        except (TypeError, ValueError):
            errors[field] = _("Enter a value between %(low)s and %(high)s.", low=low, high=high)
    email = str(values.get("contact_email") or "").strip()
    if email and ("@" not in email or " " in email):
        errors["contact_email"] = _("Enter a valid e-mail address.")
    if errors:
        raise ValidationError(errors)
    for field in ("name", "province", "city", "contact_name", "contact_email", "contact_phone", "dial_string", "notes"):
        if field in cleaned and cleaned[field] is not None:
            cleaned[field] = str(cleaned[field]).strip()
    return cleaned


def update_endpoint(endpoint: Endpoint, values: dict[str, Any], *, actor: User,
                    name_changed_on: date | None = None) -> Endpoint:
    """Correct an endpoint's facts. A new name keeps the old one for meetings before `name_changed_on`."""
    cleaned = _validate_endpoint_values({k: v for k, v in values.items() if k in EDITABLE_FIELDS})
    before = _snapshot(endpoint)
    if "name" in cleaned and cleaned["name"] != endpoint.name and name_changed_on is not None:
        endpoint.former_names.append(EndpointName(name=endpoint.name, province=endpoint.province,
                                                  valid_until=name_changed_on))
    for field, value in cleaned.items():
        setattr(endpoint, field, value)
    changes = audit.diff(before, _snapshot(endpoint))
    if changes:
        audit.record("endpoint.update", actor=actor, target_type="endpoint", target_id=endpoint.code,
                     changes=changes)
    return endpoint


def _leave_custom_groups(endpoint: Endpoint, successor: Endpoint | None) -> None:
    group_ids = list(db.session.scalars(select(group_members.c.group_id)
                                        .where(group_members.c.endpoint_id == endpoint.id)))
    db.session.execute(delete(group_members).where(group_members.c.endpoint_id == endpoint.id))
    if successor is None or not group_ids:
        return
    already = set(db.session.scalars(select(group_members.c.group_id)
                                     .where(group_members.c.endpoint_id == successor.id)))
    missing = [gid for gid in group_ids if gid not in already]
    if missing:
        db.session.execute(insert(group_members), [{"group_id": gid, "endpoint_id": successor.id} for gid in missing])


def retire_endpoint(endpoint: Endpoint, *, on: date, actor: User, reason: str = "") -> Endpoint:
    """Take an endpoint out of service: it stays for history but leaves groups and new bookings."""
    if not endpoint.is_active:
        raise ValidationError({"endpoint": _("This endpoint is already retired.")})
    if endpoint.kind == "hq":
        raise ValidationError({"endpoint": _("The headquarters main room cannot be retired.")})
    endpoint.is_active = False
    endpoint.retired_on = on
    _leave_custom_groups(endpoint, None)
    audit.record("endpoint.retire", actor=actor, target_type="endpoint", target_id=endpoint.code,
                 summary=reason, changes={"retired_on": on.isoformat()})
    return endpoint


def reactivate_endpoint(endpoint: Endpoint, *, actor: User) -> Endpoint:
    if endpoint.is_active:
        return endpoint
    if endpoint.successor_id is not None:
        raise ValidationError({"endpoint": _("A merged endpoint cannot be reactivated; its successor carries on.")})
    endpoint.is_active, endpoint.retired_on = True, None
    audit.record("endpoint.reactivate", actor=actor, target_type="endpoint", target_id=endpoint.code)
    return endpoint


def merge_endpoint(endpoint: Endpoint, successor: Endpoint, *, on: date, actor: User,
                   reason: str = "") -> Endpoint:
    """Merge an endpoint into its successor from a date; the old one keeps its name and history."""
    if endpoint.id == successor.id:
        raise ValidationError({"successor": _("An endpoint cannot be merged into itself.")})
    if not successor.is_active:
        raise ValidationError({"successor": _("The successor must be an active endpoint.")})
    if not endpoint.is_active:
        raise ValidationError({"endpoint": _("This endpoint is already retired or merged.")})
    if endpoint.kind == "hq":
        raise ValidationError({"endpoint": _("The headquarters main room cannot be merged.")})
    endpoint.is_active = False
    endpoint.retired_on = on
    endpoint.successor = successor
    _leave_custom_groups(endpoint, successor)
    audit.record("endpoint.merge", actor=actor, target_type="endpoint", target_id=endpoint.code,
                 summary=reason, changes={"successor": successor.code, "merged_on": on.isoformat()})
    return endpoint


def create_group(*, name: str, label_vi: str, label_en: str = "", description: str = "",
                 member_codes: Iterable[str] = (), actor: User) -> EndpointGroup:
    errors: dict[str, str] = {}
    name = name.strip().lower()
    if not name or len(name) > 64 or not all(ch.isalnum() or ch in "-_" for ch in name) or not name.isascii():
        errors["name"] = _("Use 1 to 64 lower-case ASCII letters, digits, dashes or underscores.")
    elif db.session.scalar(select(EndpointGroup.id).where(EndpointGroup.name == name)):
        errors["name"] = _("A group with this name already exists.")
    if not label_vi.strip():
        errors["label_vi"] = _("The Vietnamese label is required.")
    if errors:
        raise ValidationError(errors)
    group = EndpointGroup(name=name, label_vi=label_vi.strip(), label_en=label_en.strip(),
                          description=description.strip())
    group.members = _active_endpoints_by_code(member_codes)
    db.session.add(group)
    db.session.flush()
    audit.record("group.create", actor=actor, target_type="group", target_id=name,
                 changes={"members": sorted(e.code for e in group.members)})
    return group


def update_group(group: EndpointGroup, *, label_vi: str, label_en: str, description: str,
                 member_codes: Iterable[str], actor: User) -> EndpointGroup:
    if not label_vi.strip():
        raise ValidationError({"label_vi": _("The Vietnamese label is required.")})
    before = {"label_vi": group.label_vi, "label_en": group.label_en, "description": group.description,
              "members": sorted(e.code for e in group.members)}
    group.label_vi, group.label_en, group.description = label_vi.strip(), label_en.strip(), description.strip()
    if not group.is_system:
        group.members = _active_endpoints_by_code(member_codes)
    after = {"label_vi": group.label_vi, "label_en": group.label_en, "description": group.description,
             "members": sorted(e.code for e in group.members)}
    changes = audit.diff(before, after)
    if changes:
        audit.record("group.update", actor=actor, target_type="group", target_id=group.name, changes=changes)
    return group


def delete_group(group: EndpointGroup, *, actor: User) -> None:
    if group.is_system:
        raise ValidationError({"group": _("System groups cannot be deleted.")})
    audit.record("group.delete", actor=actor, target_type="group", target_id=group.name,
                 changes={"members": sorted(e.code for e in group.members)})
    db.session.delete(group)


def _active_endpoints_by_code(codes: Iterable[str]) -> list[Endpoint]:
    wanted = sorted({code.strip() for code in codes if code and code.strip()})
    if not wanted:
        return []
    found = list(db.session.scalars(select(Endpoint).where(Endpoint.code.in_(wanted))))
    known = {e.code: e for e in found}
    unknown = [code for code in wanted if code not in known]
    inactive = [code for code in wanted if code in known and not known[code].is_active]
    if unknown:
        raise ValidationError({"members": _("Unknown endpoint codes: %(codes)s", codes=", ".join(unknown))})
    if inactive:
        raise ValidationError({"members": _("Retired or merged endpoints: %(codes)s", codes=", ".join(inactive))})
    return [known[code] for code in wanted]



def rotate_calendar_token(endpoint: Endpoint, *, actor: User) -> str:
    """Give the endpoint's calendar feed a new secret address; the old one stops working."""
    import secrets

    endpoint.calendar_token = secrets.token_urlsafe(24)
    audit.record("endpoint.calendar_token", actor=actor, target_type="endpoint", target_id=endpoint.code)
    return endpoint.calendar_token
