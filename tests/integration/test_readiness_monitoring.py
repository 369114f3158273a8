"""The probe sweep: endpoints with a probe address are checked shortly before their meetings, against real
sockets on 127.0.0.1, each (meeting, endpoint) by one sweep at a time, and the board shows the result."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from meetings.database import utcnow
from meetings.endpoints.models import Endpoint
from meetings.extensions import db
from meetings.readiness.models import EndpointProbe, ProbeResult
from meetings.readiness.monitoring import Claimed, _claim, probe_due_endpoints
from tests.factories import AN_GIANG, CA_MAU, HA_NOI, upcoming


def _probe(code: str, address: str) -> int:
    endpoint_id = db.session.scalar(select(Endpoint.id).where(Endpoint.code == code))
    db.session.add(EndpointProbe(endpoint_id=endpoint_id, address=address))
    db.session.flush()
    return endpoint_id


def _results(meeting) -> dict[str, ProbeResult]:
    db.session.expire_all()
    rows = db.session.execute(select(Endpoint.code, ProbeResult).join(Endpoint, ProbeResult.endpoint_id == Endpoint.id)
                              .where(ProbeResult.meeting_id == meeting.id))
    return dict(rows.all())


def test_endpoints_are_probed_before_their_meeting_and_not_twice_within_the_interval(app, listening_port, closed_port):
    meeting = upcoming(starts_in=timedelta(minutes=90))
    later = upcoming(participants=(CA_MAU,), starts_in=timedelta(days=2))
    _probe(AN_GIANG, f"127.0.0.1:{listening_port}")
    _probe(HA_NOI, f"tcp://127.0.0.1:{closed_port}")
    _probe(CA_MAU, f"127.0.0.1:{listening_port}")
    now = utcnow()
    assert probe_due_endpoints(now) == 2
    results = _results(meeting)
    assert (results[AN_GIANG].state, results[AN_GIANG].detail) == ("ok", f"TCP {listening_port} open")
    assert results[HA_NOI].state == "failed" and results[HA_NOI].checked_at is not None
    assert _results(later) == {}  # too far ahead
    assert probe_due_endpoints(now + timedelta(minutes=1)) == 0
    interval = timedelta(minutes=app.config["READINESS_PROBE_INTERVAL_MINUTES"])
    assert probe_due_endpoints(now + interval) == 2


def test_a_meeting_that_started_or_was_cancelled_is_not_probed(listening_port):
    upcoming(starts_in=timedelta(minutes=-5))
    upcoming(participants=(CA_MAU,), starts_in=timedelta(minutes=30), status="cancelled")
    _probe(AN_GIANG, f"127.0.0.1:{listening_port}")
    _probe(CA_MAU, f"127.0.0.1:{listening_port}")
    assert probe_due_endpoints(utcnow()) == 0


def test_one_sweep_at_a_time_takes_an_endpoint(app):
    meeting = upcoming(starts_in=timedelta(minutes=90))
    endpoint_id = _probe(AN_GIANG, "127.0.0.1:9")
    target = Claimed(meeting.id, endpoint_id, "127.0.0.1:9")
    now, interval = utcnow(), timedelta(minutes=10)
    assert _claim(target, now, interval) is True
    assert _claim(target, now, interval) is False  # a second scheduler, at the same time
    assert _claim(target, now + interval, interval) is True


def test_the_board_shows_the_probe_beside_the_answer(client, bearer, listening_port, closed_port):
    meeting = upcoming(starts_in=timedelta(minutes=90))
    _probe(AN_GIANG, f"127.0.0.1:{listening_port}")
    _probe(HA_NOI, f"127.0.0.1:{closed_port}")
    probe_due_endpoints(utcnow())
    client.put(f"/api/v1/meetings/{meeting.id}/readiness/{AN_GIANG}", json={"status": "ready"},
               headers=bearer("op-thads-an-giang"))
    body = client.get(f"/api/v1/meetings/{meeting.id}/readiness", headers=bearer("booker")).get_json()
    items = {item["endpoint"]: item for item in body["items"]}
    assert items[AN_GIANG]["status"] == "ready" and items[AN_GIANG]["probe"]["state"] == "ok"
    assert items[HA_NOI]["status"] == "pending" and items[HA_NOI]["probe"]["state"] == "failed"
    assert items["moj-hq"]["probe"] is None
    assert body["probes"] == {"ok": 1, "failed": 1, "unchecked": 0}
