"""The calls API and the call panel: roles, the slot rule, conditional reads, and the MCU switched off."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from meetings.extensions import db
from meetings.mcu.models import Action, CallState, EndpointCall
from tests.integration.mcu_helpers import ROOMS, clear_mcu, meeting_testing_now
from tests.mcu_sim import mcu_settings

ON = {**mcu_settings("http://127.0.0.1:9"), "MCU_SWEEP_SECONDS": 1}


def _on(app, monkeypatch):
    clear_mcu()
    for key, value in ON.items():
        monkeypatch.setitem(app.config, key, value)


def test_connect_all_queues_a_dial_per_endpoint_and_the_read_shows_them(app, client, bearer, monkeypatch):
    _on(app, monkeypatch)
    meeting = meeting_testing_now(participants=ROOMS[:3])
    db.session.commit()
    headers = bearer("booker")
    response = client.post(f"/api/v1/meetings/{meeting.id}/calls", headers=headers)
    assert response.status_code == 202, response.get_json()
    body = response.get_json()
    assert body["mode"] == "automatic" and body["conference"]["dial_in"] == {
        "uri": f"btp-{meeting.id}@127.0.0.1", "call_id": f"88{meeting.id:04d}"}
    assert body["counts"]["dialling"] == 4 and {i["state"] for i in body["items"]} == {"dialling"}
    dials = db.session.scalars(select(Action).where(Action.meeting_id == meeting.id, Action.kind == "dial")).all()
    assert len(dials) == 4
    read = client.get(f"/api/v1/meetings/{meeting.id}/calls", headers=headers)
    assert read.status_code == 200 and read.headers["ETag"]
    assert client.get(f"/api/v1/meetings/{meeting.id}/calls",
                      headers={**headers, "If-None-Match": read.headers["ETag"]}).status_code == 304
    item = read.get_json()["items"][1]
    assert set(item) >= {"endpoint", "name", "state", "reason", "attempts", "connected_at", "duration_seconds",
                         "alarms"}
    # Hang one up: not redialled; dial it again: a new series.
    code = ROOMS[0]
    hung = client.delete(f"/api/v1/meetings/{meeting.id}/calls/{code}", headers=headers)
    assert hung.status_code == 202 and hung.get_json()["hung_up"] is True
    again = client.post(f"/api/v1/meetings/{meeting.id}/calls/{code}", headers=headers)
    assert again.status_code == 202 and again.get_json()["state"] == CallState.DIALLING
    ended = client.delete(f"/api/v1/meetings/{meeting.id}/calls", headers=headers)
    assert ended.status_code == 202
    assert db.session.scalar(select(Action.id).where(Action.meeting_id == meeting.id, Action.kind == "end_call"))


def test_connect_all_before_the_test_slot_is_409(app, client, bearer, monkeypatch):
    _on(app, monkeypatch)
    meeting = meeting_testing_now(participants=ROOMS[:1], test_minutes_ago=-180, starts_in=timedelta(hours=4))
    db.session.commit()
    response = client.post(f"/api/v1/meetings/{meeting.id}/calls", headers=bearer("booker"))
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "too_early"


def test_roles(app, client, bearer, monkeypatch):
    _on(app, monkeypatch)
    meeting = meeting_testing_now(participants=ROOMS[:2])
    db.session.commit()
    url = f"/api/v1/meetings/{meeting.id}/calls"
    assert client.get(url, headers=bearer("leader")).status_code == 200
    assert client.post(url, headers=bearer("leader")).status_code == 403
    own = client.get(url, headers=bearer(f"op-{ROOMS[0]}"))
    assert own.status_code == 200 and [i["endpoint"] for i in own.get_json()["items"]] == [ROOMS[0]]
    assert client.post(url, headers=bearer(f"op-{ROOMS[0]}")).status_code == 403
    assert client.delete(f"{url}/{ROOMS[1]}", headers=bearer(f"op-{ROOMS[0]}")).status_code == 403
    assert client.get(url, headers=bearer("op-thads-ca-mau")).status_code == 403  # not invited
    assert client.post(url, headers=bearer("op-moj-hq")).status_code == 202  # the host's operator acts
    assert client.get(url).status_code == 401


def test_with_no_mcu_the_api_says_so_and_the_page_too(app, client, auth, bearer, monkeypatch):
    monkeypatch.setitem(app.config, "MCU_DRIVER", "")
    meeting = meeting_testing_now(participants=ROOMS[:1])
    db.session.commit()
    read = client.get(f"/api/v1/meetings/{meeting.id}/calls", headers=bearer("booker"))
    assert read.status_code == 200 and read.get_json()["enabled"] is False
    refused = client.post(f"/api/v1/meetings/{meeting.id}/calls", headers=bearer("booker"))
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "mcu_off"
    assert db.session.scalar(select(EndpointCall.id).where(EndpointCall.meeting_id == meeting.id)) is None
    auth.login("booker")
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert 'data-testid="mcu-off"' in page


def test_the_meeting_page_and_the_board_show_the_panel_with_dial_in(app, client, auth, monkeypatch, count_queries):
    _on(app, monkeypatch)
    meeting = meeting_testing_now(participants=ROOMS)
    db.session.commit()
    auth.login("booker")
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert 'data-testid="call-panel"' in page and 'data-testid="connect-all"' in page
    response = client.post(f"/meetings/{meeting.id}/call/connect",
                           data={"csrf_token": auth.csrf_token(f"/meetings/{meeting.id}")})
    assert response.status_code == 302
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert f"btp-{meeting.id}@127.0.0.1" in page and page.count('data-testid="call-row"') == len(ROOMS) + 1
    board = client.get(f"/meetings/{meeting.id}/readiness").get_data(as_text=True)
    assert 'data-testid="call-panel"' in board
    with count_queries() as statements:
        client.get(f"/api/v1/meetings/{meeting.id}/calls")
    assert len(statements) < 20  # one query for the rows, whatever their number


def test_the_dial_in_details_are_known_from_the_booking_on(app, client, bearer, monkeypatch):
    from meetings.mcu import services

    _on(app, monkeypatch)
    meeting = meeting_testing_now(participants=ROOMS[:1], test_minutes_ago=-600, starts_in=timedelta(days=3))
    db.session.commit()
    details = services.dial_in_for(meeting)
    assert details == {"uri": f"btp-{meeting.id}@127.0.0.1", "call_id": f"88{meeting.id:04d}", "automatic": True}
    body = client.get(f"/api/v1/meetings/{meeting.id}/calls", headers=bearer("booker")).get_json()
    assert body["conference"]["dial_in"] == {"uri": details["uri"], "call_id": details["call_id"]}
    monkeypatch.setitem(app.config, "MCU_DRIVER", "")
    assert services.dial_in_for(meeting) is None
