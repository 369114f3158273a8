"""The simulated government system's data: conferences, capacity, invitations. Memory only, one lock.

Pure Python (no HTTP): the WSGI app in app.py speaks the contract over it, and tests read it directly.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
GOVERNMENT_SITE = "VPCP"
CHANGE_FIELDS = ("title", "start", "end", "endpoint_count")


class Refusal(Exception):
    """An error answer of the contract: `{"error": {"code", "message", ...}}` with an HTTP status."""

    def __init__(self, status: int, code: str, message: str, **extra: Any):
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra

    def body(self) -> dict:
        return {"error": {"code": self.code, "message": self.message, **self.extra}}


def parse_time(value: Any, name: str) -> datetime:
    if not isinstance(value, str):
        raise Refusal(422, "validation", f"{name} must be an ISO 8601 time with an offset")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise Refusal(422, "validation", f"{name} is not an ISO 8601 time") from None
    if parsed.tzinfo is None:
        raise Refusal(422, "validation", f"{name} needs an offset")
    return parsed


def iso(value: datetime) -> str:
    return value.astimezone(ZONE).isoformat()


@dataclass
class Effect:
    """A write that changed something (replays and refusals are not effects)."""

    method: str
    conference_id: str
    detail: dict = field(default_factory=dict)


class Government:
    """The conferences of the national network, as the Government Office's system holds them."""

    def __init__(self, *, site: str = "BTP", capacity: int = 10, page_size: int = 50):
        self.site, self.capacity, self.page_size = site, capacity, page_size
        self.lock = threading.RLock()
        self.conferences: dict[str, dict] = {}
        self.effects: list[Effect] = []
        self._counter = 0
        self._last_stamp = datetime.min.replace(tzinfo=UTC)

    # ---- helpers --------------------------------------------------------------------------------

    def _stamp(self) -> str:
        now = datetime.now(UTC)
        now = max(now, self._last_stamp + timedelta(microseconds=1))
        self._last_stamp = now
        return iso(now)

    def _new_id(self, start: datetime) -> str:
        self._counter += 1
        return f"GC-{start.year}-{self._counter:06d}"

    def _get(self, conference_id: str) -> dict:
        conference = self.conferences.get(conference_id)
        if conference is None:
            raise Refusal(404, "not_found", f"no conference {conference_id}")
        return conference

    def _check_capacity(self, start: datetime, end: datetime, exclude: str | None = None) -> None:
        busy = sum(1 for c in self.conferences.values()
                   if c["id"] != exclude and c["status"] != "cancelled"
                   and parse_time(c["start"], "start") < end and start < parse_time(c["end"], "end"))
        if busy >= self.capacity:
            raise Refusal(409, "capacity", "No free cascade port on the national network for that slot.")

    def _touch(self, conference: dict) -> None:
        conference["version"] += 1
        conference["updated_at"] = self._stamp()

    @staticmethod
    def _times(body: dict, current: dict | None = None) -> tuple[datetime, datetime]:
        start = parse_time(body.get("start", current and current["start"]), "start")
        end = parse_time(body.get("end", current and current["end"]), "end")
        if end <= start:
            raise Refusal(422, "validation", "end must be after start")
        return start, end

    # ---- the site's operations (the contract) ---------------------------------------------------

    def list_for(self, site: str, updated_since: str | None, page: int) -> dict:
        since = parse_time(updated_since, "updated_since") if updated_since else None
        with self.lock:
            items = [c for c in self.conferences.values()
                     if (c["host_site"] == site or site in c["invited_sites"])
                     and (since is None or parse_time(c["updated_at"], "updated_at") >= since)]
        items.sort(key=lambda c: (parse_time(c["updated_at"], "updated_at"), c["id"]))
        first = (page - 1) * self.page_size
        chunk = items[first:first + self.page_size]
        more = first + self.page_size < len(items)
        return {"items": [dict(c) for c in chunk], "next_page": page + 1 if more else None}

    def get(self, conference_id: str) -> dict:
        with self.lock:
            return dict(self._get(conference_id))

    def create(self, site: str, body: dict) -> dict:
        title = body.get("title")
        if not isinstance(title, str) or not title.strip():
            raise Refusal(422, "validation", "title is required")
        if body.get("site") not in (None, site):
            raise Refusal(403, "forbidden", "a site creates conferences for itself only")
        start, end = self._times(body)
        with self.lock:
            ref = body.get("external_ref")
            if ref is not None:
                for existing in self.conferences.values():
                    if existing["external_ref"] == ref and existing["host_site"] == site:
                        raise Refusal(409, "duplicate_ref", "external_ref exists", id=existing["id"])
            self._check_capacity(start, end)
            conference_id = self._new_id(start)
            sip = (body.get("dial") or {}).get("sip") or f"sip:{conference_id.lower()}@gateway.example"
            conference = {"id": conference_id, "title": title.strip(), "start": iso(start), "end": iso(end),
                          "host_site": site, "status": "scheduled", "external_ref": ref,
                          "dial": {"sip": sip, "h323": conference_id[-4:]}, "invited_sites": [], "sites": {},
                          "endpoint_count": int(body.get("endpoint_count") or 0), "contact": body.get("contact"),
                          "version": 1, "updated_at": self._stamp()}
            self.conferences[conference_id] = conference
            self.effects.append(Effect("POST", conference_id, {"start": conference["start"]}))
            return dict(conference)

    def update(self, site: str, conference_id: str, body: dict) -> dict:
        with self.lock:
            conference = self._get(conference_id)
            if conference["host_site"] != site:
                raise Refusal(403, "forbidden", "another site hosts this conference")
            if conference["status"] == "cancelled":
                raise Refusal(409, "cancelled", "the conference is cancelled")
            start, end = self._times(body, conference)
            self._check_capacity(start, end, exclude=conference_id)
            for key in CHANGE_FIELDS:
                if key in body:
                    conference[key] = iso(parse_time(body[key], key)) if key in ("start", "end") else body[key]
            self._touch(conference)
            self.effects.append(Effect("PATCH", conference_id, {"start": conference["start"]}))
            return dict(conference)

    def cancel(self, site: str, conference_id: str) -> None:
        with self.lock:
            conference = self._get(conference_id)
            if conference["host_site"] != site:
                raise Refusal(403, "forbidden", "another site hosts this conference")
            if conference["status"] != "cancelled":
                conference["status"] = "cancelled"
                self._touch(conference)
                self.effects.append(Effect("DELETE", conference_id))

    def answer(self, site: str, conference_id: str, path_site: str, body: dict) -> dict:
        participation = body.get("participation")
        if participation not in ("accepted", "declined"):
            raise Refusal(422, "validation", "participation must be accepted or declined")
        with self.lock:
            conference = self._get(conference_id)
            if path_site != site or site not in conference["invited_sites"]:
                raise Refusal(403, "forbidden", "this site is not invited to this conference")
            entry = conference["sites"].setdefault(site, {"participation": "invited", "readiness": "pending",
                                                         "note": None})
            entry.update(participation=participation, endpoint_count=body.get("endpoint_count"),
                         contact=body.get("contact"))
            if conference["status"] == "changed":
                conference["status"] = "scheduled"
            self._touch(conference)
            self.effects.append(Effect("PUT", conference_id, {"participation": participation}))
            return dict(conference)

    def set_readiness(self, site: str, conference_id: str, path_site: str, body: dict) -> dict:
        if body.get("readiness") not in ("pending", "ready", "not_ready"):
            raise Refusal(422, "validation", "readiness must be pending, ready or not_ready")
        with self.lock:
            conference = self._get(conference_id)
            if path_site != site or (conference["host_site"] != site and site not in conference["invited_sites"]):
                raise Refusal(403, "forbidden", "this site takes no part in this conference")
            if parse_time(conference["start"], "start") <= datetime.now(UTC):
                raise Refusal(409, "closed", "readiness closes when the conference starts")
            entry = conference["sites"].setdefault(site, {"participation": "accepted", "readiness": "pending",
                                                         "note": None})
            entry.update(readiness=body["readiness"], note=body.get("note"))
            self._touch(conference)
            self.effects.append(Effect("PUT", conference_id, {"readiness": body["readiness"]}))
            return {"site": site, "readiness": entry["readiness"], "note": entry["note"]}

    # ---- what the Government Office does on its side (invitations) ------------------------------

    def invite(self, *, title: str = "Giao ban trực tuyến Chính phủ với các bộ, ngành",
               start: datetime | None = None, hours: float = 3.5) -> dict:
        """A government-hosted conference inviting the site (and two other ministries)."""
        with self.lock:
            if start is None:
                day = datetime.now(ZONE).date() + timedelta(days=7 + self._counter % 14)
                start = datetime(day.year, day.month, day.day, 8, 0, tzinfo=ZONE)
            conference_id = self._new_id(start)
            conference = {"id": conference_id, "title": title, "start": iso(start),
                          "end": iso(start + timedelta(hours=hours)), "host_site": GOVERNMENT_SITE,
                          "status": "scheduled", "external_ref": None,
                          "dial": {"sip": f"sip:{conference_id.lower()}@gateway.example", "h323": conference_id[-4:]},
                          "invited_sites": [self.site, "BCA", "BTC"],
                          "sites": {self.site: {"participation": "invited", "readiness": "pending", "note": None}},
                          "version": 1, "updated_at": self._stamp()}
            self.conferences[conference_id] = conference
            return dict(conference)

    def move(self, conference_id: str, *, hours: float) -> dict:
        """The Government Office moves one of its conferences: status `changed`."""
        with self.lock:
            conference = self._get(conference_id)
            for key in ("start", "end"):
                conference[key] = iso(parse_time(conference[key], key) + timedelta(hours=hours))
            conference["status"] = "changed"
            self._touch(conference)
            return dict(conference)

    def withdraw(self, conference_id: str) -> dict:
        """The Government Office cancels one of its conferences."""
        with self.lock:
            conference = self._get(conference_id)
            conference["status"] = "cancelled"
            self._touch(conference)
            return dict(conference)

    def active_hosted_by(self, site: str) -> list[dict]:
        with self.lock:
            return [dict(c) for c in self.conferences.values() if c["host_site"] == site and c["status"] != "cancelled"]
