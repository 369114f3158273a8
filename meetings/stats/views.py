"""Statistics pages: the dashboard, the printable annual report, and its PDF, xlsx and CSV exports."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask_babel import gettext as _

from meetings.auth.access import roles
from meetings.auth.roles import STAFF
from meetings.core.feedback import feedback_on
from meetings.core.formatting import local_today, short_vnd
from meetings.core.inputs import InputRefused
from meetings.endpoints.models import KINDS
from meetings.errors import ValidationError
from meetings.extensions import db
from meetings.readiness import geography
from meetings.stats import charts, exports, queries, services
from meetings.stats.queries import Scope
from meetings.stats.report import Report, build_report, period_words
from meetings.stats.report_pdf import render_pdf

bp = Blueprint("stats", __name__, url_prefix="/stats")
FILTER_ARGS = ("year", "quarter", "from", "to", "organizer", "kind")


def _scope() -> Scope:
    """The period asked for; a bad one is an error page naming the fields (the exports have no form to show)."""
    try:
        return services.parse_scope({key: request.args.get(key, "") for key in FILTER_ARGS}, today=local_today())
    except ValidationError as error:
        raise InputRefused(error.fields) from error


def _statistics(scope: Scope, *, details: bool = True) -> services.Statistics:
    return services.statistics(scope, details=details, today=local_today())


def _report(result: services.Statistics) -> Report:
    return build_report(result, issued_on=local_today(), settings=current_app.config)


def _filters() -> dict[str, str]:
    return {key: request.args[key] for key in FILTER_ARGS if request.args.get(key)}


def _chart_data(result: services.Statistics) -> dict:
    labels = [f"{m['month']:02d}" if len(result.by_month) <= 12 else f"{m['month']:02d}/{m['year'] % 100:02d}"
              for m in result.by_month]
    previous = services.statistics(result.previous_scope, details=False).by_month
    return {
        "meetings": charts.column_chart(labels, [[m["meetings"] for m in previous],
                                                 [m["meetings"] for m in result.by_month]], integers=True),
        "savings": charts.column_chart(labels, [[m["savings_vnd"] / 1_000_000 for m in result.by_month]]),
        "organizers": charts.bar_list([(o["organizer"] or "—", o["meetings"]) for o in result.by_organizer[:12]]),
        "endpoints": charts.bar_list([(e["name"], e["connections"]) for e in result.by_endpoint[:15]]),
        "dots": charts.map_dots(result.by_endpoint),
        "dot_sizes": charts.map_legend(result.by_endpoint),
    }


@bp.get("")
@roles(*STAFF)
def dashboard():
    scope = None
    with feedback_on(catch=ValidationError):
        scope = _scope()
    if scope is None:
        scope = services.parse_scope({}, today=local_today())
    result = _statistics(scope)
    return render_template("stats/dashboard.html", result=result, charts=_chart_data(result), filters=_filters(),
                           kinds=KINDS, organizers=queries.organizers(db.session), geography=geography,
                           years=_years(), period=period_words(result).capitalize(), args=request.args)


def _years() -> list[int]:
    today = local_today()
    first = queries.first_year(db.session) or today.year
    return list(range(today.year, min(first, today.year) - 1, -1))


@bp.get("/report")
@roles(*STAFF)
def report():
    result = _statistics(_scope())
    return render_template("stats/report.html", report=_report(result), result=result,
                           filters=_filters(), pdf_url=url_for("stats.report_pdf", **_filters()))


def _download(body: bytes, mimetype: str, name: str) -> Response:
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _file_stem(scope: Scope) -> str:
    return f"thong-ke-hoi-nghi-{scope.start.isoformat()}_{scope.end.isoformat()}"


@bp.get("/report.pdf")
@roles(*STAFF)
def report_pdf():
    result = _statistics(_scope())
    return _download(render_pdf(_report(result)), "application/pdf", _file_stem(result.scope) + ".pdf")


@bp.get("/export.xlsx")
@roles(*STAFF)
def export_xlsx():
    scope = _scope()
    body = exports.to_xlsx(_statistics(scope), services.meeting_list(scope))
    return _download(body, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     _file_stem(scope) + ".xlsx")


@bp.get("/figures.csv")
@roles(*STAFF)
def figures_csv():
    scope = _scope()
    return _download(exports.figures_csv(_statistics(scope, details=False)), "text/csv",
                     _file_stem(scope) + "-theo-thang.csv")


@bp.get("/meetings.csv")
@roles(*STAFF)
def meetings_csv():
    scope = _scope()
    return _download(exports.meetings_csv(services.meeting_list(scope)), "text/csv",
                     _file_stem(scope) + "-danh-sach.csv")


@bp.app_template_filter("vnd_short")
def vnd_short(amount: int | None) -> str:
    """Money rounded for a card: "110,3 tỷ đồng" (the exact figure goes in the tooltip)."""
    number, unit = short_vnd(amount)
    if unit == "billion":
        return _("%(number)s billion đồng", number=number)
    if unit == "million":
        return _("%(number)s million đồng", number=number)
    return _("%(number)s đồng", number=number)
