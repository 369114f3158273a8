"""The audit log in words: one sentence per entry in the reader's language ("booker đăng nhập",
"op-thads-an-giang trả lời: Chưa sẵn sàng — Mất điện") instead of action codes and raw change dictionaries.

The auth package sits below the domains, so the names of endpoints and meetings are read by table name with
one statement each per page, and the status words reuse the domains' own message ids."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import column, select, table

from meetings.auth.models import AuditEntry
from meetings.extensions import db

# The kinds an administrator filters by: the first part of the action code.
KINDS = {
    "auth": _l("Sign-ins and access"), "user": _l("Users"), "token": _l("API tokens"), "meeting": _l("Meetings"),
    "readiness": _l("Readiness"), "attendance": _l("Attendance"), "endpoint": _l("Endpoints"),
    "group": _l("Groups of endpoints"), "govconf": _l("Government system"), "mail": _l("E-mail"),
    "savings": _l("Savings"), "mcu": _l("MCU"),
}

SENTENCES = {
    "auth.login": _l("%(actor)s signed in"),
    "auth.logout": _l("%(actor)s signed out"),
    "auth.login_failed": _l("Failed sign-in as %(target)s: %(reason)s"),
    "auth.denied": _l("%(actor)s was refused %(target)s"),
    "auth.end_sessions": _l("%(actor)s ended the sessions of %(target)s"),
    "user.create": _l("%(actor)s created the user %(target)s"),
    "user.update": _l("%(actor)s changed the user %(target)s"),
    "user.activate": _l("%(actor)s changed whether %(target)s may sign in"),
    "user.password_reset": _l("%(actor)s reset the password of %(target)s"),
    "user.password_change": _l("%(actor)s changed their password"),
    "token.create": _l("%(actor)s created an API token"),
    "token.revoke": _l("%(actor)s revoked an API token"),
    "meeting.create": _l("%(actor)s booked %(meeting)s"),
    "meeting.update": _l("%(actor)s changed %(meeting)s"),
    "meeting.cancel": _l("%(actor)s cancelled %(meeting)s"),
    "meeting.status": _l("%(meeting)s is now %(status)s"),
    "readiness.answer": _l("%(actor)s answered for %(endpoint)s: %(status)s"),
    "readiness.test": _l("%(actor)s recorded the test call of %(endpoint)s: %(status)s"),
    "readiness.probe_address": _l("%(actor)s set the probe address of %(target)s"),
    "attendance.record": _l("%(actor)s recorded the attendance of %(endpoint)s at %(meeting)s"),
    "attendance.cdr_import": _l("%(actor)s imported call records for %(meeting)s"),
    "endpoint.update": _l("%(actor)s changed the endpoint %(endpoint)s"),
    "endpoint.retire": _l("%(actor)s retired the endpoint %(endpoint)s"),
    "endpoint.reactivate": _l("%(actor)s put the endpoint %(endpoint)s back in service"),
    "endpoint.merge": _l("%(actor)s merged the endpoint %(endpoint)s"),
    "endpoint.province_merge": _l("%(actor)s applied the merger of provinces"),
    "endpoint.calendar_token": _l("%(actor)s renewed the calendar link of %(endpoint)s"),
    "group.create": _l("%(actor)s created the group %(target)s"),
    "group.update": _l("%(actor)s changed the group %(target)s"),
    "group.delete": _l("%(actor)s deleted the group %(target)s"),
    "govconf.accept": _l("%(actor)s accepted the government invitation %(target)s"),
    "govconf.decline": _l("%(actor)s declined the government invitation %(target)s"),
    "govconf.retry": _l("%(actor)s sent a message to the government system again"),
    "govconf.abandon": _l("%(actor)s gave up a message to the government system"),
    "govconf.resume": _l("%(actor)s resumed deliveries to the government system"),
    "mail.send_again": _l("%(actor)s sent an e-mail again"),
    "savings.store": _l("Savings of %(meeting)s were recorded"),
    "savings.recompute": _l("%(actor)s recomputed the savings of %(meeting)s"),
}

REASONS = {"bad_credentials": _l("wrong username or password"), "inactive": _l("the account is disabled"),
           "locked": _l("too many attempts")}


def _status_word(value: Any) -> str:
    words = {"ready": _("Ready"), "not_ready": _("Not ready"), "pending": _("Not answered"),
             "test_ok": _("Test passed"), "test_failed": _("Test failed"), "scheduled": _("Scheduled"),
             "in_progress": _("In progress"), "completed": _("Held"), "cancelled": _("Cancelled")}
    return words.get(str(value), str(value or "—"))


def _endpoint_code(entry: AuditEntry) -> str:
    changes = entry.changes or {}
    if isinstance(changes.get("endpoint"), str):
        return changes["endpoint"]
    if entry.action.startswith("attendance.record"):
        return entry.summary
    if entry.target_type == "endpoint":
        return entry.target_id
    return ""


def names_for(entries: Iterable[AuditEntry]) -> tuple[dict[str, str], dict[str, str]]:
    """Endpoint names by code and meeting titles by id for the entries of a page: two statements at most."""
    entries = list(entries)
    codes = {code for code in (_endpoint_code(entry) for entry in entries) if code}
    ids = {int(entry.target_id) for entry in entries if entry.target_type == "meeting" and entry.target_id.isdigit()}
    endpoints: dict[str, str] = {}
    meetings: dict[str, str] = {}
    if codes:
        t = table("endpoints", column("code"), column("name"))
        endpoints = dict(db.session.execute(select(t.c.code, t.c.name).where(t.c.code.in_(codes))).all())
    if ids:
        t = table("meetings", column("id"), column("title"))
        meetings = {str(key): value for key, value in
                    db.session.execute(select(t.c.id, t.c.title).where(t.c.id.in_(ids))).all()}
    return endpoints, meetings


def sentence(entry: AuditEntry, endpoints: dict[str, str], meetings: dict[str, str]) -> str:
    """One entry as a sentence in the reader's language."""
    changes = entry.changes or {}
    actor = entry.actor_name or _("the system")
    if actor.startswith("link:"):
        actor = _("the endpoint's contact (by link)")
    code = _endpoint_code(entry)
    status = ""
    for key in ("readiness", "test", "status"):
        value = changes.get(key)
        if isinstance(value, list) and len(value) == 2:
            status = _status_word(value[1])
            break
    template = SENTENCES.get(entry.action)
    if entry.action == "readiness.answer" and not changes.get("on_behalf") and not entry.actor_name.startswith("link:"):
        template = _l("%(actor)s answered: %(status)s")
    values = {"actor": actor, "target": entry.target_id or entry.summary,
              "endpoint": endpoints.get(code, code) or "—",
              "meeting": f"“{meetings.get(entry.target_id, entry.summary or f'#{entry.target_id}')}”",
              "status": status, "reason": str(REASONS.get(str(changes.get("reason")), changes.get("reason") or ""))}
    if template is None:
        return f"{actor}: {entry.action} {entry.target_id}".strip()
    text = str(template) % values
    note = changes.get("note")
    if entry.action == "meeting.cancel" and entry.summary:
        note = entry.summary
    if note:
        text += f" — {note}"
    if changes.get("on_behalf"):
        text += f" ({_('on its behalf')})"
    return text


def details(entry: AuditEntry) -> list[tuple[str, str]]:
    """What changed, for the edits whose sentence does not say it: (field, "old → new") without empty noise."""
    if entry.action.startswith(("readiness.", "auth.", "meeting.create", "meeting.status", "meeting.cancel")):
        return []
    rows = []
    for key, value in (entry.changes or {}).items():
        if value is None or value == "" or isinstance(value, bool) and not value:
            continue
        if isinstance(value, list) and len(value) == 2:
            rows.append((key, f"{value[0] if value[0] not in (None, '') else '—'} → {value[1]}"))
        else:
            rows.append((key, str(value)))
    return rows


def parse_day(value: str | None) -> date | None:
    try:
        return datetime.strptime(value or "", "%Y-%m-%d").date()
    except ValueError:
        return None
