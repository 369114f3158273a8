"""The hot paths under a real server and real load, side by side with a bare Flask app.

Run: .venv/bin/python -m tests.bench.bench_http
     (DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres by default; BENCH_SECONDS=8 per figure)

It creates a throwaway PostgreSQL database, migrates and seeds it as `make run` does (the demo history
included, so 2019 has its 83 meetings), adds 930 endpoints so that the registry holds 1,000, books over
HTTP a meeting of the 70 seeded endpoints and one of all 1,000, then serves the app with the production
settings under gunicorn (2 sync workers) and, with the same gunicorn settings, a bare Flask app with one
JSON route (tests/bench/bare_flask.py). `wrk` (Debian's package, installed when missing and run as root)
loads each route with 16 connections; every figure is printed as a ratio to the bare app measured in the
same run, with p50/p99 latencies and the count of errors and non-2xx/3xx answers. Nothing is asserted.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SERVER_URL = os.environ.get("DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
SECONDS = int(os.environ.get("BENCH_SECONDS", "8"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
WORKERS = 2
BOOKINGS = 5
EXTRA_ENDPOINTS = 930
PASSWORD = "bench-password-1"
HANOI = timezone(timedelta(hours=7))


@dataclass
class Figure:
    label: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    non_2xx: int


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("installing Debian's wrk ...", flush=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, env={**os.environ,
                       "DEBIAN_FRONTEND": "noninteractive"}, stdout=subprocess.DEVNULL)
        return shutil.which("wrk") or sys.exit("wrk did not install")
    sys.exit("This benchmark needs wrk: apt-get install wrk")


class Database:
    """A throwaway PostgreSQL database on the server DATABASE_URL names."""

    def __init__(self) -> None:
        self.name = f"mm_bench_http_{uuid.uuid4().hex[:8]}"
        self.admin = create_engine(make_url(SERVER_URL).set(database="postgres"), isolation_level="AUTOCOMMIT")
        self.url = make_url(SERVER_URL).set(database=self.name).render_as_string(hide_password=False)

    def __enter__(self) -> Database:
        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{self.name}"'))
        return self

    def __exit__(self, *exc) -> None:
        with self.admin.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                    "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": self.name})
            connection.execute(text(f'DROP DATABASE IF EXISTS "{self.name}"'))
        self.admin.dispose()


def _environment(database_url: str, app_env: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("GOVCONF_", "MCU_"))}
    env.update(DATABASE_URL=database_url, APP_ENV=app_env, FLASK_APP="wsgi", DEMO_PASSWORD=PASSWORD,
               SECRET_KEY=secrets.token_urlsafe(48), MCU_PORTS="5000", PYTHONPATH=str(ROOT))
    return env


def _prepare(database_url: str) -> None:
    env = _environment(database_url, "development")
    for command in (["db", "upgrade"], ["seed", "demo"]):
        subprocess.run([str(BIN / "flask"), *command], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    script = (
        "from config import load_config\n"
        "from meetings import create_app\n"
        "from meetings.endpoints.models import Endpoint\n"
        "from meetings.extensions import db\n"
        "app = create_app(load_config())\n"
        "with app.app_context():\n"
        f"    db.session.add_all([Endpoint(code=f'bench-{{i:04d}}', name=f'Điểm cầu thử {{i}}', kind='other',\n"
        "        province='Hà Nội', region=('north', 'central', 'south')[i % 3], distance_km=i % 2000, seats=10,\n"
        f"        calendar_token=f'bench-{{i}}') for i in range({EXTRA_ENDPOINTS})])\n"
        "    db.session.commit()\n"
    )
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True)


class Gunicorn:
    def __init__(self, app: str, env: dict[str, str]) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "--workers", str(WORKERS), "--worker-class", "sync", "--bind",
             f"127.0.0.1:{self.port}", "--log-level", "warning", app],
            cwd=ROOT, env=env, start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        sys.exit(f"{app} did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)


def _call(method: str, url: str, body: dict | None = None, token: str | None = None) -> tuple[int, dict, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read() or b"{}")


def _token(base: str, username: str) -> str:
    status, _, body = _call("POST", f"{base}/api/v1/auth/token", {"username": username, "password": PASSWORD})
    if status != 201:
        sys.exit(f"no token for {username}: {status} {body}")
    return body["token"]


def _book(base: str, token: str, codes: list[str], day: int, title: str) -> tuple[int, float]:
    start = (datetime.now(HANOI) + timedelta(days=day)).replace(hour=8, minute=0, second=0, microsecond=0)
    body = {"title": title, "start": start.isoformat(), "end": (start + timedelta(hours=3)).isoformat(),
            "endpoints": codes}
    began = time.perf_counter()
    status, _, answer = _call("POST", f"{base}/api/v1/meetings", body, token)
    elapsed = (time.perf_counter() - began) * 1000
    if status != 201:
        sys.exit(f"booking refused: {status} {answer}")
    return answer["id"], elapsed


def _parse_wrk(label: str, output: str) -> Figure:
    def latency(percent: str) -> float:
        match = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
        if not match:
            return float("nan")
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return Figure(label, float(rate.group(1)) if rate else 0.0, latency("50"), latency("99"),
                  sum(int(n) for n in sockets.groups()) if sockets else 0, int(non_2xx.group(1)) if non_2xx else 0)


def _load(wrk: str, label: str, url: str, *, headers: dict[str, str] | None = None,
          script: Path | None = None) -> Figure:
    command = [wrk, "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency", "--timeout", "10s"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    if script:
        command += ["-s", str(script)]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    figure = _parse_wrk(label, output)
    print(f"  measured {label}: {figure.requests_per_second:,.0f} req/s", flush=True)
    return figure


def _answer_script(folder: Path, meeting_id: int, tokens: dict[str, str]) -> Path:
    """A wrk script that has each operator answer for their own endpoint, alternating ready / not ready."""
    entries = ",\n".join(f'  {{"/api/v1/meetings/{meeting_id}/readiness/{code}", "{token}"}}'
                         for code, token in tokens.items())
    script = folder / "answers.lua"
    script.write_text(
        f"local operators = {{\n{entries}\n}}\n"
        "local counter = 0\n"
        "request = function()\n"
        "  counter = counter + 1\n"
        "  local entry = operators[(counter % #operators) + 1]\n"
        "  local status = (counter % 2 == 0) and 'ready' or 'not_ready'\n"
        "  local body = '{\"status\": \"' .. status .. '\", \"note\": \"Kiểm tra tải\"}'\n"
        "  return wrk.format('PUT', entry[1], {['Authorization'] = 'Bearer ' .. entry[2],\n"
        "                    ['Content-Type'] = 'application/json'}, body)\n"
        "end\n", encoding="utf-8")
    return script


def _table(figures: list[Figure], bare: float, bookings: list[float]) -> str:
    lines = ["| request | req/s | ratio to bare Flask | p50 ms | p99 ms | errors | non-2xx/3xx |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for figure in figures:
        ratio = figure.requests_per_second / bare * 100 if bare else 0
        lines.append(f"| {figure.label} | {figure.requests_per_second:,.0f} | {ratio:.1f}% | {figure.p50_ms:.1f} | "
                     f"{figure.p99_ms:.1f} | {figure.errors} | {figure.non_2xx} |")
    lines.append(f"| booking a 1,000-endpoint meeting over HTTP | median {statistics.median(bookings):.0f} ms, "
                 f"max {max(bookings):.0f} ms ({len(bookings)} bookings) | | | | | |")
    return "\n".join(lines)


def main() -> None:
    wrk = _ensure_wrk()
    with Database() as database, tempfile.TemporaryDirectory() as folder:
        print(f"preparing {database.name} (migrate, seed the demo, {EXTRA_ENDPOINTS} more endpoints) ...", flush=True)
        _prepare(database.url)
        app = Gunicorn("wsgi:app", _environment(database.url, "production"))
        bare = Gunicorn("tests.bench.bare_flask:app", _environment(database.url, "production"))
        try:
            booker, leader = _token(app.url, "booker"), _token(app.url, "leader")
            _, _, registry = _call("GET", f"{app.url}/api/v1/endpoints?active=true", token=booker)
            every = [item["code"] for item in registry["items"]]
            seeded = [code for code in every if not code.startswith("bench-")]
            small, _ = _book(app.url, booker, seeded, 3, "Đo tải 70 điểm cầu")
            bookings = [_book(app.url, booker, every, 4 + n, f"Đo tải {len(every)} điểm cầu")
                        for n in range(BOOKINGS)]
            large = bookings[0][0]
            operators = {code: _token(app.url, f"op-{code}") for code in seeded[:CONNECTIONS * 2]
                         if code != "moj-hq"}
            print(f"{len(every)} endpoints; meetings {small} (70) and {large} ({len(every)}); "
                  f"{WORKERS} gunicorn sync workers, {CONNECTIONS} connections, {SECONDS} s a figure", flush=True)
            _, headers, _ = _call("GET", f"{app.url}/api/v1/meetings/{large}/readiness", token=booker)
            etag = headers.get("ETag", "")
            auth = {"Authorization": f"Bearer {booker}"}
            bare_before = _load(wrk, "bare Flask (before)", bare.url + "/")
            figures = [
                _load(wrk, "an operator's readiness answer (PUT …/readiness/<code>)",
                      f"{app.url}/", script=_answer_script(Path(folder), small, operators)),
                _load(wrk, "the board of a 1,000-endpoint meeting (GET …/readiness)",
                      f"{app.url}/api/v1/meetings/{large}/readiness", headers=auth),
                _load(wrk, "the unchanged board (304)", f"{app.url}/api/v1/meetings/{large}/readiness",
                      headers={**auth, "If-None-Match": etag}),
                _load(wrk, "a 1,000-endpoint meeting (GET /api/v1/meetings/<id>)",
                      f"{app.url}/api/v1/meetings/{large}", headers=auth),
                _load(wrk, "the registry of 1,000 endpoints (GET /api/v1/endpoints)",
                      f"{app.url}/api/v1/endpoints", headers=auth),
                _load(wrk, "the 2019 statistics (GET /api/v1/stats/annual?year=2019)",
                      f"{app.url}/api/v1/stats/annual?year=2019", headers={"Authorization": f"Bearer {leader}"}),
            ]
            bare_after = _load(wrk, "bare Flask (after)", bare.url + "/")
        finally:
            app.stop()
            bare.stop()
    baseline = (bare_before.requests_per_second + bare_after.requests_per_second) / 2
    print()
    print(f"bare Flask: {bare_before.requests_per_second:,.0f} and {bare_after.requests_per_second:,.0f} req/s "
          f"(before and after), p50 {bare_before.p50_ms:.1f} ms; ratios below are to their mean, {baseline:,.0f}")
    print(_table(figures, baseline, [ms for _, ms in bookings]))


if __name__ == "__main__":
    main()
