"""The bridge's own state: whether it is configured, the client, and the pause after a refused key (401)."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update

from meetings.auth.models import User
from meetings.auth.roles import ADMIN
from meetings.bridge.client import ClientSettings, GovconfClient, GovconfError
from meetings.bridge.models import BridgeState
from meetings.extensions import db
from meetings.notify.services import mail_language, queue_mail, render_mail

log = logging.getLogger(__name__)
STATE_ID = 1


def is_configured() -> bool:
    return bool(current_app.config["GOVCONF_URL"])


def make_client() -> GovconfClient:
    """The client for the configured system; raises ConfigurationError without GOVCONF_URL."""
    return GovconfClient(ClientSettings.from_config(current_app.config))


def bridge_state() -> BridgeState:
    """The one state row, created on first use (two first users: the primary key keeps it one)."""
    state = db.session.get(BridgeState, STATE_ID)
    if state is None:
        state = BridgeState(id=STATE_ID, pull_cursor="", pause_reason="")
        db.session.add(state)
        db.session.flush()
    return state


def pause_for_configuration(error: GovconfError | None, now: datetime) -> None:
    """A 401: stop calling the remote for a while and tell the admins once; messages keep waiting."""
    state = bridge_state()
    state.paused_until = now + timedelta(seconds=current_app.config["GOVCONF_AUTH_PAUSE_SECONDS"])
    state.pause_reason = (error.message if error is not None else "")[:2000]
    if state.admins_alerted_at is None:
        state.admins_alerted_at = now
        _alert_admins(state.pause_reason)
    log.error("govconf: the government system refused our credentials; paused until %s: %s",
              state.paused_until.isoformat(), state.pause_reason)


def resume_after_success(now: datetime) -> None:
    """The remote accepted us again: lift the pause and re-arm the admins' alert."""
    db.session.execute(update(BridgeState).where(BridgeState.id == STATE_ID, BridgeState.admins_alerted_at.is_not(None))
                       .values(paused_until=None, admins_alerted_at=None, pause_reason="")
                       .execution_options(synchronize_session=False))


def resume_now() -> BridgeState:
    """An admin fixed the settings: the next sweep tries again at once."""
    state = bridge_state()
    state.paused_until = None
    return state


def _alert_admins(reason: str) -> None:
    addresses = list(db.session.scalars(select(User.email).where(User.role == ADMIN, User.is_active.is_(True),
                                                                  User.email != "")))
    if not addresses:
        log.error("govconf: no active admin has an e-mail address to alert about the refused credentials")
        return
    base = current_app.config.get("PUBLIC_URL", "")
    text, html = render_mail("govconf_paused", outbox_url=f"{base}/admin/govconf/outbox", reason=reason)
    with mail_language():
        subject = _("[Online meetings] The government system refuses our credentials (401)")
    queue_mail(addresses, subject, text, html=html)
