"""The simulated MCU as a WSGI app: the contract's subset of the CMS API (Basic auth, form-encoded
requests, XML answers, `Location`, pages capped at 10) over `Mcu`, 503s on demand, lost answers, and a
small admin API under /_sim for faults, drops, dial-ins and alarms."""
from __future__ import annotations

import base64
import hmac
import json
import socket
import time
from xml.sax.saxutils import escape

from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from meetings.mcu.simulator.state import MAX_RECEIVERS, Mcu

PAGE_CAP = 10

URLS = Map([
    Rule("/api/v1/coSpaces", methods=["GET"], endpoint="list_spaces"),
    Rule("/api/v1/coSpaces", methods=["POST"], endpoint="create_space"),
    Rule("/api/v1/coSpaces/<space_id>", methods=["GET"], endpoint="get_space"),
    Rule("/api/v1/coSpaces/<space_id>", methods=["PUT"], endpoint="update_space"),
    Rule("/api/v1/coSpaces/<space_id>", methods=["DELETE"], endpoint="delete_space"),
    Rule("/api/v1/calls", methods=["GET"], endpoint="list_calls"),
    Rule("/api/v1/calls", methods=["POST"], endpoint="create_call"),
    Rule("/api/v1/calls/<call_id>", methods=["GET"], endpoint="get_call"),
    Rule("/api/v1/calls/<call_id>", methods=["DELETE"], endpoint="delete_call"),
    Rule("/api/v1/calls/<call_id>/callLegs", methods=["GET"], endpoint="list_legs"),
    Rule("/api/v1/calls/<call_id>/callLegs", methods=["POST"], endpoint="create_leg"),
    Rule("/api/v1/callLegs/<leg_id>", methods=["GET"], endpoint="get_leg"),
    Rule("/api/v1/callLegs/<leg_id>", methods=["DELETE"], endpoint="delete_leg"),
    Rule("/api/v1/system/status", methods=["GET"], endpoint="status"),
    Rule("/api/v1/system/cdrReceivers", methods=["GET"], endpoint="list_receivers"),
    Rule("/api/v1/system/cdrReceivers", methods=["POST"], endpoint="create_receiver"),
    Rule("/api/v1/system/cdrReceivers/<receiver_id>", methods=["DELETE"], endpoint="delete_receiver"),
    Rule("/_sim/state", methods=["GET"], endpoint="sim_state"),
    Rule("/_sim/faults", methods=["POST"], endpoint="sim_faults"),
    Rule("/_sim/drop", methods=["POST"], endpoint="sim_drop"),
    Rule("/_sim/dial-in", methods=["POST"], endpoint="sim_dial_in"),
    Rule("/_sim/alarms", methods=["POST"], endpoint="sim_alarms"),
])


def _xml(body: str, status: int = 200, headers: dict | None = None) -> Response:
    return Response('<?xml version="1.0"?>' + body, status=status, mimetype="text/xml", headers=headers)


def _failure(reason: str, status: int = 400) -> Response:
    return _xml(f"<failureDetails><{reason} /></failureDetails>", status)


def _created(path: str) -> Response:
    return Response(b"", status=200, headers={"Location": f"/api/v1/{path}"})


def _page(request: Request, root: str, items: list[str], extra: str = "") -> Response:
    try:
        offset = max(int(request.args.get("offset", 0)), 0)
        limit = max(int(request.args.get("limit", PAGE_CAP)), 0)
    except ValueError:
        return _failure("parameterError")
    chosen = items[offset:offset + min(limit, PAGE_CAP)]
    return _xml(f'<{root} total="{len(items)}"{extra}>' + "".join(chosen) + f"</{root}>")


