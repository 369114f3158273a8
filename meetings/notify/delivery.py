"""The send-mail sweep: claim due messages one by one, send them over SMTP (or log them), retry with backoff."""
from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from flask import current_app
from sqlalchemy import select, update

from meetings.extensions import db
from meetings.notify.models import MailState, OutgoingMail

log = logging.getLogger(__name__)

BATCH_SIZE = 100
# A claim older than this belongs to a sweep that died mid-send; the message is tried again
# (sent twice at worst, never lost).
CLAIM_LEASE = timedelta(minutes=15)
RETRY_BASE = timedelta(minutes=1)
RETRY_CAP = timedelta(hours=6)


@dataclass(frozen=True)
class MailSettings:
    server: str
    port: int
    username: str
    password: str
    use_tls: bool
    timeout: float
    sender: str
    max_attempts: int

    @classmethod
    def from_config(cls, config: Mapping) -> MailSettings:
        return cls(server=config["MAIL_SERVER"], port=config["MAIL_PORT"], username=config["MAIL_USERNAME"],
                   password=config["MAIL_PASSWORD"], use_tls=config["MAIL_USE_TLS"],
                   timeout=config["MAIL_TIMEOUT"], sender=config["MAIL_FROM"],
                   max_attempts=config["MAIL_MAX_ATTEMPTS"])

    @property
    def sender_address(self) -> str:
        return parseaddr(self.sender)[1]


@dataclass(frozen=True)
class Claimed:
    id: int
    attempts: int
    recipients: list[str]
    meeting_id: int | None
    message: EmailMessage


