"""The OpenAPI 3.1 document of /api/v1; a test checks that it names every route that exists."""
from __future__ import annotations

import copy

from meetings.attendance.models import ATTENDED, AttendanceSource, AttendanceStatus, ImportState
from meetings.booking.models import EDITABLE_STATUSES, MeetingStatus, ReadinessStatus
from meetings.readiness.models import ANSWERS, UNCHECKED, UNTESTED, ProbeState, TestStatus


def enum_values(members, *, nullable: bool = False) -> list:
    """The values of an enum (or some of its members) for a schema's "enum", with null when it may be absent."""
    return [str(member) for member in members] + ([None] if nullable else [])


ERROR = {"$ref": "#/components/schemas/Error"}


def _response(description: str, schema: dict | None = None) -> dict:
    body = {"description": description}
    if schema is not None:
        body["content"] = {"application/json": {"schema": schema}}
    return body


def _errors(*codes: int) -> dict:
    texts = {400: "Malformed request", 401: "Not signed in or bad token", 403: "Not allowed for this role",
             404: "Not found", 409: "Conflict", 422: "Invalid fields", 429: "Too many attempts"}
    return {str(code): _response(texts[code], ERROR) for code in codes}


def _param(name: str, description: str, *, where: str = "query", schema: dict | None = None,
           required: bool = False) -> dict:
    return {"name": name, "in": where, "required": required or where == "path", "description": description,
            "schema": schema or {"type": "string"}}


MEETING_ID = _param("meeting_id", "Meeting id", where="path", schema={"type": "integer"})


