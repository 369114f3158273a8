"""Invitation, change and cancellation mails: one per endpoint contact, in Vietnamese, with the .ics."""
from __future__ import annotations

import icalendar
import pytest
from flask_babel import force_locale
from sqlalchemy import select

from meetings.database import utcnow
from meetings.extensions import db
from meetings.notify.delivery import build_message, send_due_mail
from meetings.notify.invitations import queue_meeting_notifications, queue_removal_notifications
from meetings.notify.models import OutgoingMail
from tests.factories import endpoint, make_meeting, set_aside_queued_mail
from tests.integration.smtp import running_smtp_server


@pytest.fixture
def contacts():
    endpoint("moj-hq", "cntt@moj.gov.vn")
    endpoint("thads-an-giang", "thads@angiang.moj.gov.vn")
    endpoint("thads-ha-noi", "")
    db.session.flush()


def _mails(meeting) -> dict[str, OutgoingMail]:
    rows = db.session.scalars(select(OutgoingMail).where(OutgoingMail.meeting_id == meeting.id))
    return {mail.recipients[0]: mail for mail in rows}


def test_an_invitation_goes_to_every_endpoint_contact_and_the_host(contacts):
    meeting = make_meeting(participants=("thads-an-giang", "thads-ha-noi"))
    assert queue_meeting_notifications(meeting, "created") == 2
    mails = _mails(meeting)
    assert set(mails) == {"cntt@moj.gov.vn", "thads@angiang.moj.gov.vn"}
    mail = mails["thads@angiang.moj.gov.vn"]
    assert mail.state == "pending" and mail.calendar_method == "REQUEST" and mail.attachment_name == "invite.ics"
    assert mail.subject == f"Giấy mời: {meeting.title} — Thứ Hai, 03/03/2031 08:00"
    body = mail.body_text
    for text in ("Kính gửi: Cục Thi hành án dân sự tỉnh An Giang", f"Tên hội nghị: {meeting.title}",
                 "Thời gian: Thứ Hai, 03/03/2031 08:00 – 11:00 (giờ Hà Nội)",
                 "Kiểm tra kỹ thuật: Thứ Hai, 03/03/2031 07:00",
                 f"Điểm cầu chính: {meeting.host.name}", "Đơn vị chủ trì: Văn phòng Bộ",
                 "Chủ trì: Thứ trưởng Nguyễn Thanh Tịnh", "Báo cáo; thảo luận"):
        assert text in body
    event = icalendar.Calendar.from_ical(mail.calendar).walk("VEVENT")[0]
    assert event["UID"] == meeting.ics_uid


def test_a_change_says_so(contacts):
    meeting = make_meeting(sequence=1)
    queue_meeting_notifications(meeting, "updated")
    mail = _mails(meeting)["thads@angiang.moj.gov.vn"]
    assert mail.subject.startswith("Thay đổi: ") and "đã thay đổi" in mail.body_text
    assert icalendar.Calendar.from_ical(mail.calendar).walk("VEVENT")[0]["SEQUENCE"] == 1


def test_a_cancellation_attaches_a_cancel(contacts):
    meeting = make_meeting(status="cancelled", sequence=2, cancel_reason="Lãnh đạo Bộ bận họp Chính phủ")
    assert queue_meeting_notifications(meeting, "cancelled") == 2
    mail = _mails(meeting)["thads@angiang.moj.gov.vn"]
    assert mail.subject.startswith("Hủy: ") and "Lý do hủy: Lãnh đạo Bộ bận họp Chính phủ" in mail.body_text
    assert mail.calendar_method == "CANCEL" and mail.attachment_name == "cancel.ics"
    assert icalendar.Calendar.from_ical(mail.calendar)["METHOD"] == "CANCEL"


def test_removed_endpoints_are_told_with_a_cancel_for_them(contacts):
    meeting = make_meeting(participants=("thads-ha-noi",))
    assert queue_removal_notifications(meeting, [endpoint("thads-an-giang"), endpoint("thads-ha-noi")]) == 1
    [mail] = _mails(meeting).values()
    assert mail.recipients == ["thads@angiang.moj.gov.vn"] and mail.subject.startswith("Hủy tham dự: ")
    assert mail.calendar_method == "CANCEL"


def test_endpoints_without_a_contact_get_nothing():
    endpoint("moj-hq", "")
    endpoint("thads-an-giang", "")
    meeting = make_meeting()
    assert queue_meeting_notifications(meeting, "created") == 0


def test_an_unknown_change_is_a_programming_error(contacts):
    with pytest.raises(ValueError):
        queue_meeting_notifications(make_meeting(), "postponed")