@dataclass(frozen=True)
class Outcome:
    state: str  # sent, logged, retry, failed
    error: str = ""
    server_down: bool = False  # stop this sweep: the next messages would meet the same wall


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4, 8 ... minutes after the n-th failed attempt, at most six hours."""
    return min(RETRY_BASE * 2 ** max(attempts - 1, 0), RETRY_CAP)


def build_message(mail: OutgoingMail, sender: str, now: datetime) -> EmailMessage:
    """The MIME message: the text body (with its HTML alternative, if any: multipart/alternative), and the .ics
    as a text/calendar attachment that clients show as an invitation."""
    message = EmailMessage()
    message["Subject"] = mail.subject
    message["From"] = sender
    message["To"] = ", ".join(mail.recipients)
    message["Date"] = format_datetime(now)
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    # Stable across retries, so that a receiver can drop the copy of a message sent twice.
    message["Message-ID"] = f"<mail-{mail.id}-{int(mail.created_at.timestamp())}@{domain}>"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(mail.body_text)
    if mail.body_html:
        message.add_alternative(mail.body_html, subtype="html")
    if mail.calendar is not None:
        message.add_attachment(mail.calendar.encode("utf-8"), maintype="text", subtype="calendar",
                               filename=mail.attachment_name,
                               params={"method": mail.calendar_method, "charset": "UTF-8"})
    return message


def send_due_mail(now: datetime) -> int:
    """Deliver the messages that are due; returns how many were sent or logged.

    Unlike other sweeps this commits as it goes: each claim is committed before the SMTP conversation,
    so that no database lock is held over the network and a concurrent sweep sees the claim.
    """
    settings = MailSettings.from_config(current_app.config)
    _release_stale_claims(now, settings.max_attempts)
    due = _due_ids(now)
    db.session.commit()
    delivered = 0
    for mail_id in due:
        claimed = _claim(mail_id, now, settings)
        if claimed is None:
            continue
        outcome = _deliver(claimed, settings)
        _record(claimed, outcome, now, settings.max_attempts)
        delivered += outcome.state in (MailState.SENT, MailState.LOGGED)
        if outcome.server_down:
            break
    return delivered


def _release_stale_claims(now: datetime, max_attempts: int) -> None:
    stale = (OutgoingMail.state == MailState.SENDING, OutgoingMail.next_attempt_at <= now)
    given_up = db.session.execute(
        update(OutgoingMail).where(*stale, OutgoingMail.attempts >= max_attempts)
        .values(state=MailState.FAILED, last_error="The sweep sending this message stopped before it finished.")
        .execution_options(synchronize_session=False)).rowcount
    released = db.session.execute(
        update(OutgoingMail).where(*stale).values(state=MailState.PENDING).execution_options(synchronize_session=False)
    ).rowcount
    if given_up or released:
        log.warning("mail: %d message(s) left in 'sending' by a stopped sweep: %d queued again, %d failed",
                    given_up + released, released, given_up)


def _due_ids(now: datetime) -> list[int]:
    query = (select(OutgoingMail.id).where(OutgoingMail.state == MailState.PENDING, OutgoingMail.next_attempt_at <= now)
             .order_by(OutgoingMail.next_attempt_at, OutgoingMail.id).limit(BATCH_SIZE))
    return list(db.session.scalars(query))


def _claim(mail_id: int, now: datetime, settings: MailSettings) -> Claimed | None:
    """Take one message for this sweep: exactly one concurrent claimant sees rowcount 1."""
    result = db.session.execute(
        update(OutgoingMail)
        .where(OutgoingMail.id == mail_id, OutgoingMail.state == MailState.PENDING, OutgoingMail.next_attempt_at <= now)
        .values(state=MailState.SENDING, attempts=OutgoingMail.attempts + 1, next_attempt_at=now + CLAIM_LEASE)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.commit()
        return None
    mail = db.session.get(OutgoingMail, mail_id, populate_existing=True)
    claimed = Claimed(id=mail.id, attempts=mail.attempts, recipients=list(mail.recipients),
                      meeting_id=mail.meeting_id, message=build_message(mail, settings.sender, now))
    db.session.commit()
    return claimed


def _deliver(claimed: Claimed, settings: MailSettings) -> Outcome:
    if not settings.server:
        log.info("mail %s logged, not sent (no MAIL_SERVER): meeting %s, to %s, %r", claimed.id,
                 claimed.meeting_id, ", ".join(claimed.recipients), claimed.message["Subject"])
        return Outcome(MailState.LOGGED)
    try:
        refused = _smtp_send(claimed, settings)
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _ in error.recipients.values()]
        return _refused(f"recipients refused: {_describe_refusals(error.recipients)}", codes)
    except smtplib.SMTPDataError as error:
        return _refused(f"message refused: {error.smtp_code} {_text(error.smtp_error)}", [error.smtp_code])
    except (OSError, smtplib.SMTPException) as error:
        # Connection, TLS, authentication or sender problems: the server, not this message.
        return Outcome("retry", f"{type(error).__name__}: {error}", server_down=True)
    log.info("mail %s sent: meeting %s, to %s", claimed.id, claimed.meeting_id, ", ".join(claimed.recipients))
    return Outcome(MailState.SENT, f"some recipients refused: {_describe_refusals(refused)}" if refused else "")


def _refused(error: str, codes: list[int]) -> Outcome:
    # A 5xx answer is final (RFC 5321): trying again would only be refused again.
    permanent = bool(codes) and all(500 <= code < 600 for code in codes)
    return Outcome(MailState.FAILED if permanent else "retry", error)


def _smtp_send(claimed: Claimed, settings: MailSettings) -> dict:
    with smtplib.SMTP(settings.server, settings.port, timeout=settings.timeout) as smtp:
        if settings.use_tls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.username:
            smtp.login(settings.username, settings.password)
        return smtp.send_message(claimed.message, from_addr=settings.sender_address, to_addrs=claimed.recipients)


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _describe_refusals(refusals: dict) -> str:
    return "; ".join(f"{address}: {code} {_text(reason)}" for address, (code, reason) in refusals.items())


def _record(claimed: Claimed, outcome: Outcome, now: datetime, max_attempts: int) -> None:
    state = outcome.state
    if state == "retry" and claimed.attempts >= max_attempts:
        state = MailState.FAILED
    values: dict = {"state": state, "last_error": outcome.error[:2000]}
    if state in (MailState.SENT, MailState.LOGGED):
        values["sent_at"] = now
    elif state == "retry":
        values.update(state=MailState.PENDING, next_attempt_at=now + retry_delay(claimed.attempts))
    if state in (MailState.FAILED, MailState.PENDING):
        log.warning("mail %s attempt %d failed (%s): meeting %s: %s", claimed.id, claimed.attempts,
                    "giving up" if state == MailState.FAILED else "will retry", claimed.meeting_id, outcome.error)
    db.session.execute(update(OutgoingMail)
                       .where(OutgoingMail.id == claimed.id, OutgoingMail.state == MailState.SENDING)
                       .values(**values).execution_options(synchronize_session=False))
    db.session.commit()
