"""The OpenAPI 3.1 document of /api/v1; a test checks that it names every route that exists."""
from __future__ import annotations

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


SCHEMAS = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {"error": {
            "type": "object", "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "examples": ["validation", "conflict", "not_found", "unauthenticated"]},
                "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": {"type": "string"}},
                "conflicts": {"type": "array", "items": {"type": "object"}},
            },
        }},
    },
    "Endpoint": {
        "type": "object",
        "properties": {
            "code": {"type": "string", "examples": ["thads-an-giang"]},
            "name": {"type": "string"},
            "kind": {"type": "string", "enum": ["hq", "enforcement", "law_school", "southern_office", "government", "other"]},
            "province": {"type": "string"}, "region": {"type": "string", "enum": ["north", "central", "south"]},
            "subregion": {"type": "string"}, "city": {"type": "string"},
            "latitude": {"type": ["number", "null"]}, "longitude": {"type": ["number", "null"]},
            "distance_km": {"type": "integer"}, "seats": {"type": "integer"}, "dial_string": {"type": "string"},
            "contact": {"type": "object", "properties": {"name": {"type": "string"}, "email": {"type": "string"},
                                                         "phone": {"type": "string"}}},
            "active": {"type": "boolean"},
            "retired_on": {"type": ["string", "null"], "format": "date"},
            "successor": {"type": ["string", "null"]},
            "former_names": {"type": "array", "items": {"type": "object", "properties": {
                "name": {"type": "string"}, "province": {"type": "string"}, "until": {"type": "string", "format": "date"}}}},
        },
    },
    "Group": {
        "type": "object",
        "properties": {"name": {"type": "string", "examples": ["all-enforcement"]}, "label": {"type": "string"},
                       "label_en": {"type": "string"}, "system": {"type": "boolean"},
                       "description": {"type": "string"}, "members": {"type": "array", "items": {"type": "string"}}},
    },
    "Participant": {
        "type": "object",
        "properties": {"endpoint": {"type": "string"}, "name": {"type": "string"}, "region": {"type": "string"},
                       "is_host": {"type": "boolean"}, "expected_attendees": {"type": "integer"},
                       "readiness": {"type": "string", "enum": ["pending", "ready", "not_ready"]},
                       "attendance": {"type": ["string", "null"], "enum": ["present", "absent", "partial", None]}},
    },
    "Meeting": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"}, "title": {"type": "string"},
            "start": {"type": "string", "format": "date-time", "examples": ["2026-12-01T08:00:00+07:00"]},
            "end": {"type": "string", "format": "date-time"}, "test_at": {"type": ["string", "null"], "format": "date-time"},
            "status": {"type": "string", "enum": ["draft", "scheduled", "in_progress", "completed", "cancelled"]},
            "host": {"type": "string"}, "organizer": {"type": "string"}, "chair": {"type": "string"},
            "agenda": {"type": "string"}, "bridge_to_government": {"type": "boolean"},
            "series_id": {"type": ["integer", "null"]}, "ics_uid": {"type": "string"}, "sequence": {"type": "integer"},
            "ics_url": {"type": "string"}, "cancel_reason": {"type": ["string", "null"]},
            "participant_count": {"type": "integer"},
            "participants": {"type": "array", "items": {"$ref": "#/components/schemas/Participant"}},
        },
    },
    "MeetingInput": {
        "type": "object",
        "description": "Times are ISO 8601; without an offset they are Hà Nội time (+07:00).",
        "properties": {
            "title": {"type": "string", "maxLength": 300}, "start": {"type": "string"}, "end": {"type": "string"},
            "host": {"type": "string", "description": "Endpoint code; default moj-hq"},
            "endpoints": {"type": "array", "items": {"type": "string"}},
            "groups": {"type": "array", "items": {"type": "string"}, "description": "Expanded to active members"},
            "attendees": {"type": "object", "additionalProperties": {"type": "integer"},
                          "description": "Expected attendees per endpoint code"},
            "organizer": {"type": "string"}, "chair": {"type": "string"}, "agenda": {"type": "string"},
            "bridge_to_government": {"type": "boolean"},
            "test_minutes_before": {"type": "integer", "description": "Technical test lead time; default 60"},
            "recurrence": {"type": "string", "examples": ["FREQ=WEEKLY;COUNT=10", "FREQ=MONTHLY;UNTIL=20271231"]},
            "status": {"type": "string", "enum": ["draft", "scheduled"]},
            "scope": {"type": "string", "enum": ["this", "following"], "description": "PATCH and DELETE of a series"},
        },
    },
    "Series": {
        "type": "object",
        "properties": {"series_id": {"type": "integer"},
                       "meetings": {"type": "array", "items": {"$ref": "#/components/schemas/Meeting"}}},
    },
    "User": {
        "type": "object",
        "properties": {"username": {"type": "string"}, "role": {"type": "string"}, "full_name": {"type": "string"},
                       "endpoint": {"type": ["string", "null"]}},
    },
}

