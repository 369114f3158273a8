"""The hot polls read without a transaction of their own on PostgreSQL; every other request keeps its one."""
from __future__ import annotations

import pytest

from meetings.core.transaction import _read_without_transaction
from meetings.extensions import db


def _runs_in_autocommit(app, path: str, method: str = "GET") -> bool:
    with app.test_request_context(path, method=method):
        try:
            _read_without_transaction()
            connection = db.session.connection()
            return connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT"
        finally:
            db.session.remove()


@pytest.mark.parametrize("path", ["/api/v1/endpoints", "/api/v1/meetings/1", "/api/v1/meetings/1/readiness",
                                  "/api/v1/stats/annual"])
def test_the_polls_read_without_a_transaction_on_postgresql_only(app, separate_connections, path):
    with app.app_context():
        on_postgresql = db.engine.dialect.name == "postgresql"
        assert _runs_in_autocommit(app, path) is on_postgresql


@pytest.mark.parametrize(("path", "method"), [("/api/v1/meetings", "GET"), ("/api/v1/meetings/1/readiness/x", "PUT"),
                                               ("/api/v1/meetings/1", "PATCH"), ("/", "GET")])
def test_other_requests_keep_their_transaction(app, separate_connections, path, method):
    with app.app_context():
        assert _runs_in_autocommit(app, path, method) is False
