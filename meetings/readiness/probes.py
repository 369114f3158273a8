"""Checking that an endpoint answers: a TCP connection to its host and port, an HTTP GET of its status URL, or,
for a SIP dial string, a SIP OPTIONS request over UDP and TCP.

Pure network code, no Flask: `parse_address` reads what an administrator typed, `check` tries it once;
`sip_target` reads a dial string and `check_sip` asks the user agent behind it.
"""
from __future__ import annotations

import re
import secrets
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util import Retry

# Ports a codec listens on when its dial string names none.
DEFAULT_PORTS = {"sip": 5060, "sips": 5061, "h323": 1720, "http": 80, "https": 443}
USER_AGENT = "moj-videoconference-readiness-probe/1"


class ProbeAddressError(ValueError):
    """The address cannot be probed; `reason` is one of: empty, scheme, host, port."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class ProbeFailed(Exception):
    """A check that did not succeed; the message says why, for the board."""


@dataclass(frozen=True)
class ProbeTarget:
    kind: str  # "tcp" or "http"
    host: str
    port: int
    url: str = ""

    def describe(self) -> str:
        return self.url if self.kind == "http" else f"{self.host}:{self.port}"


@dataclass(frozen=True)
class ProbeOutcome:
    ok: bool
    detail: str
    latency_ms: int | None = None


def parse_address(address: str) -> ProbeTarget:
    """`host:port`, `tcp://host:port`, a SIP/H.323 dial string (`sip:room@host[:port]`) or an HTTP(S) URL."""
    address = address.strip()
    if not address:
        raise ProbeAddressError("empty")
    scheme, _, rest = address.partition(":")
    scheme = scheme.lower()
    if scheme in ("http", "https") and rest.startswith("//"):
        parts = urlsplit(address)
        if not parts.hostname:
            raise ProbeAddressError("host")
        return ProbeTarget("http", parts.hostname, _port(parts, DEFAULT_PORTS[scheme]), address)
    if scheme == "tcp" and rest.startswith("//"):
        return _host_port(rest[2:].rstrip("/"), None)
    if scheme in ("sip", "sips", "h323"):
        # sip:room@host:port;transport=tcp -> host:port
        return _host_port(rest.split(";", 1)[0].rpartition("@")[2], DEFAULT_PORTS[scheme])
    if "//" in address:
        raise ProbeAddressError("scheme")
    return _host_port(address, None)


def _port(parts, default: int) -> int:
    try:
        return parts.port or default
    except ValueError as error:
        raise ProbeAddressError("port") from error


def _host_port(text: str, default_port: int | None) -> ProbeTarget:
    parts = urlsplit(f"//{text}")
    host = parts.hostname or ""
    if not host or any(ch in text for ch in " /?#"):
        raise ProbeAddressError("host")
    port = _port(parts, default_port or 0)
    if not port:
        raise ProbeAddressError("port")
    return ProbeTarget("tcp", host, port)


def check(target: ProbeTarget, timeout: float) -> ProbeOutcome:
    """Try the target once; never raises for network failures (they are the result)."""
    started = time.perf_counter()
    try:
        detail = _http_get(target.url, timeout) if target.kind == "http" else _tcp_connect(target, timeout)
    except ProbeFailed as failure:
        return ProbeOutcome(False, str(failure)[:300], _elapsed_ms(started))
    return ProbeOutcome(True, detail, _elapsed_ms(started))


def _elapsed_ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)


def _tcp_connect(target: ProbeTarget, timeout: float) -> str:
    try:
        with socket.create_connection((target.host, target.port), timeout=timeout):
            return f"TCP {target.port} open"
    except TimeoutError as error:
        raise ProbeFailed(f"no answer within {timeout:g} s") from error
    except OSError as error:
        raise ProbeFailed(error.strerror or type(error).__name__) from error


def _session() -> requests.Session:
    """One try per check: urllib3's Retry allows no retry, and answers with any status come back as they are."""
    session = requests.Session()
    # The codecs sit on the ministry's network: never go through a proxy taken from the environment.
    session.trust_env = False
    session.headers["User-Agent"] = USER_AGENT
    adapter = HTTPAdapter(pool_connections=1, pool_maxsize=1, max_retries=Retry(total=0, read=False, redirect=5,
                                                                                    raise_on_status=False))
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _http_get(url: str, timeout: float) -> str:
    try:
        with _session() as session, session.get(url, timeout=timeout) as response:
            status = response.status_code
    except requests.Timeout as error:
        raise ProbeFailed(f"no answer within {timeout:g} s") from error
    except requests.RequestException as error:
        raise ProbeFailed(_reason(error)) from error
    if status >= 400:
        raise ProbeFailed(f"HTTP {status}")
    return f"HTTP {status}"


