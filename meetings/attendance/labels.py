"""Human names of the attendance statuses, translated, and the template helpers that show them."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from meetings.attendance.models import AttendanceSource, AttendanceStatus, ImportState

ATTENDANCE_LABELS = {AttendanceStatus.PRESENT: _l("Present"), AttendanceStatus.ABSENT: _l("Absent"),
                     AttendanceStatus.PARTIAL: _l("Partly present"), None: _l("Not recorded")}


def template_helpers() -> dict:
    return {
        "AttendanceStatus": AttendanceStatus,
        "AttendanceSource": AttendanceSource,
        "ImportState": ImportState,
        "attendance_label": lambda code: str(ATTENDANCE_LABELS.get(code, code)),
    }