SCHEMAS = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {"type": "string", "examples": ["validation", "conflict", "not_found", "unauthenticated"]},
                    "message": {"type": "string"},
                    "fields": {"type": "object", "additionalProperties": {"type": "string"}},
                    "conflicts": {"type": "array", "items": {"type": "object"}},
                },
            }
        },
    },
    "Period": {
        "type": "object",
        "required": ["from", "to"],
        "properties": {
            "from": {"type": "string", "format": "date", "description": "The first day counted"},
            "to": {"type": "string", "format": "date", "description": "The last day counted (included)"},
        },
    },
    "Annual": {
        "type": "object",
        "required": [
            "year",
            "meetings",
            "hours",
            "endpoint_connections",
            "attendees",
            "attendance_rate",
            "readiness_on_time_rate",
            "savings_vnd",
            "travel_km_avoided",
            "by_month",
            "by_organizer",
            "by_endpoint",
        ],
        "properties": {
            "year": {"type": "integer"},
            "meetings": {"type": "integer"},
            "hours": {"type": "number"},
            "endpoint_connections": {"type": "integer", "description": "Guests (not the host) present or partial"},
            "attendees": {"type": "integer"},
            "invited": {"type": "integer"},
            "attendance_rate": {"type": "number", "description": "connections / invited guests, 0 to 1"},
            "readiness_on_time_rate": {
                "type": "number",
                "description": "guests answering ready no later than the start / invited",
            },
            "savings_vnd": {"type": "integer"},
            "travel_km_avoided": {"type": "integer"},
            "travel_hours_avoided": {"type": "number"},
            "period": {"$ref": "#/components/schemas/Period"},
            "as_of": {
                "type": ["string", "null"],
                "format": "date",
                "description": "The year has not ended: its figures count up to this day, and so do last year's",
            },
            "previous": {
                "type": "object",
                "description": "The same figures for the same dates a year earlier",
                "properties": {
                    "year": {"type": "integer"},
                    "period": {"$ref": "#/components/schemas/Period"},
                    "has_data": {"type": "boolean", "description": "Whether any meeting was held in that period"},
                },
            },
            "changes": {
                "type": "object",
                "description": "Per figure: {difference, percent}, or null when the earlier figure is zero or missing",
                "additionalProperties": {
                    "type": ["object", "null"],
                    "properties": {"difference": {"type": "number"}, "percent": {"type": ["number", "null"]}},
                },
            },
            "by_month": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "month": {"type": "integer"},
                        "meetings": {"type": "integer"},
                        "savings_vnd": {"type": "integer"},
                    },
                },
            },
            "by_organizer": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "organizer": {"type": "string"},
                        "meetings": {"type": "integer"},
                        "hours": {"type": "number"},
                        "savings_vnd": {"type": "integer"},
                    },
                },
            },
            "by_endpoint": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "endpoint": {"type": "string"},
                        "name": {"type": "string"},
                        "meetings": {"type": "integer"},
                        "connections": {"type": "integer"},
                        "not_ready": {"type": "integer"},
                        "attendance_rate": {"type": "number"},
                        "readiness_on_time_rate": {"type": "number"},
                        "savings_vnd": {"type": "integer"},
                    },
                },
            },
        },
    },
    "Endpoint": {
        "type": "object",
        "properties": {
            "code": {"type": "string", "examples": ["thads-an-giang"]},
            "name": {"type": "string"},
            "kind": {
                "type": "string",
                "enum": ["hq", "enforcement", "law_school", "southern_office", "government", "other"],
            },
            "province": {"type": "string"},
            "region": {"type": "string", "enum": ["north", "central", "south"]},
            "subregion": {"type": "string"},
            "city": {"type": "string"},
            "latitude": {"type": ["number", "null"]},
            "longitude": {"type": ["number", "null"]},
            "distance_km": {"type": "integer"},
            "seats": {"type": "integer"},
            "dial_string": {"type": "string"},
            "contact": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "email": {"type": "string"}, "phone": {"type": "string"}},
            },
            "active": {"type": "boolean"},
            "retired_on": {"type": ["string", "null"], "format": "date"},
            "successor": {"type": ["string", "null"]},
            "former_names": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "name": {"type": "string"},
                        "province": {"type": "string"},
                        "until": {"type": "string", "format": "date"},
                    },
                },
            },
        },
    },
    "Group": {
        "type": "object",
        "properties": {
            "name": {"type": "string", "examples": ["all-enforcement"]},
            "label": {"type": "string"},
            "label_en": {"type": "string"},
            "system": {"type": "boolean"},
            "description": {"type": "string"},
            "members": {"type": "array", "items": {"type": "string"}},
        },
    },
    "Participant": {
        "type": "object",
        "properties": {
            "endpoint": {"type": "string"},
            "name": {"type": "string"},
            "region": {"type": "string"},
            "is_host": {"type": "boolean"},
            "expected_attendees": {"type": "integer"},
            "readiness": {"type": "string", "enum": enum_values(ReadinessStatus)},
            "attendance": {"type": ["string", "null"], "enum": enum_values(AttendanceStatus, nullable=True)},
        },
    },
    "Meeting": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "title": {"type": "string"},
            "start": {"type": "string", "format": "date-time", "examples": ["2026-12-01T08:00:00+07:00"]},
            "end": {"type": "string", "format": "date-time"},
            "test_at": {"type": ["string", "null"], "format": "date-time"},
            "status": {"type": "string", "enum": enum_values(MeetingStatus)},
            "host": {"type": "string"},
            "organizer": {"type": "string"},
            "chair": {"type": "string"},
            "agenda": {"type": "string"},
            "bridge_to_government": {"type": "boolean"},
            "series_id": {"type": ["integer", "null"]},
            "ics_uid": {"type": "string"},
            "sequence": {"type": "integer"},
            "ics_url": {"type": "string"},
            "cancel_reason": {"type": ["string", "null"]},
            "participant_count": {"type": "integer"},
            "participants": {"type": "array", "items": {"$ref": "#/components/schemas/Participant"}},
        },
    },
    "MeetingInput": {
        "type": "object",
        "description": "Times are ISO 8601; without an offset they are Hà Nội time (+07:00).",
        "properties": {
            "title": {"type": "string", "maxLength": 300},
            "start": {"type": "string"},
            "end": {"type": "string"},
            "host": {"type": "string", "description": "Endpoint code; default: the DEFAULT_HOST setting"},
            "endpoints": {"type": "array", "items": {"type": "string"}},
            "groups": {"type": "array", "items": {"type": "string"}, "description": "Expanded to active members"},
            "attendees": {
                "type": "object",
                "additionalProperties": {"type": "integer"},
                "description": "Expected attendees per endpoint code",
            },
            "organizer": {"type": "string"},
            "chair": {"type": "string"},
            "agenda": {"type": "string"},
            "bridge_to_government": {"type": "boolean"},
            "test_minutes_before": {"type": "integer", "description": "Technical test lead time; default 60"},
            "recurrence": {"type": "string", "examples": ["FREQ=WEEKLY;COUNT=10", "FREQ=MONTHLY;UNTIL=20271231"]},
            "status": {"type": "string", "enum": enum_values(EDITABLE_STATUSES)},
            "scope": {"type": "string", "enum": ["this", "following"], "description": "PATCH and DELETE of a series"},
        },
    },
    "Readiness": {
        "type": "object",
        "description": "Every invited endpoint's answer, with counts. Answers 304 to If-None-Match when unchanged.",
        "properties": {
            "meeting": {"type": "integer"},
            "title": {"type": "string"},
            "start": {"type": "string", "format": "date-time"},
            "status": {"type": "string"},
            "open": {"type": "boolean", "description": "Answers are taken until the start"},
            "test_open": {"type": "boolean", "description": "The technical test slot is open"},
            "version": {"type": "string", "description": "Also the ETag"},
            "counts": {
                "type": "object",
                "properties": {k: {"type": "integer"} for k in enum_values(ReadinessStatus)},
            },
            "tests": {
                "type": "object",
                "properties": {k: {"type": "integer"} for k in (*enum_values(TestStatus), UNTESTED)},
            },
            "probes": {"type": "object",
                       "properties": {k: {"type": "integer"} for k in (*enum_values(ProbeState), UNCHECKED)}},
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/ReadinessItem"}},
            "history": {
                "type": "array",
                "description": "With ?history=N: the newest N changes",
                "items": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer"},
                        "endpoint": {"type": "string"},
                        "name": {"type": "string"},
                        "aspect": {"type": "string", "enum": ["answer", "test"]},
                        "from": {"type": ["string", "null"]},
                        "to": {"type": "string"},
                        "note": {"type": "string"},
                        "at": {"type": "string", "format": "date-time"},
                        "by": {"type": ["string", "null"]},
                        "via": {"type": "string", "enum": ["web", "api", "link"]},
                        "on_behalf": {"type": "boolean"},
                    },
                },
            },
        },
    },
    "ReadinessItem": {
        "type": "object",
        "properties": {
            "endpoint": {"type": "string"},
            "name": {"type": "string"},
            "region": {"type": "string"},
            "province": {"type": "string"},
            "is_host": {"type": "boolean"},
            "status": {"type": "string", "enum": enum_values(ReadinessStatus)},
            "note": {"type": "string"},
            "updated_at": {"type": ["string", "null"], "format": "date-time"},
            "updated_by": {"type": ["string", "null"], "description": "Username; null for the e-mail link"},
            "updated_via": {"type": ["string", "null"], "enum": ["web", "api", "link", None]},
            "on_behalf": {"type": "boolean", "description": "Answered by a booker or admin for the endpoint"},
            "test": {
                "type": ["object", "null"],
                "properties": {
                    "result": {"type": "string", "enum": enum_values(TestStatus)},
                    "note": {"type": "string"},
                    "at": {"type": "string", "format": "date-time"},
                    "by": {"type": "string"},
                },
            },
            "probe": {
                "type": ["object", "null"],
                "description": "Null when the endpoint has no probe address",
                "properties": {
                    "address": {"type": "string"},
                    "state": {"type": ["string", "null"], "enum": enum_values(ProbeState, nullable=True)},
                    "detail": {"type": "string"},
                    "latency_ms": {"type": ["integer", "null"]},
                    "checked_at": {"type": ["string", "null"], "format": "date-time"},
                },
            },
            "reminded_at": {"type": ["string", "null"], "format": "date-time"},
        },
    },
    "Series": {
        "type": "object",
        "properties": {
            "series_id": {"type": "integer"},
            "meetings": {"type": "array", "items": {"$ref": "#/components/schemas/Meeting"}},
        },
    },
    "User": {
        "type": "object",
        "properties": {
            "username": {"type": "string"},
            "role": {"type": "string"},
            "full_name": {"type": "string"},
            "endpoint": {"type": ["string", "null"]},
        },
    },
    "Attendance": {
        "type": "object",
        "properties": {
            "endpoint": {"type": "string"},
            "name": {"type": "string"},
            "is_host": {"type": "boolean"},
            "expected_attendees": {"type": "integer"},
            "status": {"type": ["string", "null"], "enum": enum_values(AttendanceStatus, nullable=True)},
            "attendees": {"type": ["integer", "null"], "description": "Headcount"},
            "connected_at": {"type": ["string", "null"], "format": "date-time"},
            "disconnected_at": {"type": ["string", "null"], "format": "date-time"},
            "connected_minutes": {"type": ["integer", "null"]},
            "source": {"type": ["string", "null"], "enum": enum_values(AttendanceSource, nullable=True)},
            "recorded_by": {"type": ["string", "null"]},
            "recorded_at": {"type": ["string", "null"], "format": "date-time"},
        },
    },
    "AttendanceInput": {
        "type": "object",
        "description": "Omitted fields keep their value; null clears one (status null clears the record). "
        "Operators send only `attendees`, for their own endpoint.",
        "properties": {
            "status": {"type": ["string", "null"], "enum": enum_values(AttendanceStatus, nullable=True)},
            "attendees": {"type": ["integer", "null"], "minimum": 0, "maximum": 10000},
            "connected_at": {"type": ["string", "null"], "examples": ["2026-12-01T08:02:00+07:00"]},
            "disconnected_at": {"type": ["string", "null"]},
        },
    },
    "CdrImport": {
        "type": "object",
        "description": "A parsed call-detail-record file; nothing is recorded until it is confirmed.",
        "properties": {
            "import_id": {"type": "integer"},
            "meeting": {"type": "integer"},
            "state": {"type": "string", "enum": enum_values(ImportState)},
            "filename": {"type": "string"},
            "uploaded_at": {"type": "string", "format": "date-time"},
            "uploaded_by": {"type": ["string", "null"]},
            "counts": {
                "type": "object",
                "properties": {k: {"type": "integer"} for k in ("rows", "valid", "problems", "endpoints", "missing")},
            },
            "endpoints": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "endpoint": {"type": "string"},
                        "name": {"type": "string"},
                        "status": {"type": "string", "enum": enum_values(ATTENDED)},
                        "connected_at": {"type": "string", "format": "date-time"},
                        "disconnected_at": {"type": "string", "format": "date-time"},
                        "connected_minutes": {"type": "integer"},
                        "lines": {"type": "array", "items": {"type": "integer"}},
                    },
                },
            },
            "problems": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "line": {"type": "integer"},
                        "message": {"type": "string"},
                        "dial_string": {"type": "string"},
                        "code": {
                            "type": "string",
                            "enum": [
                                "no_dial_string",
                                "bad_time",
                                "bad_duration",
                                "no_end",
                                "duration_mismatch",
                                "ends_before_start",
                                "duplicate",
                                "unknown_dial",
                                "not_participant",
                                "outside_meeting",
                            ],
                        },
                    },
                },
            },
            "missing": {"type": "array", "items": {"type": "string"}, "description": "Endpoints without a call"},
        },
    },
    "Savings": {
        "type": "object",
        "description": "Money in whole đồng. `status: stored` is the snapshot taken when the meeting was held "
        "(its rates frozen); `estimate` uses the rates in force on the meeting's day.",
        "properties": {
            "meeting": {"type": "integer"},
            "status": {"type": "string", "enum": ["stored", "estimate"]},
            "reason": {"type": ["string", "null"], "enum": ["completed", "attendance", "recomputed", None]},
            "computed_at": {"type": ["string", "null"], "format": "date-time"},
            "computed_by": {"type": ["string", "null"]},
            "host": {"type": "string"},
            "total_vnd": {"type": "integer"},
            "travel_km_avoided": {"type": "integer", "description": "Person-kilometres, round trips"},
            "travel_hours_avoided": {"type": "number", "description": "Person-hours, round trips"},
            "rates_effective_from": {"type": "string", "format": "date"},
            "rate_version": {"type": ["integer", "null"]},
            "rates": {"type": "object"},
            "counts": {"type": "object"},
            "items": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "endpoint": {"type": "string"},
                        "name": {"type": "string"},
                        "attendance": {"type": ["string", "null"]},
                        "counted": {"type": "boolean"},
                        "attendees": {"type": "integer"},
                        "attendees_source": {"type": "string", "enum": ["headcount", "expected"]},
                        "distance_km": {"type": "integer"},
                        "mode": {"type": ["string", "null"], "enum": ["road", "air", None]},
                        "basis": {
                            "type": ["string", "null"],
                            "enum": ["local", "own_vehicle", "road_band", "air_band", None],
                        },
                        "fare_one_way_vnd": {"type": "integer"},
                        "fare_band_from_km": {"type": ["integer", "null"]},
                        "days": {"type": "integer"},
                        "nights": {"type": "integer"},
                        "same_day": {"type": "boolean"},
                        "travel_vnd": {"type": "integer"},
                        "per_diem_vnd": {"type": "integer"},
                        "lodging_vnd": {"type": "integer"},
                        "vc_hours": {"type": "number"},
                        "vc_cost_vnd": {"type": "integer"},
                        "saving_vnd": {"type": "integer"},
                        "travel_km": {"type": "integer"},
                        "travel_hours": {"type": "number"},
                    },
                },
            },
        },
    },
}

