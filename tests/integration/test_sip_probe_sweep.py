"""The probe sweep asks endpoints whose dial string is a SIP URI with SIP OPTIONS (UDP and TCP) before their
meetings, against a real SIP user agent on 127.0.0.1 (sipp); the board shows it beside the other probes."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from meetings.database import utcnow
from meetings.endpoints.models import Endpoint
from meetings.extensions import db
from meetings.readiness.models import EndpointProbe, ProbeResult
from meetings.readiness.monitoring import probe_due_endpoints
from tests.factories import AN_GIANG, CA_MAU, HA_NOI, upcoming
from tests.sip_ua import closed_port, sipp_user_agent


@pytest.fixture(scope="module")
def sipp_port():
    with sipp_user_agent() as port:
        yield port


@pytest.fixture(autouse=True)
def sip_probes_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "READINESS_SIP_PROBE", True)
    monkeypatch.setitem(app.config, "READINESS_PROBE_TIMEOUT", 1)


def _dial(code: str, dial: str) -> None:
    db.session.execute(update(Endpoint).where(Endpoint.code == code).values(dial_string=dial))
    db.session.flush()


def _results(meeting) -> dict[str, ProbeResult]:
    db.session.expire_all()
    return dict(db.session.execute(select(Endpoint.code, ProbeResult).join(Endpoint, ProbeResult.endpoint_id ==
                                                                          Endpoint.id)
                                   .where(ProbeResult.meeting_id == meeting.id)).all())


def test_sip_endpoints_are_asked_with_options_before_their_meeting(client, bearer, sipp_port):
    meeting = upcoming(participants=(AN_GIANG, HA_NOI, CA_MAU), starts_in=timedelta(minutes=90))
    _dial(AN_GIANG, f"sip:thads-an-giang@127.0.0.1:{sipp_port}")
    _dial(HA_NOI, f"sip:thads-ha-noi@127.0.0.1:{closed_port()}")
    _dial(CA_MAU, "h323:thads-ca-mau")
    _dial("moj-hq", "10.0.0.1")
    listening = db.session.scalar(select(Endpoint.id).where(Endpoint.code == CA_MAU))
    db.session.add(EndpointProbe(endpoint_id=listening, address=f"127.0.0.1:{closed_port()}"))
    db.session.flush()

    assert probe_due_endpoints(utcnow()) == 3  # two SIP dial strings, one probe address; the host neither
    results = _results(meeting)
    an_giang, ha_noi, ca_mau = results[AN_GIANG], results[HA_NOI], results[CA_MAU]
    assert an_giang.sip_state == "ok" and an_giang.sip_detail == "UDP 200 OK, TCP 200 OK"
    assert an_giang.sip_uri == f"sip:thads-an-giang@127.0.0.1:{sipp_port}" and an_giang.state is None
    assert ha_noi.sip_state == "failed" and re.search("refused", ha_noi.sip_detail, re.I)
    assert ca_mau.sip_state is None and ca_mau.state == "failed"  # not SIP: only its probe address
    assert "moj-hq" not in results
    assert probe_due_endpoints(utcnow()) == 0  # not again within the interval

    body = client.get(f"/api/v1/meetings/{meeting.id}/readiness", headers=bearer("booker")).get_json()
    items = {item["endpoint"]: item for item in body["items"]}
    assert items[AN_GIANG]["sip_probe"]["state"] == "ok" and items[AN_GIANG]["probe"] is None
    assert items[HA_NOI]["sip_probe"]["state"] == "failed"
    assert items[CA_MAU]["sip_probe"] is None and items[CA_MAU]["probe"]["state"] == "failed"
    assert body["sip_probes"] == {"ok": 1, "failed": 1}
    assert body["probes"] == {"ok": 0, "failed": 1, "unchecked": 0}


def test_the_board_page_shows_the_sip_probe_beside_the_others(client, auth, sipp_port):
    meeting = upcoming(participants=(AN_GIANG, HA_NOI), starts_in=timedelta(minutes=90))
    _dial(AN_GIANG, f"sip:thads-an-giang@127.0.0.1:{sipp_port}")
    _dial(HA_NOI, f"sip:thads-ha-noi@127.0.0.1:{closed_port()}")
    probe_due_endpoints(utcnow())
    auth.login("booker")
    html = client.get(f"/meetings/{meeting.id}/readiness").get_data(as_text=True)
    assert re.search(r'data-testid="sip-probe" data-sip="ok"', html)
    assert re.search(r'data-testid="sip-probe" data-sip="failed"', html)
    assert "UDP 200 OK, TCP 200 OK" in html and "SIP: Kết nối được" in html


def test_without_the_setting_no_sip_request_is_sent(app, monkeypatch):
    monkeypatch.setitem(app.config, "READINESS_SIP_PROBE", False)
    upcoming(participants=(AN_GIANG,), starts_in=timedelta(minutes=90))
    _dial(AN_GIANG, f"sip:thads-an-giang@127.0.0.1:{closed_port()}")
    assert probe_due_endpoints(utcnow()) == 0


def _check_now(client, auth, code: str, address: str = ""):
    """The administrator (signed in) presses the check button of one row of the probes page."""
    token = auth.csrf_token("/readiness/probes")
    return client.post("/readiness/probes", data={"csrf_token": token, "check": code, f"probe-{code}": address})


def test_check_now_asks_a_sip_endpoint_with_options_like_the_sweep(client, auth, sipp_port):
    _dial(AN_GIANG, f"sip:thads-an-giang@127.0.0.1:{sipp_port}")
    db.session.commit()
    auth.login("admin")
    response = _check_now(client, auth, AN_GIANG)  # no probe address: the SIP probe alone
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'data-testid="probe-check-result" data-ok="yes"' in html
    assert 'data-testid="probe-check-sip" data-ok="yes"' in html and "UDP 200 OK, TCP 200 OK" in html
    assert f"sip:thads-an-giang@127.0.0.1:{sipp_port}" in html and "SIP: Kết nối được" in html
    assert 'data-testid="probe-check-address"' not in html
    assert db.session.scalar(select(EndpointProbe)) is None  # checking saves nothing


def test_check_now_shows_the_address_and_the_sip_result_side_by_side(client, auth, sipp_port):
    _dial(AN_GIANG, f"sip:thads-an-giang@127.0.0.1:{sipp_port}")
    _dial(HA_NOI, f"sip:thads-ha-noi@127.0.0.1:{closed_port()}")
    db.session.commit()
    auth.login("admin")
    html = _check_now(client, auth, AN_GIANG, f"127.0.0.1:{closed_port()}").get_data(as_text=True)
    assert 'data-testid="probe-check-result" data-ok="no"' in html  # the address failed, SIP answered
    assert 'data-testid="probe-check-address" data-ok="no"' in html
    assert 'data-testid="probe-check-sip" data-ok="yes"' in html
    html = _check_now(client, auth, HA_NOI).get_data(as_text=True)
    assert 'data-testid="probe-check-sip" data-ok="no"' in html and re.search("refused", html, re.I)


def test_check_now_of_an_endpoint_with_nothing_to_probe_asks_for_an_address(client, auth, app, monkeypatch):
    _dial(CA_MAU, "h323:thads-ca-mau")
    db.session.commit()
    auth.login("admin")
    response = _check_now(client, auth, CA_MAU)
    assert response.status_code == 422 and 'data-testid="probe-error"' in response.get_data(as_text=True)
    monkeypatch.setitem(app.config, "READINESS_SIP_PROBE", False)
    _dial(AN_GIANG, f"sip:thads-an-giang@127.0.0.1:{closed_port()}")
    db.session.commit()
    assert _check_now(client, auth, AN_GIANG).status_code == 422  # the setting off: no SIP request either


def test_the_probes_page_shows_the_latest_sip_result_beside_the_address_result(client, auth, sipp_port):
    upcoming(participants=(AN_GIANG,), starts_in=timedelta(minutes=90))
    _dial(AN_GIANG, f"sip:thads-an-giang@127.0.0.1:{sipp_port}")
    probe_due_endpoints(utcnow())
    auth.login("admin")
    html = client.get("/readiness/probes").get_data(as_text=True)
    row = re.search(rf'<tr data-endpoint="{AN_GIANG}">.*?</tr>', html, re.S).group(0)
    assert 'data-testid="sip-probe" data-sip="ok"' in row and "UDP 200 OK, TCP 200 OK" in row
