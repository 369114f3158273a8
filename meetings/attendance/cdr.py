"""Reading an MCU's call-detail-record CSV and matching its calls to a meeting's endpoints by dial string.

Pure: no application, no database session. File problems raise CdrFileError; row problems are codes with parameters
on each row, worded by the caller.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from meetings.attendance.models import AttendanceStatus
from meetings.core.window import in_window

# Column names as MCUs and their management suites export them (Cisco TMS and Meeting Server, Poly RMX
# and RealPresence, Pexip), compared after folding to lower_snake_case.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "remote": ("remote_party", "remote", "remote_address", "remote_site", "remote_number", "remote_uri",
               "remote_alias", "dial_string", "dialstring", "participant", "participant_address", "endpoint",
               "endpoint_address", "uri", "address", "alias", "called_party", "destination"),
    "connect": ("connect_time", "connected", "connected_at", "connect", "start_time", "start", "call_start",
                "connection_time", "time_connected", "begin_time"),
    "disconnect": ("disconnect_time", "disconnected", "disconnected_at", "disconnect", "end_time", "end",
                   "call_end", "time_disconnected"),
    "duration": ("duration", "duration_s", "duration_sec", "duration_secs", "duration_seconds", "call_duration",
                 "length", "seconds"),
}
REQUIRED = ("remote", "connect")
DURATION_TOLERANCE_SECONDS = 60
TIME_FORMATS = ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M",
                "%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M", "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M")
SCHEMES = ("sips:", "sip:", "h323:", "h.323:", "tel:")


class CdrFileError(Exception):
    """The file as a whole cannot be read: not_utf8, empty, not_csv, missing_columns, no_rows, too_many_rows."""

    def __init__(self, code: str, **params: Any):
        super().__init__(code)
        self.code = code
        self.params = params


MAX_CALL_SECONDS = 8 * 24 * 3600  # a meeting lasts at most 7 days: a longer call is a broken record


@dataclass
class CallRow:
    """One line of the file: the call it describes, the endpoint it matched, or what is wrong with it."""

    line: int
    dial_string: str
    connected_at: datetime | None = None
    disconnected_at: datetime | None = None
    endpoint: str | None = None
    problem: str | None = None  # bad_time, bad_duration, no_end, duration_mismatch, ends_before_start, no_dial_string,
    #                             duplicate, unknown_dial, not_participant, outside_meeting
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def is_valid(self) -> bool:
        return self.problem is None and self.endpoint is not None

    @property
    def seconds(self) -> int | None:
        if self.connected_at is None or self.disconnected_at is None:
            return None
        return int((self.disconnected_at - self.connected_at).total_seconds())

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "dial_string": self.dial_string, "endpoint": self.endpoint,
                "connected_at": self.connected_at.isoformat() if self.connected_at else None,
                "disconnected_at": self.disconnected_at.isoformat() if self.disconnected_at else None,
                "problem": self.problem, "detail": self.detail}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CallRow:
        times = {key: datetime.fromisoformat(data[key]) if data.get(key) else None
                 for key in ("connected_at", "disconnected_at")}
        return cls(line=data["line"], dial_string=data["dial_string"], endpoint=data.get("endpoint"),
                   problem=data.get("problem"), detail=data.get("detail") or {}, **times)


@dataclass(frozen=True)
class EndpointCalls:
    """An endpoint's calls in the file, merged: first connection, last disconnection, time connected."""

    endpoint: str
    lines: tuple[int, ...]
    connected_at: datetime
    disconnected_at: datetime
    connected_seconds: int
    status: str  # present or partial


def _fold(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lstrip("\ufeff").lower()).strip("_")


