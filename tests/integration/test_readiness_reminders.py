"""Reminders and the booker's alert: the clock moves through the offsets, the scheduler restarts in
between and runs twice at once, and each pending endpoint gets each reminder exactly once."""
from __future__ import annotations

import threading
from collections import Counter
from datetime import datetime, timedelta

import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from meetings import create_app
from meetings.auth.models import User
from meetings.booking.models import Meeting, Participant
from meetings.extensions import db
from meetings.notify.models import OutgoingMail
from meetings.readiness.models import ReadinessReminder
from meetings.readiness.reminders import claim, send_due_reminders
from meetings.readiness.services import get_meeting, get_participant, set_readiness
from tests.conftest import build_database, make_settings, throwaway_database
from tests.factories import AN_GIANG, CA_MAU, HA_NOI, endpoint, set_aside_queued_mail, upcoming

CODES = ("moj-hq", AN_GIANG, HA_NOI, CA_MAU)
REMINDER, ALERT = "Nhắc xác nhận sẵn sàng", "Cảnh báo"


def _prepare(meeting_days: int = 30) -> Meeting:
    """Contacts for the four endpoints, an operator and the booker with addresses, and a meeting that
    the booker booked."""
    for code in CODES:
        endpoint(code, f"{code}@moj.gov.vn")
    db.session.execute(update(User).where(User.username.in_(("booker", "op-thads-ca-mau")))
                       .values(email=User.username + "@moj.gov.vn"))
    booker = db.session.scalar(select(User).where(User.username == "booker"))
    meeting = upcoming(participants=(AN_GIANG, HA_NOI, CA_MAU), starts_in=timedelta(days=meeting_days),
                       created_by_id=booker.id)
    db.session.flush()
    return meeting


def _sweep_at(app, now: datetime) -> int:
    """One pass as the scheduler runs it: a fresh app context (nothing kept from an earlier pass), one commit."""
    with app.app_context():
        handled = send_due_reminders(now)
        db.session.commit()
        return handled


def _answer(meeting_id: int, code: str, status: str, note: str, now: datetime) -> None:
    meeting = get_meeting(meeting_id)
    set_readiness(meeting, get_participant(meeting, code), status, note, actor=None, channel="link", now=now)


def _mails(meeting_id: int) -> Counter:
    """(first recipient, kind of mail) -> how many were queued."""
    rows = db.session.scalars(select(OutgoingMail).where(OutgoingMail.meeting_id == meeting_id))
    return Counter((mail.recipients[0], "reminder" if mail.subject.startswith(REMINDER) else "alert")
                   for mail in rows if mail.subject.startswith((REMINDER, ALERT)))


def _sent(meeting_id: int) -> Counter:
    rows = db.session.execute(select(ReadinessReminder.kind, ReadinessReminder.endpoints)
                              .where(ReadinessReminder.meeting_id == meeting_id))
    return Counter((kind, tuple(codes)) for kind, codes in rows)


def test_the_clock_moves_through_the_offsets_with_restarts_and_double_runs(app):
    set_aside_queued_mail()
    meeting = _prepare()
    start = meeting.start_at
    _answer(meeting.id, HA_NOI, "ready", "", start - timedelta(days=3))

    assert _sweep_at(app, start - timedelta(hours=25)) == 0
    assert _sweep_at(app, start - timedelta(hours=24)) == 3  # moj-hq, An Giang, Cà Mau: still pending
    assert _sweep_at(app, start - timedelta(hours=24)) == 0  # the same pass again
    assert _sweep_at(app, start - timedelta(hours=23, minutes=59)) == 0  # a restarted scheduler
    _answer(meeting.id, AN_GIANG, "not_ready", "Mất điện", start - timedelta(hours=20))
    assert _sweep_at(app, start - timedelta(hours=3)) == 0
    assert _sweep_at(app, start - timedelta(hours=2)) == 2  # moj-hq and Cà Mau
    assert _sweep_at(app, start - timedelta(hours=1, minutes=59)) == 0
    assert _sweep_at(app, start - timedelta(minutes=60)) == 1  # the booker's alert
    assert _sweep_at(app, start - timedelta(minutes=60)) == 0
    assert _sweep_at(app, start - timedelta(minutes=1)) == 0
    assert _sweep_at(app, start + timedelta(minutes=1)) == 0

    assert _mails(meeting.id) == Counter({
        ("moj-hq@moj.gov.vn", "reminder"): 2, (f"{AN_GIANG}@moj.gov.vn", "reminder"): 1,
        (f"{CA_MAU}@moj.gov.vn", "reminder"): 2, ("booker@moj.gov.vn", "alert"): 1})
    assert _sent(meeting.id) == Counter({
        ("reminder-1440", ("moj-hq",)): 1, ("reminder-1440", (AN_GIANG,)): 1, ("reminder-1440", (CA_MAU,)): 1,
        ("reminder-120", ("moj-hq",)): 1, ("reminder-120", (CA_MAU,)): 1,
        ("escalation", (AN_GIANG, *sorted(("moj-hq", CA_MAU), key=_name))): 1})  # not ready, then silent