PATHS = {
    "/auth/token": {"post": {
        "summary": "Exchange a username and password for a bearer token",
        "security": [],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["username", "password"],
            "properties": {"username": {"type": "string"}, "password": {"type": "string"},
                           "name": {"type": "string", "description": "A label for the token"}}}}}},
        "responses": {"201": _response("Token created", {"type": "object", "properties": {
            "token": {"type": "string"}, "token_type": {"type": "string"},
            "user": {"$ref": "#/components/schemas/User"}}}), **_errors(400, 401, 422, 429)},
    }},
    "/endpoints": {"get": {
        "summary": "List endpoints",
        "parameters": [
            _param("kind", "Only this kind"), _param("region", "Only this region"),
            _param("group", "Only members of this group"), _param("q", "Search in code, name, province (accents ignored)"),
            _param("active", "true: in service; false: retired or merged; absent: all", schema={"type": "boolean"}),
        ],
        "responses": {"200": _response("Endpoints", {"type": "object", "properties": {
            "count": {"type": "integer"}, "items": {"type": "array", "items": {"$ref": "#/components/schemas/Endpoint"}}}}),
            **_errors(401, 404, 422)},
    }},
    "/endpoints/{code}": {"get": {
        "summary": "One endpoint",
        "parameters": [_param("code", "The endpoint's code", where="path")],
        "responses": {"200": _response("The endpoint", {"$ref": "#/components/schemas/Endpoint"}), **_errors(401, 404)},
    }},
    "/groups": {"get": {
        "summary": "Groups of endpoints with their active members",
        "responses": {"200": _response("Groups", {"type": "object", "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Group"}}}}), **_errors(401)},
    }},
    "/meetings": {
        "get": {
            "summary": "List meetings (operators: only their endpoint's)",
            "parameters": [_param("from", "Meetings ending after this time"), _param("to", "Meetings starting before this time"),
                           _param("endpoint", "Only meetings with this endpoint"), _param("status", "Only this status"),
                           _param("organizer", "Only this organising unit"), _param("q", "Title contains")],
            "responses": {"200": _response("Meetings", {"type": "object", "properties": {
                "count": {"type": "integer"}, "items": {"type": "array", "items": {"$ref": "#/components/schemas/Meeting"}}}}),
                **_errors(401, 422)},
        },
        "post": {
            "summary": "Book a meeting, or a series with `recurrence` (bookers and admins)",
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/MeetingInput"}}}},
            "responses": {"201": _response("The meeting, or {series_id, meetings} for a series", {
                "oneOf": [{"$ref": "#/components/schemas/Meeting"}, {"$ref": "#/components/schemas/Series"}]}),
                **_errors(400, 401, 403, 409, 422)},
        },
    },
    "/meetings/check": {"post": {
        "summary": "What booking these values would meet (conflicts, MCU capacity), without booking",
        "requestBody": {"required": True, "content": {"application/json": {"schema": {"allOf": [
            {"$ref": "#/components/schemas/MeetingInput"},
            {"type": "object", "properties": {"meeting": {"type": "integer", "description": "Ignore this meeting"}}}]}}}},
        "responses": {"200": _response("The check", {"type": "object", "properties": {
            "ok": {"type": "boolean"}, "participants": {"type": "integer"}, "occurrences": {"type": "integer"},
            "conflicts": {"type": "array", "items": {"type": "object"}},
            "capacity": {"type": "array", "items": {"type": "object"}}}}), **_errors(400, 401, 403, 422)},
    }},
    "/meetings/{meeting_id}": {
        "get": {"summary": "One meeting", "parameters": [_param("meeting_id", "Meeting id", where="path",
                                                                    schema={"type": "integer"})],
                "responses": {"200": _response("The meeting", {"$ref": "#/components/schemas/Meeting"}),
                              **_errors(401, 403, 404)}},
        "patch": {"summary": "Change a meeting (same conflict rules); `scope: following` changes the rest of its series",
                  "parameters": [_param("meeting_id", "Meeting id", where="path", schema={"type": "integer"})],
                  "requestBody": {"required": True, "content": {"application/json": {
                      "schema": {"$ref": "#/components/schemas/MeetingInput"}}}},
                  "responses": {"200": _response("The meeting, or {series_id, meetings}", {
                      "oneOf": [{"$ref": "#/components/schemas/Meeting"}, {"$ref": "#/components/schemas/Series"}]}),
                      **_errors(400, 401, 403, 404, 409, 422)}},
        "delete": {"summary": "Cancel a meeting: it stays, with status cancelled. Body: {reason, scope}",
                   "parameters": [_param("meeting_id", "Meeting id", where="path", schema={"type": "integer"})],
                   "responses": {"200": _response("The cancelled meeting, or {series_id, meetings}", {
                       "oneOf": [{"$ref": "#/components/schemas/Meeting"}, {"$ref": "#/components/schemas/Series"}]}),
                       **_errors(401, 403, 404, 409, 422)}},
    },
    "/meetings/{meeting_id}/complete": {"post": {
        "summary": "Mark a meeting as held (the scheduler also does it at the end time)",
        "parameters": [_param("meeting_id", "Meeting id", where="path", schema={"type": "integer"})],
        "responses": {"200": _response("The meeting", {"$ref": "#/components/schemas/Meeting"}),
                      **_errors(401, 403, 404, 409)},
    }},
    "/openapi.json": {"get": {
        "summary": "This document", "security": [],
        "responses": {"200": _response("The OpenAPI document", {"type": "object"})},
    }},
}


def build_document(server_url: str) -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Videoconference meeting manager — Ministry of Justice",
            "version": "1",
            "description": "Errors always have the shape {\"error\": {\"code\", \"message\", \"fields\"?}}. "
                           "Times are ISO 8601; answers use the +07:00 offset.",
        },
        "servers": [{"url": server_url}],
        "security": [{"bearer": []}, {"session": []}],
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "POST /auth/token gives one"},
                "session": {"type": "apiKey", "in": "cookie", "name": "session",
                            "description": "The browser's session; unsafe methods also need X-CSRFToken"},
            },
            "schemas": SCHEMAS,
        },
        "paths": PATHS,
    }
