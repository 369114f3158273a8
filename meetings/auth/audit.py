"""Writing and reading the audit log."""
from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from flask import has_request_context, request
from sqlalchemy import Insert, bindparam, insert, select

from meetings.auth.models import AuditEntry, User
from meetings.database import utcnow
from meetings.extensions import db


def _client_ip() -> str:
    # Audit rows written from the scheduler or the CLI have no client address.
    return (request.remote_addr or "") if has_request_context() else ""


def record(
    action: str,
    *,
    actor: User | None,
    target_type: str = "",
    target_id: Any = "",
    summary: str = "",
    changes: dict[str, Any] | None = None,
    actor_name: str | None = None,
) -> AuditEntry:
    """Add an audit entry to the current transaction."""
    entry = AuditEntry(**entry_values(action, actor=actor, target_type=target_type, target_id=target_id,
                                      summary=summary, changes=changes, actor_name=actor_name))
    db.session.add(entry)
    return entry


def entry_values(action: str, *, actor: User | None, target_type: str = "", target_id: Any = "", summary: str = "",
                 changes: dict[str, Any] | None = None, actor_name: str | None = None) -> dict[str, Any]:
    """The columns of an audit entry (see record), for a writer that inserts it with Core (insert_statement)."""
    return {
        "at": utcnow(),
        "actor_id": actor.id if actor is not None and actor.id else None,
        "actor_name": actor_name if actor_name is not None else (actor.username if actor is not None else "system"),
        "action": action,
        "target_type": target_type,
        "target_id": str(target_id),
        "summary": summary[:500],
        "changes": changes or {},
        "ip_address": _client_ip(),
    }


INSERT_PREFIX = "audit_"
ENTRY_COLUMNS = ("at", "actor_id", "actor_name", "action", "target_type", "target_id", "summary", "changes",
                 "ip_address")  # the keys of entry_values


@functools.cache
def insert_statement() -> Insert:
    """An INSERT of one audit entry whose values are the parameters `audit_<column>` (insert_parameters)."""
    columns = AuditEntry.__table__.c
    return insert(AuditEntry.__table__).values(
        {name: bindparam(INSERT_PREFIX + name, type_=columns[name].type) for name in ENTRY_COLUMNS})


def insert_parameters(values: dict[str, Any]) -> dict[str, Any]:
    """entry_values as the parameters of insert_statement."""
    return {INSERT_PREFIX + name: value for name, value in values.items()}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list]:
    """{field: [old, new]} for the fields whose value changed."""
    return {key: [before.get(key), value] for key, value in after.items() if before.get(key) != value}


def recent_entries(*, action: str | None = None, actor: str | None = None, target: str | None = None,
                   kind: str | None = None, start: datetime | None = None, end: datetime | None = None,
                   page: int = 1, per_page: int = 50):
    """The log newest first, by action prefix, person, target, kind (the action's first part) and period."""
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if action:
        query = query.where(AuditEntry.action.like(f"{action}%"))
    if kind:
        query = query.where(AuditEntry.action.like(f"{kind}.%"))
    if start:
        query = query.where(AuditEntry.at >= start)
    if end:
        query = query.where(AuditEntry.at < end)
    if actor:
        query = query.where(AuditEntry.actor_name == actor)
    if target:
        query = query.where(AuditEntry.target_id == target)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def actor_names() -> list[str]:
    """Everyone who appears in the log, for the person filter."""
    return list(db.session.scalars(select(AuditEntry.actor_name).distinct().order_by(AuditEntry.actor_name)))


def history_of(target_type: str, target_id: Any, *, limit: int = 30) -> list[AuditEntry]:
    """What happened to one thing (a meeting's history), newest first."""
    return list(db.session.scalars(
        select(AuditEntry).where(AuditEntry.target_type == target_type, AuditEntry.target_id == str(target_id))
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)))
