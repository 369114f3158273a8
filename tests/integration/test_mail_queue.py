"""The outgoing mail queue against a real SMTP server: once-only delivery, MIME, retries, the mail log."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import delete, select

from meetings.auth.models import AuditEntry
from meetings.database import utcnow
from meetings.extensions import db
from meetings.notify.delivery import CLAIM_LEASE, send_due_mail
from meetings.notify.models import OutgoingMail
from meetings.notify.services import queue_mail
from tests.factories import set_aside_queued_mail
from tests.integration.smtp import running_smtp_server

ICS = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//\r\nMETHOD:{method}\r\nBEGIN:VEVENT\r\n"
       "UID:u-1@test\r\nDTSTAMP:20310303T010000Z\r\nDTSTART:20310303T010000Z\r\nSUMMARY:Giao ban\r\n"
       "END:VEVENT\r\nEND:VCALENDAR\r\n")


@pytest.fixture(autouse=True)
def empty_queue(db_session):
    if db_session is not None:
        set_aside_queued_mail()


@pytest.fixture
def smtp(app, monkeypatch):
    with running_smtp_server() as server:
        monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
        monkeypatch.setitem(app.config, "MAIL_PORT", server.port)
        monkeypatch.setitem(app.config, "MAIL_TIMEOUT", 5)
        yield server


def _queue(subject="Giấy mời: Giao ban", to="thads.angiang@moj.gov.vn", **kwargs) -> OutgoingMail:
    mail = queue_mail([to], subject, "Kính gửi: Cục Thi hành án dân sự tỉnh An Giang\n", **kwargs)
    db.session.commit()
    return mail


def _reload(mail: OutgoingMail) -> OutgoingMail:
    db.session.expire_all()
    return db.session.get(OutgoingMail, mail.id)


def test_queue_mail_only_adds_to_the_transaction(app):
    mail = queue_mail(["a@moj.gov.vn", " a@moj.gov.vn ", ""], "Giấy mời:\r\n x", "body")
    assert mail in db.session.new
    assert mail.recipients == ["a@moj.gov.vn"] and mail.subject == "Giấy mời: x"
    db.session.rollback()
    assert db.session.scalar(select(OutgoingMail).where(OutgoingMail.subject == "Giấy mời: x")) is None


def test_queue_mail_reads_the_method_from_the_calendar(app):
    mail = queue_mail("a@moj.gov.vn", "s", "b", calendar=ICS.format(method="CANCEL").encode())
    assert mail.calendar_method == "CANCEL" and mail.attachment_name == "cancel.ics"
    with pytest.raises(ValueError):
        queue_mail([], "s", "b")


def test_delivers_with_the_invitation_attached(app, smtp):
    mail = _queue(calendar=ICS.format(method="REQUEST"))
    assert send_due_mail(utcnow()) == 1
    assert _reload(mail).state == "sent" and mail.sent_at is not None and mail.attempts == 1
    [message] = smtp.messages
    assert message["Subject"] == "Giấy mời: Giao ban"
    assert message["From"].addresses[0].display_name == "Hội nghị trực tuyến Bộ Tư pháp"
    assert message["To"] == "thads.angiang@moj.gov.vn" and message["Message-ID"]
    assert smtp.handler.envelopes[0].mail_from == "hoinghi@moj.gov.vn"
    assert message.get_content_type() == "multipart/mixed"
    body, attachment = message.iter_parts()
    assert body.get_content_type() == "text/plain" and "An Giang" in body.get_content()
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_param("method") == "REQUEST" and attachment.get_param("charset") == "UTF-8"
    assert attachment.get_filename() == "invite.ics"
    calendar = Calendar.from_ical(attachment.get_payload(decode=True))
    assert calendar["METHOD"] == "REQUEST" and calendar.walk("VEVENT")[0]["SUMMARY"] == "Giao ban"


def test_a_cancellation_is_attached_as_cancel_ics(app, smtp):
    _queue(subject="Hủy: Giao ban", calendar=ICS.format(method="CANCEL"))
    send_due_mail(utcnow())
    attachment = list(smtp.messages[0].iter_parts())[1]
    assert attachment.get_filename() == "cancel.ics" and attachment.get_param("method") == "CANCEL"


def test_a_message_is_sent_once_and_not_again(app, smtp):
    mail = _queue()
    now = utcnow()
    assert send_due_mail(now) == 1
    assert send_due_mail(now + timedelta(hours=1)) == 0
    assert len(smtp.messages) == 1 and _reload(mail).state == "sent"


def test_a_refusing_server_means_retries_with_backoff_then_failed(app, smtp, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 3)
    smtp.handler.refuse_data_with = "451 4.3.0 Try again later"
    mail = _queue()
    now = utcnow()
    assert send_due_mail(now) == 0
    mail = _reload(mail)
    assert (mail.state, mail.attempts) == ("pending", 1) and "451" in mail.last_error
    assert mail.next_attempt_at == now + timedelta(minutes=1)
    assert send_due_mail(now + timedelta(seconds=30)) == 0
    assert _reload(mail).attempts == 1  # not due yet: untouched
    second = now + timedelta(minutes=1)
    send_due_mail(second)
    mail = _reload(mail)
    assert (mail.state, mail.attempts, mail.next_attempt_at) == ("pending", 2, second + timedelta(minutes=2))
    send_due_mail(second + timedelta(minutes=2))
    mail = _reload(mail)
    assert (mail.state, mail.attempts) == ("failed", 3) and "451" in mail.last_error
    assert send_due_mail(second + timedelta(days=1)) == 0 and smtp.messages == []


def test_a_stopped_server_delays_the_queue_and_it_flows_again(app, smtp):
    first, second = _queue(subject="một"), _queue(subject="hai")
    smtp.stop()
    now = utcnow()
    assert send_due_mail(now) == 0
    first, second = _reload(first), _reload(second)
    assert (first.state, first.attempts) == ("pending", 1) and first.last_error
    assert second.attempts == 0  # the sweep stopped at the first connection failure
    smtp.start()
    assert send_due_mail(now + timedelta(minutes=1)) == 2
    assert sorted(message["Subject"] for message in smtp.messages) == ["hai", "một"]


def test_a_recipient_refused_for_good_fails_at_once_and_others_still_go(app, smtp):
    smtp.handler.refused_recipients["nobody@moj.gov.vn"] = "550 5.1.1 No such user"
    bad, good = _queue(to="nobody@moj.gov.vn"), _queue(to="thads.angiang@moj.gov.vn")
    assert send_due_mail(utcnow()) == 1
    bad = _reload(bad)
    assert (bad.state, bad.attempts) == ("failed", 1) and "550" in bad.last_error
    assert _reload(good).state == "sent"


def test_a_claim_left_by_a_dead_sweep_is_taken_again_after_its_lease(app, smtp):
    mail = _queue()
    now = utcnow()
    mail.state, mail.attempts, mail.next_attempt_at = "sending", 1, now + CLAIM_LEASE
    db.session.commit()
    assert send_due_mail(now) == 0
    assert send_due_mail(now + CLAIM_LEASE) == 1
    assert _reload(mail).attempts == 2 and len(smtp.messages) == 1


def test_a_claim_left_on_the_last_attempt_fails_rather_than_loop(app, smtp, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 2)
    mail = _queue()
    now = utcnow()
    mail.state, mail.attempts, mail.next_attempt_at = "sending", 2, now
    db.session.commit()
    assert send_due_mail(now) == 0
    mail = _reload(mail)
    assert mail.state == "failed" and "stopped before it finished" in mail.last_error and smtp.messages == []


def test_two_sweeps_at_once_send_each_message_once(app, smtp, separate_connections):
    with app.app_context():
        mails = [queue_mail([f"ep{n}@moj.gov.vn"], f"Giấy mời số {n}", "nội dung") for n in range(12)]
        db.session.commit()
        ids = [mail.id for mail in mails]
    barrier, counts, errors = threading.Barrier(2), [], []

    def sweep():
        try:
            with app.app_context():
                barrier.wait()
                counts.append(send_due_mail(utcnow()))
        except Exception as error:  # reported below; a thread's exception would otherwise vanish
            errors.append(error)

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert errors == []
        assert len(counts) == 2 and sum(counts) >= 12
        subjects = [message["Subject"] for message in smtp.messages if message["Subject"].startswith("Giấy mời số")]
        assert sorted(subjects) == sorted(f"Giấy mời số {n}" for n in range(12))
        with app.app_context():
            states = set(db.session.scalars(select(OutgoingMail.state).where(OutgoingMail.id.in_(ids))))
            assert states == {"sent"}
    finally:
        with app.app_context():
            db.session.execute(delete(OutgoingMail).where(OutgoingMail.id.in_(ids)))
            db.session.commit()


def test_without_a_mail_server_messages_are_logged_and_shown_to_admins(app, auth, client):
    assert app.config["MAIL_SERVER"] == ""
    mail = _queue(subject="Giấy mời: Giao ban tháng 3", calendar=ICS.format(method="REQUEST"))
    assert send_due_mail(utcnow()) == 1
    assert _reload(mail).state == "logged" and mail.sent_at is not None
    auth.login("admin")
    listing = client.get("/admin/mail?state=logged").get_data(as_text=True)
    assert "Giấy mời: Giao ban tháng 3" in listing and "thads.angiang@moj.gov.vn" in listing
    assert " style=" not in listing and "<script>" not in listing
    page = client.get(f"/admin/mail/{mail.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Kính gửi: Cục Thi hành án dân sự tỉnh An Giang" in html
    assert "invite.ics" in html and " style=" not in html and "<script>" not in html
    assert "Giao ban tháng 3" not in client.get("/admin/mail?state=failed").get_data(as_text=True)


def test_the_mail_log_pages(app, auth, client):
    for n in range(3):
        _queue(subject=f"Thư {n}")
    app.config["PAGE_SIZE"], size = 2, app.config["PAGE_SIZE"]
    try:
        auth.login("admin")
        first = client.get("/admin/mail?state=pending").get_data(as_text=True)
        second = client.get("/admin/mail?state=pending&page=2").get_data(as_text=True)
    finally:
        app.config["PAGE_SIZE"] = size
    assert "Thư 2" in first and "Thư 1" in first and "Thư 0" not in first
    assert "Thư 0" in second and "page=2" in first


def test_admin_sends_a_failed_message_again(app, auth, client):
    mail = _queue()
    mail.state, mail.attempts, mail.last_error = "failed", 6, "451 busy"
    db.session.commit()
    auth.login("admin")
    token = auth.csrf_token(f"/admin/mail/{mail.id}")
    assert f"/admin/mail/{mail.id}/send-again" in client.get(f"/admin/mail/{mail.id}").get_data(as_text=True)
    assert client.post(f"/admin/mail/{mail.id}/send-again", data={}).status_code == 400  # no CSRF token
    response = client.post(f"/admin/mail/{mail.id}/send-again", data={"csrf_token": token})
    assert response.status_code == 302
    mail = _reload(mail)
    assert (mail.state, mail.attempts, mail.last_error) == ("pending", 0, "")
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "mail.send_again")).target_id == str(mail.id)


def test_only_failed_messages_can_be_sent_again(app, auth, client):
    mail = _queue()
    auth.login("admin")
    token = auth.csrf_token(f"/admin/mail/{mail.id}")
    assert "/send-again" not in client.get(f"/admin/mail/{mail.id}").get_data(as_text=True)
    client.post(f"/admin/mail/{mail.id}/send-again", data={"csrf_token": token},
                headers={"Referer": f"/admin/mail/{mail.id}"})
    assert _reload(mail).state == "pending" and mail.attempts == 0


@pytest.mark.parametrize("username", ["op-thads-an-giang", "booker", "leader"])
def test_only_admins_read_the_mail_log(app, auth, client, username):
    mail = _queue()
    auth.login(username)
    assert client.get("/admin/mail").status_code == 403
    assert client.get(f"/admin/mail/{mail.id}").status_code == 403
    token = auth.csrf_token("/")
    assert client.post(f"/admin/mail/{mail.id}/send-again", data={"csrf_token": token}).status_code == 403


def test_an_unknown_message_is_404(auth, client):
    auth.login("admin")
    assert client.get("/admin/mail/999999").status_code == 404
