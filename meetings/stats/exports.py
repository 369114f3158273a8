"""The statistics as files: xlsx (several sheets) and CSV (figures by month; meeting list).

Headers and labels are Vietnamese data, written here in Vietnamese (the ministry's reports), not UI strings.
"""
from __future__ import annotations

import csv
import io
from typing import Any

from meetings.core.formatting import format_date, format_datetime
from meetings.stats.services import FIGURES, Statistics

FIGURE_LABELS = {
    "meetings": "Số hội nghị đã tổ chức", "hours": "Tổng số giờ họp",
    "endpoint_connections": "Lượt điểm cầu kết nối", "attendees": "Số lượt người dự",
    "attendance_rate": "Tỷ lệ điểm cầu tham dự", "readiness_on_time_rate": "Tỷ lệ sẵn sàng đúng hạn",
    "savings_vnd": "Kinh phí tiết kiệm (đồng)", "travel_km_avoided": "Quãng đường đi lại tránh được (km)",
    "travel_hours_avoided": "Thời gian đi lại tránh được (giờ)",
}
RATES = ("attendance_rate", "readiness_on_time_rate")
MONTH_COLUMNS = ("meetings", "hours", "endpoint_connections", "attendees", "attendance_rate",
                 "readiness_on_time_rate", "savings_vnd", "travel_km_avoided")
MEETING_HEADERS = ("Mã", "Tên hội nghị", "Đơn vị chủ trì", "Chủ trì", "Bắt đầu", "Kết thúc", "Số giờ",
                   "Điểm cầu được mời", "Điểm cầu kết nối", "Sẵn sàng đúng hạn", "Số người dự",
                   "Kinh phí tiết kiệm (đồng)", "Quãng đường tránh được (km)")
ENDPOINT_HEADERS = ("Mã điểm cầu", "Tên điểm cầu", "Tỉnh/thành phố", "Số hội nghị được mời", "Lượt kết nối",
                    "Tỷ lệ tham dự", "Tỷ lệ sẵn sàng đúng hạn", "Số lần chưa sẵn sàng", "Số người dự",
                    "Kinh phí tiết kiệm (đồng)")


FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet will not run (OWASP's advice): text starting with = + - @ tab or CR gets a
    leading apostrophe; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def period_label(result: Statistics) -> str:
    scope = result.scope
    if scope.start.month == 1 and scope.start.day == 1 and (result.as_of is not None or (
            scope.end.year == scope.start.year + 1 and scope.end.month == 1 and scope.end.day == 1)):
        return f"Năm {scope.start.year}" + (f" (đến {format_date(result.as_of)})" if result.as_of else "")
    from datetime import timedelta
    return f"Từ {format_date(scope.start)} đến {format_date(scope.end - timedelta(days=1))}"


def figure_rows(result: Statistics) -> list[list[Any]]:
    changes = result.changes()
    return [[FIGURE_LABELS[name], result.totals[name], result.previous[name],
             changes[name]["difference"] if changes[name] else None,
             changes[name]["percent"] if changes[name] else None] for name in FIGURES]


def month_rows(result: Statistics) -> list[list[Any]]:
    rows = [[f"{m['month']:02d}/{m['year']}", *(m[name] for name in MONTH_COLUMNS)] for m in result.by_month]
    rows.append(["Tổng cộng", *(result.totals[name] for name in MONTH_COLUMNS)])
    return rows


def meeting_rows(meetings: list[dict[str, Any]]) -> list[list[Any]]:
    return [[m["id"], m["title"], m["organizer"], m["chair"], format_datetime(m["start_at"]),
             format_datetime(m["end_at"]), round((m["end_at"] - m["start_at"]).total_seconds() / 3600, 1),
             int(m["invited"]), int(m["connections"]), int(m["on_time"]), int(m["attendees"]),
             int(m["savings_vnd"]), int(m["travel_km"])] for m in meetings]


def endpoint_rows(result: Statistics) -> list[list[Any]]:
    return [[e["endpoint"], e["name"], e["province"], e["meetings"], e["connections"], e["attendance_rate"],
             e["readiness_on_time_rate"], e["not_ready"], e["attendees"], e["savings_vnd"]]
            for e in result.by_endpoint]


def to_xlsx(result: Statistics, meetings: list[dict[str, Any]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheets = (
        ("Tổng hợp", ["Chỉ tiêu", period_label(result), "Cùng kỳ năm trước", "Thay đổi", "Thay đổi (%)"],
         figure_rows(result)),
        ("Theo tháng", ["Tháng", *(FIGURE_LABELS[name] for name in MONTH_COLUMNS)], month_rows(result)),
        ("Theo đơn vị chủ trì", ["Đơn vị chủ trì", "Số hội nghị", "Số giờ", "Kinh phí tiết kiệm (đồng)"],
         [[o["organizer"], o["meetings"], o["hours"], o["savings_vnd"]] for o in result.by_organizer]),
        ("Theo điểm cầu", list(ENDPOINT_HEADERS), endpoint_rows(result)),
        ("Danh sách hội nghị", list(MEETING_HEADERS), meeting_rows(meetings)),
    )
    book.remove(book.active)
    for title, headers, rows in sheets:
        sheet = book.create_sheet(title)
        sheet.append(headers)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(row)
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # text, never a formula, whatever it starts with
                    cell.quotePrefix = cell.value.startswith(FORMULA_TRIGGERS)
        sheet.freeze_panes = "A2"
        sheet.column_dimensions["A"].width = 34 if title != "Danh sách hội nghị" else 8
        sheet.column_dimensions["B"].width = 40
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def _csv(headers: list[str] | tuple[str, ...], rows: list[list[Any]]) -> bytes:
    output = io.StringIO()
    writer = csv.writer(output)
    writer.writerow(headers)
    writer.writerows([csv_cell(value) for value in row] for row in rows)
    return ("\ufeff" + output.getvalue()).encode("utf-8")  # the BOM lets Excel read UTF-8


def figures_csv(result: Statistics) -> bytes:
    return _csv(["Tháng", *(FIGURE_LABELS[name] for name in MONTH_COLUMNS)], month_rows(result))


def meetings_csv(meetings: list[dict[str, Any]]) -> bytes:
    return _csv(MEETING_HEADERS, meeting_rows(meetings))
