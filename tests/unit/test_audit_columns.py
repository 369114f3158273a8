"""The Core insert of an audit entry names every column that audit.record fills."""
from __future__ import annotations

from meetings.auth import audit


def test_the_audit_insert_names_every_column_of_an_entry(app):
    with app.test_request_context():
        assert tuple(audit.entry_values("x", actor=None)) == audit.ENTRY_COLUMNS
