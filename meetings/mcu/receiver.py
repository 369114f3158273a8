"""`POST /mcu/cdr/<token>`: where the MCU pushes its call detail records.

Not for people: no sign-in and no CSRF token (the MCU sends neither); the secret token in the path and,
when set, the `MCU_CDR_ALLOW` list of addresses keep others out. A body that is not well-formed record
XML is refused with 400 and changes nothing (any DTD is refused, so entity expansion never happens). A
good body is stored raw first; its records are then processed in a savepoint, so that a failure there
still answers 204 with the body kept for the `mcu-cdr` sweep to process again.
"""
from __future__ import annotations

import hmac
import ipaddress
import logging

from flask import Blueprint, abort, current_app, request
from flask_babel import lazy_gettext as _l

from meetings.auth.access import public
from meetings.database import utcnow
from meetings.errors import json_error
from meetings.extensions import csrf, limiter
from meetings.mcu import cdr
from meetings.mcu.records import process_safely, store_batch

log = logging.getLogger(__name__)

bp = Blueprint("mcu_cdr", __name__)


def _limit() -> str:
    return current_app.config["MCU_CDR_LIMIT"]


def allowed_networks(setting: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """`MCU_CDR_ALLOW`: addresses or networks separated by commas, e.g. `10.0.5.20, 10.0.6.0/24`."""
    return [ipaddress.ip_network(part.strip(), strict=False) for part in setting.split(",") if part.strip()]


def _address_allowed(address: str | None) -> bool:
    setting = current_app.config.get("MCU_CDR_ALLOW", "")
    if not setting.strip():
        return True
    try:
        client = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return False
    if client.version == 6 and client.ipv4_mapped:
        client = client.ipv4_mapped
    return any(client in network for network in allowed_networks(setting))


def _token_matches(token: str) -> bool:
    expected = current_app.config.get("MCU_CDR_TOKEN", "")
    return bool(expected) and hmac.compare_digest(token.encode(), expected.encode())


PARSE_MESSAGES = {
    "empty": _l("The body holds no records."),
    "not_xml": _l("The body is not well-formed XML."),
    "forbidden": _l("Document type declarations and entities are not accepted."),
    "not_records": _l("The body is not a <records> document."),
}


@bp.post("/mcu/cdr/<token>")
@public
@csrf.exempt
@limiter.limit(_limit)
def receive(token: str):
    """Store the pushed records (204), or refuse them: 404 wrong token, 403 address not allowed, 400 not XML."""
    if not _token_matches(token):
        abort(404)
    if not _address_allowed(request.remote_addr):
        log.warning("MCU call records refused from %s (not in MCU_CDR_ALLOW)", request.remote_addr)
        abort(403)
    body = request.get_data(cache=False)
    try:
        parsed = cdr.parse_body(body)
    except cdr.CdrParseError as error:
        log.warning("MCU call records refused from %s: %s", request.remote_addr, error)
        return json_error(400, error.code, str(PARSE_MESSAGES[error.code]))
    now = utcnow()
    batch = store_batch(body, parsed, remote_addr=request.remote_addr or "", now=now)
    process_safely(batch, now=now, parsed=parsed, max_attempts=current_app.config["MCU_CDR_MAX_ATTEMPTS"])
    return "", 204