PATHS = {
    "/auth/token": {
        "post": {
            "summary": "Exchange a username and password for a bearer token",
            "security": [],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["username", "password"],
                            "properties": {
                                "username": {"type": "string"},
                                "password": {"type": "string"},
                                "name": {"type": "string", "description": "A label for the token"},
                            },
                        }
                    }
                },
            },
            "responses": {
                "201": _response(
                    "Token created",
                    {
                        "type": "object",
                        "properties": {
                            "token": {"type": "string"},
                            "token_type": {"type": "string"},
                            "user": {"$ref": "#/components/schemas/User"},
                        },
                    },
                ),
                **_errors(400, 401, 422, 429),
            },
        }
    },
    "/endpoints": {
        "get": {
            "summary": "List endpoints",
            "parameters": [
                _param("kind", "Only this kind"),
                _param("region", "Only this region"),
                _param("group", "Only members of this group"),
                _param("q", "Search in code, name, province (accents ignored)"),
                _param("active", "true: in service; false: retired or merged; absent: all", schema={"type": "boolean"}),
            ],
            "responses": {
                "200": _response(
                    "Endpoints",
                    {
                        "type": "object",
                        "properties": {
                            "count": {"type": "integer"},
                            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Endpoint"}},
                        },
                    },
                ),
                **_errors(401, 404, 422),
            },
        }
    },
    "/endpoints/{code}": {
        "get": {
            "summary": "One endpoint",
            "parameters": [_param("code", "The endpoint's code", where="path")],
            "responses": {
                "200": _response("The endpoint", {"$ref": "#/components/schemas/Endpoint"}),
                **_errors(401, 404),
            },
        }
    },
    "/groups": {
        "get": {
            "summary": "Groups of endpoints with their active members",
            "responses": {
                "200": _response(
                    "Groups",
                    {
                        "type": "object",
                        "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Group"}}},
                    },
                ),
                **_errors(401),
            },
        }
    },
    "/availability": {
        "get": {
            "summary": "Scheduling assistant: busy blocks of the chosen endpoints on a day and the first free slots",
            "description": (
                "The endpoints are what a booking with the same `host`, `endpoints` and `groups` would invite. "
                "`free` lists the first windows of at least `minutes` inside the working day (WORKDAY_START to "
                "WORKDAY_END, Hà Nội time) in which a meeting of that length books without a conflict: clear of "
                "every hold and its SETUP_MINUTES buffer, and within the MCU's MCU_PORTS. Any part of a window "
                "books. Bookers, admins and leaders."
            ),
            "parameters": [
                _param("date", "The day: YYYY-MM-DD (dd/mm/yyyy is accepted too)", required=True),
                _param("minutes", "The meeting's length in minutes (5-1440, default 60)", schema={"type": "integer"}),
                _param("endpoints", "Endpoint codes, comma-separated (or the parameter repeated)"),
                _param("groups", "Group names, comma-separated"),
                _param("host", "The host endpoint's code (default DEFAULT_HOST)"),
                _param("meeting", "A meeting being changed: it does not stand in its own way",
                       schema={"type": "integer"}),
            ],
            "responses": {
                "200": _response(
                    "Busy and free time",
                    {
                        "type": "object",
                        "required": ["busy", "free"],
                        "properties": {
                            "date": {"type": "string", "format": "date"},
                            "minutes": {"type": "integer"},
                            "day": {"type": "object", "properties": {
                                "start": {"type": "string", "format": "date-time"},
                                "end": {"type": "string", "format": "date-time"}}},
                            "setup_minutes": {"type": "integer"},
                            "ports": {"type": "object", "properties": {
                                "needed": {"type": "integer"}, "limit": {"type": "integer"}}},
                            "endpoints": {"type": "array", "description": "The selection: host first, then "
                                          "Vietnamese order by province and name", "items": {
                                "type": "object", "properties": {
                                    "code": {"type": "string"}, "name": {"type": "string"},
                                    "province": {"type": "string"}, "region": {"type": "string"},
                                    "is_host": {"type": "boolean"}}}},
                            "busy": {"type": "array", "items": {
                                "type": "object", "required": ["endpoint", "start", "end", "meeting", "title"],
                                "properties": {
                                    "endpoint": {"type": "string"},
                                    "start": {"type": "string", "format": "date-time"},
                                    "end": {"type": "string", "format": "date-time"},
                                    "busy_until": {"type": "string", "format": "date-time",
                                                   "description": "The end plus the set-up buffer"},
                                    "meeting": {"type": "integer"}, "title": {"type": "string"}}}},
                            "free": {"type": "array", "items": {
                                "type": "object", "required": ["start", "end"],
                                "properties": {
                                    "start": {"type": "string", "format": "date-time"},
                                    "end": {"type": "string", "format": "date-time"},
                                    "minutes": {"type": "integer"}}}},
                        },
                    },
                ),
                **_errors(401, 403, 422),
            },
        }
    },
    "/meetings": {
        "get": {
            "summary": "List meetings (operators: only their endpoint's)",
            "parameters": [
                _param("from", "Meetings ending after this time"),
                _param("to", "Meetings starting before this time"),
                _param("endpoint", "Only meetings with this endpoint"),
                _param("status", "Only this status"),
                _param("organizer", "Only this organising unit"),
                _param("q", "Title contains (case and accents ignored; % and _ are plain characters)"),
                _param("limit", "Meetings per page (1 to 500, default 100)", schema={"type": "integer"}),
                _param("offset", "Meetings to skip (default 0)", schema={"type": "integer"}),
            ],
            "responses": {
                "200": _response(
                    "One page of meetings, in start order",
                    {
                        "type": "object",
                        "required": ["count", "limit", "offset", "next", "items"],
                        "properties": {
                            "count": {"type": "integer", "description": "Meetings matching, on every page"},
                            "limit": {"type": "integer"},
                            "offset": {"type": "integer"},
                            "next": {"type": ["string", "null"], "description": "The next page; null on the last"},
                            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Meeting"}},
                        },
                    },
                ),
                **_errors(401, 422),
            },
        },
        "post": {
            "summary": "Book a meeting, or a series with `recurrence` (bookers and admins)",
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/MeetingInput"}}},
            },
            "responses": {
                "201": _response(
                    "The meeting, or {series_id, meetings} for a series",
                    {"oneOf": [{"$ref": "#/components/schemas/Meeting"}, {"$ref": "#/components/schemas/Series"}]},
                ),
                **_errors(400, 401, 403, 409, 422),
            },
        },
    },
    "/meetings/check": {
        "post": {
            "summary": "What booking these values would meet (conflicts, MCU capacity), without booking",
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "allOf": [
                                {"$ref": "#/components/schemas/MeetingInput"},
                                {
                                    "type": "object",
                                    "properties": {
                                        "meeting": {"type": "integer", "description": "Ignore this meeting"}
                                    },
                                },
                            ]
                        }
                    }
                },
            },
            "responses": {
                "200": _response(
                    "The check",
                    {
                        "type": "object",
                        "properties": {
                            "ok": {"type": "boolean"},
                            "participants": {"type": "integer"},
                            "occurrences": {"type": "integer"},
                            "conflicts": {"type": "array", "items": {"type": "object"}},
                            "capacity": {"type": "array", "items": {"type": "object"}},
                            "groups": {"type": "array", "description": "The conflicts grouped by the meeting in "
                                       "the way: {meeting, title, start, end, endpoints: [{code, name}]}",
                                       "items": {"type": "object"}},
                            "next_free": {"type": ["object", "null"], "description": "Where the same meeting "
                                          "fits first from the asked start (that day, else the next working "
                                          "days): {start, end}; null when it fits or is a series",
                                          "properties": {"start": {"type": "string", "format": "date-time"},
                                                         "end": {"type": "string", "format": "date-time"}}},
                        },
                    },
                ),
                **_errors(400, 401, 403, 422),
            },
        }
    },
    "/meetings/{meeting_id}": {
        "get": {
            "summary": "One meeting",
            "parameters": [MEETING_ID],
            "responses": {
                "200": _response("The meeting", {"$ref": "#/components/schemas/Meeting"}),
                **_errors(401, 403, 404),
            },
        },
        "patch": {
            "summary": "Change a meeting (same conflict rules); `scope: following` changes the rest of its series",
            "parameters": [MEETING_ID],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/MeetingInput"}}},
            },
            "responses": {
                "200": _response(
                    "The meeting, or {series_id, meetings}",
                    {"oneOf": [{"$ref": "#/components/schemas/Meeting"}, {"$ref": "#/components/schemas/Series"}]},
                ),
                **_errors(400, 401, 403, 404, 409, 422),
            },
        },
        "delete": {
            "summary": "Cancel a meeting: it stays, with status cancelled. Body: {reason, scope}",
            "parameters": [MEETING_ID],
            "responses": {
                "200": _response(
                    "The cancelled meeting, or {series_id, meetings}",
                    {"oneOf": [{"$ref": "#/components/schemas/Meeting"}, {"$ref": "#/components/schemas/Series"}]},
                ),
                **_errors(401, 403, 404, 409, 422),
            },
        },
    },
    "/meetings/{meeting_id}/complete": {
        "post": {
            "summary": "Mark a meeting as held (the scheduler also does it at the end time); "
            "stores its savings snapshot",
            "parameters": [MEETING_ID],
            "responses": {
                "200": _response("The meeting", {"$ref": "#/components/schemas/Meeting"}),
                **_errors(401, 403, 404, 409),
            },
        }
    },
    "/meetings/{meeting_id}/attendance": {
        "get": {
            "summary": "Every endpoint's attendance, with counts",
            "parameters": [MEETING_ID],
            "responses": {
                "200": _response(
                    "Attendance",
                    {
                        "type": "object",
                        "properties": {
                            "meeting": {"type": "integer"},
                            "status": {"type": "string"},
                            "counts": {"type": "object"},
                            "attendees": {"type": "integer"},
                            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Attendance"}},
                        },
                    },
                ),
                **_errors(401, 403, 404),
            },
        }
    },
    "/meetings/{meeting_id}/attendance/{code}": {
        "put": {
            "summary": "Record one endpoint's attendance (bookers, admins); an operator records their own headcount",
            "parameters": [
                MEETING_ID,
                _param("code", "Endpoint code", where="path"),
            ],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AttendanceInput"}}},
            },
            "responses": {
                "200": _response("The endpoint's attendance", {"$ref": "#/components/schemas/Attendance"}),
                **_errors(400, 401, 403, 404, 409, 422),
            },
        }
    },
    "/meetings/{meeting_id}/attendance/cdr": {
        "post": {
            "summary": "Upload an MCU call-detail-record CSV (multipart `file`, or a text/csv body): a preview, "
            "recorded only when confirmed (or at once with ?confirm=true)",
            "parameters": [
                MEETING_ID,
                _param("confirm", "Record the valid rows at once", schema={"type": "boolean"}),
                _param(
                    "mark_absent",
                    "With confirm: endpoints without a call and without a record become absent",
                    schema={"type": "boolean"},
                ),
            ],
            "requestBody": {
                "required": True,
                "content": {
                    "multipart/form-data": {
                        "schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}
                    },
                    "text/csv": {"schema": {"type": "string"}},
                },
            },
            "responses": {
                "201": _response("The pending import", {"$ref": "#/components/schemas/CdrImport"}),
                "200": _response("The confirmed import (confirm=true)", {"$ref": "#/components/schemas/CdrImport"}),
                "413": _response("Larger than the upload limit", ERROR),
                **_errors(401, 403, 404, 409, 422),
            },
        }
    },
    "/meetings/{meeting_id}/attendance/cdr/{import_id}": {
        "get": {
            "summary": "An import's preview",
            "parameters": [
                MEETING_ID,
                _param("import_id", "Import id", where="path", schema={"type": "integer"}),
            ],
            "responses": {
                "200": _response("The import", {"$ref": "#/components/schemas/CdrImport"}),
                **_errors(401, 403, 404),
            },
        },
        "delete": {
            "summary": "Discard a pending import",
            "parameters": [
                MEETING_ID,
                _param("import_id", "Import id", where="path", schema={"type": "integer"}),
            ],
            "responses": {
                "200": _response("The discarded import", {"$ref": "#/components/schemas/CdrImport"}),
                **_errors(401, 403, 404, 409),
            },
        },
    },
    "/meetings/{meeting_id}/attendance/cdr/{import_id}/confirm": {
        "post": {
            "summary": 'Record the valid rows of a pending import. Body (optional): {"mark_absent": true}',
            "parameters": [
                MEETING_ID,
                _param("import_id", "Import id", where="path", schema={"type": "integer"}),
            ],
            "responses": {
                "200": _response("The confirmed import", {"$ref": "#/components/schemas/CdrImport"}),
                **_errors(401, 403, 404, 409, 422),
            },
        }
    },
    "/meetings/{meeting_id}/savings": {
        "get": {
            "summary": "The savings per endpoint and in total: the snapshot of a held meeting, else an estimate",
            "parameters": [MEETING_ID],
            "responses": {
                "200": _response("The savings", {"$ref": "#/components/schemas/Savings"}),
                **_errors(401, 403, 404, 409),
            },
        }
    },
    "/meetings/{meeting_id}/readiness": {
        "get": {
            "summary": "Every invited endpoint's readiness with counts (operators: only their endpoint's meetings)",
            "parameters": [
                MEETING_ID,
                _param("history", "Include the newest N changes (0 to 200)", schema={"type": "integer"}),
                _param("If-None-Match", "The ETag of the last answer: 304 when nothing changed", where="header"),
            ],
            "responses": {
                "200": _response("The readiness", {"$ref": "#/components/schemas/Readiness"}),
                "304": _response("Nothing changed since that ETag"),
                **_errors(401, 403, 404, 422),
            },
        }
    },
    "/meetings/{meeting_id}/readiness/{code}": {
        "put": {
            "summary": "Answer for an endpoint: operators for their own; bookers and admins on its behalf. "
            "Closed (409) once the meeting starts",
            "parameters": [
                MEETING_ID,
                _param("code", "The endpoint's code", where="path"),
            ],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["status"],
                            "properties": {
                                "status": {"type": "string", "enum": enum_values(ANSWERS)},
                                "note": {
                                    "type": "string",
                                    "maxLength": 500,
                                    "description": "The reason; required when not_ready",
                                },
                            },
                        }
                    }
                },
            },
            "responses": {
                "200": _response("The endpoint's readiness", {"$ref": "#/components/schemas/ReadinessItem"}),
                **_errors(400, 401, 403, 404, 409, 422),
            },
        }
    },
    "/meetings/{meeting_id}/readiness/{code}/test": {
        "put": {
            "summary": "Record an endpoint's technical test call (bookers, admins, the host endpoint's operator), "
            "from the test slot until the end",
            "parameters": [
                MEETING_ID,
                _param("code", "The endpoint's code", where="path"),
            ],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["result"],
                            "properties": {
                                "result": {"type": "string", "enum": enum_values(TestStatus)},
                                "note": {
                                    "type": "string",
                                    "maxLength": 500,
                                    "description": "Required when test_failed",
                                },
                            },
                        }
                    }
                },
            },
            "responses": {
                "200": _response("The endpoint's readiness", {"$ref": "#/components/schemas/ReadinessItem"}),
                **_errors(400, 401, 403, 404, 409, 422),
            },
        }
    },
    "/stats/annual": {
        "get": {
            "summary": "A year's figures (held meetings), the previous year's and the changes, by month, organising "
            "unit and endpoint (leaders, bookers, admins). Merged endpoints count under their successor from "
            "the merge",
            "parameters": [
                _param("year", "The year", required=True, schema={"type": "integer"}),
                _param("organizer", "Only this organising unit"),
                _param(
                    "kind",
                    "Only endpoints of this kind",
                    schema={
                        "type": "string",
                        "enum": ["hq", "enforcement", "law_school", "southern_office", "government", "other"],
                    },
                ),
            ],
            "responses": {
                "200": _response("The year's statistics", {"$ref": "#/components/schemas/Annual"}),
                **_errors(401, 403, 422),
            },
        }
    },
    "/openapi.json": {
        "get": {
            "summary": "This document",
            "security": [],
            "responses": {"200": _response("The OpenAPI document", {"type": "object"})},
        }
    },
}

