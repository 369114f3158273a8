"""The declarative base, the constraint naming convention, the UTC datetime type and the CHECK of an enum."""
from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import CheckConstraint, DateTime, MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def one_of(column: str, values: Iterable[str], name: str, *, nullable: bool = False) -> CheckConstraint:
    """A CHECK constraint that `column` holds one of `values` (the members of a StrEnum), or NULL if `nullable`."""
    values = tuple(str(value) for value in values)
    known = f"{column} IN ({', '.join(repr(value) for value in values)})"
    return CheckConstraint(f"{column} IS NULL OR {known}" if nullable else known, name=name,
                           info={"column": column, "values": values, "nullable": nullable})


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Stores aware datetimes as UTC and always returns them aware (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """Foreign keys on, and let SQLAlchemy (not the driver) open transactions on SQLite."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection):
    # IMMEDIATE: a transaction takes SQLite's write lock when it begins, waiting (busy_timeout) for
    # the current writer. Without it, a transaction that read first and writes later fails at once
    # with "database is locked" when another wrote in between. SQLite is the embedded, single-host
    # store; PostgreSQL serves concurrent production load.
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def ping_when_idle(engine: Engine, idle_seconds: float) -> None:
    """Check a pooled connection before use only when it has sat idle `idle_seconds` or more.

    `pool_pre_ping` asks the database on every checkout, and a web request checks a connection out every
    time: one round trip more for each request. A busy worker's connection is back in the pool for
    milliseconds and goes unchecked; one idle long enough to have been cut (a database restart, a firewall)
    is checked, and a dead one is replaced before the request uses it.
    """
    @event.listens_for(engine, "checkin")
    def _idle_from(dbapi_connection, connection_record):
        connection_record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_connection, connection_record, connection_proxy):
        since = connection_record.info.get("idle_since")
        if since is None or time.monotonic() - since < idle_seconds:
            return  # a new connection, or one used a moment ago
        try:
            cursor = dbapi_connection.cursor()
            cursor.execute("SELECT 1")
            cursor.close()
            dbapi_connection.rollback()
        except Exception as error:  # the driver's own error for a dead connection
            raise DisconnectionError() from error