def test_an_invitation_reaches_the_mail_server_as_an_invitation(app, contacts, monkeypatch):
    set_aside_queued_mail()
    meeting = make_meeting()
    queue_meeting_notifications(meeting, "created")
    db.session.commit()
    with running_smtp_server() as smtp:
        monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
        monkeypatch.setitem(app.config, "MAIL_PORT", smtp.port)
        assert send_due_mail(utcnow()) == 2
    message = next(m for m in smtp.messages if m["To"] == "thads@angiang.moj.gov.vn")
    assert message["Subject"] == f"Giấy mời: {meeting.title} — Thứ Hai, 03/03/2031 08:00"
    body, attachment = message.iter_parts()
    text, _html = body.iter_parts()
    assert "Kính gửi: Cục Thi hành án dân sự tỉnh An Giang" in text.get_content()
    assert attachment.get_content_type() == "text/calendar" and attachment.get_param("method") == "REQUEST"
    event = icalendar.Calendar.from_ical(attachment.get_payload(decode=True)).walk("VEVENT")[0]
    assert event["UID"] == meeting.ics_uid and event["SUMMARY"] == meeting.title


def test_the_mail_is_plain_text_and_html_in_vietnamese_with_the_calendar_attached(app, contacts):
    meeting = make_meeting(agenda="Báo cáo <tổng kết>; thảo luận")
    with force_locale("en"):  # the booker reads English; the endpoints read Vietnamese
        queue_meeting_notifications(meeting, "created")
    mail = _mails(meeting)["thads@angiang.moj.gov.vn"]
    message = build_message(mail, app.config["MAIL_FROM"], utcnow())
    assert message.get_content_type() == "multipart/mixed"
    alternative, attachment = message.iter_parts()
    assert alternative.get_content_type() == "multipart/alternative"
    text, html = alternative.iter_parts()
    assert text.get_content_type() == "text/plain" and html.get_content_type() == "text/html"
    assert text.get_content() == mail.body_text and "Kính gửi: Cục Thi hành án dân sự tỉnh An Giang" in mail.body_text
    assert "Báo cáo <tổng kết>; thảo luận" in text.get_content()
    page = html.get_content()
    assert "<p>Kính gửi: Cục Thi hành án dân sự tỉnh An Giang</p>" in page
    assert "Báo cáo &lt;tổng kết&gt;; thảo luận" in page  # escaped in HTML only
    assert "font-family:Arial, 'Segoe UI'" in page and 'lang="vi"' in page
    assert "/r/" in page and "/r/" in text.get_content()  # the answer link in both parts
    assert mail.subject.startswith("Giấy mời: ")
    assert attachment.get_content_type() == "text/calendar" and attachment.get_filename() == "invite.ics"
    assert attachment.get_param("method") == "REQUEST"
    assert icalendar.Calendar.from_ical(attachment.get_payload(decode=True)).walk("VEVENT")[0]["UID"] == meeting.ics_uid



@pytest.mark.parametrize("change", ["created", "updated", "cancelled", "removed"])
def test_mails_rendered_once_for_many_endpoints_are_each_what_one_mail_would_be(contacts, change):
    from meetings.notify.invitations import mail_bodies, mail_body

    meeting = make_meeting(participants=("thads-an-giang", "thads-ha-noi"), sequence=1,
                           **({"status": "cancelled", "cancel_reason": "Lịch <họp> & \"bận\""}
                              if change == "cancelled" else {}))
    endpoints = [endpoint("moj-hq"), endpoint("thads-an-giang"), endpoint("thads-ha-noi")]
    endpoints[1].name = 'Cục "Thi hành án" <An Giang> & Cà Mau'
    assert mail_bodies(meeting, change, endpoints) == [mail_body(meeting, change, e) for e in endpoints]


def test_a_booked_meeting_mails_its_contacts_host_first_without_reading_its_participants(contacts):
    meeting = make_meeting(participants=("thads-an-giang", "thads-ha-noi"))
    db.session.flush()
    db.session.expire(meeting, ["participants"])
    assert queue_meeting_notifications(meeting, "created") == 2
    assert "participants" in db.inspect(meeting).unloaded
    mails = sorted(db.session.scalars(select(OutgoingMail).where(OutgoingMail.meeting_id == meeting.id)),
                   key=lambda mail: mail.id)
    assert [mail.recipients for mail in mails] == [["cntt@moj.gov.vn"], ["thads@angiang.moj.gov.vn"]]
    attendees = icalendar.Calendar.from_ical(mails[0].calendar).walk("VEVENT")[0]["ATTENDEE"]
    assert [str(a) for a in attendees] == ["mailto:cntt@moj.gov.vn", "mailto:thads@angiang.moj.gov.vn"]