SCHEMAS["CallItem"] = {
    "type": "object",
    "required": ["endpoint", "name", "state", "reason", "attempts", "connected_at", "duration_seconds", "alarms"],
    "properties": {
        "endpoint": {"type": "string", "description": "The endpoint's code; _government for the cascade leg"},
        "name": {"type": "string"},
        "is_host": {"type": "boolean"},
        "state": {"type": "string", "enum": ["idle", "dialling", "ringing", "connected", "failed", "disconnected"]},
        "reason": {"type": ["string", "null"], "description": "The MCU's code, e.g. remoteBusy, unknownDestination"},
        "reason_text": {"type": ["string", "null"], "description": "The reason in words"},
        "attempts": {"type": "integer", "description": "Dials in the current series"},
        "connected_at": {"type": ["string", "null"], "format": "date-time"},
        "disconnected_at": {"type": ["string", "null"], "format": "date-time"},
        "duration_seconds": {"type": ["integer", "null"], "description": "Connected for, while connected"},
        "alarms": {"type": "array", "items": {"type": "string",
                                               "enum": ["packetLoss", "excessiveJitter", "highRoundTripTime"]}},
        "excluded": {"type": "boolean", "description": "Kept out of automatic dialling by a booker"},
        "hung_up": {"type": "boolean", "description": "Hung up by us: not dialled again"},
        "dialled_in": {"type": "boolean"},
        "readiness": {"type": ["string", "null"], "enum": ["pending", "ready", "not_ready", None]},
        "test": {"type": ["string", "null"], "enum": ["test_ok", "test_failed", None]},
    },
}
SCHEMAS["Calls"] = {
    "type": "object",
    "required": ["meeting", "mode", "conference", "counts", "items"],
    "properties": {
        "meeting": {"type": "integer"},
        "enabled": {"type": "boolean", "description": "False when no MCU is configured (MCU_DRIVER empty)"},
        "mode": {"type": "string", "enum": ["automatic", "manual"]},
        "conference": {
            "type": "object",
            "required": ["state", "dial_in", "started_at"],
            "properties": {
                "state": {"type": "string", "enum": ["planned", "ready", "active", "ended", "removed"]},
                "dial_in": {"type": ["object", "null"], "properties": {"uri": {"type": "string"},
                                                                       "call_id": {"type": "string"}}},
                "started_at": {"type": ["string", "null"], "format": "date-time"},
                "ended_at": {"type": ["string", "null"], "format": "date-time"},
                "test_at": {"type": "string", "format": "date-time"},
                "connect_opens_at": {"type": "string", "format": "date-time"},
            },
        },
        "counts": {"type": "object", "properties": {key: {"type": "integer"} for key in (
            "connected", "dialling", "failed", "idle", "disconnected", "total")}},
        "items": {"type": "array", "items": {"$ref": "#/components/schemas/CallItem"}},
        "version": {"type": ["string", "null"], "description": "The ETag of this state"},
        "can_operate": {"type": "boolean"},
    },
}
_MEETING = MEETING_ID
_CODE = _param("code", "The endpoint's code", where="path")
PATHS["/meetings/{meeting_id}/calls"] = {
    "get": {
        "summary": "The MCU call of a meeting: every endpoint's call state with counts (bookers, admins, leaders, "
        "the host's operator; an invited endpoint's operator sees its own row). Answers 304 to If-None-Match",
        "parameters": [_MEETING],
        "responses": {"200": _response("The call", {"$ref": "#/components/schemas/Calls"}),
                      "304": _response("Nothing changed since the ETag given"), **_errors(401, 403, 404)},
    },
    "post": {
        "summary": "Connect every endpoint now (bookers, admins, the host's operator), from the opening of the "
        "technical test slot until the end; reaches the MCU within MCU_SWEEP_SECONDS",
        "parameters": [_MEETING],
        "responses": {"202": _response("Queued; the call as it is now", {"$ref": "#/components/schemas/Calls"}),
                      **_errors(401, 403, 404, 409)},
    },
    "delete": {
        "summary": "End the call for everyone",
        "parameters": [_MEETING],
        "responses": {"202": _response("Queued; the call as it is now", {"$ref": "#/components/schemas/Calls"}),
                      **_errors(401, 403, 404, 409)},
    },
}
PATHS["/meetings/{meeting_id}/calls/{code}"] = {
    "post": {
        "summary": "Dial one endpoint again (a new series of attempts)",
        "parameters": [_MEETING, _CODE],
        "responses": {"202": _response("Queued", {"$ref": "#/components/schemas/CallItem"}),
                      **_errors(401, 403, 404, 409)},
    },
    "delete": {
        "summary": "Hang one endpoint up; it is not dialled again unless asked",
        "parameters": [_MEETING, _CODE],
        "responses": {"202": _response("Queued", {"$ref": "#/components/schemas/CallItem"}),
                      **_errors(401, 403, 404, 409)},
    },
}


