"""Signed, expiring links that let an endpoint's contact answer for one meeting without signing in,
and the absolute URLs that e-mails carry (notify's invitations and readiness's reminders both carry them)."""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app
from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer

SALT = "readiness-answer-link"


class LinkRefused(Exception):
    """A link that cannot be used; `reason` is `tampered` or `expired`."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class LinkClaim:
    """What a valid link speaks for: one endpoint of one meeting, as the meeting was when the link was made."""

    meeting_id: int
    endpoint_id: int
    sequence: int


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def make_token(meeting_id: int, endpoint_id: int, sequence: int) -> str:
    return _serializer().dumps({"m": meeting_id, "e": endpoint_id, "s": sequence})


def read_token(token: str) -> LinkClaim:
    """The claim of a token; raises LinkRefused (`expired` past READINESS_LINK_DAYS, `tampered` otherwise)."""
    max_age = current_app.config["READINESS_LINK_DAYS"] * 86400
    try:
        payload = _serializer().loads(token, max_age=max_age)
    except SignatureExpired as error:
        raise LinkRefused("expired") from error
    except BadData as error:
        raise LinkRefused("tampered") from error
    if not isinstance(payload, dict) or not all(isinstance(payload.get(key), int) for key in ("m", "e", "s")):
        raise LinkRefused("tampered")
    return LinkClaim(meeting_id=payload["m"], endpoint_id=payload["e"], sequence=payload["s"])


def public_url(endpoint: str, **values) -> str:
    """An absolute URL under PUBLIC_URL, buildable without a request (the scheduler sends mail too)."""
    base = urlsplit(current_app.config["PUBLIC_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "http")
    return adapter.build(endpoint, values, force_external=True)


def answer_url(meeting_id: int, endpoint_id: int, sequence: int) -> str:
    """The one-click answer link of an endpoint for a meeting, as it stands now."""
    return public_url("readiness.link", token=make_token(meeting_id, endpoint_id, sequence))


def answer_urls(meeting_id: int, endpoint_ids: list[int], sequence: int) -> dict[int, str]:
    """answer_url of each endpoint, with one signer and one URL adapter for them all (a booking mails dozens)."""
    serializer = _serializer()
    base = urlsplit(current_app.config["PUBLIC_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "http")
    return {endpoint_id: adapter.build("readiness.link", {"token": serializer.dumps(
        {"m": meeting_id, "e": endpoint_id, "s": sequence})}, force_external=True) for endpoint_id in endpoint_ids}
