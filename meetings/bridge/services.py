"""What people do with the bridge: answer invitations (inbox), watch and steer the outbox (admins), and the
status a meeting page shows. Services flush and never commit; none of them calls the remote."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import case, func, select

from meetings.auth import audit
from meetings.auth.models import User
from meetings.booking.models import Meeting
from meetings.booking.services import book_meeting
from meetings.booking.validation import MeetingValues
from meetings.bridge import outbox
from meetings.bridge.models import (
    MESSAGE_STATES,
    OPEN_STATES,
    BridgeState,
    ConferenceLink,
    Invitation,
    OutboxMessage,
    OutboxState,
    RemoteStatus,
)
from meetings.bridge.state import bridge_state, resume_now
from meetings.database import utcnow
from meetings.errors import ConflictError, NotFound
from meetings.extensions import db

# ---- the inbox ----------------------------------------------------------------------------------


def list_invitations(*, answer: str | None = None) -> list[Invitation]:
    """Unanswered first, then by start; past conferences that were never answered are left out."""
    query = select(Invitation).order_by(case((Invitation.answer == "new", 0), else_=1), Invitation.start_at)
    if answer in ("new", "accepted", "declined"):
        query = query.where(Invitation.answer == answer)
    return list(db.session.scalars(query.limit(500)))


def get_invitation(invitation_id: int) -> Invitation:
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None:
        raise NotFound()
    return invitation


def accept_invitation(invitation: Invitation, endpoint_codes: list[str], *, actor: User) -> Meeting:
    """Book a meeting for the conference with these endpoints (the host is the Ministry's main room) and answer
    the invitation. Raises ConflictError (already answered, cancelled, endpoints taken), ValidationError."""
    _refuse_if_closed(invitation)
    if invitation.answer == "accepted":
        raise ConflictError(_("This invitation was already accepted."), code="answered")
    values = MeetingValues(title=invitation.title, start=invitation.start_at, end=invitation.end_at,
                           host=current_app.config["DEFAULT_HOST"], endpoints=list(endpoint_codes),
                           organizer=_("Government Office"), chair="", bridge_to_government=False,
                           agenda=_("Government conference %(id)s", id=invitation.conference_id))
    meeting = book_meeting(values, actor=actor)[0]
    db.session.add(ConferenceLink(meeting_id=meeting.id, direction="inbound", conference_id=invitation.conference_id,
                                  remote_status=invitation.remote_status, remote_version=invitation.remote_version))
    invitation.meeting_id, invitation.answer, invitation.answered_by_id = meeting.id, "accepted", actor.id
    _mark_seen(invitation)
    db.session.flush()
    outbox.record_answer(invitation, "accepted", len(meeting.participants))
    audit.record("govconf.accept", actor=actor, target_type="meeting", target_id=meeting.id,
                 summary=invitation.conference_id)
    db.session.flush()
    return meeting


def decline_invitation(invitation: Invitation, *, actor: User) -> Invitation:
    """Answer `declined`. An accepted invitation is declined by cancelling its meeting instead."""
    if invitation.answer == "accepted":
        raise ConflictError(_("Cancel the meeting booked for this invitation to decline it."), code="answered")
    if invitation.answer == "declined":
        return invitation
    _refuse_if_closed(invitation)
    invitation.answer, invitation.answered_by_id = "declined", actor.id
    _mark_seen(invitation)
    outbox.record_answer(invitation, "declined", 0)
    audit.record("govconf.decline", actor=actor, target_type="govconf_invitation", target_id=invitation.id,
                 summary=invitation.conference_id)
    db.session.flush()
    return invitation


def acknowledge_changes(invitation: Invitation) -> Invitation:
    """The booker has seen what changed: the flag goes until the next change."""
    _mark_seen(invitation)
    db.session.flush()
    return invitation


def _mark_seen(invitation: Invitation) -> None:
    invitation.seen_version, invitation.changes = invitation.remote_version, {}


def _refuse_if_closed(invitation: Invitation) -> None:
    if invitation.remote_status == RemoteStatus.CANCELLED:
        raise ConflictError(_("The Government Office cancelled this conference."), code="cancelled")
    if invitation.end_at <= utcnow():
        raise ConflictError(_("This conference is over."), code="past")


# ---- the meeting page ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MeetingBridgeStatus:
    direction: str
    conference_id: str | None
    remote_status: str
    state: str  # waiting, delivered, failed, off
    last_message: OutboxMessage | None
    problem_code: str
    problem: str
    invitation: Invitation | None


def meeting_status(meeting: Meeting) -> MeetingBridgeStatus | None:
    """What the meeting page shows of the bridge, or None for a meeting that has nothing to do with it."""
    link = db.session.scalar(select(ConferenceLink).where(ConferenceLink.meeting_id == meeting.id))
    if link is None:
        return None
    messages = list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.stream ==
                                                                   outbox.meeting_stream(meeting.id))
                                       .order_by(OutboxMessage.id.desc()).limit(20)))
    last = messages[0] if messages else None
    failed = next((m for m in messages if m.state == OutboxState.FAILED), None)
    waiting = any(m.state in OPEN_STATES for m in messages)
    state = OutboxState.FAILED if failed is not None and (last is failed or not waiting) else (
        "waiting" if waiting else OutboxState.DELIVERED)
    invitation = db.session.scalar(select(Invitation).where(Invitation.meeting_id == meeting.id))
    return MeetingBridgeStatus(direction=link.direction, conference_id=link.conference_id,
                               remote_status=link.remote_status, state=state, last_message=last,
                               problem_code=failed.last_error_code if state == OutboxState.FAILED else "",
                               problem=failed.last_error if state == OutboxState.FAILED else (
                                   last.last_error if last is not None and waiting else ""),
                               invitation=invitation)


# ---- the outbox, for admins ---------------------------------------------------------------------


def list_messages(*, state: str | None = None, page: int = 1, per_page: int = 50):
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc())
    if state in MESSAGE_STATES:
        query = query.where(OutboxMessage.state == state)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def counts_by_state() -> dict[str, int]:
    counts = dict.fromkeys(MESSAGE_STATES, 0)
    rows = db.session.execute(select(OutboxMessage.state, func.count(OutboxMessage.id)).group_by(OutboxMessage.state))
    counts.update({state: count for state, count in rows})
    return counts


def get_message(message_id: int) -> OutboxMessage:
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        raise NotFound()
    return message


def retry_message(message: OutboxMessage, *, actor: User, now: datetime | None = None) -> OutboxMessage:
    """Send a failed (or abandoned) message again, with its own Idempotency-Key. Refused when a later change of
    the same meeting was delivered since: sending the older one would undo it."""
    if message.state not in (OutboxState.FAILED, OutboxState.ABANDONED):
        raise ConflictError(_("Only a failed or abandoned message can be sent again."), code="not_failed")
    newer = db.session.scalar(select(func.count(OutboxMessage.id)).where(
        OutboxMessage.stream == message.stream, OutboxMessage.id > message.id, OutboxMessage.kind == message.kind,
        OutboxMessage.state == OutboxState.DELIVERED))
    if newer:
        raise ConflictError(_("A later change of this meeting was delivered since; this one is out of date."),
                            code="superseded")
    # A new key: the remote remembers its refusal under the old one and would only repeat it.
    message.idempotency_key = f"btp-{uuid.uuid4().hex}"
    message.state, message.next_attempt_at = OutboxState.PENDING, now or utcnow()
    audit.record("govconf.retry", actor=actor, target_type="govconf_message", target_id=message.id,
                 summary=message.last_error[:200])
    db.session.flush()
    return message


def abandon_message(message: OutboxMessage, *, actor: User) -> OutboxMessage:
    """Give up a message that waits or failed: it will not be sent (the ones after it no longer wait for it)."""
    if message.state not in (OutboxState.PENDING, OutboxState.FAILED):
        raise ConflictError(_("Only a waiting or failed message can be abandoned."), code="not_abandonable")
    message.state = OutboxState.ABANDONED
    audit.record("govconf.abandon", actor=actor, target_type="govconf_message", target_id=message.id,
                 summary=message.last_error[:200])
    db.session.flush()
    return message


def resume_delivery(*, actor: User) -> BridgeState:
    state = resume_now()
    audit.record("govconf.resume", actor=actor, target_type="govconf", target_id="delivery")
    db.session.flush()
    return state


def delivery_state() -> BridgeState:
    return bridge_state()
