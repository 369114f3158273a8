"""Recording what the government system must be told, in the caller's transaction (the transactional outbox).

Nothing here talks to the network: booking, changing and cancelling stay as fast as without the bridge.
The deliver-outbox sweep (meetings.bridge.delivery) sends the messages later, in order per meeting.
"""
from __future__ import annotations

import uuid
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select, update

from meetings.booking.models import Meeting, MeetingStatus, Participant, ReadinessStatus
from meetings.bridge.models import ConferenceLink, Invitation, OutboxMessage, OutboxState
from meetings.database import utcnow
from meetings.extensions import db

MINISTRY_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
# The readiness states of the readiness domain, as the contract spells the site's readiness. The technical test
# results are readiness.models.TestStatus's values (readiness tells the bridge; the bridge does not import it).
READINESS_VALUES = {ReadinessStatus.PENDING: "pending", ReadinessStatus.READY: "ready",
                    ReadinessStatus.NOT_READY: "not_ready", "test_ok": "ready", "test_failed": "not_ready"}


def meeting_stream(meeting_id: int) -> str:
    return f"meeting-{meeting_id}"


def local_iso(value) -> str:
    return value.astimezone(MINISTRY_ZONE).isoformat()


def record_meeting_change(meeting: Meeting) -> OutboxMessage | None:
    """After a meeting was booked, changed or cancelled: queue what the government system must learn.

    A bridged, scheduled meeting is published (created, or changed if it exists there); one that is
    cancelled, back to draft or no longer bridged is cancelled there, if it was ever published. A meeting
    linked to an accepted government invitation answers the invitation again (endpoints, or declined).
    Returns the queued message, or None when there is nothing new to say. Flushes nothing.
    """
    with db.session.no_autoflush:  # the caller flushes (and turns a constraint violation into a conflict)
        return _record_meeting_change(meeting)


def _record_meeting_change(meeting: Meeting) -> OutboxMessage | None:
    link = _link_of(meeting.id)
    if link is not None and link.direction == "inbound":
        participation = "declined" if meeting.status == MeetingStatus.CANCELLED else "accepted"
        if participation == "declined":
            db.session.execute(update(Invitation).where(Invitation.meeting_id == meeting.id)
                               .values(answer="declined").execution_options(synchronize_session="fetch"))
        return _queue_if_new(meeting, "answer", answer_payload(participation, _endpoint_count(meeting)))
    if meeting.bridge_to_government and meeting.status == MeetingStatus.SCHEDULED:
        return _queue_if_new(meeting, "publish", _publish_payload(meeting))
    if _was_published(meeting, link):
        return _queue_if_new(meeting, "cancel", {"external_ref": meeting.ics_uid})
    return None


def record_readiness_change(meeting: Meeting, status: str, note: str | None) -> OutboxMessage | None:
    """After the headquarters' (the Ministry's main point's) readiness for a meeting changed: tell the
    government conference, if the meeting has one (bridged by us, or an accepted invitation).

    Raises ValueError for a status the readiness domain does not have.
    """
    if status not in READINESS_VALUES:
        raise ValueError(f"unknown readiness {status!r}")
    with db.session.no_autoflush:
        link = _link_of(meeting.id)
        if link is None or (link.direction == "outbound" and not _was_published(meeting, link)):
            return None
    payload = {"readiness": READINESS_VALUES[status], "note": (note or None)}
    return _queue(meeting_stream(meeting.id), "readiness", payload, meeting_id=meeting.id)


def record_answer(invitation: Invitation, participation: str, endpoint_count: int) -> OutboxMessage:
    """Queue the Ministry's answer to an invitation (accepted with its endpoints, or declined)."""
    stream = meeting_stream(invitation.meeting_id) if invitation.meeting_id else f"invitation-{invitation.id}"
    return _queue(stream, "answer", answer_payload(participation, endpoint_count), meeting_id=invitation.meeting_id,
                  invitation_id=invitation.id, conference_id=invitation.conference_id)


