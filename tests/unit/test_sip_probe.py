"""The SIP OPTIONS probe: a well-formed RFC 3261 request, and real user agents on 127.0.0.1 (sipp over UDP and
TCP, one answering 404, one silent, a closed port)."""
from __future__ import annotations

import re

import pytest

from meetings.readiness import probes
from tests.sip_ua import closed_port, sipp_user_agent, udp_user_agent


@pytest.fixture(scope="module")
def sipp_port():
    with sipp_user_agent() as port:
        yield port


def target(port: int, user: str = "thads-an-giang") -> probes.SipTarget:
    found = probes.sip_target(f"sip:{user}@127.0.0.1:{port};transport=tcp")
    assert found is not None
    return found


@pytest.mark.parametrize("dial, expected", [
    ("sip:thads-an-giang@vc.moj.gov.vn", ("sip:thads-an-giang@vc.moj.gov.vn", "vc.moj.gov.vn", 5060)),
    ("SIP:Room@10.0.0.5:5070;transport=udp", ("sip:Room@10.0.0.5:5070", "10.0.0.5", 5070)),
    ("Phòng họp <sip:room@10.0.0.5>", ("sip:room@10.0.0.5", "10.0.0.5", 5060)),
    ("sip:10.0.0.7", ("sip:10.0.0.7", "10.0.0.7", 5060)),
    ("sip:room@[2001:db8::1]:5062", ("sip:room@[2001:db8::1]:5062", "2001:db8::1", 5062)),
])
def test_sip_dial_strings_are_read_as_targets(dial, expected):
    found = probes.sip_target(dial)
    assert (found.uri, found.host, found.port) == expected


@pytest.mark.parametrize("dial", ["", "h323:room", "10.0.0.5", "sips:room@host", "tel:+8424", "sip:", "sip:room@",
                                  "sip:room@host:99999", "sip:room@ho st"])
def test_other_dial_strings_are_not_sip_targets(dial):
    assert probes.sip_target(dial) is None


def test_the_request_carries_every_mandatory_header():
    request = probes.options_request(target(5060), transport="udp", local_host="127.0.0.1", local_port=40000,
                                     branch="z9hG4bKabc123", tag="f00d", call_id="c0ffee@readiness-probe")
    text = request.decode("ascii")
    assert text.endswith("\r\n\r\n") and "\n" not in text.replace("\r\n", "")
    lines = text.split("\r\n")
    assert lines[0] == "OPTIONS sip:thads-an-giang@127.0.0.1:5060 SIP/2.0"
    headers = {line.split(":", 1)[0]: line.split(":", 1)[1].strip() for line in lines[1:] if line}
    assert re.fullmatch(r"SIP/2\.0/UDP 127\.0\.0\.1:40000;branch=z9hG4bK\w+;rport", headers["Via"])
    assert headers["Max-Forwards"] == "70"
    assert headers["From"].endswith(";tag=f00d") and headers["To"] == "<sip:thads-an-giang@127.0.0.1:5060>"
    assert headers["Call-ID"] == "c0ffee@readiness-probe" and headers["CSeq"] == "1 OPTIONS"
    assert headers["Content-Length"] == "0" and "Contact" in headers


def test_only_an_answer_to_our_own_request_counts():
    answer = (b"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:1;branch=z9hG4bKx\r\nCall-ID: ours\r\n"
              b"CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n")
    assert probes.parse_sip_response(answer, call_id="ours") == (200, "OK")
    assert probes.parse_sip_response(answer.replace(b"Call-ID: ours", b"i: ours"), call_id="ours") == (200, "OK")
    assert probes.parse_sip_response(answer, call_id="someone-else") is None
    assert probes.parse_sip_response(answer.replace(b"1 OPTIONS", b"1 INVITE"), call_id="ours") is None
    assert probes.parse_sip_response(b"HTTP/1.1 200 OK\r\n\r\n", call_id="ours") is None


@pytest.mark.parametrize("transport", ["udp", "tcp"])
def test_a_live_user_agent_answers_over_each_transport(sipp_port, transport):
    outcome = probes.sip_options(target(sipp_port), transport, 3)
    assert outcome.ok, outcome.detail
    assert outcome.detail == "200 OK" and outcome.latency_ms is not None


def test_the_probe_says_reachable_for_the_live_user_agent(sipp_port):
    outcome = probes.check_sip(target(sipp_port), 3)
    assert outcome.ok and set(outcome.transports) == {"udp", "tcp"}
    assert all(result.ok for result in outcome.transports.values())
    assert outcome.detail == "UDP 200 OK, TCP 200 OK"


def test_any_sip_answer_even_an_error_means_the_agent_is_alive():
    with udp_user_agent("404 Not Found") as (port, received):
        outcome = probes.sip_options(target(port), "udp", 2)
    assert outcome.ok and outcome.detail == "404 Not Found"
    assert received and received[0].startswith(b"OPTIONS sip:thads-an-giang@127.0.0.1:")


def test_a_closed_port_is_unreachable_over_both_transports():
    outcome = probes.check_sip(target(closed_port()), 2)
    assert not outcome.ok
    assert all(not result.ok for result in outcome.transports.values())
    assert "refused" in outcome.detail.lower()


def test_silence_is_unreachable_after_the_timeout_and_the_request_is_sent_again():
    with udp_user_agent(None) as (port, received):
        outcome = probes.sip_options(target(port), "udp", 1.2)
    assert not outcome.ok and "no answer within 1.2 s" in outcome.detail
    assert len(received) >= 2  # retransmitted after T1, as RFC 3261 asks over UDP
    assert len({message.split(b"branch=")[1].split(b";")[0] for message in received}) == 1  # the same transaction