# ---- what the API accepts, said in the document ---------------------------------------------------
# A schema-driven client (or fuzzer) that keeps to these gets a 2xx or a documented 4xx; times must also lie
# in the years 2000 to 2100 (a 422 names the field otherwise).

DB_INT_MAX = 2**31 - 1
ONE_LINE = "^[^\\x00-\\x1f\\x7f]*$"  # no control character, no line break
MULTI_LINE = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]*$"  # tabs and line breaks allowed
CODE = {"type": "string", "minLength": 1, "maxLength": 64, "pattern": "^[a-z0-9_-]+$"}
ID = {"type": "integer", "minimum": 1, "maximum": DB_INT_MAX}
DATE_TIME = {"type": "string", "format": "date-time"}
QUERY_SCHEMAS = {
    "from": DATE_TIME, "to": DATE_TIME, "status": {"type": "string", "enum": enum_values(MeetingStatus)},
    "endpoint": CODE, "host": CODE, "code": CODE,
    "limit": {"type": "integer", "minimum": 1, "maximum": 500, "default": 100},
    "offset": {"type": "integer", "minimum": 0, "maximum": DB_INT_MAX, "default": 0},
    "history": {"type": "integer", "minimum": 0, "maximum": 200}, "year": {"type": "integer", "minimum": 2000,
                                                                        "maximum": 2100},
    "minutes": {"type": "integer", "minimum": 5, "maximum": 1440}, "meeting": ID,
    "date": {"type": "string", "format": "date"},
}
TEXT = {"type": "string", "maxLength": 200, "pattern": ONE_LINE}


