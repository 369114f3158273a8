"""Checking that an endpoint answers: a TCP connection to its host and port, or an HTTP GET of its status URL.

Pure network code, no Flask: `parse_address` reads what an administrator typed, `check` tries it once.
"""
from __future__ import annotations

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
