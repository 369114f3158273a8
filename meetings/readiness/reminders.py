"""Reminders to endpoints that have not answered, and the alert to the booker before the start; each sent once.

A reminder is claimed by inserting its row (meeting, endpoint, kind) with "insert or skip" in the same
transaction that queues its mail: a second scheduler, or the same one after a restart, finds the row and
sends nothing; a sweep that dies before committing leaves neither row nor mail behind.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, select, update
from sqlalchemy.orm import joinedload

from meetings.auth.models import User
from meetings.auth.roles import BOOKER, OPERATOR
from meetings.booking.models import Meeting, MeetingStatus, Participant, ReadinessStatus
from meetings.core.formatting import to_local
from meetings.core.formatting import weekday_datetime as format_datetime  # mails name the weekday
from meetings.core.links import answer_url, public_url
from meetings.endpoints.models import Endpoint
from meetings.extensions import db
from meetings.notify.services import queue_mail
from meetings.readiness import rules
from meetings.readiness.models import ESCALATION, ReadinessReminder, insert_or_skip

log = logging.getLogger(__name__)

SIGNATURE = "--\nHội nghị trực tuyến Bộ Tư pháp\nThư gửi tự động, xin không trả lời thư này."


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
        mail = queue_mail(recipients, reminder_subject(meeting), reminder_body(meeting, endpoint, offset),
                          meeting_id=meeting.id)
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
    mail = queue_mail(recipients, escalation_subject(meeting, len(reminder.endpoints)),
                      escalation_body(meeting, not_ready, silent, total, minutes), meeting_id=meeting.id)
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


# ---- the mails (Vietnamese, like the invitations) -----------------------------------------------

def _when(meeting: Meeting) -> str:
    start, end = to_local(meeting.start_at), to_local(meeting.end_at)
    end_text = end.strftime("%H:%M") if end.date() == start.date() else format_datetime(meeting.end_at)
    return f"{format_datetime(meeting.start_at)} – {end_text}"


def _lead_time(minutes: int) -> str:
    if minutes % 1440 == 0:
        return f"{minutes // 1440 * 24} giờ"
    return f"{minutes // 60} giờ" if minutes % 60 == 0 else f"{minutes} phút"


def _meeting_lines(meeting: Meeting) -> list[str]:
    lines = [f"Tên hội nghị: {meeting.title}", f"Thời gian: {_when(meeting)} (giờ Hà Nội)"]
    if meeting.test_at:
        lines.append(f"Kiểm tra kỹ thuật: {format_datetime(meeting.test_at)}")
    return lines + [f"Điểm cầu chính: {meeting.host.name}"]


def reminder_subject(meeting: Meeting) -> str:
    return f"Nhắc xác nhận sẵn sàng: {meeting.title} — {format_datetime(meeting.start_at)}"


def reminder_body(meeting: Meeting, endpoint: Endpoint, offset: int) -> str:
    lines = [f"Kính gửi: {endpoint.name}", "",
             f"Còn khoảng {_lead_time(offset)} nữa hội nghị trực tuyến sau bắt đầu, nhưng điểm cầu của "
             "quý đơn vị chưa xác nhận sẵn sàng:", "", *_meeting_lines(meeting), "",
             "Xin quý đơn vị xác nhận «Sẵn sàng», hoặc «Chưa sẵn sàng» kèm lý do, tại đường dẫn sau "
             "(không cần đăng nhập):",
             answer_url(meeting.id, endpoint.id, meeting.sequence), "",
             f"Hoặc đăng nhập hệ thống: {public_url('core.index')}", "", SIGNATURE]
    return "\n".join(lines) + "\n"


def escalation_subject(meeting: Meeting, count: int) -> str:
    return (f"Cảnh báo: {count} điểm cầu chưa sẵn sàng — {meeting.title} — "
            f"{format_datetime(meeting.start_at)}")


def escalation_body(meeting: Meeting, not_ready: list, silent: list, total: int, minutes: int) -> str:
    lines = [f"Còn {_lead_time(minutes)} nữa hội nghị trực tuyến sau bắt đầu; "
             f"{len(not_ready) + len(silent)}/{total} điểm cầu chưa sẵn sàng:", "", *_meeting_lines(meeting)]
    if not_ready:
        lines += ["", f"Báo chưa sẵn sàng ({len(not_ready)}):"]
        lines += [f"- {e.name}: {p.readiness_note}" for p, e in not_ready]
    if silent:
        lines += ["", f"Chưa trả lời ({len(silent)}):"]
        lines += [f"- {e.name}" + (f" — liên hệ: {_contact(e)}" if _contact(e) else "") for _, e in silent]
    lines += ["", f"Bảng theo dõi sẵn sàng: {public_url('readiness.board', meeting_id=meeting.id)}", "", SIGNATURE]
    return "\n".join(lines) + "\n"


def _contact(endpoint: Endpoint) -> str:
    return ", ".join(part for part in (endpoint.contact_name, endpoint.contact_phone, endpoint.contact_email) if part)
