"""Readiness pages: the operator's home, answering through the UI, the board and who may open it,
technical tests recorded from the board, the history, the probes page, and the strict CSP."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from meetings.extensions import db
from meetings.readiness.models import EndpointProbe, TechnicalTest
from tests.factories import AN_GIANG, HA_NOI, changes_of, participant, upcoming


def _answer(client, auth, meeting, code: str, status: str, note: str = "", next_url: str = "/"):
    token = auth.csrf_token("/")
    return client.post(f"/meetings/{meeting.id}/readiness/{code}",
                       data={"csrf_token": token, "status": status, "note": note, "next": next_url})


def _testids(html: str, testid: str) -> list[str]:
    return re.findall(rf'<[^>]*data-testid="{testid}"[^>]*>', html)


def test_the_operators_home_lists_their_meetings_soonest_first_with_what_to_answer(auth, client):
    later = upcoming(starts_in=timedelta(days=12))
    sooner = upcoming(starts_in=timedelta(days=10))
    answered = upcoming(starts_in=timedelta(days=11))
    elsewhere = upcoming(participants=(HA_NOI,), starts_in=timedelta(days=13))
    auth.login("op-thads-an-giang")
    assert _answer(client, auth, answered, AN_GIANG, "ready").status_code == 302
    html = client.get("/").get_data(as_text=True)
    items = _testids(html, "agenda-item")
    meetings = [int(re.search(r'data-meeting="(\d+)"', item).group(1)) for item in items]
    assert meetings == [sooner.id, answered.id, later.id] and elsewhere.id not in meetings
    to_answer = [re.search(r'data-to-answer="(\w+)"', item).group(1) for item in items]
    assert to_answer == ["yes", "no", "yes"]
    assert "agenda-to-answer" in items[0] and "agenda-to-answer" not in items[1]
    assert len(_testids(html, "to-answer-count")) == 1


def test_the_host_operators_home_leads_to_the_board_for_the_test_calls(auth, client):
    meeting = upcoming()
    auth.login("op-moj-hq")
    assert f'href="/meetings/{meeting.id}/readiness" data-testid="open-board"' in client.get("/").get_data(as_text=True)
    auth.logout()
    auth.login("op-thads-an-giang")
    assert 'data-testid="open-board"' not in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("username, target", [("booker", "/readiness"), ("op-moj-hq", "/readiness"),
                                              ("op-thads-an-giang", "/readiness/thads-an-giang")])
def test_the_meeting_page_leads_to_readiness(auth, client, username, target):
    meeting = upcoming()
    auth.login(username)
    html = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert f'href="/meetings/{meeting.id}{target}" data-testid="readiness-link"' in html


def test_staff_homes_have_no_agenda(auth, client):
    auth.login("booker")
    assert _testids(client.get("/").get_data(as_text=True), "agenda") == []


def test_an_operator_confirms_through_the_ui_and_is_refused_for_another_endpoint(auth, client):
    meeting = upcoming()
    auth.login("op-thads-an-giang")
    response = _answer(client, auth, meeting, AN_GIANG, "ready")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get(response.headers["Location"]).status_code == 200
    assert participant(meeting, AN_GIANG).readiness == "ready"
    assert _answer(client, auth, meeting, HA_NOI, "ready").status_code == 403
    assert client.get(f"/meetings/{meeting.id}/readiness/{HA_NOI}").status_code == 403
    assert participant(meeting, HA_NOI).readiness == "pending"
    [change] = changes_of(meeting)
    assert (change.channel, change.actor_name, change.on_behalf) == ("web", "op-thads-an-giang", False)


def test_an_operator_not_in_the_meeting_gets_403(auth, client):
    meeting = upcoming()
    auth.login("op-thads-ca-mau")
    assert _answer(client, auth, meeting, "thads-ca-mau", "ready").status_code == 403


def test_not_ready_without_a_reason_is_refused_with_the_form_again(auth, client):
    meeting = upcoming()
    auth.login("op-thads-an-giang")
    response = _answer(client, auth, meeting, AN_GIANG, "not_ready", "  ")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'data-field="note"' in html and 'data-testid="answer-form"' in html
    long_note = "Đường truyền chập chờn " * 30
    kept = _answer(client, auth, meeting, AN_GIANG, "not_ready", long_note)
    assert kept.status_code == 422 and long_note.strip() in kept.get_data(as_text=True)
    assert participant(meeting, AN_GIANG).readiness == "pending" and changes_of(meeting) == []


def test_after_the_start_the_ui_is_closed_too(auth, client):
    meeting = upcoming(starts_in=timedelta(minutes=-1))
    auth.login("op-thads-an-giang")
    assert _answer(client, auth, meeting, AN_GIANG, "ready").status_code == 409
    assert participant(meeting, AN_GIANG).readiness == "pending"
    page = client.get(f"/meetings/{meeting.id}/readiness/{AN_GIANG}").get_data(as_text=True)
    assert 'data-testid="answers-closed"' in page and 'data-testid="answer-form"' not in page


def test_a_booker_answers_on_behalf_from_the_answer_page(auth, client):
    meeting = upcoming()
    auth.login("booker")
    assert client.get(f"/meetings/{meeting.id}/readiness/{HA_NOI}").status_code == 200
    board = f"/meetings/{meeting.id}/readiness"
    response = _answer(client, auth, meeting, HA_NOI, "not_ready", "Phòng họp đang sửa", next_url=board)
    assert response.headers["Location"] == board
    assert changes_of(meeting)[0].on_behalf is True


def test_an_offsite_next_is_ignored(auth, client):
    meeting = upcoming()
    auth.login("op-thads-an-giang")
    response = _answer(client, auth, meeting, AN_GIANG, "ready", next_url="//evil.example/")
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("username, status", [("booker", 200), ("leader", 200), ("admin", 200), ("op-moj-hq", 200),
                                              ("op-thads-an-giang", 200), ("op-thads-ca-mau", 403)])
def test_who_opens_the_board(auth, client, username, status):
    meeting = upcoming()
    auth.login(username)
    assert client.get(f"/meetings/{meeting.id}/readiness").status_code == status
    assert client.get(f"/meetings/{meeting.id}/readiness/history").status_code == status


def test_the_board_shows_every_endpoint_by_region_with_the_map_and_history(auth, client, bearer):
    meeting = upcoming(participants=(AN_GIANG, HA_NOI, "thads-da-nang"))
    client.put(f"/api/v1/meetings/{meeting.id}/readiness/{AN_GIANG}", json={"status": "not_ready", "note": "Mất mạng"},
               headers=bearer("op-thads-an-giang"))
    auth.login("leader")
    html = client.get(f"/meetings/{meeting.id}/readiness").get_data(as_text=True)
    rows = dict(re.findall(r'class="board-row" data-endpoint="([^"]+)"[^>]*data-state="(\w+)"', html))
    assert rows == {"moj-hq": "pending", AN_GIANG: "not_ready", HA_NOI: "pending", "thads-da-nang": "pending"}
    assert re.findall(r'<tbody data-region="(\w+)">', html) == ["north", "central", "south"]
    assert len(re.findall(r'class="map-dot state-[^"]*" data-endpoint=', html)) == 4
    assert re.search(r'data-count="not_ready">1<', html) and re.search(r'data-count="pending">3<', html)
    assert 'data-from="pending" data-to="not_ready"' in html
    assert 'data-testid="answer-for"' not in html and 'data-testid="record-test"' not in html  # leaders read


def test_the_hq_operator_records_test_calls_during_the_test_slot(auth, client, bearer):
    meeting = upcoming(starts_in=timedelta(minutes=45))
    auth.login("op-moj-hq")
    assert 'data-testid="record-test"' in client.get(f"/meetings/{meeting.id}/readiness").get_data(as_text=True)
    token = auth.csrf_token(f"/meetings/{meeting.id}/readiness")
    response = client.post(f"/meetings/{meeting.id}/readiness/{AN_GIANG}/test",
                           data={"csrf_token": token, "result": "test_failed", "note": "Không có tiếng"})
    assert response.status_code == 302
    test = db.session.scalar(select(TechnicalTest).where(TechnicalTest.meeting_id == meeting.id))
    assert (test.result, test.note, test.recorded_by_name) == ("test_failed", "Không có tiếng", "op-moj-hq")
    api = client.put(f"/api/v1/meetings/{meeting.id}/readiness/{AN_GIANG}/test", json={"result": "test_ok"},
                     headers=bearer("op-moj-hq"))
    assert api.status_code == 200 and api.get_json()["test"]["result"] == "test_ok"
    assert [(c.aspect, c.from_status, c.to_status) for c in changes_of(meeting)] == [
        ("test", None, "test_failed"), ("test", "test_failed", "test_ok")]


def test_only_the_host_operator_and_the_office_record_tests(client, bearer):
    meeting = upcoming(starts_in=timedelta(minutes=45))
    url = f"/api/v1/meetings/{meeting.id}/readiness/{AN_GIANG}/test"
    assert client.put(url, json={"result": "test_ok"}, headers=bearer("op-thads-an-giang")).status_code == 403
    assert client.put(url, json={"result": "test_ok"}, headers=bearer("leader")).status_code == 403
    assert client.put(url, json={"result": "test_ok"}, headers=bearer("booker")).status_code == 200


def test_a_failed_test_needs_a_note_and_tests_wait_for_the_slot(client, bearer):
    soon, later = upcoming(starts_in=timedelta(minutes=45)), upcoming(starts_in=timedelta(days=3))
    headers = bearer("booker")
    failed = client.put(f"/api/v1/meetings/{soon.id}/readiness/{AN_GIANG}/test", json={"result": "test_failed"},
                        headers=headers)
    assert failed.status_code == 422 and "note" in failed.get_json()["error"]["fields"]
    early = client.put(f"/api/v1/meetings/{later.id}/readiness/{AN_GIANG}/test", json={"result": "test_ok"},
                       headers=headers)
    assert early.status_code == 409 and early.get_json()["error"]["code"] == "test_slot"
    assert db.session.scalar(select(TechnicalTest)) is None


def test_the_full_history_page_lists_every_change(auth, client, bearer):
    meeting = upcoming()
    headers = bearer("op-thads-an-giang")
    for status, note in (("ready", ""), ("not_ready", "Mất điện"), ("ready", "Có máy phát")):
        client.put(f"/api/v1/meetings/{meeting.id}/readiness/{AN_GIANG}", json={"status": status, "note": note},
                   headers=headers)
    auth.login("booker")
    html = client.get(f"/meetings/{meeting.id}/readiness/history").get_data(as_text=True)
    steps = re.findall(r'data-testid="history-row" data-endpoint="[^"]+" data-aspect="answer" '
                       r'data-from="(\w*)" data-to="(\w+)"', html)
    assert steps == [("not_ready", "ready"), ("ready", "not_ready"), ("pending", "ready")]


def test_the_overview_lists_coming_meetings_with_their_counts(auth, client, bearer):
    meeting = upcoming()
    client.put(f"/api/v1/meetings/{meeting.id}/readiness/{AN_GIANG}", json={"status": "ready"},
               headers=bearer("op-thads-an-giang"))
    auth.login("booker")
    html = client.get("/readiness").get_data(as_text=True)
    row = re.search(rf'data-testid="overview-row" data-meeting="{meeting.id}".*?</tr>', html, re.S).group(0)
    assert 'data-count="ready">1<' in row and 'data-count="pending">2<' in row


def test_an_operator_opening_readiness_sees_their_agenda(auth, client):
    meeting = upcoming()
    auth.login("op-thads-an-giang")
    html = client.get("/readiness").get_data(as_text=True)
    assert f'data-meeting="{meeting.id}"' in html and 'data-testid="agenda"' in html


def test_an_admin_sets_probe_addresses_all_or_nothing(auth, client, listening_port):
    auth.login("admin")
    token = auth.csrf_token("/readiness/probes")
    address = f"127.0.0.1:{listening_port}"
    bad = client.post("/readiness/probes", data={"csrf_token": token, f"probe-{AN_GIANG}": address,
                                                 f"probe-{HA_NOI}": "10.0.0.5"})
    assert bad.status_code == 422
    assert 'data-testid="probe-error"' in bad.get_data(as_text=True)
    assert f'value="127.0.0.1:{listening_port}"' in bad.get_data(as_text=True)
    assert db.session.scalar(select(EndpointProbe)) is None
    good = client.post("/readiness/probes", data={"csrf_token": token, f"probe-{AN_GIANG}": address,
                                                  f"probe-{HA_NOI}": "sip:hanoi@10.0.0.5"})
    assert good.status_code == 302
    assert {p.address for p in db.session.scalars(select(EndpointProbe))} == {f"127.0.0.1:{listening_port}",
                                                                             "sip:hanoi@10.0.0.5"}
    client.post("/readiness/probes", data={"csrf_token": token, f"probe-{HA_NOI}": ""})  # empty: no probe
    assert [p.address for p in db.session.scalars(select(EndpointProbe))] == [f"127.0.0.1:{listening_port}"]


def test_an_admin_tries_an_address_before_saving_it(auth, client, listening_port):
    auth.login("admin")
    token = auth.csrf_token("/readiness/probes")
    response = client.post("/readiness/probes", data={"csrf_token": token, "check": AN_GIANG,
                                                      f"probe-{AN_GIANG}": f"127.0.0.1:{listening_port}"})
    assert response.status_code == 200
    assert 'data-testid="probe-check-result" data-ok="yes"' in response.get_data(as_text=True)
    assert db.session.scalar(select(EndpointProbe)) is None  # trying saves nothing


def test_only_admins_manage_probes(auth, client):
    auth.login("booker")
    assert client.get("/readiness/probes").status_code == 403


def test_readiness_pages_have_no_inline_scripts_or_styles(auth, client, bearer):
    meeting = upcoming(starts_in=timedelta(minutes=45))
    client.put(f"/api/v1/meetings/{meeting.id}/readiness/{AN_GIANG}", json={"status": "not_ready", "note": "x"},
               headers=bearer("op-thads-an-giang"))
    pages = {"admin": ["/readiness", f"/meetings/{meeting.id}/readiness", f"/meetings/{meeting.id}/readiness/history",
                       f"/meetings/{meeting.id}/readiness/{AN_GIANG}", "/readiness/probes"],
             "op-thads-an-giang": ["/", "/readiness"]}
    for username, paths in pages.items():
        auth.login(username)
        for path in paths:
            response = client.get(path)
            html = response.get_data(as_text=True)
            assert response.status_code == 200, path
            assert not re.search(r"<script(?![^>]*\ssrc=)", html), path
            assert " style=" not in html and "onclick=" not in html, path
        auth.logout()
