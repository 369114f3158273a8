"""The sane window of dates: 2000 to 2100. Outside it no meeting of the ministry lies, and times at the ends
of the calendar (year 1, year 9999) overflow when moved between time zones. Pure: no Flask."""
from __future__ import annotations

from datetime import date, datetime

FIRST_YEAR, LAST_YEAR = 2000, 2100


def in_window(value: date | datetime) -> bool:
    """Whether a date or time lies in the years the application accepts."""
    return FIRST_YEAR <= value.year <= LAST_YEAR
