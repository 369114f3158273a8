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

from meetings.auth import audit_details
from meetings.auth.models import AuditEntry
from meetings.extensions import db

SYSTEM = "system"  # the actor name of what no person did (meetings.auth.audit.record)

# The kinds an administrator filters by: the first part of the action code.
KINDS = {
    "auth": _l("Sign-ins and access"), "user": _l("Users"), "token": _l("API tokens"), "meeting": _l("Meetings"),
    "readiness": _l("Readiness"), "attendance": _l("Attendance"), "endpoint": _l("Endpoints"),
    "group": _l("Groups of endpoints"), "govconf": _l("Government system"), "mail": _l("E-mail"),
    "savings": _l("Savings"), "rates": _l("Cost rates"), "mcu": _l("MCU"),
}

SENTENCES = {
    "auth.login": _l("%(actor)s signed in"),
    "auth.logout": _l("%(actor)s signed out"),
    "auth.login_failed": _l("Failed sign-in as %(target)s: %(reason)s"),
    "auth.denied": _l("%(actor)s was refused %(target)s"),
    "auth.end_sessions": _l("%(actor)s ended the sessions of %(target)s"),
    "user.create": _l("%(actor)s created the user %(target)s"),
    "user.update": _l("%(actor)s changed the user %(target)s"),
    "user.activate": _l("%(actor)s let %(target)s sign in again"),
    "user.deactivate": _l("%(actor)s deactivated the user %(target)s"),
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
    "rates.create": _l("%(actor)s added the cost rates in force from %(day)s"),
    "rates.update": _l("%(actor)s changed the cost rates in force from %(day)s"),
    "rates.delete": _l("%(actor)s deleted the cost rates in force from %(day)s"),
    "mcu.connect_all": _l("%(actor)s connected every endpoint of %(meeting)s"),
    "mcu.dial": _l("%(actor)s called %(endpoint)s into %(meeting)s"),
    "mcu.hang_up": _l("%(actor)s hung up %(endpoint)s in %(meeting)s"),
    "mcu.end_call": _l("%(actor)s ended the call of %(meeting)s"),
    "mcu.mode": _l("%(actor)s set the connection of %(meeting)s to %(mode)s"),
    "mcu.exclude": _l("%(actor)s left %(endpoint)s out of the call of %(meeting)s"),
    "mcu.include": _l("%(actor)s put %(endpoint)s back in the call of %(meeting)s"),
    "mcu.cdr_reprocess": _l("%(actor)s had the failed batches of call records processed again"),
}
# The MCU's actions that name an endpoint carry its code as their summary.
MCU_ENDPOINT_ACTIONS = ("mcu.dial", "mcu.hang_up", "mcu.exclude", "mcu.include")
MODES = {"automatic": _l("automatic"), "manual": _l("manual")}

REASONS = {"bad_credentials": _l("wrong username or password"), "inactive": _l("the account is disabled"),
           "locked": _l("too many attempts")}


def _status_word(value: Any) -> str:
    words = {"ready": _("Ready"), "not_ready": _("Not ready"), "pending": _("Not answered"),
             "test_ok": _("Test passed"), "test_failed": _("Test failed"), "scheduled": _("Scheduled"),
             "in_progress": _("In progress"), "completed": _("Held"), "cancelled": _("Cancelled"),
             "draft": _("Draft")}
    return words.get(str(value), str(value or "—"))


def _endpoint_code(entry: AuditEntry) -> str:
    changes = entry.changes or {}
    if isinstance(changes.get("endpoint"), str):
        return changes["endpoint"]
    if entry.action.startswith("attendance.record") or entry.action in MCU_ENDPOINT_ACTIONS:
        return entry.summary
    if entry.target_type == "endpoint":
        return entry.target_id
    return ""


def names_for(entries: Iterable[AuditEntry], actor_names: Iterable[str] = ()) -> tuple[dict[str, str], dict[str, str]]:
    """Endpoint names by code and meeting titles by id for the entries of a page and the people of the filter
    (the endpoints' contacts who answered by link): two statements at most."""
    entries = list(entries)
    codes = {code for code in (_endpoint_code(entry) for entry in entries) if code}
    for entry in entries:
        if not entry.action.startswith(("readiness.", "auth.")):
            codes |= audit_details.endpoint_codes(entry.changes)
    codes |= {name.removeprefix("link:") for name in actor_names if name.startswith("link:")}
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
    actor = entry.actor_name if entry.actor_name not in ("", SYSTEM) else _("the system")
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
              "status": status, "reason": str(REASONS.get(str(changes.get("reason")), changes.get("reason") or "")),
              "day": _day(entry.summary), "mode": str(MODES.get(entry.summary, entry.summary))}
    if template is None:  # an action without its sentence yet: say at least its kind, in words
        kind = KINDS.get(entry.action.split(".")[0])
        return f"{actor} · {kind}" if kind else actor
    text = str(template) % values
    note = changes.get("note") if entry.action.startswith("readiness.") else None
    if entry.action == "meeting.cancel" and entry.summary:
        note = entry.summary
    if isinstance(note, str) and note:
        text += f" — {note}"
    if changes.get("on_behalf"):
        text += f" ({_('on its behalf')})"
    return text


def details(entry: AuditEntry, endpoints: dict[str, str]) -> list[tuple[str, str]]:
    """What changed, for the edits whose sentence does not say it: (label, "old → new") in words."""
    if entry.action.startswith(("readiness.", "auth.", "mcu.", "meeting.create", "meeting.status",
                                "meeting.cancel")):
        return []
    return audit_details.change_rows(entry.changes or {}, endpoints)


def person_label(name: str, endpoints: dict[str, str]) -> str:
    """A person of the filter as the sentences name them."""
    if name in ("", SYSTEM):
        return _("the system")
    if name.startswith("link:"):
        code = name.removeprefix("link:")
        return _("the endpoint's contact (by link)") + f" · {endpoints.get(code, code)}"
    return name


def _day(value: str) -> str:
    try:
        return date.fromisoformat(value[:10]).strftime("%d/%m/%Y")
    except ValueError:
        return value or "—"


def parse_day(value: str | None) -> date | None:
    """dd/mm/yyyy as the filter shows it, or ISO yyyy-mm-dd as the pager's links carry it; else None."""
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            day = datetime.strptime((value or "").strip(), pattern).date()
        except ValueError:
            continue
        return day if 2000 <= day.year <= 2100 else None
    return None
