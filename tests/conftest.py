"""Shared fixtures: one migrated, seeded database per run; one rolled-back transaction per test."""
from __future__ import annotations

import os
import re
import socket
import threading
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from config import TestingConfig, normalise_database_url
from meetings import create_app
from meetings.extensions import db, limiter

DEMO_PASSWORD = "demo12345"
LIVE_APPS: dict = {}


def _server_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    return normalise_database_url(url) if url else None


@contextmanager
def throwaway_database(tmp_dir: Path, label: str):
    """A fresh empty database: a SQLite file, or a new PostgreSQL database dropped afterwards."""
    server = _server_url()
    if not server or server.startswith("sqlite"):
        yield f"sqlite:///{tmp_dir / f'{label}.db'}"
        return
    name = f"mm_{label}_{uuid.uuid4().hex[:8]}"
    admin_url = make_url(server).set(database="postgres")
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def make_settings(database_url: str, **overrides) -> dict:
    settings = TestingConfig.from_environment()
    settings.update(SQLALCHEMY_DATABASE_URI=database_url, DEMO_PASSWORD=DEMO_PASSWORD, **overrides)
    return settings


def build_database(app) -> None:
    """Migrate from empty and seed the registry and demo users, as `make run` does."""
    from flask_migrate import upgrade

    from meetings.cli import seed_demo_users
    from meetings.endpoints.seed import seed_endpoints
    from meetings.savings.rates import seed_default_rates

    with app.app_context():
        upgrade()
        seed_endpoints()
        seed_default_rates()
        seed_demo_users(DEMO_PASSWORD)
        db.session.commit()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    with throwaway_database(tmp_path_factory.mktemp("db"), "test") as url:
        yield url


class FreshContextClient(FlaskClient):
    """Each request gets its own application context (and `g`), as in production, even though the
    test itself holds one open for its database session."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        if has_app_context():
            db.session.expire_all()  # what the request committed is read afresh by the test
        return response


@pytest.fixture(scope="session")
def app(database_url):
    application = create_app(make_settings(database_url))
    application.test_client_class = FreshContextClient
    build_database(application)
    return application


class _ConnectionBoundSession(FlaskSession):
    """Flask-SQLAlchemy picks engines by bind key; a test session must use the test's connection."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        return self.bind if self.bind is not None else super().get_bind(mapper, clause, bind, **kwargs)


@pytest.fixture(autouse=True)
def db_session(request):
    """Every test runs inside a transaction that is rolled back, requests included.

    Unit tests, browser tests and tests that open their own connections get no database here.
    """
    unit = "/tests/unit/" in str(request.node.fspath)
    if unit or "live_server" in request.fixturenames or "separate_connections" in request.fixturenames:
        yield None
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        original = db.session
        db.session = db._make_scoped_session(
            {"bind": connection, "join_transaction_mode": "create_savepoint", "class_": _ConnectionBoundSession}
        )
        limiter.reset()
        try:
            yield db.session
        finally:
            db.session.remove()
            transaction.rollback()
            connection.close()
            db.session = original


@pytest.fixture
def client(app):
    return app.test_client()


class Auth:
    """Signs a test client in and out through the real login form."""

    def __init__(self, client):
        self.client = client

    def csrf_token(self, path: str = "/login") -> str:
        page = self.client.get(path).get_data(as_text=True)
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def login(self, username: str, password: str = DEMO_PASSWORD, next_url: str | None = None):
        token = self.csrf_token("/login")
        data = {"username": username, "password": password, "csrf_token": token}
        if next_url is not None:
            data["next"] = next_url
        return self.client.post("/login", data=data)

    def logout(self):
        token = self.csrf_token("/")
        return self.client.post("/logout", data={"csrf_token": token})


@pytest.fixture
def auth(client):
    return Auth(client)


@pytest.fixture
def bearer(client):
    """Headers with a bearer token for a demo user."""

    def make(username: str = "booker", password: str = DEMO_PASSWORD) -> dict:
        response = client.post("/api/v1/auth/token", json={"username": username, "password": password})
        assert response.status_code == 201, response.get_data(as_text=True)
        return {"Authorization": f"Bearer {response.get_json()['token']}"}

    return make


@pytest.fixture
def count_queries(app):
    """Counts the SQL statements run inside the `with` block: `with count_queries() as counter:`."""

    @contextmanager
    def counting():
        statements: list[str] = []

        def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
            if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
                statements.append(statement)

        engine = db.engine
        event.listen(engine, "before_cursor_execute", before_cursor_execute)
        try:
            yield statements
        finally:
            event.remove(engine, "before_cursor_execute", before_cursor_execute)

    with app.app_context():
        return counting


@pytest.fixture
def separate_connections():
    """Marks a test that opens its own connections (no wrapping transaction)."""
    return True


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The application served by a real HTTP server in a thread, on its own database."""
    with throwaway_database(tmp_path_factory.mktemp("e2e"), "e2e") as url:
        app = create_app(make_settings(url))
        build_database(app)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        url = f"http://127.0.0.1:{server.server_port}"
        LIVE_APPS[url] = app  # browser tests may add data to the live server's database (tests/e2e)
        try:
            yield url
        finally:
            server.shutdown()
            with app.app_context():
                from meetings.extensions import db

                db.engine.dispose()


# ---- ports on loopback -------------------------------------------------------------------------

def free_port() -> int:
    """A port nothing listens on (the system just handed it out and took it back)."""
    with socket.socket() as placeholder:
        placeholder.bind(("127.0.0.1", 0))
        return placeholder.getsockname()[1]


@pytest.fixture
def listening_port():
    """A port that accepts TCP connections (the kernel completes them; nobody reads)."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield server.getsockname()[1]


@pytest.fixture
def closed_port():
    """A port where connections are refused."""
    return free_port()


class SilentServer:
    """Accepts connections on 127.0.0.1 and never answers; `connections` counts who came."""

    def __init__(self):
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(16)
        self.port = self.socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.connections = 0
        self._held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, name="silent-server", daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return  # closed
            self.connections += 1
            self._held.append(connection)  # kept open, unanswered

    def close(self) -> None:
        try:
            self.socket.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.socket.close()
        self._thread.join(timeout=5)
        for connection in self._held:
            connection.close()


@pytest.fixture
def silent_server():
    server = SilentServer()
    try:
        yield server
    finally:
        server.close()