def _reason(error: BaseException) -> str:
    """The innermost cause's words (e.g. "Connection refused"), not requests' and urllib3's wrappers."""
    seen = error
    while True:
        nested = getattr(seen, "reason", None) or (seen.args[0] if seen.args else None)
        if isinstance(nested, OSError) and nested.strerror:
            return nested.strerror
        if not isinstance(nested, BaseException) or nested is seen:
            break
        seen = nested
    cause = error.__context__
    while cause is not None:
        if isinstance(cause, OSError) and cause.strerror:
            return cause.strerror
        cause = cause.__context__
    return type(seen).__name__


# SIP OPTIONS -----------------------------------------------------------------------------------------------------
# The way SIP proxies check that a user agent is alive (RFC 3261 §11, RFC 3261 §18 for the transports): any
# response at all (200, but also 404, 405, 483...) means a SIP stack answered; silence or a refusal does not.

SIP_TRANSPORTS = ("udp", "tcp")
SIP_MAX_MESSAGE = 65535
_SIP_STATUS = re.compile(rb"^SIP/2\.0 (\d{3}) ?([^\r\n]*)")


@dataclass(frozen=True)
class SipTarget:
    """Where a SIP dial string points: the request URI, the host and the port (5060 unless given)."""

    uri: str
    host: str
    port: int

    def describe(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True)
class SipOutcome:
    """One OPTIONS per transport; the user agent is reachable when either answered."""

    target: SipTarget
    transports: dict[str, ProbeOutcome]

    @property
    def ok(self) -> bool:
        return any(outcome.ok for outcome in self.transports.values())

    @property
    def latency_ms(self) -> int | None:
        answered = [o.latency_ms for o in self.transports.values() if o.ok and o.latency_ms is not None]
        return min(answered) if answered else None

    @property
    def detail(self) -> str:
        return ", ".join(f"{name.upper()} {outcome.detail}" for name, outcome in self.transports.items())[:300]


def sip_target(dial_string: str) -> SipTarget | None:
    """`sip:room@host[:port][;params]` (or without the user part) -> a target; None for anything not SIP."""
    value = (dial_string or "").strip()
    bracketed = re.search(r"<([^>]*)>", value)
    if bracketed:
        value = bracketed.group(1).strip()
    scheme, _, rest = value.partition(":")
    if scheme.lower() != "sip" or not rest:
        return None
    address = rest.split(";", 1)[0].split("?", 1)[0]
    user, _, hostport = address.rpartition("@")
    parts = urlsplit(f"//{hostport}")
    try:
        port = parts.port or DEFAULT_PORTS["sip"]
    except ValueError:
        return None
    host = parts.hostname or ""
    if not host or any(ch in hostport for ch in " /#"):
        return None
    shown_host = f"[{host}]" if ":" in host else host
    uri = f"sip:{user + '@' if user else ''}{shown_host}" + (f":{parts.port}" if parts.port else "")
    return SipTarget(uri=uri, host=host, port=port)


