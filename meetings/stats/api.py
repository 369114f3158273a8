"""JSON route for the year's statistics, with the names DESIGN.md §4 gives them."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import request

from meetings.auth.access import roles
from meetings.auth.roles import STAFF
from meetings.core.api import bp
from meetings.core.bodies import cached_body, json_response
from meetings.core.formatting import local_today
from meetings.core.transaction import reads_only
from meetings.errors import ValidationError
from meetings.extensions import db
from meetings.stats import queries, services
from meetings.stats.queries import Scope


def _period(scope: Scope) -> dict[str, str]:
    """The first and the last day counted (both included)."""
    return {"from": scope.start.isoformat(), "to": (scope.end - timedelta(days=1)).isoformat()}


def annual_json(result: services.Statistics) -> dict[str, Any]:
    scope = result.scope
    return {
        "year": scope.start.year, "from": scope.start.isoformat(), "to": scope.end.isoformat(),
        "period": _period(scope), "as_of": result.as_of.isoformat() if result.as_of else None,
        "organizer": scope.organizer, "kind": scope.kind,
        **result.totals,
        "previous": {"year": result.previous_scope.start.year, "period": _period(result.previous_scope),
                     "has_data": result.has_previous, **result.previous},
        "changes": result.changes(),
        "by_month": [{key: value for key, value in month.items() if key != "year"} for month in result.by_month],
        "by_organizer": result.by_organizer,
        "by_endpoint": result.by_endpoint,
    }


@bp.get("/stats/annual")
@roles(*STAFF)
@reads_only
def annual_stats():
    if not request.args.get("year"):
        raise ValidationError({"year": "required"})
    args = {key: request.args.get(key, "") for key in ("year", "organizer", "kind")}
    today = local_today()
    scope = services.parse_scope(args, today=today)
    # The same data, scope and day are the same figures, in any worker: computed and serialised once.
    # The days read: the period (a running one ends today) and the same days a year earlier.
    key = ("stats-annual", queries.data_version(db.session, services.year_earlier(scope).start, scope.end),
           scope, today)
    return json_response(cached_body(key, lambda: annual_json(services.statistics(scope, today=today))))
