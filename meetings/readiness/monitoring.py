"""Automatic probes: the addresses administrators give endpoints, and the sweep that checks them before meetings."""
from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select, update

from meetings.auth import audit
from meetings.auth.models import User
from meetings.booking.models import Meeting, MeetingStatus, Participant
from meetings.endpoints.models import Endpoint
from meetings.errors import NotFound, ValidationError
from meetings.extensions import db
from meetings.readiness import probes
from meetings.readiness.models import EndpointProbe, ProbeResult, ProbeState, insert_or_skip

log = logging.getLogger(__name__)

MAX_PARALLEL_CHECKS = 16
ADDRESS_MAX = 300


def address_message(reason: str) -> str:
    messages = {
        "empty": _("Give an address."),
        "scheme": _("Use host:port, a SIP or H.323 dial string, or an http(s):// status URL."),
        "host": _("The host name is missing or not valid."),
        "port": _("Give a port number from 1 to 65535, e.g. 10.0.0.5:5060."),
    }
    return messages[reason]


def probe_addresses() -> dict[int, EndpointProbe]:
    return {probe.endpoint_id: probe for probe in db.session.scalars(select(EndpointProbe))}


def set_probe_addresses(addresses: dict[str, str], *, actor: User) -> int:
    """Set (or with an empty value, remove) endpoints' probe addresses, all or nothing; returns how many changed.

    `addresses` maps endpoint codes to what was typed. Raises ValidationError keyed by endpoint code.
    """
    endpoints = {e.code: e for e in db.session.scalars(select(Endpoint).where(Endpoint.code.in_(addresses)))}
    errors: dict[str, str] = {}
    cleaned: dict[str, str] = {}
    for code, address in addresses.items():
        address = (address or "").strip()
        if code not in endpoints:
            errors[code] = _("Unknown endpoint code.")
        elif len(address) > ADDRESS_MAX:
            errors[code] = _("At most %(n)d characters.", n=ADDRESS_MAX)
        elif address:
            try:
                probes.parse_address(address)
            except probes.ProbeAddressError as error:
                errors[code] = address_message(error.reason)
        cleaned[code] = address
    if errors:
        raise ValidationError(errors)
    current = probe_addresses()
    changed = 0
    for code, address in cleaned.items():
        endpoint = endpoints[code]
        existing = current.get(endpoint.id)
        before = existing.address if existing else ""
        if before == address:
            continue
        if not address:
            db.session.delete(existing)
        elif existing is None:
            db.session.add(EndpointProbe(endpoint_id=endpoint.id, address=address, updated_by_id=actor.id))
        else:
            existing.address, existing.updated_by_id = address, actor.id
        audit.record("readiness.probe_address", actor=actor, target_type="endpoint", target_id=code,
                     changes={"probe_address": [before, address]})
        changed += 1
    db.session.flush()
    return changed


@dataclass(frozen=True)
class Checked:
    """One endpoint's probes at one moment: its probe address (None without one) and, when its dial string is
    a SIP URI and READINESS_SIP_PROBE is on, a SIP OPTIONS request over UDP and TCP (None otherwise)."""

    outcome: probes.ProbeOutcome | None
    sip: probes.SipOutcome | None


def check_endpoint(address: str, dial_string: str, timeout: float) -> Checked:
    """The probe set of one endpoint, the same for the sweep and for the administrator's "check now".

    `dial_string` is empty when the SIP probe is not wanted (the caller knows READINESS_SIP_PROBE). Never raises
    for network failures: they are the result."""
    outcome = _check(address, timeout) if address else None
    sip = probes.sip_target(dial_string) if dial_string else None
    return Checked(outcome, probes.check_sip(sip, timeout) if sip is not None else None)


def check_now(code: str, address: str) -> Checked:
    """Try an endpoint now (the administrator's "check" button): the address typed (empty: no address probe)
    and, as the sweep does, a SIP OPTIONS request when the endpoint's dial string is a SIP URI.

    Raises ValidationError (key `address`) when the address is not usable or there is nothing to check, NotFound
    for an unknown endpoint code."""
    config = current_app.config
    found = db.session.execute(select(Endpoint.dial_string).where(Endpoint.code == code)).first()
    if found is None:
        raise NotFound(_("Unknown endpoint code."))
    dial_string = found.dial_string or ""
    address = (address or "").strip()
    if address:
        try:
            probes.parse_address(address)
        except probes.ProbeAddressError as error:
            raise ValidationError({"address": address_message(error.reason)}) from error
    sip_dial = dial_string if config["READINESS_SIP_PROBE"] and probes.sip_target(dial_string) else ""
    if not address and not sip_dial:
        raise ValidationError({"address": address_message("empty")})
    return check_endpoint(address, sip_dial, config["READINESS_PROBE_TIMEOUT"])


@dataclass(frozen=True)
class Claimed:
    meeting_id: int
    endpoint_id: int
    address: str  # the probe address an administrator gave, or "" for none
    dial_string: str = ""  # a SIP dial string to ask with OPTIONS, or "" for none


