"""The fuzzer's figures, printed at the end of every run that includes it (whatever -s or -q say)."""
from __future__ import annotations

FUZZ_REPORT: list[str] = []


def pytest_terminal_summary(terminalreporter):
    if FUZZ_REPORT:
        terminalreporter.section("schemathesis over /api/v1")
        for line in FUZZ_REPORT:
            terminalreporter.write_line(line)
