"""JSON routes of the endpoint registry."""
from __future__ import annotations

from flask import jsonify, request

from meetings.auth.access import authenticated
from meetings.core.api import bp, query_bool
from meetings.core.bodies import cached_body, json_response
from meetings.core.transaction import reads_only
from meetings.endpoints import services
from meetings.endpoints.models import Endpoint, EndpointGroup


def endpoint_json(endpoint: Endpoint) -> dict:
    return {
        "code": endpoint.code,
        "name": endpoint.name,
        "kind": endpoint.kind,
        "province": endpoint.province,
        "region": endpoint.region,
        "subregion": endpoint.subregion,
        "city": endpoint.city,
        "latitude": endpoint.latitude,
        "longitude": endpoint.longitude,
        "distance_km": endpoint.distance_km,
        "seats": endpoint.seats,
        "dial_string": endpoint.dial_string,
        "contact": {"name": endpoint.contact_name, "email": endpoint.contact_email, "phone": endpoint.contact_phone},
        "active": endpoint.is_active,
        "retired_on": endpoint.retired_on.isoformat() if endpoint.retired_on else None,
        "successor": endpoint.successor.code if endpoint.successor else None,
        "former_names": [
            {"name": former.name, "province": former.province, "until": former.valid_until.isoformat()}
            for former in endpoint.former_names
        ],
    }


def group_json(group: EndpointGroup, codes: list[str]) -> dict:
    return {"name": group.name, "label": group.label_vi, "label_en": group.label_en, "system": group.is_system,
            "description": group.description, "members": codes}


@bp.get("/endpoints")
@authenticated
@reads_only
def list_endpoints():
    active = query_bool("active")
    criteria = services.EndpointFilter(
        query=request.args.get("q", ""), kind=request.args.get("kind", ""), region=request.args.get("region", ""),
        group=request.args.get("group", ""), active=active if "active" in request.args else None,
    )

    def build() -> dict:
        endpoints = services.search_endpoints(criteria)
        return {"count": len(endpoints), "items": [endpoint_json(e) for e in endpoints]}

    if criteria.group:  # a group's members are not part of the registry's version
        return json_response(build())
    # The same registry version is the same list, in any worker: built and serialised once per version.
    return json_response(cached_body(("endpoints", services.registry_version(), criteria), build))


@bp.get("/endpoints/<code>")
@authenticated
def get_endpoint(code: str):
    return jsonify(endpoint_json(services.get_endpoint(code)))


@bp.get("/groups")
@authenticated
def list_groups():
    return jsonify({"items": [group_json(group, codes) for group, codes in services.groups_with_members()]})
