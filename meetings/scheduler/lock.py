"""One scheduler at a time: a PostgreSQL advisory lock, or on SQLite a file lock in the instance folder."""
from __future__ import annotations

import fcntl
import hashlib
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from meetings.extensions import db

# Any fixed 64-bit key will do: advisory locks belong to one database, so this is one per deployment.
ADVISORY_LOCK_KEY = int.from_bytes(b"mojsched", "big")


class SchedulerAlreadyRunning(Exception):
    """Another process holds the scheduler lock."""


@contextmanager
def scheduler_lock(app: Flask) -> Iterator[Callable[[], bool]]:
    """Hold the lock for the life of the block, yielding a check that it is still held.

    Raises SchedulerAlreadyRunning when another process holds it. Needs an app context.
    """
    engine = db.engine
    if engine.dialect.name == "postgresql":
        with advisory_lock(engine) as still_held:
            yield still_held
    else:
        with file_lock(lock_file_path(app)) as still_held:
            yield still_held


@contextmanager
def advisory_lock(engine: Engine) -> Iterator[Callable[[], bool]]:
    # A dedicated connection in autocommit: the lock lives as long as this session, with no
    # transaction left open for hours.
    connection = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    try:
        if not connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY}):
            raise SchedulerAlreadyRunning(
                "Another scheduler is already running on this database (it holds the PostgreSQL advisory lock "
                f"{ADVISORY_LOCK_KEY}); this one exits.")
        yield lambda: _connection_alive(connection)
    finally:
        # Closing the database session is what frees a session-level advisory lock; returned to the
        # pool, the connection would keep it.
        connection.invalidate()
        connection.close()


def _connection_alive(connection: Connection) -> bool:
    try:
        connection.scalar(text("SELECT 1"))
    except Exception:  # any failure means the session, and with it the lock, may be gone
        return False
    return True


def lock_file_path(app: Flask) -> Path:
    """A lock file per database, so that two instances on different SQLite files do not exclude each other."""
    digest = hashlib.sha256(app.config["SQLALCHEMY_DATABASE_URI"].encode()).hexdigest()[:12]
    return Path(app.instance_path) / f"scheduler-{digest}.lock"


@contextmanager
def file_lock(path: Path) -> Iterator[Callable[[], bool]]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="ascii") as handle:  # closing the file releases the lock
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "?"
            raise SchedulerAlreadyRunning(
                f"Another scheduler is already running (process {holder} holds {path}); this one exits.") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        yield lambda: True
