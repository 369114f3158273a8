"""How the interface writes money, dates and redirects."""
from datetime import UTC, date, datetime

import pytest

from meetings.core.formatting import format_date, format_datetime, format_vnd, isoformat_local
from meetings.core.navigation import safe_next
from meetings.endpoints.services import fold


@pytest.mark.parametrize("amount, text", [
    (0, "0 ₫"), (999, "999 ₫"), (1234567, "1.234.567 ₫"), (-45000, "-45.000 ₫"), (200000000, "200.000.000 ₫"),
])
def test_money_is_whole_dong_with_dots(amount, text):
    assert format_vnd(amount) == text


def test_dates_are_day_month_year_in_hanoi_time():
    late_evening_utc = datetime(2026, 12, 31, 18, 30, tzinfo=UTC)  # 01:30 on 1 Jan in Hà Nội
    assert format_date(late_evening_utc) == "01/01/2027"
    assert format_datetime(late_evening_utc) == "01/01/2027 01:30"
    assert format_date(date(2019, 3, 5)) == "05/03/2019"
    assert isoformat_local(late_evening_utc) == "2027-01-01T01:30:00+07:00"


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "https://evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "http:/evil",
        "javascript:alert(1)",
        "evil.example",
        "/\x00x",
        "",
    ],
)
def test_next_never_leaves_the_site(target):
    assert safe_next(target) is None


def test_next_keeps_local_paths():
    assert safe_next("/endpoints?q=an+giang") == "/endpoints?q=an+giang"


def test_search_folds_vietnamese_diacritics():
    assert fold("Cục Thi hành án dân sự tỉnh An Giang") == "cuc thi hanh an dan su tinh an giang"
    assert fold("Đắk Lắk") == "dak lak"


def test_decimals_in_vietnamese_style():
    from meetings.core.formatting import format_decimal

    assert format_decimal(233538.24) == "233.538,2"
    assert format_decimal(91.8) == "91,8"
    assert format_decimal(0) == "0,0"


def test_weekday_date_cannot_be_misread():
    from datetime import UTC, date, datetime

    from meetings.core.formatting import time_range, weekday_date, weekday_datetime

    assert weekday_date(date(2026, 12, 8)) == "Thứ Ba, 08/12/2026"
    assert weekday_date(date(2026, 12, 13), "en") == "Sunday, 13/12/2026"
    assert weekday_datetime(datetime(2026, 12, 8, 1, 0, tzinfo=UTC)) == "Thứ Ba, 08/12/2026 08:00"
    start, end = datetime(2026, 12, 8, 1, 0, tzinfo=UTC), datetime(2026, 12, 8, 4, 30, tzinfo=UTC)
    assert time_range(start, end) == "Thứ Ba, 08/12/2026 08:00–11:30"
    assert time_range(start, datetime(2026, 12, 9, 4, 30, tzinfo=UTC), "en") == (
        "Tuesday, 08/12/2026 08:00 – Wednesday, 09/12/2026 11:30")