def _name(code: str) -> str:
    return endpoint(code).name


def test_the_mails_say_what_to_do(app):
    set_aside_queued_mail()
    meeting = _prepare()
    _answer(meeting.id, AN_GIANG, "not_ready", "Mất điện", meeting.start_at - timedelta(days=2))
    _sweep_at(app, meeting.start_at - timedelta(hours=24))
    _sweep_at(app, meeting.start_at - timedelta(minutes=59))
    mails = list(db.session.scalars(select(OutgoingMail).where(OutgoingMail.meeting_id == meeting.id)))
    reminder = next(m for m in mails if m.recipients[0] == f"{CA_MAU}@moj.gov.vn")
    assert reminder.recipients == [f"{CA_MAU}@moj.gov.vn", "op-thads-ca-mau@moj.gov.vn"]
    assert "/r/" in reminder.body_text and meeting.title in reminder.body_text
    alert = next(m for m in mails if m.recipients == ["booker@moj.gov.vn"])
    assert "Mất điện" in alert.body_text and f"/meetings/{meeting.id}/readiness" in alert.body_text
    assert endpoint(HA_NOI).name in alert.body_text and endpoint(CA_MAU).name in alert.body_text


def test_an_endpoint_invited_after_an_offset_gets_only_the_later_reminder(app):
    set_aside_queued_mail()
    meeting = _prepare()
    db.session.execute(update(Participant).where(Participant.meeting_id == meeting.id)
                       .values(invited_at=meeting.start_at - timedelta(hours=3)))
    assert _sweep_at(app, meeting.start_at - timedelta(hours=24)) == 0
    assert _sweep_at(app, meeting.start_at - timedelta(hours=2)) == 4


def test_a_scheduler_down_through_two_offsets_sends_one_reminder_not_two(app):
    set_aside_queued_mail()
    meeting = _prepare()
    assert _sweep_at(app, meeting.start_at - timedelta(minutes=100)) == 4
    assert {kind for kind, _ in _sent(meeting.id)} == {"reminder-120"}


def test_a_meeting_that_moves_is_reminded_again_for_its_new_time(app):
    set_aside_queued_mail()
    meeting = _prepare()
    first_start = meeting.start_at
    assert _sweep_at(app, first_start - timedelta(hours=24)) == 4
    moved = first_start + timedelta(days=2)
    db.session.execute(update(Meeting).where(Meeting.id == meeting.id)
                       .values(start_at=moved, end_at=moved + timedelta(hours=3), test_at=moved - timedelta(hours=1)))
    assert _sweep_at(app, moved - timedelta(hours=25)) == 0
    assert _sweep_at(app, moved - timedelta(hours=24)) == 4
    assert _sweep_at(app, moved - timedelta(hours=24)) == 0
    assert set(db.session.scalars(select(ReadinessReminder.for_start_at)
                                  .where(ReadinessReminder.meeting_id == meeting.id))) == {moved}


