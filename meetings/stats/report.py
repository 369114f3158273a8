"""The annual report: one document, laid out as Decree 30/2020/NĐ-CP lays out an administrative report.

`build_report` turns the statistics into plain strings (headings, numbered sections, rows with the figures
already formatted), so that the printable page and the PDF show the same words, labels and money formats.
The agency, the national heading and the place are Vietnamese by law whatever the reader's language.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _

from meetings.core.formatting import format_date, format_decimal, format_number
from meetings.core.labels import KIND_LABELS, label
from meetings.stats.services import FIGURES, Statistics

NATIONAL_NAME = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
NATIONAL_MOTTO = "Độc lập - Tự do - Hạnh phúc"
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII")
RATES = ("attendance_rate", "readiness_on_time_rate")
HOURS = ("hours", "travel_hours_avoided")


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[list[str]]
    numeric: list[bool]  # per column: figures are right-aligned
    widths: list[int]  # per column, in parts of the page width
    total: list[str] | None = None
    keys: list[str] = field(default_factory=list)  # what each row is about, for the page's data attributes


@dataclass(frozen=True)
class Section:
    number: str
    title: str
    table: Table | None = None
    empty: str = ""


@dataclass(frozen=True)
class Report:
    parent_agency: str
    agency: str
    reference: str
    place_and_date: str
    title: str
    subtitle: str
    as_of: str
    scope_note: str
    comparison_note: str = ""
    sections: list[Section] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)
    signer_authority: str = ""
    signer_title: str = ""
    signature_hint: str = ""


def figure_labels() -> dict[str, str]:
    return {
        "meetings": _("Meetings held"), "hours": _("Hours of meetings"),
        "endpoint_connections": _("Endpoint connections"), "attendees": _("Attendees"),
        "attendance_rate": _("Attendance rate"), "readiness_on_time_rate": _("Ready on time"),
        "savings_vnd": _("Savings (đồng)"), "travel_km_avoided": _("Travel avoided (km)"),
        "travel_hours_avoided": _("Travel avoided (hours)"),
    }


def display(name: str, value: float | int | None) -> str:
    """A figure as the report prints it: 1.234.567; 12,5; 87,5%."""
    if value is None:
        return "–"
    if name in RATES:
        return f"{format_decimal(value * 100)}%"
    if name in HOURS:
        return format_decimal(value)
    return format_number(value)


def _change(change: dict | None) -> str:
    if change is None or change["percent"] is None:
        return "–"
    sign = "+" if change["percent"] > 0 else ""
    return f"{sign}{format_decimal(change['percent'])}%"


def period_words(result: Statistics) -> str:
    scope = result.scope
    whole_year = (scope.start == date(scope.start.year, 1, 1) and
                  (scope.end == date(scope.start.year + 1, 1, 1) or result.as_of is not None))
    if whole_year:
        return _("year %(year)s", year=scope.start.year)
    return _("from %(start)s to %(end)s", start=format_date(scope.start), end=format_date(result.last_day))


def _key_figures(result: Statistics) -> Table:
    labels, changes = figure_labels(), result.changes()
    current = _("%(year)s (to %(day)s)", year=result.scope.start.year, day=format_date(result.last_day)) \
        if result.as_of else period_words(result).capitalize()
    rows = [[labels[name], display(name, result.totals[name]),
             display(name, result.previous[name]) if result.has_previous else "–", _change(changes[name])]
            for name in FIGURES]
    return Table([_("Figure"), current, _("Same period last year"), _("Change")], rows,
                 [False, True, True, True], [44, 20, 20, 16], keys=list(FIGURES))


def _months(result: Statistics) -> Table:
    rows = [[f"{m['month']:02d}/{m['year']}", display("meetings", m["meetings"]), display("hours", m["hours"]),
             display("n", m["endpoint_connections"]), display("n", m["attendees"]), display("n", m["savings_vnd"])]
            for m in result.by_month]
    totals = result.totals
    total = [_("Total"), display("meetings", totals["meetings"]), display("hours", totals["hours"]),
             display("n", totals["endpoint_connections"]), display("n", totals["attendees"]),
             display("n", totals["savings_vnd"])]
    return Table([_("Month"), _("Meetings"), _("Hours"), _("Connections"), _("Attendees"), _("Savings (đồng)")],
                 rows, [False, True, True, True, True, True], [16, 14, 12, 16, 16, 26], total)


def _organizers(result: Statistics) -> Table:
    rows = [[o["organizer"] or "–", display("n", o["meetings"]), display("hours", o["hours"]),
             display("n", o["savings_vnd"])] for o in result.by_organizer]
    return Table([_("Organising unit"), _("Meetings"), _("Hours"), _("Savings (đồng)")], rows,
                 [False, True, True, True], [50, 14, 12, 24])


def _not_ready(result: Statistics) -> Table:
    rows = [[e["name"], display("n", e["not_ready"]), display("readiness_on_time_rate", e["readiness_on_time_rate"]),
             e["last_not_ready_note"] or "–"] for e in result.not_ready()]
    return Table([_("Endpoint"), _("Not ready"), _("Ready on time"), _("Latest reason")], rows,
                 [False, True, True, False], [36, 14, 16, 34])


def build_report(result: Statistics, *, issued_on: date, settings: dict) -> Report:
    """The report of `result`, dated `issued_on`; agency and signer come from the REPORT_* settings."""
    tables = [
        (_("Key figures"), _key_figures(result), ""),
        (_("By month"), _months(result), _("No held meetings in this period.")),
        (_("By organising unit"), _organizers(result), _("No held meetings in this period.")),
        (_("Endpoints most often not ready"), _not_ready(result), _("Every endpoint was ready.")),
    ]
    sections = [Section(ROMAN[index], title, table if table.rows else None, empty)
                for index, (title, table, empty) in enumerate(tables)]
    filters = [result.scope.organizer or "", label(KIND_LABELS, result.scope.kind) if result.scope.kind else ""]
    return Report(
        parent_agency=settings.get("REPORT_PARENT_AGENCY", "BỘ TƯ PHÁP"),
        agency=settings.get("REPORT_AGENCY", "VĂN PHÒNG BỘ"),
        reference=settings.get("REPORT_REFERENCE", "Số:      /BC-VP"),
        place_and_date=f"{settings.get('REPORT_PLACE', 'Hà Nội')}, ngày {issued_on:%d} tháng {issued_on:%m} "
                       f"năm {issued_on:%Y}",
        title=_("REPORT"),
        subtitle=_("Online meetings statistics, %(period)s", period=period_words(result)),
        as_of=_("Figures as of %(day)s", day=format_date(result.as_of or result.last_day)),
        scope_note=" · ".join(value for value in filters if value),
        comparison_note="" if result.has_previous else _("No figures for the year before."),
        sections=sections,
        recipients=[_("The Ministry's leaders (to report);"), _("Archived: Records, Ministry Office.")],
        signer_authority=settings.get("REPORT_SIGNER_AUTHORITY", "TL. BỘ TRƯỞNG"),
        signer_title=settings.get("REPORT_SIGNER_TITLE", "CHÁNH VĂN PHÒNG"),
        signature_hint=_("(Signature, full name)"),
    )