def probe_due_endpoints(now: datetime) -> int:
    """Check the endpoints of meetings starting within READINESS_PROBE_LEAD_MINUTES; returns how many.

    An endpoint is checked at its probe address if it has one, and with a SIP OPTIONS request (UDP and TCP)
    if its dial string is a SIP URI (READINESS_SIP_PROBE). Each (meeting, endpoint) is claimed by moving its
    next check forward, and the claims are committed before the network checks, so that no database lock is
    held while waiting on sockets and a second scheduler skips what this one took.
    """
    config = current_app.config
    interval = timedelta(minutes=config["READINESS_PROBE_INTERVAL_MINUTES"])
    claimed = [target for target in _due(now, config["READINESS_PROBE_LEAD_MINUTES"], config["READINESS_SIP_PROBE"])
               if _claim(target, now, interval)]
    db.session.commit()
    if not claimed:
        return 0
    timeout = config["READINESS_PROBE_TIMEOUT"]
    with ThreadPoolExecutor(max_workers=min(MAX_PARALLEL_CHECKS, len(claimed))) as pool:
        outcomes = list(pool.map(lambda target: check_endpoint(target.address, target.dial_string, timeout),
                                 claimed))
    failed = 0
    for target, checked in zip(claimed, outcomes, strict=False):
        outcome, sip = checked.outcome, checked.sip
        values: dict = {"checked_at": now, "address": target.address}
        if outcome is not None:
            values.update(state=ProbeState.OK if outcome.ok else ProbeState.FAILED, detail=outcome.detail,
                          latency_ms=outcome.latency_ms)
            failed += not outcome.ok
        if sip is not None:
            values.update(sip_uri=sip.target.uri[:200], sip_state=ProbeState.OK if sip.ok else ProbeState.FAILED,
                          sip_detail=sip.detail, sip_latency_ms=sip.latency_ms, sip_checked_at=now)
            failed += not sip.ok
        db.session.execute(
            update(ProbeResult).where(ProbeResult.meeting_id == target.meeting_id,
                                      ProbeResult.endpoint_id == target.endpoint_id)
            .values(**values).execution_options(synchronize_session=False))
    if failed:
        log.warning("probes: %d checks failed for %d endpoints", failed, len(claimed))
    return len(claimed)


def _check(address: str, timeout: float) -> probes.ProbeOutcome:
    try:
        target = probes.parse_address(address)
    except probes.ProbeAddressError as error:
        return probes.ProbeOutcome(False, f"address not usable: {error.reason}")
    return probes.check(target, timeout)


SIP_DIAL = or_(func.lower(Endpoint.dial_string).like("sip:%"), Endpoint.dial_string.like("%<sip:%"),
               Endpoint.dial_string.like("%<SIP:%"))


def _due(now: datetime, lead_minutes: int, sip: bool) -> list[Claimed]:
    rows = db.session.execute(
        select(Participant.meeting_id, Participant.endpoint_id, func.coalesce(EndpointProbe.address, ""),
               Endpoint.dial_string)
        .join(Meeting, Meeting.id == Participant.meeting_id)
        .join(Endpoint, Endpoint.id == Participant.endpoint_id)
        .outerjoin(EndpointProbe, EndpointProbe.endpoint_id == Participant.endpoint_id)
        .outerjoin(ProbeResult, and_(ProbeResult.meeting_id == Participant.meeting_id,
                                     ProbeResult.endpoint_id == Participant.endpoint_id))
        .where(Meeting.status == MeetingStatus.SCHEDULED, Meeting.start_at > now,
               Meeting.start_at <= now + timedelta(minutes=lead_minutes),
               (EndpointProbe.endpoint_id.is_not(None) | SIP_DIAL) if sip else EndpointProbe.endpoint_id.is_not(None),
               (ProbeResult.id.is_(None)) | (ProbeResult.next_check_at <= now))
        .order_by(Meeting.start_at, Participant.id))
    return [Claimed(meeting_id, endpoint_id, address, dial if sip and probes.sip_target(dial) else "")
            for meeting_id, endpoint_id, address, dial in rows]


def _claim(target: Claimed, now: datetime, interval: timedelta) -> bool:
    """Exactly one concurrent caller gets True for a (meeting, endpoint) that is due."""
    inserted = db.session.execute(
        insert_or_skip(ProbeResult).values(meeting_id=target.meeting_id, endpoint_id=target.endpoint_id,
                                           address=target.address, detail="", next_check_at=now + interval)
        .returning(ProbeResult.id)).scalar()
    if inserted is not None:
        return True
    return db.session.execute(
        update(ProbeResult).where(ProbeResult.meeting_id == target.meeting_id,
                                  ProbeResult.endpoint_id == target.endpoint_id, ProbeResult.next_check_at <= now)
        .values(next_check_at=now + interval).execution_options(synchronize_session=False)).rowcount == 1