class McuSimulator:
    def __init__(self, mcu: Mcu, username: str, password: str):
        self.mcu = mcu
        self.username = username
        self.password = password

    def __call__(self, environ, start_response):
        request = Request(environ)
        adapter = URLS.bind_to_environ(environ)
        try:
            endpoint, values = adapter.match()
        except Exception:  # 404 / 405 from werkzeug's routing
            return _failure("notFound", 404)(environ, start_response)
        if endpoint.startswith("sim_"):
            return getattr(self, endpoint)(request)(environ, start_response)
        if not self._authorised(request):
            response = Response("Unauthorized", status=401, headers={"WWW-Authenticate": 'Basic realm="api"'})
            return response(environ, start_response)
        if self.mcu.faults.latency:
            time.sleep(self.mcu.faults.latency)
        with self.mcu.lock:
            self.mcu.requests += 1
            faults = self.mcu.faults
            if faults.error_rate and faults.rng.random() < faults.error_rate:
                self.mcu.faulted += 1
                return Response("Service Unavailable", status=503)(environ, start_response)
        response = getattr(self, endpoint)(request, **values)
        if endpoint == "create_leg" and response.status_code == 200:
            with self.mcu.lock:
                lose = self.mcu.faults.lose_answers > 0
                if lose:
                    self.mcu.faults.lose_answers -= 1
            if lose:  # the leg exists, but its answer never reaches the caller
                _drop(environ)
                return Response(b"", status=500)(environ, start_response)
        return response(environ, start_response)

    def _authorised(self, request: Request) -> bool:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return False
        return hmac.compare_digest(user, self.username) and hmac.compare_digest(password, self.password)

    # ---- spaces ---------------------------------------------------------------------------------

    @staticmethod
    def _space_xml(space) -> str:
        return (f'<coSpace id="{space.id}"><name>{escape(space.name)}</name><uri>{escape(space.uri)}</uri>'
                f"<callId>{escape(space.call_id)}</callId><cdrTag>{escape(space.cdr_tag)}</cdrTag></coSpace>")

    def list_spaces(self, request: Request) -> Response:
        wanted = request.args.get("filter", "")
        with self.mcu.lock:
            spaces = [s for s in self.mcu.spaces.values()
                      if not wanted or wanted in s.name or wanted in s.uri or wanted in s.call_id]
            return _page(request, "coSpaces", [self._space_xml(s) for s in spaces])

    def create_space(self, request: Request) -> Response:
        form = request.form
        name = form.get("name", "")
        if len(name) > 200 or len(form.get("cdrTag", "")) > 100 or not (form.get("uri") or form.get("callId")):
            return _failure("parameterError")
        result = self.mcu.create_space(name, form.get("uri", ""), form.get("callId", ""), form.get("cdrTag", ""),
                                       form.get("passcode", ""))
        if isinstance(result, str):
            return _failure(result)
        return _created(f"coSpaces/{result.id}")

    def get_space(self, request: Request, space_id: str) -> Response:
        with self.mcu.lock:
            space = self.mcu.spaces.get(space_id)
            return _xml(self._space_xml(space)) if space else _failure("coSpaceDoesNotExist", 404)

    def update_space(self, request: Request, space_id: str) -> Response:
        with self.mcu.lock:
            space = self.mcu.spaces.get(space_id)
            if space is None:
                return _failure("coSpaceDoesNotExist", 404)
            if "name" in request.form:
                if len(request.form["name"]) > 200:
                    return _failure("parameterError")
                space.name = request.form["name"]
            return Response(b"", status=200)

    def delete_space(self, request: Request, space_id: str) -> Response:
        return Response(b"", status=200) if self.mcu.remove_space(space_id) else _failure("coSpaceDoesNotExist", 404)

    # ---- calls ----------------------------------------------------------------------------------

    def list_calls(self, request: Request) -> Response:
        wanted = request.args.get("coSpaceFilter", "")
        with self.mcu.lock:
            calls = [c for c in self.mcu.calls.values() if not wanted or c.space_id == wanted]
            items = [f'<call id="{c.id}"><name>{escape(c.name)}</name><coSpace>{c.space_id}</coSpace>'
                     f"<callCorrelator>{c.correlator}</callCorrelator></call>" for c in calls]
            return _page(request, "calls", items)

    def create_call(self, request: Request) -> Response:
        call = self.mcu.start_call(request.form.get("coSpace", ""))
        return _created(f"calls/{call.id}") if call else _failure("coSpaceDoesNotExist")

    def get_call(self, request: Request, call_id: str) -> Response:
        with self.mcu.lock:
            call = self.mcu.calls.get(call_id)
            if call is None:
                return _failure("callDoesNotExist", 404)
            legs = sum(1 for leg in self.mcu.legs.values() if leg.call_id == call_id)
            duration = int(self.mcu.clock() - call.started)
            return _xml(f'<call id="{call.id}"><name>{escape(call.name)}</name><coSpace>{call.space_id}</coSpace>'
                        f"<callCorrelator>{call.correlator}</callCorrelator><numCallLegs>{legs}</numCallLegs>"
                        f"<maxCallLegs>{max(call.max_active, legs)}</maxCallLegs>"
                        f"<durationSeconds>{duration}</durationSeconds></call>")

    def delete_call(self, request: Request, call_id: str) -> Response:
        return Response(b"", status=200) if self.mcu.end_call(call_id) else _failure("callDoesNotExist", 404)

    # ---- legs -----------------------------------------------------------------------------------

    def _leg_xml(self, leg, *, full: bool) -> str:
        alarms = "".join(f"<{alarm}/>" for alarm in leg.alarms)
        alarms_xml = f"<alarms>{alarms}</alarms>" if alarms else ""
        head = (f'<callLeg id="{leg.id}"><name>{escape(leg.name)}</name><remoteParty>{escape(leg.remote_party)}'
                f"</remoteParty><originalRemoteParty>{escape(leg.remote_party)}</originalRemoteParty>"
                f"<call>{leg.call_id}</call>")
        if not full:
            return head + alarms_xml + "</callLeg>"
        duration = int(self.mcu.clock() - leg.connected_at) if leg.connected_at is not None else 0
        return (head + f"<direction>{leg.direction}</direction><configuration><ownerId>{escape(leg.owner_id)}"
                f"</ownerId></configuration><status><state>{leg.state}</state><durationSeconds>{duration}"
                f"</durationSeconds></status>{alarms_xml}</callLeg>")

    def list_legs(self, request: Request, call_id: str) -> Response:
        with self.mcu.lock:
            if call_id not in self.mcu.calls:
                return _failure("callDoesNotExist", 404)
            legs = [leg for leg in self.mcu.legs.values() if leg.call_id == call_id]
            # Real CMS lists name, remote party and call; our listing also carries what GET /callLegs/<id> says,
            # so a sweep learns the state of 64 legs in 7 requests instead of 71.
            return _page(request, "callLegs", [self._leg_xml(leg, full=True) for leg in legs])

    def create_leg(self, request: Request, call_id: str) -> Response:
        remote = request.form.get("remoteParty", "").strip()
        if not remote:
            return _failure("parameterError")
        dtmf = request.form.get("dtmfSequence", "")
        if dtmf and any(ch not in "0123456789*#," for ch in dtmf):
            return _failure("parameterError")
        leg = self.mcu.dial(call_id, remote, request.form.get("ownerId", ""), dtmf)
        return _created(f"callLegs/{leg.id}") if leg else _failure("callDoesNotExist", 404)

    def get_leg(self, request: Request, leg_id: str) -> Response:
        with self.mcu.lock:
            leg = self.mcu.legs.get(leg_id)
            return _xml(self._leg_xml(leg, full=True)) if leg else _failure("callLegDoesNotExist", 404)

    def delete_leg(self, request: Request, leg_id: str) -> Response:
        return Response(b"", status=200) if self.mcu.hang_up(leg_id) else _failure("callLegDoesNotExist", 404)

    # ---- system ---------------------------------------------------------------------------------

    def status(self, request: Request) -> Response:
        with self.mcu.lock:
            uptime = int(self.mcu.clock() - self.mcu.started)
            return _xml(f"<status><softwareVersion>3.9.sim</softwareVersion><uptimeSeconds>{uptime}</uptimeSeconds>"
                        f"<callLegsActive>{len(self.mcu.legs)}</callLegsActive>"
                        f"<callLegsMaxActive>120</callLegsMaxActive></status>")

    def list_receivers(self, request: Request) -> Response:
        with self.mcu.lock:
            items = [f'<cdrReceiver id="{rid}"><uri>{escape(uri)}</uri></cdrReceiver>'
                     for rid, uri in self.mcu.receivers.items()]
        return _page(request, "cdrReceivers", items, f' maximum="{MAX_RECEIVERS}"')

    def create_receiver(self, request: Request) -> Response:
        import uuid

        uri = request.form.get("uri", "").strip()
        if not uri:
            return _failure("parameterError")
        with self.mcu.lock:
            if len(self.mcu.receivers) >= MAX_RECEIVERS:
                return _failure("tooManyCdrReceivers")
            receiver_id = str(uuid.uuid4())
            self.mcu.receivers[receiver_id] = uri
        return _created(f"system/cdrReceivers/{receiver_id}")

    def delete_receiver(self, request: Request, receiver_id: str) -> Response:
        with self.mcu.lock:
            if self.mcu.receivers.pop(receiver_id, None) is None:
                return _failure("notFound", 404)
        return Response(b"", status=200)

    # ---- the admin API (no auth: a simulator on loopback) ---------------------------------------

    @staticmethod
    def _json(value, status: int = 200) -> Response:
        return Response(json.dumps(value), status=status, mimetype="application/json")

    def sim_state(self, request: Request) -> Response:
        return self._json(self.mcu.snapshot())

    def sim_faults(self, request: Request) -> Response:
        body = request.get_json(silent=True) or {}
        faults = self.mcu.faults
        with self.mcu.lock:
            if "error_rate" in body:
                faults.error_rate = float(body["error_rate"])
            if "busy" in body:
                faults.busy.update({str(k): int(v) for k, v in dict(body["busy"]).items()})
            if "unreachable" in body:
                faults.unreachable.update(map(str, body["unreachable"]))
            if "rejected" in body:
                faults.rejected.update(map(str, body["rejected"]))
            if "drop_after" in body:
                faults.drop_after.update({str(k): float(v) for k, v in dict(body["drop_after"]).items()})
            if "lose_answers" in body:
                faults.lose_answers = int(body["lose_answers"])
            if "duplicate_rate" in body:
                faults.duplicate_rate = float(body["duplicate_rate"])
            if "reorder" in body:
                faults.reorder = bool(body["reorder"])
            if "latency" in body:
                faults.latency = float(body["latency"])
            if body.get("clear"):
                faults.busy.clear()
                faults.unreachable.clear()
                faults.rejected.clear()
                faults.drop_after.clear()
        return self._json(faults.describe())

    def sim_drop(self, request: Request) -> Response:
        body = request.get_json(silent=True) or {}
        return self._json({"dropped": self.mcu.drop(str(body.get("remote_party", "")))})

    def sim_dial_in(self, request: Request) -> Response:
        body = request.get_json(silent=True) or {}
        leg = self.mcu.dial_in(str(body.get("uri", "")), str(body.get("remote_party", "")), str(body.get("name", "")))
        return self._json({"leg": leg.id}) if leg else self._json({"error": "no active call on that URI"}, 404)

    def sim_alarms(self, request: Request) -> Response:
        body = request.get_json(silent=True) or {}
        count = self.mcu.set_alarms(str(body.get("remote_party", "")), list(body.get("alarms", [])))
        return self._json({"legs": count})


def _drop(environ: dict) -> None:
    connection = environ.get("werkzeug.socket")
    if connection is None:
        return
    try:
        connection.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
