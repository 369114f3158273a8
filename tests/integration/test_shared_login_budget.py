"""Several gunicorn workers count sign-in attempts in one shared storage (Redis), so the budget of ten a minute
holds for the whole server, not for each worker."""
from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import func, select

from meetings import PROJECT_ROOT, create_app
from meetings.auth.models import AuditEntry
from meetings.extensions import db
from tests.conftest import build_database, make_settings, throwaway_database

REDIS = ("127.0.0.1", 6379)
WORKERS = 2


def _redis_listens() -> bool:
    try:
        socket.create_connection(REDIS, timeout=0.5).close()
        return True
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _clear_login_budgets(storage_uri: str) -> None:
    import redis

    client = redis.Redis.from_url(storage_uri)
    for key in client.scan_iter("*login-*"):
        client.delete(key)
    client.close()


def _serve(database_url: str, storage_uri: str) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("GOVCONF_", "MCU_"))}
    env.update(APP_ENV="development", DATABASE_URL=database_url, RATELIMIT_STORAGE_URI=storage_uri,
               SECRET_KEY=secrets.token_urlsafe(48), PUBLIC_URL=f"http://127.0.0.1:{port}")
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen([str(gunicorn), "--workers", str(WORKERS), "--bind", f"127.0.0.1:{port}",
                                "--log-level", "warning", "wsgi:app"], cwd=PROJECT_ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(process.stderr.read().decode()[-3000:])
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return process, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise AssertionError("gunicorn did not answer /healthz within a minute")


def _attempt(base: str, username: str) -> int:
    request = urllib.request.Request(
        f"{base}/api/v1/auth/token", method="POST", headers={"Content-Type": "application/json"},
        data=json.dumps({"username": username, "password": "wrong-password"}).encode())
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.skipif(not _redis_listens(), reason="needs Redis on 127.0.0.1:6379")
def test_two_workers_share_one_sign_in_budget_in_redis(tmp_path, separate_connections):
    storage_uri = "redis://127.0.0.1:6379/0"
    username = "leader"
    with throwaway_database(tmp_path, "login_budget") as database_url:
        app = create_app(make_settings(database_url))
        build_database(app)
        _clear_login_budgets(storage_uri)
        process, base = _serve(database_url, storage_uri)
        statuses, lock, start = [], threading.Lock(), threading.Barrier(30)

        def attempt():
            start.wait()
            status = _attempt(base, username)
            with lock:
                statuses.append(status)

        try:
            threads = [threading.Thread(target=attempt) for _ in range(30)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(90)
        finally:
            process.terminate()
            process.wait(timeout=30)
            _clear_login_budgets(storage_uri)
        with app.app_context():
            checked = db.session.scalar(select(func.count(AuditEntry.id)).where(
                AuditEntry.action == "auth.login_failed", AuditEntry.actor_name == username))
            db.session.remove()
            db.engine.dispose()
    assert sorted(statuses) == [401] * 10 + [429] * 20, statuses
    assert checked == 10, f"{checked} passwords were checked by {WORKERS} workers"
