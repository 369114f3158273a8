"""The JSON shape of a meeting's readiness (DESIGN.md §4), with the board's extra fields."""
from __future__ import annotations

from meetings.booking.models import Meeting
from meetings.core.formatting import isoformat_local
from meetings.readiness import queries
from meetings.readiness.queries import BoardItem, HistoryEntry


def item_json(item: BoardItem) -> dict:
    return {
        "endpoint": item.endpoint,
        "name": item.name,
        "region": item.region,
        "province": item.province,
        "is_host": item.is_host,
        "status": item.status,
        "note": item.note,
        "updated_at": isoformat_local(item.updated_at),
        "updated_by": item.updated_by,
        "updated_via": item.updated_via,
        "on_behalf": item.on_behalf,
        "test": None if item.test_result is None else {
            "result": item.test_result, "note": item.test_note, "at": isoformat_local(item.test_at),
            "by": item.test_by},
        "probe": None if item.probe_address is None else {
            "address": item.probe_address, "state": item.probe_state, "detail": item.probe_detail,
            "latency_ms": item.probe_latency_ms, "checked_at": isoformat_local(item.probe_checked_at)},
        "sip_probe": None if item.sip_checked_at is None else {
            "uri": item.sip_uri, "state": item.sip_state, "detail": item.sip_detail,
            "latency_ms": item.sip_latency_ms, "checked_at": isoformat_local(item.sip_checked_at)},
        "reminded_at": isoformat_local(item.reminded_at),
    }


def history_json(entry: HistoryEntry) -> dict:
    change = entry.change
    return {
        "id": change.id, "endpoint": entry.endpoint, "name": entry.name, "aspect": change.aspect,
        "from": change.from_status, "to": change.to_status, "note": change.note,
        "at": isoformat_local(change.changed_at), "by": change.actor_name or None, "via": change.channel,
        "on_behalf": change.on_behalf,
    }


def readiness_json(meeting: Meeting, items: list[BoardItem], *, version: str, is_open: bool, test_open: bool,
                   history: list[HistoryEntry] | None = None, rows: list[BoardItem] | None = None) -> dict:
    """The counts of every invited endpoint in `items`; the rows of `rows` (default: all of them)."""
    body = {
        "meeting": meeting.id,
        "title": meeting.title,
        "start": isoformat_local(meeting.start_at),
        "status": meeting.status,
        "open": is_open,
        "test_open": test_open,
        "version": version,
        "counts": queries.counts(items),
        "tests": queries.test_counts(items),
        "probes": queries.probe_counts(items),
        "sip_probes": queries.sip_probe_counts(items),
        "items": [item_json(item) for item in (items if rows is None else rows)],
    }
    if history is not None:
        body["history"] = [history_json(entry) for entry in history]
    return body