def test_the_alert_goes_to_every_booker_when_the_meetings_booker_has_no_address(app):
    set_aside_queued_mail()
    meeting = _prepare()
    db.session.execute(update(Meeting).where(Meeting.id == meeting.id).values(created_by_id=None))
    db.session.add_all([User(username="booker2", role="booker", email="booker2@moj.gov.vn", password_hash="-"),
                        User(username="booker3", role="booker", email="left@moj.gov.vn", password_hash="-",
                             is_active=False)])
    db.session.flush()
    _sweep_at(app, meeting.start_at - timedelta(minutes=59))
    [alert] = db.session.scalars(select(OutgoingMail).where(OutgoingMail.meeting_id == meeting.id,
                                                            OutgoingMail.subject.startswith(ALERT)))
    assert alert.recipients == ["booker@moj.gov.vn", "booker2@moj.gov.vn"]


def test_no_alert_when_every_endpoint_is_ready(app):
    set_aside_queued_mail()
    meeting = _prepare()
    for code in CODES:
        _answer(meeting.id, code, "ready", "", meeting.start_at - timedelta(days=2))
    assert _sweep_at(app, meeting.start_at - timedelta(minutes=59)) == 0
    assert _mails(meeting.id) == Counter()


def test_an_endpoint_without_an_address_is_claimed_but_not_mailed(app):
    set_aside_queued_mail()
    meeting = _prepare()
    endpoint(HA_NOI, "")
    db.session.flush()
    assert _sweep_at(app, meeting.start_at - timedelta(hours=24)) == 3
    assert ("reminder-1440", (HA_NOI,)) in _sent(meeting.id)


def test_the_unique_keys_refuse_a_second_reminder_row(app):
    meeting = _prepare()
    now = meeting.start_at - timedelta(hours=24)
    hanoi = endpoint(HA_NOI).id
    assert claim(meeting, hanoi, "reminder-1440", now) is not None
    assert claim(meeting, hanoi, "reminder-1440", now) is None
    assert claim(meeting, None, "escalation", now) is not None
    assert claim(meeting, None, "escalation", now) is None
    for endpoint_id, kind in ((hanoi, "reminder-1440"), (None, "escalation")):
        with pytest.raises(IntegrityError), db.session.begin_nested():
            db.session.execute(insert(ReadinessReminder).values(
                meeting_id=meeting.id, endpoint_id=endpoint_id, kind=kind, for_start_at=meeting.start_at,
                sent_at=now, recipients=[], endpoints=[]))


# ---- two schedulers at once, on their own database ---------------------------------------------------

@pytest.fixture(scope="module")
def own_database(tmp_path_factory):
    with throwaway_database(tmp_path_factory.mktemp("reminders"), "reminders") as url:
        app = create_app(make_settings(url))
        build_database(app)
        with app.app_context():
            db.engine.dispose()
        yield url


def _concurrent_sweeps(url: str, now: datetime, count: int = 4) -> list[int]:
    """`count` schedulers, each a freshly started application, sweep at the same moment."""
    apps = [create_app(make_settings(url)) for _ in range(count)]
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = _sweep_at(apps[index], now)
        except Exception as error:  # reported by the assertion below, with the error
            results[index] = error

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for app in apps:
        with app.app_context():
            db.engine.dispose()
    assert all(isinstance(result, int) for result in results), results
    return results


def test_two_schedulers_at_once_never_send_a_reminder_twice(own_database, separate_connections):
    setup = create_app(make_settings(own_database))
    with setup.app_context():
        meeting = _prepare()
        meeting_id, start = meeting.id, meeting.start_at
        db.session.commit()
    for moment, expected in ((start - timedelta(hours=24), 4), (start - timedelta(hours=2), 4),
                             (start - timedelta(minutes=60), 1)):
        results = _concurrent_sweeps(own_database, moment)
        assert sum(results) == expected, (moment, results)
    with setup.app_context():
        assert _mails(meeting_id) == Counter({**{(f"{code}@moj.gov.vn", "reminder"): 2 for code in CODES},
                                              ("booker@moj.gov.vn", "alert"): 1})
        assert sum(_sent(meeting_id).values()) == 9
        db.engine.dispose()
