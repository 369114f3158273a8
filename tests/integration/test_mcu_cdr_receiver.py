"""The MCU's call-record receiver: secret token, allowed addresses, hostile and broken XML refused with nothing
stored, each record kept once, raw bodies kept when processing fails and processed again by the sweep."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from meetings.extensions import db
from meetings.mcu import records as cdr_records
from meetings.mcu.cdr_jobs import process_pending_batches
from meetings.mcu.records import McuCdrBatch, McuCdrCall, McuCdrLeg, McuCdrRecord
from meetings.mcu.signals import leg_recorded
from tests.cdr_xml import BILLION_LAUGHS, EXTERNAL_DTD, EXTERNAL_ENTITY, Script

TOKEN = "k7Qm2vX9pL4sR8tW1yZ6bN3cF5hJ0dGa"
URL = f"/mcu/cdr/{TOKEN}"
START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def receiver_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "MCU_CDR_TOKEN", TOKEN)
    monkeypatch.setitem(app.config, "MCU_CDR_ALLOW", "")


def minutes(value: float) -> datetime:
    return START + timedelta(minutes=value)


def call_of_two_legs(meeting_id=None, first_index: int = 86556) -> Script:
    script = Script(meeting_id=meeting_id, first_index=first_index)
    script.call_start(minutes(-10))
    script.leg_start("leg-an-giang", minutes(-9), remote="sip:thads-an-giang@vc.moj.gov.vn", owner="thads-an-giang")
    script.leg_start("leg-ca-mau", minutes(-9), remote="SIP:THADS-Ca-Mau@vc.moj.gov.vn:5060")
    script.leg_update("leg-an-giang", minutes(-8))
    script.leg_update("leg-ca-mau", minutes(-7), state="ringing")
    script.leg_end("leg-ca-mau", minutes(-6), reason="remoteBusy")
    script.leg_end("leg-an-giang", minutes(150))
    script.call_end(minutes(160))
    return script


def post(client, body: bytes, url: str = URL, **kwargs):
    return client.post(url, data=body, content_type="text/xml", **kwargs)


def counts() -> tuple[int, int]:
    return (db.session.scalar(select(func.count(McuCdrBatch.id))),
            db.session.scalar(select(func.count(McuCdrRecord.id))))


def legs() -> dict[str, McuCdrLeg]:
    return {leg.leg_id: leg for leg in db.session.scalars(select(McuCdrLeg))}


def test_records_are_stored_once_and_the_legs_derived(client):
    script = call_of_two_legs()
    response = post(client, script.xml())
    assert response.status_code == 204 and response.get_data() == b""
    assert counts() == (1, 8)
    batch = db.session.scalar(select(McuCdrBatch))
    assert batch.state == "processed" and batch.body == script.xml() and batch.new_records == 8
    derived = legs()
    an_giang, ca_mau = derived["leg-an-giang"], derived["leg-ca-mau"]
    assert an_giang.connected and an_giang.interval_times() == [(minutes(-8), minutes(150))]
    assert an_giang.endpoint_id is not None and an_giang.call_id == script.call_id
    assert not ca_mau.connected and ca_mau.reason == "remoteBusy" and ca_mau.endpoint_id is not None  # by dial string

    again = post(client, script.xml())
    assert again.status_code == 204
    assert counts() == (2, 8)  # the body is kept, its records were all duplicates
    assert db.session.scalars(select(McuCdrBatch).order_by(McuCdrBatch.id.desc())).first().new_records == 0


def test_any_order_of_batches_gives_the_same_legs(client):
    in_order, reversed_order = call_of_two_legs(), call_of_two_legs(first_index=90000)
    reversed_order.records = [(index, text.replace("leg-", "rev-")) for index, text in reversed_order.records]
    assert post(client, in_order.xml()).status_code == 204
    # The other call arrives one record per body, last first, with a resent record in between.
    for record in reversed(reversed_order.records):
        assert post(client, reversed_order.xml([record])).status_code == 204
    assert post(client, reversed_order.xml(reversed_order.records[3:5])).status_code == 204
    derived = legs()
    for name in ("an-giang", "ca-mau"):
        first, second = derived[f"leg-{name}"], derived[f"rev-{name}"]
        assert first.interval_times() == second.interval_times()
        assert (first.connected, first.reason, first.ended_at, first.endpoint_id) == (
            second.connected, second.reason, second.ended_at, second.endpoint_id)
    assert second.call_id == reversed_order.call_id


def test_a_leg_end_before_anything_else_is_tied_to_its_call_when_the_rest_arrives(client):
    script = call_of_two_legs()
    ends = [record for record in script.records if "callLegEnd" in record[1]]
    assert post(client, script.xml(ends)).status_code == 204
    assert legs()["leg-an-giang"].call_id is None
    rest = [record for record in script.records if record not in ends]
    assert post(client, script.xml(rest)).status_code == 204
    leg = legs()["leg-an-giang"]
    assert leg.call_id == script.call_id and leg.interval_times() == [(minutes(-8), minutes(150))]


def test_a_missing_leg_end_is_closed_by_the_call_end(client):
    script = call_of_two_legs()
    body = script.xml([record for record in script.records if 'callLegEnd' not in record[1] or "ca-mau" in record[1]])
    assert post(client, body).status_code == 204
    assert legs()["leg-an-giang"].interval_times() == [(minutes(-8), minutes(160))]


def test_the_call_remembers_its_meeting_for_records_that_carry_only_the_call(client, bearer):
    from tests.factories import book

    meeting_id = book(client, bearer("booker"))
    script = call_of_two_legs(meeting_id)
    legs_first = [record for record in script.records if "callStart" not in record[1]]
    assert post(client, script.xml(legs_first)).status_code == 204
    assert legs()["leg-an-giang"].meeting_id is None  # the call's tag has not arrived yet
    assert post(client, script.xml(script.records[:1])).status_code == 204
    assert db.session.get(McuCdrCall, script.call_id).meeting_id == meeting_id
    assert {leg.meeting_id for leg in legs().values()} == {meeting_id}


def test_each_new_leg_record_is_announced_once(client, bearer):
    from tests.factories import book

    meeting_id = book(client, bearer("booker"))
    heard: list[dict] = []

    def listen(sender, **event):
        heard.append(event)

    leg_recorded.connect(listen)
    try:
        script = call_of_two_legs(meeting_id)
        assert post(client, script.xml()).status_code == 204
        assert post(client, script.xml()).status_code == 204  # resent: nothing new to announce
    finally:
        leg_recorded.disconnect(listen)
    assert [(event["leg_id"], event["event"]) for event in heard] == [
        ("leg-an-giang", "started"), ("leg-ca-mau", "started"), ("leg-an-giang", "connected"),
        ("leg-ca-mau", "ended"), ("leg-an-giang", "ended")]
    busy = heard[3]
    assert busy == {"meeting_id": meeting_id, "call_id": script.call_id, "leg_id": "leg-ca-mau",
                    "endpoint_code": "thads-ca-mau", "remote_party": "SIP:THADS-Ca-Mau@vc.moj.gov.vn:5060",
                    "direction": "outgoing", "event": "ended", "reason": "remoteBusy", "connected": False,
                    "at": minutes(-6)}
    assert heard[4]["connected"] is True and heard[4]["endpoint_code"] == "thads-an-giang"
    assert heard[4]["at"].tzinfo is not None


@pytest.mark.parametrize("body", [
    b"this is not xml",
    b'<records callBridge="x"><record type="callStart" time="2026-03-02T01:00:00Z" recordIndex="1">',
    BILLION_LAUGHS,
    EXTERNAL_ENTITY,
    EXTERNAL_DTD,
    b"",
    b"<html/>",
])
def test_bodies_that_are_not_record_xml_are_refused_and_change_nothing(client, body):
    response = post(client, body)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] in ("not_xml", "forbidden", "empty", "not_records")
    assert counts() == (0, 0)


def test_a_truncated_push_after_a_good_document_refuses_the_whole_body(client):
    script = call_of_two_legs()
    response = post(client, script.xml(script.records[:4]) + script.xml(script.records[4:])[:-40])
    assert response.status_code == 400 and counts() == (0, 0)


def test_wrong_or_missing_token_is_404(client, app, monkeypatch):
    script = call_of_two_legs()
    assert post(client, script.xml(), url="/mcu/cdr/not-the-token").status_code == 404
    assert post(client, script.xml(), url=f"/mcu/cdr/{TOKEN[:-1]}").status_code == 404
    monkeypatch.setitem(app.config, "MCU_CDR_TOKEN", "")
    assert post(client, script.xml(), url="/mcu/cdr/").status_code == 404
    assert post(client, script.xml()).status_code == 404
    assert counts() == (0, 0)


def test_only_allowed_addresses_may_push(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "MCU_CDR_ALLOW", "10.0.5.20, 10.0.6.0/24")
    script = call_of_two_legs()
    assert post(client, script.xml()).status_code == 403  # the test client comes from 127.0.0.1
    assert post(client, script.xml(), environ_base={"REMOTE_ADDR": "10.0.7.1"}).status_code == 403
    assert counts() == (0, 0)
    assert post(client, script.xml(), environ_base={"REMOTE_ADDR": "10.0.6.77"}).status_code == 204
    assert post(client, script.xml(), environ_base={"REMOTE_ADDR": "10.0.5.20"}).status_code == 204
    assert post(client, b"garbage", environ_base={"REMOTE_ADDR": "10.0.7.1"},
                url="/mcu/cdr/wrong").status_code == 404


def test_no_sign_in_and_no_csrf_token_are_needed_but_other_methods_are_refused(client):
    assert client.get(URL).status_code == 405
    response = post(client, call_of_two_legs().xml(), headers={"Cookie": ""})
    assert response.status_code == 204


def test_a_processing_failure_keeps_the_raw_body_for_the_sweep(client, app, monkeypatch):
    script = call_of_two_legs()

    def broken(*args, **kwargs):
        raise RuntimeError("database hiccup")

    with monkeypatch.context() as patched:
        patched.setattr(cdr_records, "_derive", broken)
        response = post(client, script.xml())
        assert response.status_code == 204  # stored: the MCU must not send it again
        batch = db.session.scalar(select(McuCdrBatch))
        assert batch.state == "pending" and batch.attempts == 1 and "database hiccup" in batch.last_error
        assert counts() == (1, 0) and legs() == {}  # nothing of the failed processing stayed
        assert process_pending_batches(now=datetime.now(UTC)) == 0  # not due yet: it waits before retrying
    assert process_pending_batches(now=datetime.now(UTC) + timedelta(minutes=5)) == 1
    db.session.refresh(batch)
    assert batch.state == "processed" and batch.last_error == ""
    assert counts() == (1, 8) and legs()["leg-an-giang"].connected
    assert process_pending_batches(now=datetime.now(UTC) + timedelta(minutes=10)) == 0


def test_a_batch_that_keeps_failing_is_marked_failed(app, monkeypatch):
    script = call_of_two_legs()
    parsed = cdr_records.cdr.parse_body(script.xml())
    batch = cdr_records.store_batch(script.xml(), parsed)
    monkeypatch.setattr(cdr_records, "_derive", lambda *args, **kwargs: 1 / 0)
    moment = datetime.now(UTC)
    for _ in range(app.config["MCU_CDR_MAX_ATTEMPTS"]):
        moment += timedelta(hours=2)
        process_pending_batches(now=moment)
    db.session.refresh(batch)
    assert batch.state == "failed" and batch.attempts == app.config["MCU_CDR_MAX_ATTEMPTS"]
    assert "ZeroDivisionError" in batch.last_error
