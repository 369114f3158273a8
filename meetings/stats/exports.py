"""The statistics as files: xlsx (several sheets), CSV (figures by month; meeting list) and PDF (annual report).

Headers and labels are Vietnamese data, written here in Vietnamese (the ministry's reports), not UI strings.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from meetings.core.formatting import format_date, format_datetime, format_number, format_vnd
from meetings.stats.services import FIGURES, Statistics

FONT_DIR = Path(__file__).resolve().parent.parent / "static" / "fonts"
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


def period_label(result: Statistics) -> str:
    scope = result.scope
    if scope.start.month == 1 and scope.start.day == 1 and scope.end.year == scope.start.year + 1 \
            and scope.end.month == 1 and scope.end.day == 1:
        return f"Năm {scope.start.year}"
    from datetime import timedelta
    return f"Từ {format_date(scope.start)} đến {format_date(scope.end - timedelta(days=1))}"


def figure_rows(result: Statistics) -> list[list[Any]]:
    changes = result.changes()
    return [[FIGURE_LABELS[name], result.totals[name], result.previous[name], changes[name]["difference"],
             changes[name]["percent"]] for name in FIGURES]


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
    writer.writerows(rows)
    return ("\ufeff" + output.getvalue()).encode("utf-8")  # the BOM lets Excel read UTF-8


def figures_csv(result: Statistics) -> bytes:
    return _csv(["Tháng", *(FIGURE_LABELS[name] for name in MONTH_COLUMNS)], month_rows(result))


def meetings_csv(meetings: list[dict[str, Any]]) -> bytes:
    return _csv(MEETING_HEADERS, meeting_rows(meetings))


def _display(name: str, value: Any) -> str:
    if value is None:
        return "–"
    if name in RATES:
        return f"{value * 100:.1f}%".replace(".", ",")
    if name == "savings_vnd":
        return format_vnd(value)
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    return format_number(value)


def to_pdf(result: Statistics) -> bytes:
    """The printable annual report as a PDF, in DejaVu Sans (the font has every Vietnamese glyph)."""
    from fpdf import FPDF

    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_title(f"Báo cáo thống kê hội nghị trực tuyến – {period_label(result)}")
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 10)
    pdf.cell(0, 6, "BỘ TƯ PHÁP", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "B", 14)
    pdf.multi_cell(0, 8, f"BÁO CÁO THỐNG KÊ HỘI NGHỊ TRỰC TUYẾN – {period_label(result).upper()}", align="C",
                   new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    _pdf_table(pdf, ["Chỉ tiêu", period_label(result), "Cùng kỳ năm trước", "Thay đổi (%)"],
               [[FIGURE_LABELS[n], _display(n, result.totals[n]), _display(n, result.previous[n]),
                 _percent(result.changes()[n]["percent"])] for n in FIGURES], [70, 42, 42, 26])
    pdf.ln(4)
    _heading(pdf, "Theo tháng")
    _pdf_table(pdf, ["Tháng", "Hội nghị", "Số giờ", "Kết nối", "Người dự", "Tiết kiệm"],
               [[f"{m['month']:02d}/{m['year']}", _display("meetings", m["meetings"]), _display("hours", m["hours"]),
                 _display("n", m["endpoint_connections"]), _display("n", m["attendees"]),
                 _display("savings_vnd", m["savings_vnd"])] for m in result.by_month], [22, 22, 22, 26, 28, 60])
    pdf.ln(4)
    _heading(pdf, "Theo đơn vị chủ trì")
    _pdf_table(pdf, ["Đơn vị chủ trì", "Hội nghị", "Số giờ", "Tiết kiệm"],
               [[o["organizer"] or "–", _display("n", o["meetings"]), _display("hours", o["hours"]),
                 _display("savings_vnd", o["savings_vnd"])] for o in result.by_organizer], [80, 22, 22, 56])
    not_ready = result.not_ready()
    if not_ready:
        pdf.ln(4)
        _heading(pdf, "Điểm cầu nhiều lần chưa sẵn sàng")
        _pdf_table(pdf, ["Điểm cầu", "Chưa sẵn sàng", "Sẵn sàng đúng hạn", "Lý do gần nhất"],
                   [[e["name"], _display("n", e["not_ready"]), _display("readiness_on_time_rate",
                                                                       e["readiness_on_time_rate"]),
                     e["last_not_ready_note"]] for e in not_ready], [62, 24, 30, 64])
    return bytes(pdf.output())


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value:+.1f}%".replace(".", ",")


def _heading(pdf, text: str) -> None:
    pdf.set_font("DejaVu", "B", 11)
    pdf.cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")


def _pdf_table(pdf, headers: list[str], rows: list[list[str]], widths: list[int]) -> None:
    pdf.set_font("DejaVu", "", 8.5)
    with pdf.table(col_widths=widths, text_align="LEFT", line_height=5, first_row_as_headings=True) as table:
        for values in [headers, *rows]:
            row = table.row()
            for value in values:
                row.cell(str(value))
