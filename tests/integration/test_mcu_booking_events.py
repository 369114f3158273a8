"""Booking tells the MCU through its events: a booked meeting gets its space queued and its dial-in in the
invitation; a rename queues a rename; a cancellation ends the call and removes the space. Off: nothing."""
from __future__ import annotations

from sqlalchemy import select

from meetings.extensions import db
from meetings.mcu.models import Action, Conference
from meetings.notify.models import OutgoingMail
from tests.factories import endpoint, future_day, meeting_body
from tests.integration.mcu_helpers import clear_mcu
from tests.mcu_sim import mcu_settings


def _on(app, monkeypatch):
    clear_mcu()
    for key, value in mcu_settings("http://mcu.example:445").items():
        monkeypatch.setitem(app.config, key, value)


def _kinds(meeting_id: int) -> list[str]:
    return list(db.session.scalars(select(Action.kind).where(Action.meeting_id == meeting_id).order_by(Action.id)))


def test_booking_renaming_and_cancelling_reach_the_mcu_queue(app, client, bearer, monkeypatch):
    _on(app, monkeypatch)
    endpoint("thads-an-giang", "thads@angiang.moj.gov.vn")
    db.session.commit()
    headers = bearer("booker")
    response = client.post("/api/v1/meetings", json=meeting_body(future_day(weeks=30)), headers=headers)
    assert response.status_code == 201, response.get_json()
    meeting_id = response.get_json()["id"]
    conference = db.session.scalar(select(Conference).where(Conference.meeting_id == meeting_id))
    assert conference is not None and conference.mode == "automatic"
    assert _kinds(meeting_id) == ["create_space"]
    mail = db.session.scalars(select(OutgoingMail).where(OutgoingMail.meeting_id == meeting_id)
                              .order_by(OutgoingMail.id)).first()
    assert f"btp-{meeting_id}@mcu.example" in mail.body_text and f"88{meeting_id:04d}" in mail.body_text
    assert f"btp-{meeting_id}@mcu.example" in (mail.body_html or "")

    conference.space_id = "space-1"  # as if the sweep had made it
    db.session.commit()
    assert client.patch(f"/api/v1/meetings/{meeting_id}", json={"title": "Giao ban (đổi tên)"},
                        headers=headers).status_code == 200
    assert _kinds(meeting_id) == ["create_space", "rename_space"]
    assert client.delete(f"/api/v1/meetings/{meeting_id}", headers=headers).status_code in (200, 204)
    assert _kinds(meeting_id)[-2:] == ["end_call", "remove_space"]


def test_with_the_mcu_off_booking_queues_nothing_and_mails_no_dial_in(app, client, bearer, monkeypatch):
    monkeypatch.setitem(app.config, "MCU_DRIVER", "")
    response = client.post("/api/v1/meetings", json=meeting_body(future_day(weeks=31)), headers=bearer("booker"))
    meeting_id = response.get_json()["id"]
    assert _kinds(meeting_id) == []
    assert db.session.scalar(select(Conference.id).where(Conference.meeting_id == meeting_id)) is None
    for mail in db.session.scalars(select(OutgoingMail).where(OutgoingMail.meeting_id == meeting_id)):
        assert "btp-" not in mail.body_text
