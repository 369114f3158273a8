"""A real SMTP server for the mail tests (aiosmtpd on 127.0.0.1), and meetings built straight in the database."""
from __future__ import annotations

import socket
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from sqlalchemy import select, update

from meetings.booking.models import Meeting, Participant
from meetings.endpoints.models import Endpoint
from meetings.extensions import db
from meetings.notify.models import OutgoingMail


class RecordingHandler:
    """Keeps every accepted message; can refuse DATA (e.g. 451) or given recipients (e.g. 550)."""

    def __init__(self):
        self.messages: list[EmailMessage] = []
        self.envelopes = []
        self.refuse_data_with: str | None = None
        self.refused_recipients: dict[str, str] = {}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refused_recipients:
            return self.refused_recipients[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.refuse_data_with:
            return self.refuse_data_with
        self.envelopes.append(envelope)
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self):
        self.handler = RecordingHandler()
        self.port = _free_port()
        self.controller: Controller | None = None

    @property
    def messages(self) -> list[EmailMessage]:
        return self.handler.messages

    def start(self) -> None:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_smtp_server():
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def endpoint(code: str, email: str | None = None) -> Endpoint:
    found = db.session.scalar(select(Endpoint).where(Endpoint.code == code))
    if email is not None:
        found.contact_email = email
    return found


def make_meeting(*, participants: tuple[str, ...] = ("thads-an-giang",), day: int = 0, **fields) -> Meeting:
    """A scheduled meeting hosted at moj-hq, far enough ahead that it meets no other test's booking."""
    start = datetime(2031, 3, 3, 1, 0, tzinfo=UTC) + timedelta(days=day)
    values = dict(title="Hội nghị trực tuyến tổng kết công tác thi hành án dân sự", agenda="Báo cáo; thảo luận",
                  organizer="Văn phòng Bộ", chair="Thứ trưởng Nguyễn Thanh Tịnh", host=endpoint("moj-hq"),
                  start_at=start, end_at=start + timedelta(hours=3), test_at=start - timedelta(hours=1),
                  status="scheduled", ics_uid=f"{uuid.uuid4()}@hoinghi.moj.gov.vn", sequence=0)
    values.update(fields)
    meeting = Meeting(**values)
    busy = dict(busy_from=meeting.start_at - timedelta(minutes=30), busy_until=meeting.end_at + timedelta(minutes=30),
                holds_slot=meeting.status != "cancelled")
    meeting.participants.append(Participant(endpoint=meeting.host, is_host=True, **busy))
    for code in participants:
        meeting.participants.append(Participant(endpoint=endpoint(code), **busy))
    db.session.add(meeting)
    db.session.flush()
    return meeting


def set_aside_queued_mail() -> None:
    """Mail the suite's database already holds is marked sent (inside the test's rolled-back transaction),
    so that a sweep in the test handles the test's own messages only."""
    db.session.execute(update(OutgoingMail).where(OutgoingMail.state.in_(("pending", "sending"))).values(state="sent"))
