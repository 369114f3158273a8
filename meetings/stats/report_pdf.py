"""The annual report as an A4 PDF (fpdf2, DejaVu Sans: every Vietnamese glyph), margins as Decree 30/2020.

Tables are drawn row by row so that a page never ends a table with one row carried over alone, the header
row repeats on every page a table continues on, and the signature block never stands alone on a page.
"""
from __future__ import annotations

from pathlib import Path

from flask_babel import gettext as _
from fpdf import FPDF

from meetings.stats.report import NATIONAL_MOTTO, NATIONAL_NAME, Report, Table

FONT_DIR = Path(__file__).resolve().parent.parent / "static" / "fonts"
LEFT, RIGHT, TOP, BOTTOM = 30, 15, 20, 20  # mm
LINE = 5.2
SIGNATURE_HEIGHT = 42


class _Document(FPDF):
    def __init__(self, page_label: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.page_label = page_label
        self.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.set_margins(LEFT, TOP, RIGHT)
        self.set_auto_page_break(True, margin=BOTTOM)
        self.alias_nb_pages("{nb}")

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("DejaVu", "", 8.5)
        self.cell(0, 5, self.page_label % {"n": self.page_no(), "total": "{nb}"}, align="C")

    @property
    def content_width(self) -> float:
        return self.w - LEFT - RIGHT

    @property
    def room(self) -> float:
        return self.h - BOTTOM - self.get_y()


def _heading_block(pdf: _Document, report: Report) -> None:
    left_width, right_width = 62, pdf.content_width - 62
    top = pdf.get_y()
    pdf.set_font("DejaVu", "", 10)
    pdf.set_xy(LEFT, top)
    pdf.multi_cell(left_width, LINE, report.parent_agency, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "B", 10)
    pdf.set_x(LEFT)
    pdf.multi_cell(left_width, LINE, report.agency, align="C", new_x="LMARGIN", new_y="NEXT")
    rule = pdf.get_y() + 0.8
    pdf.line(LEFT + left_width / 2 - 12, rule, LEFT + left_width / 2 + 12, rule)
    pdf.set_font("DejaVu", "", 10)
    pdf.set_xy(LEFT, rule + 2)
    pdf.multi_cell(left_width, LINE, report.reference, align="C", new_x="LMARGIN", new_y="NEXT")
    left_bottom = pdf.get_y()

    pdf.set_font("DejaVu", "B", 10)
    pdf.set_xy(LEFT + left_width, top)
    pdf.multi_cell(right_width, LINE, NATIONAL_NAME, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "B", 10.5)
    pdf.set_x(LEFT + left_width)
    pdf.multi_cell(right_width, LINE, NATIONAL_MOTTO, align="C", new_x="LMARGIN", new_y="NEXT")
    motto_width = pdf.get_string_width(NATIONAL_MOTTO)
    rule = pdf.get_y() + 0.8
    centre = LEFT + left_width + right_width / 2
    pdf.line(centre - motto_width / 2, rule, centre + motto_width / 2, rule)
    pdf.set_font("DejaVu", "", 10)
    pdf.set_xy(LEFT + left_width, rule + 2)
    pdf.multi_cell(right_width, LINE, report.place_and_date, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(max(left_bottom, pdf.get_y()) + 6)


def _title_block(pdf: _Document, report: Report) -> None:
    pdf.set_font("DejaVu", "B", 13)
    pdf.cell(0, 7, report.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "B", 11)
    pdf.multi_cell(0, 6, report.subtitle, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    pdf.cell(0, 6, report.as_of, align="C", new_x="LMARGIN", new_y="NEXT")
    if report.scope_note:
        pdf.cell(0, 6, report.scope_note, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


def _column_widths(pdf: _Document, table: Table) -> list[float]:
    parts = sum(table.widths)
    return [pdf.content_width * width / parts for width in table.widths]


def _row_height(pdf: _Document, values: list[str], widths: list[float]) -> float:
    lines = max(len(pdf.multi_cell(width - 2, LINE, value, dry_run=True, output="LINES") or [""])
                for value, width in zip(values, widths, strict=True))
    return lines * LINE + 1.6


def _draw_row(pdf: _Document, values: list[str], widths: list[float], numeric: list[bool], *,
              bold: bool = False, fill: bool = False) -> None:
    pdf.set_font("DejaVu", "B" if bold else "", 9)
    height = _row_height(pdf, values, widths)
    top, x = pdf.get_y(), LEFT
    for value, width, is_number in zip(values, widths, numeric, strict=True):
        if fill:
            pdf.set_fill_color(236, 240, 245)
            pdf.rect(x, top, width, height, style="F")
        pdf.rect(x, top, width, height)
        pdf.set_xy(x + 1, top + 0.8)
        pdf.multi_cell(width - 2, LINE, value, align="R" if is_number else "L", new_x="RIGHT", new_y="TOP")
        x += width
    pdf.set_xy(LEFT, top + height)


def _draw_table(pdf: _Document, table: Table, *, keep_with_end: float = 0) -> None:
    """Rows in order; a page break never leaves the last row alone, and `keep_with_end` mm stay with it."""
    widths = _column_widths(pdf, table)
    rows = [*table.rows, *([table.total] if table.total else [])]
    heights = [_row_height(pdf, row, widths) for row in rows]
    header_height = _row_height(pdf, table.headers, widths)
    if pdf.room < header_height + sum(heights[:2]):
        pdf.add_page()
    _draw_row(pdf, table.headers, widths, table.numeric, bold=True, fill=True)
    for index, (row, height) in enumerate(zip(rows, heights, strict=True)):
        remaining = len(rows) - index
        needed = height if remaining > 2 else sum(heights[index:]) + keep_with_end
        if pdf.room < needed and (remaining <= 2 or pdf.room < height):
            pdf.add_page()
            _draw_row(pdf, table.headers, widths, table.numeric, bold=True, fill=True)
        _draw_row(pdf, row, widths, table.numeric, bold=table.total is not None and index == len(rows) - 1)


def _signature_block(pdf: _Document, report: Report) -> None:
    if pdf.room < SIGNATURE_HEIGHT:
        pdf.add_page()
    top = pdf.get_y() + 4
    half = pdf.content_width / 2
    pdf.set_xy(LEFT, top)
    pdf.set_font("DejaVu", "B", 9.5)
    pdf.cell(half, LINE, _("Recipients:"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 8.5)
    for line in report.recipients:
        pdf.set_x(LEFT)
        pdf.multi_cell(half, LINE - 0.8, f"- {line}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_xy(LEFT + half, top)
    pdf.set_font("DejaVu", "B", 10)
    for line in (report.signer_authority, report.signer_title):
        pdf.set_x(LEFT + half)
        pdf.cell(half, LINE, line, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    pdf.set_x(LEFT + half)
    pdf.cell(half, LINE, report.signature_hint, align="C", new_x="LMARGIN", new_y="NEXT")


def render_pdf(report: Report) -> bytes:
    pdf = _Document(_("Page %(n)s/%(total)s"))
    pdf.set_title(f"{report.title} – {report.subtitle}")
    pdf.add_page()
    _heading_block(pdf, report)
    _title_block(pdf, report)
    for number, section in enumerate(report.sections):
        last = number == len(report.sections) - 1
        if pdf.room < 30:
            pdf.add_page()
        pdf.set_font("DejaVu", "B", 10.5)
        pdf.cell(0, 7, f"{section.number}. {section.title}", new_x="LMARGIN", new_y="NEXT")
        if number == 0 and report.comparison_note:
            pdf.set_font("DejaVu", "", 9)
            pdf.cell(0, 5, report.comparison_note, new_x="LMARGIN", new_y="NEXT")
        if section.table is None:
            pdf.set_font("DejaVu", "", 9.5)
            pdf.cell(0, 6, section.empty, new_x="LMARGIN", new_y="NEXT")
        else:
            _draw_table(pdf, section.table, keep_with_end=SIGNATURE_HEIGHT if last else 0)
        pdf.ln(3)
    _signature_block(pdf, report)
    return bytes(pdf.output())
