"""The govconf client against the simulator on loopback: signatures, keys, error classes, Retry-After."""
from __future__ import annotations

import hashlib
import hmac
import time

import pytest

from meetings.bridge.client import (
    ClientSettings,
    ConfigurationError,
    GovconfClient,
    PermanentError,
    TransientError,
    _Pacer,
    signature,
)
from meetings.bridge.simulator.app import Faults
from meetings.bridge.simulator.server import build_simulator, running

KEY, SECRET = "BTP-unit", "unit-secret"
BODY = {"site": "BTP", "external_ref": "ref-1", "title": "Giao ban", "start": "2031-03-03T08:00:00+07:00",
        "end": "2031-03-03T09:00:00+07:00", "dial": {"sip": "sip:hq@moj.gov.vn"}, "endpoint_count": 2,
        "contact": {"name": "VP", "phone": "1", "email": "a@moj.gov.vn"}}


class RecordedSleep:
    """Sleeps as asked, and keeps what was asked: the client's waits, read without a clock."""

    def __init__(self):
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        time.sleep(seconds)


def _client(url: str, secret: str = SECRET, sleep=time.sleep, **overrides) -> GovconfClient:
    settings = dict(base_url=url, key_id=KEY, secret=secret, site="BTP", connect_timeout=1.0, read_timeout=0.5,
                    retries=2, backoff_factor=0.001, backoff_max=0.01, max_inline_wait=2.0, rate_per_second=0)
    settings.update(overrides)
    return GovconfClient(ClientSettings(**settings), sleep=sleep)


def _sim(**kwargs):
    kwargs.setdefault("rate_limit", 0)
    return build_simulator(key_id=KEY, secret=SECRET, **kwargs)


def test_the_signature_is_the_contracts_hmac():
    body = b'{"a":1}'
    message = "POST\n/api/v1/conferences?x=1\n1700000000\n" + hashlib.sha256(body).hexdigest()
    expected = hmac.new(b"s3cret", message.encode(), hashlib.sha256).hexdigest()
    assert signature("s3cret", "post", "/api/v1/conferences?x=1", "1700000000", body) == expected


def test_a_write_without_a_key_is_a_programming_error():
    with pytest.raises(ValueError):
        _client("http://127.0.0.1:9").request("POST", "/api/v1/conferences", {})
    with pytest.raises(ConfigurationError):
        _client("")


def test_create_and_the_same_key_again_give_one_conference():
    sim = _sim()
    with running(sim) as url:
        client = _client(url)
        first = client.create_conference(BODY, key="k-1")
        again = client.create_conference(BODY, key="k-1")
        assert first == again and len(sim.government.conferences) == 1 and sim.replays == 1
        with pytest.raises(PermanentError) as refused:
            client.create_conference({**BODY, "title": "Khác"}, key="k-1")
        assert refused.value.status == 422
        with pytest.raises(PermanentError) as duplicate:
            client.create_conference(BODY, key="k-2")
        assert duplicate.value.code == "duplicate_ref" and duplicate.value.body["error"]["id"] == first["id"]
        client.cancel_conference("GC-0000-999999", key="k-3")  # unknown: done


def test_a_wrong_secret_is_a_configuration_error():
    with running(_sim()) as url:
        with pytest.raises(ConfigurationError) as refused:
            _client(url, secret="wrong").get_conference("GC-1")
    assert refused.value.status == 401


def test_capacity_is_permanent_and_garbage_is_transient():
    with running(_sim(capacity=0)) as url:
        with pytest.raises(PermanentError) as refused:
            _client(url).create_conference(BODY, key="k-1")
        assert (refused.value.status, refused.value.code) == (409, "capacity")
    sim = _sim(faults=Faults(script=["garbage"]))
    with running(sim) as url:
        with pytest.raises(TransientError):
            _client(url).create_conference(BODY, key="k-1")
        assert _client(url).create_conference(BODY, key="k-1")["external_ref"] == "ref-1"
    assert len(sim.government.effects) == 1


def test_transient_failures_are_retried_inline_with_the_same_key():
    sim = _sim(faults=Faults(script=["error", "drop", "slow"], slow_seconds=0.7))
    with running(sim) as url:
        with pytest.raises(TransientError):  # three failures: more than two retries
            _client(url).create_conference(BODY, key="k-1")
        conference = _client(url).create_conference(BODY, key="k-1")
    assert conference["id"] and len(sim.government.effects) == 1


def test_a_short_retry_after_is_waited_inline_and_a_long_one_is_handed_back():
    sim = _sim(faults=Faults(script=["429"], retry_after=1))
    with running(sim) as url:
        slept = RecordedSleep()
        _client(url, sleep=slept).create_conference(BODY, key="k-1")
        assert slept.waits == [1.0] and sim.requests == 2  # waited what the remote asked, then sent it again
        sim.faults.retry_after, sim.faults.script = 90, ["429"]
        slept = RecordedSleep()
        with pytest.raises(TransientError) as waiting:
            _client(url, sleep=slept).get_conference("GC-1")
        assert waiting.value.retry_after == 90 and waiting.value.status == 429
        assert slept.waits == [] and sim.requests == 3  # handed back at once: neither waited nor sent again


def test_the_client_keeps_to_the_rate_limit():
    sim = _sim(rate_limit=10)
    with running(sim) as url:
        slept = RecordedSleep()
        client = _client(url, rate_per_second=10, retries=0, sleep=slept)
        for _ in range(15):  # no retries: a single 429 from the remote's limit would raise here
            client.list_conferences(updated_since=None)
    assert sim.requests == 15  # all answered: it paced itself instead of being refused


def test_the_pacer_spaces_requests_a_tenth_under_the_limit():
    now, waits = [100.0], []

    def sleep(seconds):
        waits.append(round(seconds, 6))
        now[0] += seconds

    pacer = _Pacer(10, clock=lambda: now[0], sleep=sleep)
    for _ in range(4):
        pacer.wait()  # back to back: each one waits for its slot
    assert waits == [0.11, 0.11, 0.11]
    now[0] += 5
    pacer.wait()  # after a pause: at once
    assert waits == [0.11, 0.11, 0.11]
