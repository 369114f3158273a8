"""Human names of the meeting and readiness statuses, translated, and the template helpers that show them."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from meetings.booking.models import MeetingStatus, ReadinessStatus
from meetings.core.labels import label

STATUS_LABELS = {
    MeetingStatus.DRAFT: _l("Draft"),
    MeetingStatus.SCHEDULED: _l("Scheduled"),
    MeetingStatus.IN_PROGRESS: _l("In progress"),
    MeetingStatus.COMPLETED: _l("Held"),
    MeetingStatus.CANCELLED: _l("Cancelled"),
}

READINESS_LABELS = {
    ReadinessStatus.PENDING: _l("Not answered"),
    ReadinessStatus.READY: _l("Ready"),
    ReadinessStatus.NOT_READY: _l("Not ready"),
}


def template_helpers() -> dict:
    return {
        "MeetingStatus": MeetingStatus,
        "ReadinessStatus": ReadinessStatus,
        "status_label": lambda code: label(STATUS_LABELS, code),
        "readiness_label": lambda code: label(READINESS_LABELS, code),
    }
