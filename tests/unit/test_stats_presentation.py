"""How leaders' figures are drawn and written: whole-number axes, short money, the report's pages."""
import io
import re

import pytest
from pypdf import PdfReader

from meetings.core.formatting import short_vnd
from meetings.stats import charts
from meetings.stats.report import Report, Section, Table
from meetings.stats.report_pdf import render_pdf


@pytest.mark.parametrize(("amount", "expected"), [
    (110_312_000_000, ("110,3", "billion")), (7_450_000, ("7,5", "million")), (950_000, ("950.000", "")),
    (0, ("0", "")), (-2_000_000_000, ("-2,0", "billion")),
])
def test_money_on_cards_is_short(amount, expected):
    assert short_vnd(amount) == expected


@pytest.mark.parametrize("largest", [0, 1, 2, 3, 5, 7, 9, 13, 83, 250])
def test_count_axes_have_whole_number_ticks_above_the_largest_value(largest):
    chart = charts.column_chart(["01", "02"], [[0, largest], [largest, 1]], integers=True)
    values = [value for _y, value in chart.ticks]
    assert all(float(value).is_integer() for value in values)
    assert values[0] == 0 and values[-1] >= max(largest, 1)


def test_the_current_year_is_the_strong_series():
    two = charts.column_chart(["01"], [[1], [2]])
    one = charts.column_chart(["01"], [[2]])
    assert [bar.series for bar in two.bars] == [0, 1] and [bar.series for bar in one.bars] == [1]


def test_map_legend_gives_three_sizes_from_the_largest():
    legend = charts.map_legend([{"connections": 64}, {"connections": 3}])
    assert [value for _r, value in legend] == [64, 16, 4]
    assert legend[0][0] > legend[1][0] > legend[2][0]


def _report(rows: int) -> Report:
    table = Table(["Hàng", "Số"], [[f"R{i:03d}", str(i)] for i in range(rows)], [False, True], [70, 30])
    return Report(parent_agency="BỘ TƯ PHÁP", agency="VĂN PHÒNG BỘ", reference="Số: /BC-VP",
                  place_and_date="Hà Nội, ngày 01 tháng 12 năm 2026", title="BÁO CÁO", subtitle="Thử",
                  as_of="Số liệu tính đến ngày 01/12/2026", scope_note="",
                  sections=[Section("I", "Bảng thử", table)], recipients=["Lưu: VT."],
                  signer_authority="TL. BỘ TRƯỞNG", signer_title="CHÁNH VĂN PHÒNG", signature_hint="(Ký)")


@pytest.mark.parametrize("rows", range(30, 75, 3))
def test_no_pdf_page_carries_a_single_leftover_row_and_pages_are_numbered(app, rows):
    with app.test_request_context():
        pages = PdfReader(io.BytesIO(render_pdf(_report(rows)))).pages
    texts = [page.extract_text() for page in pages]
    counts = [len(re.findall(r"R\d{3}", text)) for text in texts]
    assert sum(counts) == rows
    assert all(count != 1 for count in counts), counts
    assert "TL. BỘ TRƯỞNG" in texts[-1] and (counts[-1] >= 2 or len(pages) == 1)
    assert all(f"Trang {number}/{len(pages)}" in text for number, text in enumerate(texts, start=1))
