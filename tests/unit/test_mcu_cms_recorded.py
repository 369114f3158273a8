"""The CMS driver reading recorded CMS answers (tests/fixtures/mcu): the XML real servers send, pages that
do not say a leg's state, alarms, failureDetails, Location ids, and bodies that are not XML."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from meetings.mcu.cms import CmsDriver
from meetings.mcu.driver import DriverError, NotFoundError, Unavailable

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "mcu"
CALL = "d4d90b1d-7590-4a1b-8586-3dfdd35936ba"


def _file(name: str, status: int = 200) -> Response:
    return Response((FIXTURES / name).read_bytes(), status=status, mimetype="text/xml")


class Recorded:
    def __init__(self):
        self.requests: list[tuple[str, str, dict]] = []
        self.receivers_full = False

    def __call__(self, environ, start_response):
        request = Request(environ)
        self.requests.append((request.method, request.path, dict(request.values)))
        return self.answer(request)(environ, start_response)

    def answer(self, request: Request) -> Response:
        path, method = request.path.removeprefix("/api/v1"), request.method
        if (method, path) == ("GET", "/coSpaces"):
            return _file("coSpaces.xml")
        if (method, path) == ("POST", "/coSpaces"):
            return Response(b"", headers={"Location": "/api/v1/coSpaces/99999999-aaaa-4bbb-8ccc-000000000001"})
        if method == "DELETE" and path.startswith("/coSpaces/"):
            return _file("failure-coSpaceDoesNotExist.xml", 404)
        if (method, path) == ("GET", "/calls"):
            return _file("calls.xml")
        if (method, path) == ("GET", f"/calls/{CALL}/callLegs"):
            return _file("callLegs-2.xml" if request.args.get("offset") == "2" else "callLegs-0.xml")
        if method == "GET" and path.startswith("/callLegs/"):
            return _file("callLeg.xml")
        if (method, path) == ("POST", f"/calls/{CALL}/callLegs"):
            return Response(b"", headers={"Location": "/api/v1/callLegs/5611cb0c-e6a1-4e54-bd3a-53926d321da3"})
        if (method, path) == ("GET", "/system/status"):
            return _file("status.xml")
        if (method, path) == ("GET", "/system/cdrReceivers"):
            return _file("cdrReceivers.xml")
        if (method, path) == ("POST", "/system/cdrReceivers"):
            return _file("failure-tooManyCdrReceivers.xml", 400)
        if path == "/garbage":
            return Response(b"<html>Gateway</html", status=200, mimetype="text/html")
        return Response(b"", status=404)


@contextmanager
def recorded() -> Iterator[tuple[CmsDriver, Recorded]]:
    app = Recorded()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield CmsDriver(f"http://127.0.0.1:{server.server_port}", "api", "pw", retries=1, backoff=0.001), app
    finally:
        server.shutdown()
        server.server_close()


def test_spaces_are_found_by_their_exact_call_id():
    with recorded() as (driver, app):
        space = driver.find_space("881234")
        assert (space.id, space.uri, space.name) == ("068ee526-6f72-4ca7-ad1d-fe75e9c52753", "btp-1234",
                                                     "Giao ban trực tuyến")
        assert driver.find_space("88123") is None  # the filter matches more; the driver wants the exact id
        created = driver.create_space(name="x" * 300, uri="btp-7", call_number="880007", cdr_tag="meeting:7")
        assert created.id == "99999999-aaaa-4bbb-8ccc-000000000001"
        method, path, form = app.requests[-1]
        assert (method, len(form["name"]), form["cdrTag"]) == ("POST", 200, "meeting:7")


def test_legs_are_read_across_pages_and_their_state_comes_from_the_leg():
    with recorded() as (driver, app):
        assert driver.find_call("068ee526-6f72-4ca7-ad1d-fe75e9c52753").id == CALL
        legs = driver.list_legs(CALL)
        assert [leg.remote_party for leg in legs] == ["sip:thads-an-giang@vc.moj.gov.vn",
                                                      "sip:thads-ha-noi@vc.moj.gov.vn", "10.20.30.40"]
        assert all(leg.state == "" for leg in legs)  # real listings do not say
        leg = driver.get_leg(legs[0].id)
        assert (leg.state, leg.owner_id, leg.direction, leg.duration_seconds, leg.alarms) == (
            "connected", "thads-an-giang", "outgoing", 1057, ("packetLoss", "highRoundTripTime"))
        dialled = driver.dial(CALL, "sip:gov@gw.example", "_government", dtmf=",,1234#")
        assert dialled.id == "5611cb0c-e6a1-4e54-bd3a-53926d321da3"
        assert app.requests[-1][2] == {"remoteParty": "sip:gov@gw.example", "ownerId": "_government",
                                       "dtmfSequence": ",,1234#"}


def test_failure_details_become_driver_errors():
    with recorded() as (driver, _app):
        with pytest.raises(NotFoundError) as missing:
            driver.remove_space("nope")
        assert missing.value.reason == "coSpaceDoesNotExist"
        assert driver.ensure_cdr_receiver("https://hoinghi.moj.gov.vn/mcu/cdr/s3cret") is False
        with pytest.raises(DriverError) as full:
            driver.ensure_cdr_receiver("https://elsewhere.example/mcu/cdr/x")
        assert full.value.reason == "tooManyCdrReceivers"
        status = driver.system_status()
        assert (status.software_version, status.legs_active, status.legs_max_active) == ("3.9.1", 42, 120)


def test_a_body_that_is_not_xml_is_treated_as_busy():
    with recorded() as (driver, _app):
        with pytest.raises(Unavailable) as error:
            driver._request("GET", "/garbage")
        assert error.value.reason == "notXml"


def test_hostile_xml_is_refused_without_expanding_entities():
    from defusedxml import EntitiesForbidden  # noqa: F401  (what defusedxml raises; the driver maps it)

    bomb = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
            b"<status><softwareVersion>&lol2;</softwareVersion></status>")

    class Fake:
        content, status_code = bomb, 200

    with pytest.raises(Unavailable):
        CmsDriver("http://127.0.0.1:9", "a", "b")._parse(Fake(), "GET", "/system/status")
