"""A leader reads the statistics of 2019, moves to 2020 and downloads the Excel workbook."""
import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from meetings.extensions import db
from meetings.stats.demo import seed_demo_history
from tests.conftest import LIVE_APPS


@pytest.fixture(scope="session")
def stats_history(live_server):
    """The demo history of 2019 and 2020, written into the live server's own database (idempotent)."""
    app = LIVE_APPS[live_server]
    with app.app_context():
        seed_demo_history(years=range(2019, 2021))
        db.session.commit()


def test_leader_reads_2019_switches_to_2020_and_downloads_the_workbook(stats_history, page, login):
    login("leader")
    page.get_by_test_id("nav-stats").click()
    page.wait_for_load_state()  # the picker's script is attached once the page has loaded
    page.get_by_test_id("year-picker").select_option("2019")
    expect(page.get_by_test_id("figure-meetings")).to_have_attribute("data-value", "83")
    expect(page.get_by_test_id("chart-meetings-by-month").locator("rect.series-1")).to_have_count(12)
    expect(page.get_by_test_id("stats-map").locator("circle.stats-dot").first).to_be_visible()

    page.wait_for_load_state()
    page.get_by_test_id("year-picker").select_option("2020")
    expect(page.get_by_test_id("stats-period")).to_have_attribute("data-from", "2020-01-01")
    expect(page.get_by_test_id("figure-meetings")).to_have_attribute("data-previous", "83")
    meetings_2020 = page.get_by_test_id("figure-meetings").get_attribute("data-value")

    with page.expect_download() as info:
        page.get_by_test_id("export-xlsx").click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    book = load_workbook(io.BytesIO(open(download.path(), "rb").read()))
    summary = {row[0]: row[1] for row in book["Tổng hợp"].iter_rows(min_row=2, values_only=True)}
    assert str(summary["Số hội nghị đã tổ chức"]) == meetings_2020
    assert summary["Số hội nghị đã tổ chức"] and book["Tổng hợp"].cell(row=2, column=3).value == 83
