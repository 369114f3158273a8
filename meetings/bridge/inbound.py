"""Inbound: the government conferences the Ministry is invited to, pulled with an `updated_since` cursor
(and, from ics_import, read from invitation files), kept as one invitation per government conference."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from meetings.booking.validation import parse_datetime
from meetings.bridge.client import ConfigurationError, GovconfClient, GovconfError
from meetings.bridge.models import ConferenceLink, Invitation, RemoteStatus
from meetings.bridge.outbox import local_iso
from meetings.bridge.state import bridge_state, is_configured, make_client, pause_for_configuration
from meetings.extensions import db

log = logging.getLogger(__name__)

MAX_PAGES = 100
REMOTE_STATUSES = tuple(RemoteStatus)
WATCHED = ("title", "start", "end", "status")


@dataclass(frozen=True)
class ConferenceFacts:
    """What an invitation knows of a government conference, from the API or from a file."""

    conference_id: str
    title: str
    start_at: datetime
    end_at: datetime
    status: str
    version: int
    host_site: str = ""
    dial: dict | None = None


def facts_from_api(item: Any) -> ConferenceFacts | None:
    """The facts of one conference of the list, or None when the item is not what the contract promises."""
    try:
        status = item["status"] if item["status"] in REMOTE_STATUSES else RemoteStatus.SCHEDULED
        facts = ConferenceFacts(conference_id=str(item["id"])[:64], title=str(item["title"])[:300],
                                start_at=parse_datetime(item["start"]), end_at=parse_datetime(item["end"]),
                                status=status, version=int(item["version"]), host_site=str(item.get("host_site") or ""),
                                dial=item.get("dial") if isinstance(item.get("dial"), dict) else None)
    except (KeyError, TypeError, ValueError):
        return None
    return facts if facts.conference_id and facts.end_at > facts.start_at else None


def pull_government(now: datetime, *, client: GovconfClient | None = None) -> int:
    """The pull sweep: every page changed since the cursor, then one transaction that upserts them and moves
    the cursor. Returns how many invitations were created or changed.

    What was read before the pull is committed first, so that no transaction (no SQLite write lock)
    is held while waiting on the government system.
    """
    if not is_configured():
        return 0
    state = bridge_state()
    if state.paused_until is not None and state.paused_until > now:
        return 0
    cursor = state.pull_cursor or None
    db.session.commit()  # hold no transaction (no SQLite write lock) while on the network
    try:
        items = _fetch_all(client or make_client(), cursor)
    except ConfigurationError as error:
        pause_for_configuration(error, now)
        return 0
    except GovconfError as error:
        log.warning("govconf pull failed, the cursor stays at %s: %s", cursor, error)
        return 0
    handled = sum(apply_items(items))
    newest = max((i["updated_at"] for i in items if _is_time(i.get("updated_at"))), key=parse_datetime, default=None)
    state = bridge_state()
    if newest and (not state.pull_cursor or parse_datetime(newest) > parse_datetime(state.pull_cursor)):
        state.pull_cursor = newest
    state.pulled_at = now
    db.session.flush()
    return handled


def _fetch_all(client: GovconfClient, cursor: str | None) -> list[dict]:
    items: list[dict] = []
    page: int | None = 1
    while page is not None and page <= MAX_PAGES:
        data = client.list_conferences(updated_since=cursor, page=page)
        items.extend(item for item in data["items"] if isinstance(item, dict))
        next_page = data.get("next_page")
        page = next_page if isinstance(next_page, int) and next_page > page else None
    return items


def apply_items(items: list[dict]) -> list[int]:
    site = current_app.config["GOVCONF_SITE"]
    results = []
    for item in items:
        facts = facts_from_api(item)
        if facts is None:
            log.warning("govconf pull: skipped an item that is not a conference: %r", item)
            continue
        if facts.host_site == site:
            _follow_own_conference(facts)
            continue
        _, changed = upsert_invitation(facts, source="api")
        results.append(int(changed))
    return results


def _follow_own_conference(facts: ConferenceFacts) -> None:
    db.session.execute(update(ConferenceLink).where(ConferenceLink.conference_id == facts.conference_id,
                                                    or_(ConferenceLink.remote_version.is_(None),
                                                        ConferenceLink.remote_version < facts.version))
                       .values(remote_status=facts.status, remote_version=facts.version)
                       .execution_options(synchronize_session=False))


def upsert_invitation(facts: ConferenceFacts, *, source: str) -> tuple[Invitation, bool]:
    """One invitation per government conference, whoever brings it first; returns (invitation, changed)."""
    invitation = _find(facts.conference_id)
    if invitation is None:
        try:
            with db.session.begin_nested():
                invitation = _create(facts, source)
            return invitation, True
        except IntegrityError:  # the file and the pull raced: the other one created it
            invitation = _find(facts.conference_id)
    return invitation, _update(invitation, facts)


def _find(conference_id: str) -> Invitation | None:
    return db.session.scalar(select(Invitation).where(Invitation.conference_id == conference_id))


def _create(facts: ConferenceFacts, source: str) -> Invitation:
    invitation = Invitation(conference_id=facts.conference_id, title=facts.title, start_at=facts.start_at,
                            end_at=facts.end_at, host_site=facts.host_site, remote_status=facts.status,
                            remote_version=facts.version, seen_version=facts.version, changes={},
                            dial=facts.dial or {}, answer="new", source=source)
    db.session.add(invitation)
    db.session.flush()
    return invitation


def _values(invitation: Invitation) -> dict[str, str]:
    return {"title": invitation.title, "start": local_iso(invitation.start_at), "end": local_iso(invitation.end_at),
            "status": invitation.remote_status}


def _update(invitation: Invitation, facts: ConferenceFacts) -> bool:
    if facts.host_site and not invitation.host_site:
        invitation.host_site = facts.host_site
    if facts.dial and not invitation.dial:
        invitation.dial = facts.dial
    if facts.version <= invitation.remote_version:
        return False
    before = _values(invitation)
    invitation.title, invitation.start_at, invitation.end_at = facts.title, facts.start_at, facts.end_at
    invitation.remote_status, invitation.remote_version = facts.status, facts.version
    after = _values(invitation)
    changes = dict(invitation.changes or {})
    for key in WATCHED:
        if before[key] != after[key]:
            first = changes.get(key, [before[key], None])[0]  # what the booker last saw
            changes[key] = [first, after[key]]
            if first == after[key]:
                changes.pop(key)
    invitation.changes = changes
    if not changes:
        invitation.seen_version = facts.version
    db.session.execute(update(ConferenceLink).where(ConferenceLink.conference_id == invitation.conference_id)
                       .values(remote_status=facts.status, remote_version=facts.version)
                       .execution_options(synchronize_session=False))
    return True


def _is_time(value: Any) -> bool:
    try:
        parse_datetime(value)
    except (TypeError, ValueError):
        return False
    return True
