"""How dates, times and money look: dd/mm/yyyy, Asia/Ho_Chi_Minh, 1.234.567 ₫."""
from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

MINISTRY_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


def to_local(value: datetime) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(MINISTRY_ZONE)


def format_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value)
    return value.strftime("%d/%m/%Y")


def format_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    return to_local(value).strftime("%d/%m/%Y %H:%M")


WEEKDAYS = {
    "vi": ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}


def weekday_name(value: date | datetime, locale: str = "vi") -> str:
    if isinstance(value, datetime):
        value = to_local(value)
    return WEEKDAYS.get(locale, WEEKDAYS["vi"])[value.weekday()]


def weekday_date(value: date | datetime | None, locale: str = "vi") -> str:
    """The date that cannot be misread: 'Thứ Ba, 08/12/2026' ('Tuesday, 08/12/2026')."""
    if value is None:
        return ""
    return f"{weekday_name(value, locale)}, {format_date(value)}"


def weekday_datetime(value: datetime | None, locale: str = "vi") -> str:
    """'Thứ Ba, 08/12/2026 08:00', 24-hour, Hà Nội time."""
    if value is None:
        return ""
    return f"{weekday_date(value, locale)} {to_local(value):%H:%M}"


def time_range(start: datetime, end: datetime, locale: str = "vi") -> str:
    """'Thứ Ba, 08/12/2026 08:00–11:30', or both days when the meeting runs over several."""
    local_start, local_end = to_local(start), to_local(end)
    if local_start.date() == local_end.date():
        return f"{weekday_datetime(start, locale)}–{local_end:%H:%M}"
    return f"{weekday_datetime(start, locale)} – {weekday_datetime(end, locale)}"


def format_vnd(amount: int | None) -> str:
    """Whole đồng with dots between thousands: 1234567 -> '1.234.567 ₫'."""
    if amount is None:
        return ""
    sign = "-" if amount < 0 else ""
    return f"{sign}{abs(int(amount)):,}".replace(",", ".") + " ₫"


def local_today() -> date:
    """Today in Hà Nội."""
    return datetime.now(MINISTRY_ZONE).date()


def short_vnd(amount: int | None) -> tuple[str, str]:
    """A large sum rounded for a card: (number, unit) with unit "billion", "million" or "" (whole đồng).

    110_312_000_000 -> ("110,3", "billion"); 7_450_000 -> ("7,5", "million"); 950_000 -> ("950.000", "")."""
    if amount is None:
        return "", ""
    for size, unit in ((1_000_000_000, "billion"), (1_000_000, "million")):
        if abs(amount) >= size:
            return format_decimal(amount / size), unit
    return format_number(amount), ""


def format_number(value: int | float | None) -> str:
    if value is None:
        return ""
    return f"{int(value):,}".replace(",", ".")


def format_decimal(value: float | None, places: int = 1) -> str:
    """Vietnamese style: dots between thousands, a comma before decimals (233.538,2)."""
    if value is None:
        return ""
    text = f"{value:,.{places}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def isoformat_local(value: datetime | None) -> str | None:
    """ISO 8601 with the +07:00 offset, as the API answers."""
    return to_local(value).isoformat() if value is not None else None
