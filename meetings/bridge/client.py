"""The one client of the government conference system (govconf): signing, timeouts, retries, error classes.

The contract is docs/govconf.md. Every request is signed; every write carries an Idempotency-Key that the
caller keeps across attempts, so a write may be retried whenever its answer was not heard. Requests go
through a `requests.Session` whose `HTTPAdapter` carries urllib3's Retry: short transient failures are
retried here (exponential backoff with jitter, Retry-After honoured); what is still failing after that
reaches the caller as TransientError, whose outbox waits longer.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError, ResponseError
from urllib3.util import Retry

WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})
TRANSIENT_STATUSES = frozenset({429, 500, 502, 503, 504})
PERMANENT_STATUSES = frozenset({400, 403, 404, 409, 422})
MAX_KEY_LENGTH = 64


class GovconfError(Exception):
    """Something the government system (or the way to it) answered instead of what was asked."""

    kind = "error"

    def __init__(self, message: str, *, status: int | None = None, code: str = "", body: Any = None):
        super().__init__(message)
        self.message, self.status, self.code, self.body = message, status, code, body


class PermanentError(GovconfError):
    """The request itself is refused (400, 403, 404 on a change, 409, 422): sending it again changes nothing."""

    kind = "permanent"


class ConfigurationError(GovconfError):
    """Our credentials or settings are refused (401) or missing: nothing goes through until an admin acts."""

    kind = "configuration"


class TransientError(GovconfError):
    """Down, slow, overloaded or garbled: the same request (same Idempotency-Key) may succeed later."""

    kind = "transient"

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


@dataclass(frozen=True)
class ClientSettings:
    base_url: str
    key_id: str
    secret: str
    site: str
    connect_timeout: float = 3.0
    read_timeout: float = 10.0
    retries: int = 2
    backoff_factor: float = 0.5
    backoff_max: float = 5.0
    max_inline_wait: float = 5.0  # a longer Retry-After is left to the outbox instead of blocking the sweep
    rate_per_second: float = 10.0  # the contract allows 10 requests a second per key; 0 turns pacing off

    @classmethod
    def from_config(cls, config: Mapping) -> ClientSettings:
        return cls(base_url=config["GOVCONF_URL"], key_id=config["GOVCONF_KEY_ID"], secret=config["GOVCONF_SECRET"],
                   site=config["GOVCONF_SITE"], connect_timeout=config["GOVCONF_CONNECT_TIMEOUT"],
                   read_timeout=config["GOVCONF_READ_TIMEOUT"], retries=config["GOVCONF_RETRIES"],
                   backoff_factor=config["GOVCONF_BACKOFF_FACTOR"], backoff_max=config["GOVCONF_BACKOFF_MAX"],
                   max_inline_wait=config["GOVCONF_MAX_INLINE_WAIT"], rate_per_second=config["GOVCONF_RATE_PER_SECOND"])


def signature(secret: str, method: str, path_with_query: str, timestamp: str, body: bytes) -> str:
    """hex HMAC-SHA256(secret, METHOD\\nPATH_WITH_QUERY\\nTIMESTAMP\\nhex(sha256(body)))."""
    message = "\n".join((method.upper(), path_with_query, timestamp, hashlib.sha256(body).hexdigest()))
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


class _Retry(Retry):
    """urllib3's Retry, except that a Retry-After longer than `max_inline_wait` ends the inline retries:
    the answer goes back to the caller, who waits the full time without holding the sweep. Its waits go
    through `sleep` (time.sleep unless the client was given another)."""

    def __init__(self, *args: Any, max_inline_wait: float = 5.0, sleep: Callable[[float], None] = time.sleep,
                 **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.max_inline_wait, self.sleeper = max_inline_wait, sleep

    def new(self, **kw: Any) -> _Retry:
        kw.setdefault("max_inline_wait", self.max_inline_wait)
        kw.setdefault("sleep", self.sleeper)
        return super().new(**kw)

    def sleep_for_retry(self, response) -> bool:
        wait = self.get_retry_after(response)
        if wait:
            self.sleeper(wait)
            return True
        return False

    def _sleep_backoff(self) -> None:
        backoff = self.get_backoff_time()
        if backoff > 0:
            self.sleeper(backoff)

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):
        if response is not None and self.respect_retry_after_header:
            wait = self.get_retry_after(response)
            if wait is not None and wait > self.max_inline_wait:
                raise MaxRetryError(_pool, url, ResponseError(f"Retry-After {wait:g} s is longer than we wait inline"))
        return super().increment(method, url, response=response, error=error, _pool=_pool, _stacktrace=_stacktrace)


class _Pacer:
    """At most `rate` requests a second from this process (the contract's limit per key)."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        self.interval = 1.1 / rate if rate > 0 else 0.0  # 10% under the limit: the two clocks never quite agree
        self.clock, self.sleep, self.next_at, self.lock = clock, sleep, 0.0, threading.Lock()

    def wait(self) -> None:
        if not self.interval:
            return
        with self.lock:
            now = self.clock()
            start = max(now, self.next_at)
            self.next_at = start + self.interval
        if start > now:
            self.sleep(start - now)


@dataclass(frozen=True)
class Answer:
    status: int
    data: Any


class GovconfClient:
    """Calls the contract's resources; raises PermanentError, ConfigurationError or TransientError."""

    def __init__(self, settings: ClientSettings, *, clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], None] = time.sleep):
        if not settings.base_url:
            raise ConfigurationError("GOVCONF_URL is not set: the bridge to the government system is off.")
        self.settings, self.clock = settings, clock
        split = urlsplit(settings.base_url.rstrip("/"))
        self.origin, self.prefix = f"{split.scheme}://{split.netloc}", split.path
        retry = _Retry(total=settings.retries, connect=settings.retries, read=settings.retries,
                       status=settings.retries, other=settings.retries, redirect=0,
                       # Every write carries an Idempotency-Key, so every method may be sent again.
                       allowed_methods=None, status_forcelist=TRANSIENT_STATUSES,
                       backoff_factor=settings.backoff_factor, backoff_max=settings.backoff_max,
                       backoff_jitter=settings.backoff_factor, raise_on_status=False,
                       max_inline_wait=settings.max_inline_wait, sleep=sleep)
        self.timeout = (settings.connect_timeout, settings.read_timeout)
        self.session = requests.Session()
        self.session.trust_env = False  # no proxy, .netrc or CA bundle from the environment: only these settings
        self.session.headers.clear()  # exactly the headers we sign and send, as the contract lists them
        adapter = HTTPAdapter(pool_connections=2, pool_maxsize=4, max_retries=retry)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.pacer = _Pacer(settings.rate_per_second, sleep=sleep)

    def close(self) -> None:
        self.session.close()

    # ---- the contract's resources --------------------------------------------------------------

    def list_conferences(self, *, updated_since: str | None, page: int = 1) -> dict:
        query = {"site": self.settings.site, "page": page}
        if updated_since:
            query["updated_since"] = updated_since
        data = self.request("GET", "/api/v1/conferences?" + urlencode(query)).data
        if not isinstance(data, dict) or not isinstance(data.get("items"), list):
            raise TransientError("The conference list is not the shape the contract promises.", body=data)
        return data

    def get_conference(self, conference_id: str) -> dict:
        return self._conference(self.request("GET", f"/api/v1/conferences/{_segment(conference_id)}"))

    def create_conference(self, body: dict, *, key: str) -> dict:
        return self._conference(self.request("POST", "/api/v1/conferences", body, key=key))

    def update_conference(self, conference_id: str, body: dict, *, key: str) -> dict:
        return self._conference(self.request("PATCH", f"/api/v1/conferences/{_segment(conference_id)}", body, key=key))

    def cancel_conference(self, conference_id: str, *, key: str) -> None:
        """Cancel a conference we host; an unknown conference counts as cancelled (the contract says so)."""
        try:
            self.request("DELETE", f"/api/v1/conferences/{_segment(conference_id)}", key=key)
        except PermanentError as error:
            if error.status != 404:
                raise

    def answer_invitation(self, conference_id: str, body: dict, *, key: str) -> dict:
        path = f"/api/v1/conferences/{_segment(conference_id)}/sites/{_segment(self.settings.site)}"
        return self._conference(self.request("PUT", path, body, key=key))

    def set_readiness(self, conference_id: str, body: dict, *, key: str) -> Any:
        path = f"/api/v1/conferences/{_segment(conference_id)}/sites/{_segment(self.settings.site)}/readiness"
        return self.request("PUT", path, body, key=key).data

    # ---- the transport -------------------------------------------------------------------------

    def request(self, method: str, path: str, body: dict | None = None, *, key: str | None = None) -> Answer:
        """One signed request, retried by urllib3 on transient failures; the decoded JSON answer."""
        method = method.upper()
        if method in WRITE_METHODS and not (key and len(key) <= MAX_KEY_LENGTH):
            raise ValueError("every write needs an Idempotency-Key of at most 64 characters")
        payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode() if body is not None else b""
        full_path = self.prefix + path
        headers = self._signed_headers(method, full_path, payload)
        if key:
            headers["Idempotency-Key"] = key
        if body is not None:
            headers["Content-Type"] = "application/json"
        self.pacer.wait()
        try:
            response = self.session.request(method, self.origin + full_path, data=payload or None, headers=headers,
                                            timeout=self.timeout, allow_redirects=False)
        except requests.RequestException as error:  # timeouts, refused or reset connections, broken answers
            exhausted = error.args[0] if error.args and isinstance(error.args[0], MaxRetryError) else None
            if exhausted is not None:
                raise TransientError(f"{method} {path}: no answer after retries ({exhausted.reason})") from error
            raise TransientError(f"{method} {path}: {type(error).__name__}: {error}") from error
        return self._answer(method, path, response)

    def _signed_headers(self, method: str, full_path: str, payload: bytes) -> dict[str, str]:
        timestamp = str(int(self.clock()))
        return {"X-Api-Key": self.settings.key_id, "X-Timestamp": timestamp, "Accept": "application/json",
                "X-Signature": signature(self.settings.secret, method, full_path, timestamp, payload)}

    def _answer(self, method: str, path: str, response: requests.Response) -> Answer:
        status, raw = response.status_code, response.content
        data, decoded = _decode(raw)
        if 200 <= status < 300:
            if status == 204 or (not raw and method == "DELETE"):
                return Answer(status, None)
            if not decoded:
                raise TransientError(f"{method} {path}: {status} with a body that is not JSON", status=status)
            return Answer(status, data)
        code, message = _error_of(data)
        text = f"{method} {path}: {status} {code or ''} {message}".strip()
        if status == 401:
            raise ConfigurationError(text, status=status, code=code or "unauthorized", body=data)
        if status not in PERMANENT_STATUSES:  # 429, 5xx, and anything the contract does not name: wait
            raise TransientError(text, status=status, code=code, body=data,
                                 retry_after=_retry_after(response.headers.get("Retry-After")))
        raise PermanentError(text, status=status, code=code or str(status), body=data)

    @staticmethod
    def _conference(answer: Answer) -> dict:
        if not isinstance(answer.data, dict) or not isinstance(answer.data.get("id"), str):
            raise TransientError("The answer is not a conference as the contract describes it.", body=answer.data)
        return answer.data


def _segment(value: str) -> str:
    """A path segment: conference ids and site codes are plain, but never trust them into a URL."""
    return quote(str(value), safe="")


def _decode(raw: bytes) -> tuple[Any, bool]:
    if not raw:
        return None, False
    try:
        return json.loads(raw.decode("utf-8")), True
    except (UnicodeDecodeError, ValueError):
        return None, False


def _error_of(data: Any) -> tuple[str, str]:
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict):
        return str(error.get("code") or ""), str(error.get("message") or "")
    return "", ""


def _retry_after(value: str | None) -> float | None:
    try:
        return max(float(value), 0.0) if value else None
    except ValueError:
        return None
