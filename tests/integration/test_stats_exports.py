"""The dashboard, the annual report and its PDF, xlsx and CSV exports agree with the API."""
import csv
import io
import re
from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select

from meetings.booking.models import Meeting
from meetings.core.formatting import format_number
from meetings.endpoints.models import Endpoint
from meetings.extensions import db
from meetings.stats.demo import PLANNED, seed_demo_history
from meetings.stats.models import DemoMeeting

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def history(app):
    return seed_demo_history(years=range(2019, 2020))


@pytest.fixture
def figures(history, client, bearer):
    return client.get("/api/v1/stats/annual?year=2019", headers=bearer("leader")).get_json()


def test_dashboard_shows_the_figures_beside_the_previous_year(figures, client, auth):
    auth.login("leader")
    page = client.get("/stats?year=2020").get_data(as_text=True)
    assert f'data-testid="figure-meetings" data-value="0" data-previous="{figures["meetings"]}"' in page
    page = client.get("/stats?year=2019").get_data(as_text=True)
    assert f'data-testid="figure-savings_vnd" data-value="{figures["savings_vnd"]}"' in page
    for testid in ("chart-meetings-by-month", "chart-savings-by-month", "chart-by-organizer", "chart-by-endpoint",
                   "stats-map", "not-ready-table", "year-picker", "quarter-picker", "organizer-filter", "kind-filter"):
        assert f'data-testid="{testid}"' in page, testid
    assert "style=" not in page and "<script>" not in page


def test_dashboard_quarter_range_and_bad_input(figures, client, auth):
    auth.login("leader")
    first_quarter = sum(m["meetings"] for m in figures["by_month"][:3])
    page = client.get("/stats?year=2019&quarter=1").get_data(as_text=True)
    assert f'data-testid="figure-meetings" data-value="{first_quarter}"' in page
    page = client.get("/stats?from=2019-01-01&to=2019-03-31").get_data(as_text=True)
    assert f'data-testid="figure-meetings" data-value="{first_quarter}"' in page
    assert client.get("/stats?year=abc&from=junk").status_code == 200


def test_report_page_and_pdf_carry_the_years_figures(figures, client, auth):
    auth.login("leader")
    page = client.get("/stats/report?year=2019").get_data(as_text=True)
    assert re.search(r'data-figure="meetings">\s*<td[^>]*>[^<]+</td><td[^>]*>83</td>', page)
    response = client.get("/stats/report.pdf?year=2019")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pages = PdfReader(io.BytesIO(response.data)).pages
    text = " ".join(page.extract_text() for page in pages)
    assert "2019" in text and "83" in text
    savings = format_number(figures["savings_vnd"])
    assert savings in text and savings in page  # one money format in both renderings
    assert "Thi hành án" in text  # Vietnamese glyphs survive
    for words in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "BỘ TƯ PHÁP", "TL. BỘ TRƯỞNG"):
        assert words in text and words in page
    assert f"Trang 1/{len(pages)}" in pages[0].extract_text()


def test_xlsx_totals_equal_the_api(figures, client, auth):
    auth.login("leader")
    response = client.get("/stats/export.xlsx?year=2019")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    summary = {row[0]: row[1] for row in book["Tổng hợp"].iter_rows(min_row=2, values_only=True)}
    assert summary["Số hội nghị đã tổ chức"] == figures["meetings"] == 83
    assert summary["Kinh phí tiết kiệm (đồng)"] == figures["savings_vnd"]
    months = list(book["Theo tháng"].iter_rows(min_row=2, values_only=True))
    assert months[-1][0] == "Tổng cộng" and months[-1][1] == 83
    meetings = list(book["Danh sách hội nghị"].iter_rows(min_row=2, values_only=True))
    assert len(meetings) == 83
    assert sum(row[11] for row in meetings) == figures["savings_vnd"]
    assert sum(row[8] for row in meetings) == figures["endpoint_connections"]


def test_csv_exports_equal_the_api(figures, client, auth):
    auth.login("leader")
    monthly = list(csv.reader(io.StringIO(client.get("/stats/figures.csv?year=2019").data.decode("utf-8-sig"))))
    assert monthly[0][0] == "Tháng" and monthly[-1][0] == "Tổng cộng"
    assert int(monthly[-1][1]) == 83 and int(monthly[-1][7]) == figures["savings_vnd"]
    listed = list(csv.DictReader(io.StringIO(client.get("/stats/meetings.csv?year=2019").data.decode("utf-8-sig"))))
    assert len(listed) == 83
    assert sum(int(row["Kinh phí tiết kiệm (đồng)"]) for row in listed) == figures["savings_vnd"]


def test_demo_history_is_past_marked_idempotent_and_leaves_the_registry(app):
    today = datetime.now(ZONE).date()
    added = seed_demo_history()
    assert added >= 83 + 6 * 70
    assert seed_demo_history() == 0
    assert db.session.scalar(select(func.count(DemoMeeting.meeting_id))) == added
    latest = db.session.scalar(select(func.max(Meeting.end_at)).join(DemoMeeting))
    assert latest <= datetime.combine(today, time.min, ZONE)
    for year in range(2019, today.year):
        count = db.session.scalar(select(func.count(Meeting.id)).join(DemoMeeting).where(
            DemoMeeting.demo_key.like(f"{year}-%")))
        assert count == PLANNED.get(year, count) and (count == 83 if year == 2019 else 70 <= count <= 110)
    assert db.session.scalar(select(func.count(Endpoint.id)).where(Endpoint.is_active.is_(True))) == 70


def test_demo_snapshots_are_the_savings_calculators(history):
    from meetings.savings.services import estimate, snapshot_of

    for meeting in db.session.scalars(select(Meeting).join(DemoMeeting).order_by(Meeting.id).limit(3)):
        assert snapshot_of(meeting).total_vnd == estimate(meeting).total_vnd


def test_demo_history_leaves_bookings_of_today_alone(history, client, bearer):
    from tests.factories import future_day, meeting_body

    body = meeting_body(future_day(weeks=1), endpoints=["thads-an-giang", "thads-ha-giang"])
    assert client.post("/api/v1/meetings", json=body, headers=bearer("booker")).status_code == 201