def _decode(data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CdrFileError("not_utf8", line=data[:error.start].count(b"\n") + 1) from None
    if "\x00" in text:
        raise CdrFileError("not_csv", line=text[:text.index("\x00")].count("\n") + 1)
    if not text.strip():
        raise CdrFileError("empty")
    return text


def _columns(header: list[str]) -> dict[str, int]:
    folded = [_fold(name) for name in header]
    found: dict[str, int] = {}
    for role, aliases in HEADER_ALIASES.items():
        for alias in aliases:
            if alias in folded:
                found[role] = folded.index(alias)
                break
    missing = [role for role in REQUIRED if role not in found]
    if "disconnect" not in found and "duration" not in found:
        missing.append("disconnect")
    if missing:
        raise CdrFileError("missing_columns", missing=missing, found=[name.strip() for name in header if name.strip()])
    return found


def read_rows(data: bytes, *, max_rows: int) -> tuple[dict[str, int], list[tuple[int, list[str]]]]:
    """The column positions and the non-empty data lines (line number, cells); raises CdrFileError."""
    text = _decode(data)
    first_line = text.splitlines()[0]
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
        columns = _columns(header)
        rows = []
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            rows.append((reader.line_num, cells))
            if len(rows) > max_rows:
                raise CdrFileError("too_many_rows", max=max_rows)
    except csv.Error as error:
        raise CdrFileError("not_csv", line=reader.line_num, detail=str(error)) from None
    if not rows:
        raise CdrFileError("no_rows")
    return columns, rows


def parse_time(value: str, zone: tzinfo) -> datetime | None:
    """ISO 8601, dd/mm/yyyy hh:mm[:ss] and the like, or Unix seconds; naive times are in `zone`. UTC out."""
    value = value.strip()
    if not value:
        return None
    if re.fullmatch(r"\d{9,10}", value):
        parsed = datetime.fromtimestamp(int(value), UTC)
        return parsed if in_window(parsed) else None
    parsed = None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        for pattern in TIME_FORMATS:
            try:
                parsed = datetime.strptime(value, pattern)
                break
            except ValueError:
                continue
    if parsed is None or not in_window(parsed):  # year 1 or 9999 is no call's time (and overflows in UTC)
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed.astimezone(UTC)


def parse_duration(value: str) -> int | None:
    """Seconds, or h:mm:ss / mm:ss; None for what is no call's length (more than MAX_CALL_SECONDS)."""
    value = value.strip()
    seconds = None
    if re.fullmatch(r"\d{1,15}(\.\d+)?", value):
        seconds = round(float(value))
    else:
        match = re.fullmatch(r"(?:(\d{1,9}):)?([0-5]?\d):([0-5]\d)", value)
        if match:
            hours, minutes, secs = (int(part) if part else 0 for part in match.groups())
            seconds = hours * 3600 + minutes * 60 + secs
    return seconds if seconds is not None and seconds <= MAX_CALL_SECONDS else None


def normalise_dial(value: str) -> str:
    """'Name <sip:User@Host:5060;transport=tls>' -> 'user@host'."""
    value = value.strip().lower()
    bracketed = re.search(r"<([^>]*)>", value)
    if bracketed:
        value = bracketed.group(1).strip()
    for scheme in SCHEMES:
        if value.startswith(scheme):
            value = value[len(scheme):]
            break
    value = re.split(r"[;?]", value, maxsplit=1)[0]
    if "@" in value or value.count(".") == 3:
        value = re.sub(r":\d+$", "", value)
    return value.strip()


def _cell(cells: list[str], columns: dict[str, int], role: str) -> str:
    index = columns.get(role)
    return cells[index].strip() if index is not None and index < len(cells) else ""


def _problem(row: CallRow, code: str, **detail: Any) -> CallRow:
    row.problem, row.detail = code, detail
    return row


def parse_row(line: int, cells: list[str], columns: dict[str, int], zone: tzinfo) -> CallRow:
    """One call, or the first thing wrong with its line."""
    row = CallRow(line=line, dial_string=_cell(cells, columns, "remote")[:200])
    if not row.dial_string:
        return _problem(row, "no_dial_string")
    raw = {role: _cell(cells, columns, role) for role in ("connect", "disconnect", "duration")}
    row.connected_at = parse_time(raw["connect"], zone)
    if row.connected_at is None:
        return _problem(row, "bad_time", column="connect", value=raw["connect"][:40])
    if raw["disconnect"]:
        row.disconnected_at = parse_time(raw["disconnect"], zone)
        if row.disconnected_at is None:
            return _problem(row, "bad_time", column="disconnect", value=raw["disconnect"][:40])
    duration = parse_duration(raw["duration"]) if raw["duration"] else None
    if raw["duration"] and duration is None:
        return _problem(row, "bad_duration", value=raw["duration"][:40])
    if row.disconnected_at is None:
        if duration is None:
            return _problem(row, "no_end")
        row.disconnected_at = row.connected_at + timedelta(seconds=duration)
    elif duration is not None and abs(row.seconds - duration) > DURATION_TOLERANCE_SECONDS:
        return _problem(row, "duration_mismatch", seconds=duration, between=row.seconds)
    if row.disconnected_at <= row.connected_at:
        return _problem(row, "ends_before_start")
    return row


def _dial_index(dial_strings: dict[str, str]) -> dict[str, str]:
    """normalised dial string -> code, plus the user part alone where it names one endpoint only."""
    index = {normalise_dial(dial): code for code, dial in dial_strings.items() if dial.strip()}
    users: dict[str, set[str]] = {}
    for normalised, code in list(index.items()):
        users.setdefault(normalised.split("@")[0], set()).add(code)
    for user, codes in users.items():
        if len(codes) == 1:
            index.setdefault(user, next(iter(codes)))
    return index


def match_rows(rows: list[CallRow], *, participants: dict[str, str], registry: dict[str, str],
               window: tuple[datetime, datetime]) -> list[CallRow]:
    """Mark duplicates, then match each call to a participant (code -> dial string) within the window."""
    own, known = _dial_index(participants), _dial_index(registry)
    seen: dict[tuple, int] = {}
    for row in rows:
        if row.problem:
            continue
        dial = normalise_dial(row.dial_string)
        key = (dial, row.connected_at, row.disconnected_at)
        if key in seen:
            _problem(row, "duplicate", of_line=seen[key])
            continue
        seen[key] = row.line
        code = own.get(dial) or own.get(dial.split("@")[0])
        if code is None:
            other = known.get(dial) or known.get(dial.split("@")[0])
            if other:
                _problem(row, "not_participant", endpoint=other)
            else:
                _problem(row, "unknown_dial", dial=dial)
        elif row.disconnected_at <= window[0] or row.connected_at >= window[1]:
            row.endpoint = code
            _problem(row, "outside_meeting")
        else:
            row.endpoint = code
    return rows


def _union_seconds(spans: list[tuple[datetime, datetime]], clip: tuple[datetime, datetime] | None = None) -> int:
    total, current_start, current_end = 0, None, None
    for start, end in sorted(spans):
        if clip:
            start, end = max(start, clip[0]), min(end, clip[1])
            if end <= start:
                continue
        if current_end is None or start > current_end:
            if current_end is not None:
                total += int((current_end - current_start).total_seconds())
            current_start, current_end = start, end
        else:
            current_end = max(current_end, end)
    if current_end is not None:
        total += int((current_end - current_start).total_seconds())
    return total


def summarise(rows: list[CallRow], *, start: datetime, end: datetime, present_share: float) -> list[EndpointCalls]:
    """Each matched endpoint's calls merged; present when connected for present_share of the meeting."""
    calls: dict[str, list[CallRow]] = {}
    for row in rows:
        if row.is_valid:
            calls.setdefault(row.endpoint, []).append(row)
    meeting_seconds = max(1, int((end - start).total_seconds()))
    merged = []
    for code, own in calls.items():
        spans = [(row.connected_at, row.disconnected_at) for row in own]
        during = _union_seconds(spans, (start, end))
        merged.append(EndpointCalls(
            endpoint=code, lines=tuple(row.line for row in own), connected_at=min(s for s, _ in spans),
            disconnected_at=max(e for _, e in spans), connected_seconds=_union_seconds(spans),
            status=AttendanceStatus.PRESENT if during >= present_share * meeting_seconds else AttendanceStatus.PARTIAL))
    return sorted(merged, key=lambda item: item.endpoint)


def analyse(data: bytes, *, zone: tzinfo, participants: dict[str, str], registry: dict[str, str],
            window: tuple[datetime, datetime], max_rows: int) -> list[CallRow]:
    """Every line of the file, parsed and matched; raises CdrFileError for a file that cannot be read."""
    columns, lines = read_rows(data, max_rows=max_rows)
    rows = [parse_row(line, cells, columns, zone) for line, cells in lines]
    return match_rows(rows, participants=participants, registry=registry, window=window)