def options_request(target: SipTarget, *, transport: str, local_host: str, local_port: int, branch: str,
                    tag: str, call_id: str) -> bytes:
    """A minimal, complete OPTIONS request (RFC 3261 §8.1.1: Via with a z9hG4bK branch, Max-Forwards, To,
    From with a tag, Call-ID, CSeq, Contact, Content-Length)."""
    local = f"[{local_host}]" if ":" in local_host else local_host
    lines = [
        f"OPTIONS {target.uri} SIP/2.0",
        f"Via: SIP/2.0/{transport.upper()} {local}:{local_port};branch={branch};rport",
        "Max-Forwards: 70",
        f"From: <sip:readiness-probe@{local}>;tag={tag}",
        f"To: <{target.uri}>",
        f"Call-ID: {call_id}",
        "CSeq: 1 OPTIONS",
        f"Contact: <sip:readiness-probe@{local}:{local_port};transport={transport}>",
        "Accept: application/sdp",
        f"User-Agent: {USER_AGENT}",
        "Content-Length: 0",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")


def _header(message: bytes, *names: str) -> str | None:
    head = message.split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace")
    for line in head.split("\r\n")[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() in names:
            return value.strip()
    return None


def parse_sip_response(message: bytes, *, call_id: str) -> tuple[int, str] | None:
    """The status of a response to our request (its Call-ID and CSeq match), or None for anything else."""
    match = _SIP_STATUS.match(message)
    if not match:
        return None
    if _header(message, "call-id", "i") != call_id:
        return None
    cseq = (_header(message, "cseq") or "").split()
    if cseq != ["1", "OPTIONS"]:
        return None
    return int(match.group(1)), match.group(2).decode("utf-8", "replace").strip()


def _identifiers() -> tuple[str, str, str]:
    return f"z9hG4bK{secrets.token_hex(8)}", secrets.token_hex(6), f"{secrets.token_hex(12)}@readiness-probe"


def _answered(status: tuple[int, str]) -> str:
    return f"{status[0]} {status[1]}".strip()


SIP_T1 = 0.5  # RFC 3261 timer T1: a request over UDP is sent again after T1, 2·T1, 4·T1... until answered


def _sip_udp(target: SipTarget, timeout: float) -> str:
    branch, tag, call_id = _identifiers()
    now = time.monotonic()
    deadline = now + timeout
    family, kind, proto, _, address = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_DGRAM)[0]
    with socket.socket(family, kind, proto) as sock:
        sock.connect(address)  # a connected UDP socket learns of an ICMP "port unreachable" as a refusal
        local_host, local_port = sock.getsockname()[:2]
        request = options_request(target, transport="udp", local_host=local_host, local_port=local_port,
                                  branch=branch, tag=tag, call_id=call_id)
        sock.send(request)
        interval, resend_at = SIP_T1, now + SIP_T1
        provisional: tuple[int, str] | None = None
        while True:
            now = time.monotonic()
            if now >= deadline:
                if provisional is not None:
                    return _answered(provisional)
                raise TimeoutError
            if provisional is None and now >= resend_at:
                sock.send(request)
                interval *= 2
                resend_at = now + interval
            sock.settimeout(max(0.001, min(deadline, resend_at) - now if provisional is None else deadline - now))
            try:
                status = parse_sip_response(sock.recv(SIP_MAX_MESSAGE), call_id=call_id)
            except TimeoutError:
                continue
            if status is None:
                continue
            if status[0] >= 200:
                return _answered(status)
            # 1xx: a SIP stack is there; wait a little for its final answer, no longer resending.
            provisional = status
            deadline = min(deadline, time.monotonic() + SIP_T1)


def _sip_tcp(target: SipTarget, timeout: float) -> str:
    branch, tag, call_id = _identifiers()
    deadline = time.monotonic() + timeout
    with socket.create_connection((target.host, target.port), timeout=timeout) as sock:
        local_host, local_port = sock.getsockname()[:2]
        sock.sendall(options_request(target, transport="tcp", local_host=local_host, local_port=local_port,
                                     branch=branch, tag=tag, call_id=call_id))
        buffer = b""
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            sock.settimeout(remaining)
            chunk = sock.recv(SIP_MAX_MESSAGE)
            if not chunk:
                raise ProbeFailed("connection closed without an answer")
            buffer += chunk
            while b"\r\n\r\n" in buffer:
                head, _, rest = buffer.partition(b"\r\n\r\n")
                length = int(_header(head + b"\r\n\r\n", "content-length", "l") or 0)
                if len(rest) < length:
                    break
                message, buffer = head + b"\r\n\r\n" + rest[:length], rest[length:]
                status = parse_sip_response(message, call_id=call_id)
                if status is not None:
                    return _answered(status)
            if len(buffer) > SIP_MAX_MESSAGE:
                raise ProbeFailed("answer too long")


def sip_options(target: SipTarget, transport: str, timeout: float) -> ProbeOutcome:
    """Send one OPTIONS over `udp` or `tcp`; never raises for network failures (they are the result)."""
    started = time.perf_counter()
    try:
        detail = (_sip_udp if transport == "udp" else _sip_tcp)(target, timeout)
    except TimeoutError:
        return ProbeOutcome(False, f"no answer within {timeout:g} s", _elapsed_ms(started))
    except ProbeFailed as failure:
        return ProbeOutcome(False, str(failure)[:300], _elapsed_ms(started))
    except OSError as error:
        return ProbeOutcome(False, error.strerror or type(error).__name__, _elapsed_ms(started))
    return ProbeOutcome(True, detail, _elapsed_ms(started))


def check_sip(target: SipTarget, timeout: float) -> SipOutcome:
    """OPTIONS over UDP and TCP, each within `timeout`."""
    return SipOutcome(target, {transport: sip_options(target, transport, timeout) for transport in SIP_TRANSPORTS})
