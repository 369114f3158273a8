"""The Cisco Meeting Server driver: its REST API over `requests` (docs/mcu.md).

Form-encoded requests, XML answers read with defusedxml (no entity expansion), new ids from the
`Location` header, collections read page after page until `total`. A 503 and a failed connection are
retried inside one call with backoff (urllib3's Retry, honouring Retry-After); a POST is never re-sent
after its request went out (a read timeout or a dropped answer may hide a leg that was created: the
caller looks at the legs before dialling again). `failureDetails` become the driver's errors.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any
from xml.etree.ElementTree import Element, ParseError

import requests
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from meetings.mcu.driver import (
    ALARMS,
    AuthError,
    Call,
    Driver,
    DriverError,
    Leg,
    NotFoundError,
    Space,
    SystemStatus,
    Unavailable,
)

log = logging.getLogger(__name__)

PAGE_LIMIT = 50  # what we ask for; the MCU may send fewer (it caps pages itself)
MAX_PAGES = 1000
NAME_MAX = 200
CDR_TAG_MAX = 100


def build(config: Mapping) -> CmsDriver:
    return CmsDriver(
        config["MCU_URL"], config.get("MCU_USERNAME", ""), config.get("MCU_PASSWORD", ""),
        verify=config.get("MCU_VERIFY_TLS", True),
        timeout=(float(config.get("MCU_CONNECT_TIMEOUT", 3.0)), float(config.get("MCU_READ_TIMEOUT", 10.0))),
        retries=int(config.get("MCU_RETRIES", 3)), backoff=float(config.get("MCU_BACKOFF_FACTOR", 0.5)),
        backoff_max=float(config.get("MCU_BACKOFF_MAX", 5.0)))


def _retry(total: int, backoff: float, backoff_max: float, *, resend: bool) -> Retry:
    """503 and connection failures retried; read failures only where sending twice is harmless."""
    return Retry(total=total, connect=total, read=total if resend else 0, status=total, other=0,
                 status_forcelist=(503,), allowed_methods=frozenset({"GET", "PUT", "DELETE", "POST"}),
                 backoff_factor=backoff, backoff_max=backoff_max, backoff_jitter=backoff / 2,
                 respect_retry_after_header=True, raise_on_status=False, raise_on_redirect=False, redirect=0)


def _session(username: str, password: str, verify, retry: Retry) -> requests.Session:
    session = requests.Session()
    session.auth = (username, password)
    session.verify = verify
    session.headers.update({"Accept": "text/xml", "User-Agent": "moj-meetings-mcu/1"})
    adapter = HTTPAdapter(max_retries=retry, pool_connections=2, pool_maxsize=8)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _text(element: Element | None, tag: str) -> str:
    if element is None:
        return ""
    found = element.find(tag)
    return (found.text or "").strip() if found is not None else ""


def _int(element: Element | None, tag: str) -> int | None:
    value = _text(element, tag)
    try:
        return int(value) if value else None
    except ValueError:
        return None


class CmsDriver(Driver):
    name = "cms"

    def __init__(self, base_url: str, username: str, password: str, *, verify: Any = True,
                 timeout: tuple[float, float] = (3.0, 10.0), retries: int = 3, backoff: float = 0.5,
                 backoff_max: float = 5.0):
        self.base = base_url.rstrip("/") + "/api/v1"
        self.timeout = timeout
        self._idempotent = _session(username, password, verify, _retry(retries, backoff, backoff_max, resend=True))
        self._posts = _session(username, password, verify, _retry(retries, backoff, backoff_max, resend=False))

    # ---- transport ------------------------------------------------------------------------------

    def _request(self, method: str, path: str, *, params: dict | None = None,
                 data: dict | None = None) -> tuple[requests.Response, Element | None]:
        session = self._posts if method == "POST" else self._idempotent
        url = self.base + path
        try:
            response = session.request(method, url, params=params, data=data, timeout=self.timeout)
        except requests.exceptions.Timeout as error:
            raise Unavailable(f"The MCU did not answer {method} {path} in time.", reason="timeout") from error
        except requests.exceptions.RequestException as error:
            raise Unavailable(f"The MCU cannot be reached ({method} {path}): {error}", reason="unreachable") from error
        root = self._parse(response, method, path)
        status = response.status_code
        if 200 <= status < 300:
            return response, root
        reason = self._failure_reason(root)
        if status == 401:
            raise AuthError("The MCU refused the API user's credentials.", reason="unauthorized", status=401)
        if status == 404:
            raise NotFoundError(f"{path} is not on the MCU.", reason=reason or "notFound", status=404)
        if status >= 500:
            raise Unavailable(f"The MCU is busy ({status}) on {method} {path}.", reason=reason or "busy",
                              status=status)
        raise DriverError(f"The MCU refused {method} {path} ({status} {reason or 'no reason'}).",
                          reason=reason or f"http{status}", status=status)

    def _parse(self, response: requests.Response, method: str, path: str) -> Element | None:
        body = response.content
        if not body.strip():
            return None
        try:
            return fromstring(body)
        except (ParseError, DefusedXmlException, ValueError) as error:
            if response.status_code in (401, 404):
                return None  # a plain error page: the status says enough
            # A body that is not XML is treated like a 503: the MCU is not itself.
            raise Unavailable(f"The MCU answered {method} {path} with something that is not XML.",
                              reason="notXml", status=response.status_code) from error

    @staticmethod
    def _failure_reason(root: Element | None) -> str:
        if root is None or root.tag != "failureDetails" or not len(root):
            return ""
        return root[0].tag

    @staticmethod
    def _location_id(response: requests.Response) -> str:
        location = response.headers.get("Location", "").rstrip("/")
        new_id = location.rsplit("/", 1)[-1] if location else ""
        if not new_id:
            raise Unavailable("The MCU created an object without saying where (no Location).", reason="noLocation")
        return new_id

    def _collection(self, path: str, item_tag: str, params: dict | None = None) -> list[Element]:
        """Every item of a paged collection: read until offset + returned reaches the total."""
        items: list[Element] = []
        offset = 0
        for _page in range(MAX_PAGES):
            _response, root = self._request("GET", path, params={**(params or {}), "offset": offset,
                                                                   "limit": PAGE_LIMIT})
            if root is None:
                raise Unavailable(f"The MCU answered GET {path} with an empty body.", reason="notXml")
            page = root.findall(item_tag)
            items.extend(page)
            try:
                total = int(root.get("total", len(items)))
            except ValueError:
                total = len(items)
            offset += len(page)
            if not page or offset >= total:
                return items
        raise Unavailable(f"GET {path} did not end after {MAX_PAGES} pages.", reason="paging")

    # ---- spaces ---------------------------------------------------------------------------------

    @staticmethod
    def _space(element: Element) -> Space:
        return Space(id=element.get("id", ""), name=_text(element, "name"), uri=_text(element, "uri"),
                     call_id=_text(element, "callId"), cdr_tag=_text(element, "cdrTag"))

    def find_space(self, call_number: str) -> Space | None:
        for element in self._collection("/coSpaces", "coSpace", {"filter": call_number}):
            space = self._space(element)
            if space.call_id == call_number:  # the filter also matches names and URIs that contain it
                return space
        return None

    def create_space(self, *, name: str, uri: str, call_number: str, cdr_tag: str, passcode: str = "") -> Space:
        data = {"name": name[:NAME_MAX], "uri": uri, "callId": call_number, "cdrTag": cdr_tag[:CDR_TAG_MAX]}
        if passcode:
            data["passcode"] = passcode
        try:
            response, _root = self._request("POST", "/coSpaces", data=data)
        except DriverError as error:
            if error.reason in ("duplicateCoSpaceUri", "duplicateCoSpaceId"):
                found = self.find_space(call_number)  # made by an earlier try whose answer was lost
                if found is not None:
                    return found
            raise
        return Space(id=self._location_id(response), name=data["name"], uri=uri, call_id=call_number,
                     cdr_tag=data["cdrTag"])

    def rename_space(self, space_id: str, name: str) -> None:
        self._request("PUT", f"/coSpaces/{space_id}", data={"name": name[:NAME_MAX]})

    def remove_space(self, space_id: str) -> None:
        self._request("DELETE", f"/coSpaces/{space_id}")

    # ---- calls and legs -------------------------------------------------------------------------

    def find_call(self, space_id: str) -> Call | None:
        for element in self._collection("/calls", "call", {"coSpaceFilter": space_id}):
            if _text(element, "coSpace") in ("", space_id):
                return Call(id=element.get("id", ""), space_id=space_id, name=_text(element, "name"))
        return None

    def get_call(self, call_id: str) -> Call:
        _response, root = self._request("GET", f"/calls/{call_id}")
        return Call(id=call_id, space_id=_text(root, "coSpace"), name=_text(root, "name"),
                    legs=_int(root, "numCallLegs"), duration_seconds=_int(root, "durationSeconds"))

    def start_call(self, space_id: str) -> Call:
        existing = self.find_call(space_id)
        if existing is not None:
            return existing
        response, _root = self._request("POST", "/calls", data={"coSpace": space_id})
        return Call(id=self._location_id(response), space_id=space_id)

    def dial(self, call_id: str, remote_party: str, owner_id: str, dtmf: str | None = None) -> Leg:
        data = {"remoteParty": remote_party, "ownerId": owner_id}
        if dtmf:
            data["dtmfSequence"] = dtmf
        response, _root = self._request("POST", f"/calls/{call_id}/callLegs", data=data)
        return Leg(id=self._location_id(response), remote_party=remote_party, call_id=call_id, direction="outgoing",
                   owner_id=owner_id, state="initial")

    @staticmethod
    def _leg(element: Element) -> Leg:
        status = element.find("status")
        alarms_element = element.find("alarms")
        if alarms_element is None and status is not None:
            alarms_element = status.find("alarms")
        alarms = tuple(child.tag for child in alarms_element) if alarms_element is not None else ()
        return Leg(id=element.get("id", ""), remote_party=_text(element, "remoteParty"),
                   original_remote_party=_text(element, "originalRemoteParty"), name=_text(element, "name"),
                   call_id=_text(element, "call"), direction=_text(element, "direction"),
                   owner_id=_text(element.find("configuration"), "ownerId") or _text(element, "ownerId"),
                   state=_text(status, "state") or _text(element, "state"),
                   duration_seconds=_int(status, "durationSeconds"),
                   alarms=tuple(alarm for alarm in alarms if alarm in ALARMS))

    def list_legs(self, call_id: str) -> list[Leg]:
        legs: dict[str, Leg] = {}
        for element in self._collection(f"/calls/{call_id}/callLegs", "callLeg"):
            leg = self._leg(element)
            legs[leg.id] = leg  # pages are not a snapshot: a leg that moved between pages is listed once
        return list(legs.values())

    def get_leg(self, leg_id: str) -> Leg:
        _response, root = self._request("GET", f"/callLegs/{leg_id}")
        if root is None:
            raise Unavailable(f"The MCU answered GET /callLegs/{leg_id} with an empty body.", reason="notXml")
        return self._leg(root)

    def hang_up(self, leg_id: str) -> None:
        self._request("DELETE", f"/callLegs/{leg_id}")

    def end_call(self, call_id: str) -> None:
        self._request("DELETE", f"/calls/{call_id}")

    # ---- the system -----------------------------------------------------------------------------

    def system_status(self) -> SystemStatus:
        _response, root = self._request("GET", "/system/status")
        return SystemStatus(software_version=_text(root, "softwareVersion"), uptime_seconds=_int(root, "uptimeSeconds"),
                            legs_active=_int(root, "callLegsActive"), legs_max_active=_int(root, "callLegsMaxActive"))

    def cdr_receivers(self) -> list[tuple[str, str]]:
        return [(element.get("id", ""), _text(element, "uri"))
                for element in self._collection("/system/cdrReceivers", "cdrReceiver")]

    def ensure_cdr_receiver(self, url: str) -> bool:
        if any(uri == url for _id, uri in self.cdr_receivers()):
            return False
        try:
            self._request("POST", "/system/cdrReceivers", data={"uri": url})
        except Unavailable:
            # The answer may be lost after the MCU added it: look again before anyone tries a second time.
            if any(uri == url for _id, uri in self.cdr_receivers()):
                return True
            raise
        log.info("mcu: call records now go to %s", url)
        return True
