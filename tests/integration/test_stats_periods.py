"""Leaders' figures compare the same dates: this year so far against the same days a year earlier."""
from datetime import date, datetime, timedelta

import pytest

from meetings.core.formatting import local_today
from meetings.stats.demo import seed_demo_history
from tests.factories import completed_meeting

GUESTS = {"thads-an-giang": ("ready", "present", 8), "thads-ca-mau": ("ready", "present", 5)}


def _day(value: date) -> datetime:
    return datetime(value.year, value.month, value.day)


def annual(client, headers, year):
    response = client.get("/api/v1/stats/annual", query_string={"year": year}, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_the_current_year_is_compared_with_the_same_dates_a_year_earlier(client, bearer):
    today = local_today()
    if today == date(today.year, 1, 1) or (today.month, today.day) in ((12, 31), (2, 29)):
        pytest.skip("needs a day of the year with days before and after it")
    so_far = date(today.year, 1, 1) + (today - date(today.year, 1, 1)) // 2
    completed_meeting(_day(so_far), GUESTS)
    completed_meeting(_day(so_far.replace(year=today.year - 1)), GUESTS)
    completed_meeting(_day(today.replace(year=today.year - 1) + timedelta(days=1)), GUESTS)  # after the same date
    body = annual(client, bearer("leader"), today.year)
    assert body["period"] == {"from": f"{today.year}-01-01", "to": today.isoformat()}
    assert body["as_of"] == today.isoformat()
    assert body["previous"]["period"] == {"from": f"{today.year - 1}-01-01",
                                          "to": today.replace(year=today.year - 1).isoformat()}
    assert body["meetings"] == 1 and body["previous"]["meetings"] == 1  # not the one after the same date
    assert body["previous"]["has_data"] is True
    assert body["changes"]["meetings"] == {"difference": 0, "percent": 0.0}


def test_a_past_year_is_whole_and_its_changes_are_null_without_an_earlier_year(app, client, bearer):
    seed_demo_history(years=range(2019, 2020))
    body = annual(client, bearer("leader"), 2019)
    assert body["meetings"] == 83 and body["as_of"] is None
    assert body["period"] == {"from": "2019-01-01", "to": "2019-12-31"}
    assert body["previous"]["period"] == {"from": "2018-01-01", "to": "2018-12-31"}
    assert body["previous"]["has_data"] is False
    assert set(body["changes"].values()) == {None}


def test_the_dashboard_says_as_of_and_that_there_is_nothing_to_compare(app, client, auth):
    seed_demo_history(years=range(2019, 2020))
    auth.login("leader")
    page = client.get("/stats?year=2019").get_data(as_text=True)
    assert "Không có số liệu năm trước." in page and "Năm trước: 0" not in page
    assert "mới" not in page.split('data-testid="figure-meetings"')[1].split("</div>")[0]
    current = client.get(f"/stats?year={local_today().year}").get_data(as_text=True)
    assert f"tính đến {local_today():%d/%m/%Y}" in current
