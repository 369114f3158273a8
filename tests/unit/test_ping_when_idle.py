"""A pooled connection is checked before use only after sitting idle; a dead one is replaced, not handed out."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError, ProgrammingError

from meetings.database import ping_when_idle


def _engine(tmp_path, idle_seconds: float):
    engine = create_engine(f"sqlite:///{tmp_path / 'ping.db'}", pool_size=1, max_overflow=0)
    ping_when_idle(engine, idle_seconds)
    return engine


def _cut_the_pooled_connection(engine) -> object:
    with engine.connect() as connection:
        dbapi_connection = connection.connection.dbapi_connection
    dbapi_connection.close()  # as a database restart leaves it
    return dbapi_connection


def test_an_idle_connection_that_died_is_replaced_before_use(tmp_path):
    engine = _engine(tmp_path, idle_seconds=0)
    dead = _cut_the_pooled_connection(engine)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT 1")).scalar() == 1
        assert connection.connection.dbapi_connection is not dead


def test_a_connection_used_a_moment_ago_goes_unchecked(tmp_path):
    engine = _engine(tmp_path, idle_seconds=3600)
    _cut_the_pooled_connection(engine)
    with pytest.raises((DBAPIError, ProgrammingError)), engine.connect() as connection:
        connection.execute(text("SELECT 1"))
