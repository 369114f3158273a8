"""Queueing mail in the caller's transaction, and the mail log that admins read."""
from __future__ import annotations

from collections.abc import Iterable
from email.utils import parseaddr

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from meetings.auth import audit
from meetings.auth.models import User
from meetings.database import utcnow
from meetings.errors import ConflictError, NotFound
from meetings.extensions import db
from meetings.notify.models import CALENDAR_METHODS, MAIL_STATES, MailState, OutgoingMail


def sender_address() -> str:
    """The bare address of MAIL_FROM (hoinghi@moj.gov.vn): the envelope sender and iCalendar ORGANIZER."""
    return parseaddr(current_app.config["MAIL_FROM"])[1]


def _clean_recipients(recipients: Iterable[str] | str) -> list[str]:
    if isinstance(recipients, str):
        recipients = [recipients]
    cleaned = list(dict.fromkeys(address.strip() for address in recipients if address and address.strip()))
    if not cleaned:
        raise ValueError("a mail needs at least one recipient")
    if any(ch in address for address in cleaned for ch in "\r\n"):
        raise ValueError("a recipient address contains a line break")
    return cleaned


def calendar_method(text: str) -> str:
    """The METHOD of an iCalendar text, read from the calendar's own lines (before its first component):
    parsing the whole file for it costs as much as a thousand attendees (one line each) make it."""
    lines = iter(text.splitlines())
    for line in lines:
        if line.strip().upper() == "BEGIN:VCALENDAR":
            break
    for line in lines:
        name, _, value = line.partition(":")
        if name.strip().upper().startswith("BEGIN"):
            break
        if name.strip().upper() == "METHOD":
            return value.strip()
    return ""


def _calendar_text(calendar: bytes | str, method: str | None) -> tuple[str, str]:
    text = calendar.decode("utf-8") if isinstance(calendar, bytes) else calendar
    method = (method or calendar_method(text)).upper()
    if method not in CALENDAR_METHODS:
        raise ValueError(f"unknown iCalendar METHOD {method!r}")
    return text, method


def queue_mail(recipients: Iterable[str] | str, subject: str, body: str, *, html: str | None = None,
               calendar: bytes | str | None = None, calendar_method: str | None = None,
               meeting_id: int | None = None) -> OutgoingMail:
    """Add a message to the current transaction; the send-mail sweep delivers it once that commits.

    `body` is the plain text; `html`, if given, goes with it as multipart/alternative (see render_mail).
    The iCalendar METHOD is read from the attachment when not given. Raises ValueError on a message
    without recipients or with an unknown METHOD (programming errors, not user input).
    """
    mail = OutgoingMail(recipients=_clean_recipients(recipients), subject=" ".join(subject.split())[:500],
                        body_text=body, body_html=html, meeting_id=meeting_id, state=MailState.PENDING, attempts=0,
                        next_attempt_at=utcnow())
    if calendar is not None:
        mail.calendar, mail.calendar_method = _calendar_text(calendar, calendar_method)
    db.session.add(mail)
    return mail


MAIL_LOCALE = "vi"  # the recipients' language, whatever the language of the user whose action sends the mail


def mail_language():
    """A context in which gettext speaks the mail's language (for subjects built in code)."""
    return force_locale(MAIL_LOCALE)


def render_mail(name: str, **context) -> tuple[str, str]:
    """The plain text and the HTML of templates/mail/<name>.txt and .html, in the mail's language."""
    with mail_language():
        text = render_template(f"mail/{name}.txt", **context)
        html = render_template(f"mail/{name}.html", **context)
    return text.rstrip("\n") + "\n", html


def list_mail(*, state: str | None = None, page: int = 1, per_page: int = 50):
    """The newest messages first, optionally in one state."""
    query = select(OutgoingMail).order_by(OutgoingMail.created_at.desc(), OutgoingMail.id.desc())
    if state in MAIL_STATES:
        query = query.where(OutgoingMail.state == state)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def counts_by_state() -> dict[str, int]:
    rows = db.session.execute(select(OutgoingMail.state, func.count(OutgoingMail.id)).group_by(OutgoingMail.state))
    counts = dict.fromkeys(MAIL_STATES, 0)
    counts.update({state: count for state, count in rows})
    return counts


def get_mail(mail_id: int) -> OutgoingMail:
    """One message; raises NotFound."""
    mail = db.session.get(OutgoingMail, mail_id)
    if mail is None:
        raise NotFound()
    return mail


def send_again(mail: OutgoingMail, *, actor: User) -> None:
    """Put a failed message back in the queue with fresh attempts; raises ConflictError otherwise."""
    if mail.state != MailState.FAILED:
        raise ConflictError(_("Only a message that failed can be sent again."), code="not_failed")
    previous_error = mail.last_error
    mail.state, mail.attempts, mail.next_attempt_at, mail.last_error = MailState.PENDING, 0, utcnow(), ""
    audit.record("mail.send_again", actor=actor, target_type="mail", target_id=mail.id,
                 summary=mail.subject, changes={"last_error": [previous_error, ""]})
