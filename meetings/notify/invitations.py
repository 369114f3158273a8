"""Invitation, change and cancellation e-mails to the endpoints of a meeting, with the .ics attached."""
from __future__ import annotations

from collections.abc import Iterable

from meetings.booking.ics import meeting_calendar
from meetings.booking.models import Meeting
from meetings.core.formatting import to_local
from meetings.core.formatting import weekday_datetime as format_datetime  # mails name the weekday
from meetings.core.links import answer_url
from meetings.endpoints.models import Endpoint
from meetings.notify.services import queue_mail, sender_address

SUBJECT_PREFIXES = {"created": "Giấy mời", "updated": "Thay đổi", "cancelled": "Hủy", "removed": "Hủy tham dự"}
OPENINGS = {
    "created": "Bộ Tư pháp trân trọng kính mời quý đơn vị tham dự hội nghị trực tuyến sau:",
    "updated": "Hội nghị trực tuyến sau đã thay đổi thông tin. Xin quý đơn vị lưu ý thông tin mới:",
    "cancelled": "Hội nghị trực tuyến sau đã bị hủy:",
    "removed": "Quý đơn vị không còn trong danh sách điểm cầu tham dự hội nghị trực tuyến sau:",
}
CLOSING = ("Tệp lịch (.ics) đính kèm cập nhật lịch của quý đơn vị.\n\n"
           "--\nHội nghị trực tuyến Bộ Tư pháp\nThư gửi tự động, xin không trả lời thư này.")


def queue_meeting_notifications(meeting: Meeting, change: str) -> int:
    """Queue one mail per endpoint of the meeting (host included) that has a contact e-mail; returns how many.

    `change` is "created", "updated" or "cancelled" (ValueError otherwise). The attached .ics is a
    REQUEST, or a CANCEL when the meeting is cancelled. Adds to the current transaction only.
    """
    if change not in ("created", "updated", "cancelled"):
        raise ValueError(f"unknown change {change!r}")
    calendar = meeting_calendar(meeting, organizer_email=sender_address())
    return _queue(meeting, change, _endpoints_of(meeting), calendar)


def queue_removal_notifications(meeting: Meeting, endpoints: Iterable[Endpoint]) -> int:
    """Tell endpoints taken off a meeting that still takes place; their .ics is a CANCEL for them alone."""
    endpoints = [endpoint for endpoint in endpoints if endpoint.contact_email]
    if not endpoints:
        return 0
    calendar = meeting_calendar(meeting, organizer_email=sender_address(), removed=endpoints)
    return _queue(meeting, "removed", endpoints, calendar)


def _endpoints_of(meeting: Meeting) -> list[Endpoint]:
    endpoints = {meeting.host.id: meeting.host}
    for participant in meeting.participants:
        endpoints.setdefault(participant.endpoint.id, participant.endpoint)
    return list(endpoints.values())


def _queue(meeting: Meeting, change: str, endpoints: Iterable[Endpoint], calendar: bytes) -> int:
    subject = f"{SUBJECT_PREFIXES[change]}: {meeting.title} — {format_datetime(meeting.start_at)}"
    queued = 0
    for endpoint in endpoints:
        if not endpoint.contact_email:
            continue
        queue_mail([endpoint.contact_email], subject, mail_body(meeting, change, endpoint), calendar=calendar,
                   meeting_id=meeting.id)
        queued += 1
    return queued


def mail_body(meeting: Meeting, change: str, endpoint: Endpoint) -> str:
    """The Vietnamese text of the mail to one endpoint."""
    lines = [f"Kính gửi: {endpoint.name}", "", OPENINGS[change], "",
             f"Tên hội nghị: {meeting.title}",
             f"Thời gian: {_time_range(meeting)} (giờ Hà Nội)"]
    if meeting.test_at:
        lines.append(f"Kiểm tra kỹ thuật: {format_datetime(meeting.test_at)}")
    lines += [f"Điểm cầu chính: {meeting.host.name}",
              f"Đơn vị chủ trì: {meeting.organizer or '—'}",
              f"Chủ trì: {meeting.chair or '—'}"]
    if meeting.agenda:
        lines += ["", "Nội dung:", meeting.agenda.strip()]
    if change == "cancelled" and meeting.cancel_reason:
        lines += ["", f"Lý do hủy: {meeting.cancel_reason}"]
    if change in ("created", "updated"):
        lines += ["", "Xác nhận điểm cầu sẵn sàng, hoặc chưa sẵn sàng kèm lý do, tại đường dẫn sau "
                  "(không cần đăng nhập; dùng được đến giờ bắt đầu):",
                  answer_url(meeting.id, endpoint.id, meeting.sequence)]
    return "\n".join(lines + ["", CLOSING]) + "\n"


def _time_range(meeting: Meeting) -> str:
    start, end = to_local(meeting.start_at), to_local(meeting.end_at)
    end_text = end.strftime("%H:%M") if end.date() == start.date() else format_datetime(meeting.end_at)
    return f"{format_datetime(meeting.start_at)} – {end_text}"
