"""Human names of the technical test results and probe states, translated, and the template helpers."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from meetings.core.labels import label
from meetings.readiness.models import UNCHECKED, UNTESTED, ProbeState, TestStatus

TEST_LABELS = {
    TestStatus.TEST_OK: _l("Test passed"),
    TestStatus.TEST_FAILED: _l("Test failed"),
    UNTESTED: _l("Not tested"),
}

PROBE_LABELS = {ProbeState.OK: _l("Reachable"), ProbeState.FAILED: _l("Unreachable"), UNCHECKED: _l("Not checked yet")}


def template_helpers() -> dict:
    return {
        "TestStatus": TestStatus,
        "ProbeState": ProbeState,
        "UNTESTED": UNTESTED,
        "UNCHECKED": UNCHECKED,
        "test_label": lambda code: label(TEST_LABELS, code or UNTESTED),
        "probe_label": lambda code: label(PROBE_LABELS, code or UNCHECKED),
    }
