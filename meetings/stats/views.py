"""Statistics pages: the dashboard, the printable annual report, and its PDF, xlsx and CSV exports."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, render_template, request, url_for

from meetings.auth.access import roles
from meetings.auth.roles import STAFF
from meetings.core.feedback import feedback_on
from meetings.endpoints.models import KINDS
from meetings.errors import ValidationError
from meetings.extensions import db
from meetings.readiness import geography
from meetings.stats import charts, exports, queries, services
from meetings.stats.queries import Scope

bp = Blueprint("stats", __name__, url_prefix="/stats")
FILTER_ARGS = ("year", "quarter", "from", "to", "organizer", "kind")


def _scope() -> Scope:
    return services.parse_scope({key: request.args.get(key, "") for key in FILTER_ARGS}, today=date.today())


def _filters() -> dict[str, str]:
    return {key: request.args[key] for key in FILTER_ARGS if request.args.get(key)}


def _chart_data(result: services.Statistics) -> dict:
    labels = [f"{m['month']:02d}" if len(result.by_month) <= 12 else f"{m['month']:02d}/{m['year'] % 100:02d}"
              for m in result.by_month]
    previous = services.statistics(result.previous_scope, details=False).by_month
    return {
        "meetings": charts.column_chart(labels, [[m["meetings"] for m in previous],
                                                 [m["meetings"] for m in result.by_month]]),
        "savings": charts.column_chart(labels, [[m["savings_vnd"] / 1_000_000 for m in result.by_month]]),
        "organizers": charts.bar_list([(o["organizer"] or "—", o["meetings"]) for o in result.by_organizer[:12]]),
        "endpoints": charts.bar_list([(e["name"], e["connections"]) for e in result.by_endpoint[:15]]),
        "dots": charts.map_dots(result.by_endpoint),
    }


@bp.get("")
@roles(*STAFF)
def dashboard():
    scope = None
    with feedback_on(catch=ValidationError):
        scope = _scope()
    if scope is None:
        scope = services.parse_scope({}, today=date.today())
    result = services.statistics(scope)
    return render_template("stats/dashboard.html", result=result, charts=_chart_data(result), filters=_filters(),
                           kinds=KINDS, organizers=queries.organizers(db.session), geography=geography,
                           years=_years(), period=exports.period_label(result), args=request.args)


def _years() -> list[int]:
    today = date.today()
    first = queries.first_year(db.session) or today.year
    return list(range(today.year, min(first, today.year) - 1, -1))


@bp.get("/report")
@roles(*STAFF)
def report():
    result = services.statistics(_scope())
    return render_template("stats/report.html", result=result, period=exports.period_label(result),
                           filters=_filters(), pdf_url=url_for("stats.report_pdf", **_filters()))


def _download(body: bytes, mimetype: str, name: str) -> Response:
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _file_stem(scope: Scope) -> str:
    return f"thong-ke-hoi-nghi-{scope.start.isoformat()}_{scope.end.isoformat()}"


@bp.get("/report.pdf")
@roles(*STAFF)
def report_pdf():
    result = services.statistics(_scope())
    return _download(exports.to_pdf(result), "application/pdf", _file_stem(result.scope) + ".pdf")


@bp.get("/export.xlsx")
@roles(*STAFF)
def export_xlsx():
    scope = _scope()
    body = exports.to_xlsx(services.statistics(scope), services.meeting_list(scope))
    return _download(body, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     _file_stem(scope) + ".xlsx")


@bp.get("/figures.csv")
@roles(*STAFF)
def figures_csv():
    scope = _scope()
    return _download(exports.figures_csv(services.statistics(scope, details=False)), "text/csv",
                     _file_stem(scope) + "-theo-thang.csv")


@bp.get("/meetings.csv")
@roles(*STAFF)
def meetings_csv():
    scope = _scope()
    return _download(exports.meetings_csv(services.meeting_list(scope)), "text/csv",
                     _file_stem(scope) + "-danh-sach.csv")
