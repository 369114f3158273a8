"""Probe addresses and checks, against real sockets and a real HTTP server on 127.0.0.1."""
from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from meetings.readiness.probes import ProbeAddressError, ProbeTarget, check, parse_address


@pytest.mark.parametrize("address, expected", [
    ("10.20.30.40:5060", ProbeTarget("tcp", "10.20.30.40", 5060)),
    ("tcp://codec.angiang.moj.gov.vn:1720", ProbeTarget("tcp", "codec.angiang.moj.gov.vn", 1720)),
    ("sip:thads-an-giang@vc.moj.gov.vn", ProbeTarget("tcp", "vc.moj.gov.vn", 5060)),
    ("sip:room@10.0.0.5:5070;transport=tcp", ProbeTarget("tcp", "10.0.0.5", 5070)),
    ("sips:room@vc.moj.gov.vn", ProbeTarget("tcp", "vc.moj.gov.vn", 5061)),
    ("h323:10.0.0.9", ProbeTarget("tcp", "10.0.0.9", 1720)),
    ("[fd00::5]:5060", ProbeTarget("tcp", "fd00::5", 5060)),
    ("http://10.0.0.5/status", ProbeTarget("http", "10.0.0.5", 80, "http://10.0.0.5/status")),
    ("https://codec.moj.gov.vn:8443/api/status",
     ProbeTarget("http", "codec.moj.gov.vn", 8443, "https://codec.moj.gov.vn:8443/api/status")),
])
def test_addresses_that_can_be_probed(address, expected):
    assert parse_address(address) == expected


@pytest.mark.parametrize("address, reason", [
    ("", "empty"), ("   ", "empty"), ("10.0.0.5", "port"), ("10.0.0.5:99999", "port"), ("host:abc", "port"),
    ("ftp://10.0.0.5/x", "scheme"), ("http://", "host"), ("a b:80", "host"), ("tcp://:5060", "host"),
])
def test_addresses_that_cannot(address, reason):
    with pytest.raises(ProbeAddressError) as error:
        parse_address(address)
    assert error.value.reason == reason


def test_a_listening_port_answers(listening_port):
    outcome = check(parse_address(f"127.0.0.1:{listening_port}"), timeout=2)
    assert outcome.ok and outcome.detail == f"TCP {listening_port} open" and outcome.latency_ms >= 0


def test_a_closed_port_fails_with_the_reason(closed_port):
    outcome = check(parse_address(f"127.0.0.1:{closed_port}"), timeout=2)
    assert not outcome.ok and "refused" in outcome.detail.lower()


class _Status(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/slow":
            time.sleep(1.5)
        code = 200 if self.path in ("/status", "/slow") else 503
        try:
            self.send_response(code)
            self.end_headers()
            self.wfile.write(b"{}")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the probe gave up waiting, as it should

    def log_message(self, *args):
        pass


@pytest.fixture
def status_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Status)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_an_http_status_url_that_answers_200(status_server):
    outcome = check(parse_address(f"{status_server}/status"), timeout=2)
    assert outcome.ok and outcome.detail == "HTTP 200"


def test_an_http_error_status_is_a_failure(status_server):
    outcome = check(parse_address(f"{status_server}/broken"), timeout=2)
    assert not outcome.ok and outcome.detail == "HTTP 503"


def test_a_codec_too_slow_to_answer_fails_within_the_timeout(status_server):
    outcome = check(parse_address(f"{status_server}/slow"), timeout=0.5)
    assert not outcome.ok and outcome.detail == "no answer within 0.5 s"  # gave up: did not wait for the answer