def answer_payload(participation: str, endpoint_count: int) -> dict:
    return {"participation": participation, "endpoint_count": endpoint_count, "contact": _contact()}


# ---- building and queueing ----------------------------------------------------------------------

def _queue(stream: str, kind: str, payload: dict, *, meeting_id: int | None = None, invitation_id: int | None = None,
           conference_id: str | None = None) -> OutboxMessage:
    message = OutboxMessage(stream=stream, kind=kind, payload=payload, meeting_id=meeting_id,
                            invitation_id=invitation_id, conference_id=conference_id,
                            idempotency_key=f"btp-{uuid.uuid4().hex}", state=OutboxState.PENDING, attempts=0,
                            next_attempt_at=utcnow(), created_at=utcnow())
    db.session.add(message)
    return message


def _queue_if_new(meeting: Meeting, kind: str, payload: dict) -> OutboxMessage | None:
    """Queue unless the meeting's last message of these kinds already says exactly this."""
    stream = meeting_stream(meeting.id)
    kinds = ("answer",) if kind == "answer" else ("publish", "cancel")
    last = db.session.scalar(select(OutboxMessage).where(OutboxMessage.stream == stream, OutboxMessage.kind.in_(kinds))
                             .order_by(OutboxMessage.id.desc()).limit(1))
    unflushed = [m for m in db.session.new if isinstance(m, OutboxMessage) and m.stream == stream and m.kind in kinds]
    if unflushed:  # the same meeting changed twice in one transaction: compare with the newest
        last = max(unflushed, key=lambda m: m.created_at)
    if last is not None and last.kind == kind and last.payload == payload and last.state != OutboxState.ABANDONED:
        return None
    link = _link_for(meeting, kind)
    return _queue(stream, kind, payload, meeting_id=meeting.id, invitation_id=None,
                  conference_id=link.conference_id if link else None)


def _link_of(meeting_id: int) -> ConferenceLink | None:
    for pending in db.session.new:
        if isinstance(pending, ConferenceLink) and pending.meeting_id == meeting_id:
            return pending
    return db.session.scalar(select(ConferenceLink).where(ConferenceLink.meeting_id == meeting_id))


def _link_for(meeting: Meeting, kind: str) -> ConferenceLink | None:
    link = _link_of(meeting.id)
    if link is None and kind == "publish":
        link = ConferenceLink(meeting_id=meeting.id, direction="outbound", remote_status="")
        db.session.add(link)
    return link


def _was_published(meeting: Meeting, link: ConferenceLink | None) -> bool:
    if link is not None and link.conference_id:
        return True
    stream = meeting_stream(meeting.id)
    if any(isinstance(m, OutboxMessage) and m.stream == stream and m.kind == "publish" for m in db.session.new):
        return True
    return bool(db.session.scalar(select(func.count(OutboxMessage.id)).where(
        OutboxMessage.stream == meeting_stream(meeting.id), OutboxMessage.kind == "publish")))


def _endpoint_count(meeting: Meeting) -> int:
    if "participants" in meeting.__dict__:
        return len(meeting.participants)
    return db.session.scalar(select(func.count(Participant.id)).where(Participant.meeting_id == meeting.id)) or 0


def _contact() -> dict:
    config = current_app.config
    return {"name": config["GOVCONF_CONTACT_NAME"], "phone": config["GOVCONF_CONTACT_PHONE"],
            "email": config["GOVCONF_CONTACT_EMAIL"]}


def _publish_payload(meeting: Meeting) -> dict:
    host = meeting.host
    contact = _contact()
    if host is not None and host.contact_name:
        contact = {"name": host.contact_name, "phone": host.contact_phone, "email": host.contact_email}
    return {"site": current_app.config["GOVCONF_SITE"], "external_ref": meeting.ics_uid, "title": meeting.title,
            "start": local_iso(meeting.start_at), "end": local_iso(meeting.end_at),
            "dial": {"sip": host.dial_string if host is not None else ""}, "contact": contact,
            "endpoint_count": _endpoint_count(meeting)}
