"""Every action the code audits has its sentence in the audit log (meetings.auth.audit_text), so that no entry
is shown as its action code."""
from __future__ import annotations

import re
from pathlib import Path

from meetings.auth.audit_text import KINDS, SENTENCES

ROOT = Path(__file__).resolve().parents[2] / "meetings"
# The action names in the calls that record an entry: audit.record("kind.verb" ...) with its conditional
# forms ("a" if x else "b"), and the MCU's _audit("verb", ...) that prefixes "mcu.".
RECORD = re.compile(r"audit\.record\(\s*(?:f?\"([a-z_.{}]+)\"(?:\s+if\s+[^\n]+?\s+else\s+\"([a-z_.]+)\")?)")
MCU = re.compile(r"\b_audit\(\s*\"([a-z_]+)\"(?:\s+if\s+[^\n]+?\s+else\s+\"([a-z_]+)\")?")


def _audited_actions() -> set[str]:
    actions: set[str] = set()
    for path in ROOT.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for match in RECORD.finditer(text):
            actions.update(name for name in match.groups() if name and "{" not in name)
        for match in MCU.finditer(text):
            actions.update(f"mcu.{name}" for name in match.groups() if name)
    return actions


def test_every_audited_action_has_a_sentence_and_a_kind():
    actions = _audited_actions()
    assert {"auth.login", "user.deactivate", "rates.create", "mcu.dial", "mcu.include"} <= actions, actions
    assert actions - SENTENCES.keys() == set()
    assert {action.split(".")[0] for action in actions} - KINDS.keys() == set()