def _tightened_schemas(schemas: dict) -> dict:
    """The bodies' fields bounded as the services check them."""
    schemas = copy.deepcopy(schemas)
    meeting = schemas["MeetingInput"]["properties"]
    meeting["title"].update(minLength=1, pattern=ONE_LINE)
    meeting["start"], meeting["end"] = dict(DATE_TIME), dict(DATE_TIME)
    meeting["host"].update(CODE)
    meeting["endpoints"]["items"] = meeting["groups"]["items"] = CODE
    meeting["attendees"].update(propertyNames=CODE,
                                additionalProperties={"type": "integer", "minimum": 0, "maximum": 10000})
    for name in ("organizer", "chair"):
        meeting[name].update(maxLength=200, pattern=ONE_LINE)
    meeting["agenda"].update(maxLength=10000, pattern=MULTI_LINE)
    meeting["test_minutes_before"].update(minimum=0, maximum=1440)
    meeting["recurrence"].update(maxLength=500, pattern=ONE_LINE)
    attendance = schemas["AttendanceInput"]["properties"]
    for name in ("connected_at", "disconnected_at"):
        attendance[name].update(format="date-time")
    return schemas


def _tightened_bodies(paths: dict) -> dict:
    paths = copy.deepcopy(paths)
    body = paths["/auth/token"]["post"]["requestBody"]["content"]["application/json"]["schema"]["properties"]
    body["username"].update(minLength=1, maxLength=80, pattern=ONE_LINE)
    body["password"].update(minLength=1, maxLength=200, pattern=ONE_LINE)
    body["name"].update(maxLength=100, pattern=ONE_LINE)
    booking = paths["/meetings"]["post"]["requestBody"]["content"]["application/json"]
    booking["schema"] = {"allOf": [booking["schema"], {"type": "object", "required": ["title", "start", "end"]}]}
    check = paths["/meetings/check"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    check["allOf"][1]["properties"]["meeting"].update(ID)
    check["allOf"].append({"type": "object", "required": ["title", "start", "end"]})
    for path in ("/meetings/{meeting_id}/readiness/{code}", "/meetings/{meeting_id}/readiness/{code}/test"):
        schema = paths[path]["put"]["requestBody"]["content"]["application/json"]["schema"]
        schema["properties"]["note"].update(pattern=MULTI_LINE)
    return paths


def _parameter_schema(parameter: dict) -> dict:
    schema = dict(parameter.get("schema") or {"type": "string"})
    if parameter["in"] == "path":
        return ID if schema.get("type") == "integer" else CODE
    if parameter["in"] == "header":
        return {**TEXT, **schema}
    if parameter["name"] in QUERY_SCHEMAS:
        return {**QUERY_SCHEMAS[parameter["name"]], **{k: v for k, v in schema.items() if k not in ("type",)}}
    if schema.get("type") == "string" and "enum" not in schema:
        return {**TEXT, **schema}
    return schema


def _tightened(paths: dict) -> dict:
    """Every parameter bounded, and every status code an operation can answer documented: 400 for a body
    that is not JSON, 401 for a missing or bad token, 403 for another role, 404 for an unknown id or code,
    422 for a value refused (control characters included), 429 for the sign-in budget."""
    result = {}
    for path, operations in paths.items():
        result[path] = {}
        for method, operation in operations.items():
            operation = {**operation, "responses": dict(operation["responses"])}
            parameters = [{**p, "schema": _parameter_schema(p)} for p in operation.get("parameters", [])]
            if parameters:
                operation["parameters"] = parameters
            public = operation.get("security") == []
            codes = {422} if parameters or "requestBody" in operation else set()
            if not public or path == "/auth/token":
                codes |= {401}
            if not public:
                codes |= {403}
            if "requestBody" in operation or (method in ("post", "put", "patch", "delete") and path != "/openapi.json"):
                codes |= {400}
            if "{" in path:
                codes |= {404}
            if path == "/auth/token":
                codes |= {429}
            for code in sorted(codes):
                operation["responses"].setdefault(str(code), _errors(code)[str(code)])
            result[path][method] = operation
    return result


def build_document(server_url: str) -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Videoconference meeting manager — Ministry of Justice",
            "version": "1",
            "description": 'Errors always have the shape {"error": {"code", "message", "fields"?}}. '
            "Times are ISO 8601; answers use the +07:00 offset.",
        },
        "servers": [{"url": server_url}],
        "security": [{"bearer": []}, {"session": []}],
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "POST /auth/token gives one"},
                "session": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "session",
                    "description": "The browser's session; unsafe methods also need X-CSRFToken",
                },
            },
            "schemas": _tightened_schemas(SCHEMAS),
        },
        "paths": _tightened(_tightened_bodies(PATHS)),
    }
