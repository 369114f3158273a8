"""Reminders to endpoints that have not answered, and the alert to the booker before the start; each sent once.

A reminder is claimed by inserting its row (meeting, endpoint, kind) with "insert or skip" in the same
transaction that queues its mail: a second scheduler, or the same one after a restart, finds the row and
sends nothing; a sweep that dies before committing leaves neither row nor mail behind.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import and_, select, update
from sqlalchemy.orm import joinedload

from meetings.auth.models import User
from meetings.auth.roles import BOOKER, OPERATOR
from meetings.booking.models import Meeting, MeetingStatus, Participant, ReadinessStatus
from meetings.core.formatting import weekday_datetime as format_datetime  # mails name the weekday
from meetings.core.links import answer_url, public_url
from meetings.endpoints.models import Endpoint
from meetings.extensions import db
from meetings.notify.invitations import time_range
from meetings.notify.services import mail_language, queue_mail, render_mail
from meetings.readiness import rules
from meetings.readiness.models import ESCALATION, ReadinessReminder, insert_or_skip

log = logging.getLogger(__name__)

def send_due_reminders(now: datetime) -> int:
    """Remind pending endpoints at each offset and alert bookers at the escalation time; returns mails queued."""
    config = current_app.config
    offsets = tuple(config["READINESS_REMINDER_OFFSETS"])
    escalation_minutes = config["READINESS_ESCALATION_MINUTES"]
    horizon = now + timedelta(minutes=max(*offsets, escalation_minutes))
    meetings = list(db.session.scalars(
        select(Meeting)
        .where(Meeting.status == MeetingStatus.SCHEDULED, Meeting.start_at > now, Meeting.start_at <= horizon)
        .options(joinedload(Meeting.host), joinedload(Meeting.created_by)).order_by(Meeting.start_at)))
    if not meetings:
        return 0
    queued = _remind_pending(meetings, offsets, now)
    for meeting in meetings:
        if rules.escalation_due(meeting.start_at, now, escalation_minutes):
            queued += _escalate(meeting, escalation_minutes, now)
    db.session.flush()
    return queued


def _remind_pending(meetings: list[Meeting], offsets: tuple[int, ...], now: datetime) -> int:
    by_id = {meeting.id: meeting for meeting in meetings}
    rows = db.session.execute(
        select(Participant, Endpoint).join(Endpoint, Participant.endpoint_id == Endpoint.id)
        .where(Participant.meeting_id.in_(by_id), Participant.readiness == ReadinessStatus.PENDING)
        .order_by(Participant.meeting_id, Participant.id)).all()
    due = []
    for participant, endpoint in rows:
        meeting = by_id[participant.meeting_id]
        offset = rules.due_offset(meeting.start_at, participant.invited_at, now, offsets)
        if offset is not None:
            due.append((meeting, endpoint, offset))
    if not due:
        return 0
    operators = _operator_addresses({endpoint.id for _, endpoint, _ in due})
    queued = 0
    for meeting, endpoint, offset in due:
        reminder = claim(meeting, endpoint.id, rules.reminder_kind(offset), now)
        if reminder is None:
            continue
        recipients = [address for address in [endpoint.contact_email, *operators.get(endpoint.id, [])] if address]
        reminder.endpoints = [endpoint.code]
        if not recipients:
            log.warning("readiness: meeting %s: %s has no e-mail address; reminder %s not sent",
                        meeting.id, endpoint.code, reminder.kind)
            continue
        text, html = reminder_body(meeting, endpoint, offset)
        mail = queue_mail(recipients, reminder_subject(meeting), text, html=html, meeting_id=meeting.id)
        db.session.flush()
        reminder.recipients, reminder.mail_id = list(mail.recipients), mail.id
        queued += 1
    return queued


def _operator_addresses(endpoint_ids: set[int]) -> dict[int, list[str]]:
    rows = db.session.execute(select(User.endpoint_id, User.email).where(
        User.role == OPERATOR, User.is_active.is_(True), User.email != "", User.endpoint_id.in_(endpoint_ids)))
    addresses: dict[int, list[str]] = {}
    for endpoint_id, email in rows:
        addresses.setdefault(endpoint_id, []).append(email)
    return addresses


def claim(meeting: Meeting, endpoint_id: int | None, kind: str, now: datetime) -> ReadinessReminder | None:
    """Take the right to send one reminder: the row if this caller claimed it, None if it is already sent.

    A row about an earlier start of the meeting (it moved) is claimed again for the new start.
    """
    values = {"meeting_id": meeting.id, "endpoint_id": endpoint_id, "kind": kind,
              "for_start_at": meeting.start_at, "sent_at": now, "recipients": [], "endpoints": []}
    inserted = db.session.execute(
        insert_or_skip(ReadinessReminder).values(**values).returning(ReadinessReminder.id)).scalar()
    if inserted is None:
        same_endpoint = (ReadinessReminder.endpoint_id.is_(None) if endpoint_id is None
                         else ReadinessReminder.endpoint_id == endpoint_id)
        inserted = db.session.execute(
            update(ReadinessReminder)
            .where(ReadinessReminder.meeting_id == meeting.id, same_endpoint, ReadinessReminder.kind == kind,
                   ReadinessReminder.for_start_at != meeting.start_at)
            .values(for_start_at=meeting.start_at, sent_at=now, recipients=[], endpoints=[], mail_id=None)
            .returning(ReadinessReminder.id).execution_options(synchronize_session=False)).scalar()
    if inserted is None:
        return None
    return db.session.get(ReadinessReminder, inserted, populate_existing=True)


def _escalate(meeting: Meeting, minutes: int, now: datetime) -> int:
    reminder = claim(meeting, None, ESCALATION, now)
    if reminder is None:
        return 0
    rows = db.session.execute(
        select(Participant, Endpoint).join(Endpoint, Participant.endpoint_id == Endpoint.id)
        .where(Participant.meeting_id == meeting.id)).all()
    total = len(rows)
    not_ready = sorted(((p, e) for p, e in rows if p.readiness == ReadinessStatus.NOT_READY),
                       key=lambda row: row[1].name)
    silent = sorted(((p, e) for p, e in rows if p.readiness == ReadinessStatus.PENDING), key=lambda row: row[1].name)
    reminder.endpoints = [e.code for _, e in not_ready + silent]
    if not reminder.endpoints:
        return 0
    recipients = escalation_recipients(meeting)
    if not recipients:
        log.warning("readiness: meeting %s: no booker has an e-mail address; escalation not sent", meeting.id)
        return 0
    text, html = escalation_body(meeting, not_ready, silent, total, minutes)
    mail = queue_mail(recipients, escalation_subject(meeting, len(reminder.endpoints)), text, html=html,
                      meeting_id=meeting.id)
    db.session.flush()
    reminder.recipients, reminder.mail_id = list(mail.recipients), mail.id
    return 1


def escalation_recipients(meeting: Meeting) -> list[str]:
    """The booker who booked the meeting; if they have no address (or left), every active booker that has one."""
    booker = meeting.created_by
    if booker is not None and booker.is_active and booker.email:
        return [booker.email]
    return list(db.session.scalars(select(User.email).where(
        and_(User.role == BOOKER, User.is_active.is_(True), User.email != "")).order_by(User.username)))


# ---- the mails (templates/mail/reminder.* and escalation.*, in Vietnamese like the invitations) -----------

def _lead_time(minutes: int) -> str:
    if minutes % 1440 == 0:
        return ngettext("%(num)d hour", "%(num)d hours", minutes // 1440 * 24)
    if minutes % 60 == 0:
        return ngettext("%(num)d hour", "%(num)d hours", minutes // 60)
    return ngettext("%(num)d minute", "%(num)d minutes", minutes)


def reminder_subject(meeting: Meeting) -> str:
    with mail_language():
        return _("Please confirm readiness: %(title)s — %(when)s", title=meeting.title,
                 when=format_datetime(meeting.start_at))


def reminder_body(meeting: Meeting, endpoint: Endpoint, offset: int) -> tuple[str, str]:
    """The text and HTML of the reminder to one endpoint that has not answered."""
    with mail_language():
        lead = _lead_time(offset)
    return render_mail("reminder", meeting=meeting, endpoint=endpoint, when=time_range(meeting), lead=lead,
                       test_at=format_datetime(meeting.test_at),
                       answer_url=answer_url(meeting.id, endpoint.id, meeting.sequence),
                       index_url=public_url("core.index"))


def escalation_subject(meeting: Meeting, count: int) -> str:
    with mail_language():
        return _("Warning: %(count)d endpoints not ready — %(title)s — %(when)s", count=count, title=meeting.title,
                 when=format_datetime(meeting.start_at))


def escalation_body(meeting: Meeting, not_ready: list, silent: list, total: int, minutes: int) -> tuple[str, str]:
    """The text and HTML of the alert to the booker: who said not ready (with why), who has not answered."""
    with mail_language():
        lead = _lead_time(minutes)
    contacts = {endpoint.id: _contact(endpoint) for _participant, endpoint in silent}
    return render_mail("escalation", meeting=meeting, when=time_range(meeting), lead=lead, not_ready=not_ready,
                       test_at=format_datetime(meeting.test_at),
                       silent=silent, total=total, contacts=contacts,
                       board_url=public_url("readiness.board", meeting_id=meeting.id))


def _contact(endpoint: Endpoint) -> str:
    return ", ".join(part for part in (endpoint.contact_name, endpoint.contact_phone, endpoint.contact_email) if part)
