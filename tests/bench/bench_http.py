"""The hot paths under a real server and real load, side by side with a bare Flask app.

Run: .venv/bin/python -m tests.bench.bench_http
     (DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres by default; BENCH_SECONDS=8 per figure)

It creates a throwaway PostgreSQL database, migrates and seeds it as `make run` does (the demo history
included, so 2019 has its 83 meetings), adds 930 endpoints so that the registry holds 1,000, books over
HTTP a meeting of the 70 seeded endpoints and five of all 1,000, VACUUM ANALYZEs it, then serves the app
with the production settings under gunicorn (2 sync workers) and, with the same gunicorn settings, a bare
Flask app with one JSON route (tests/bench/bare_flask.py). `wrk` (Debian's package, installed when missing
and run as root) loads each route with 16 connections, and the bare app before the first route and after
each, the whole list BENCH_ROUNDS times (3); every figure is the round with the median ratio to the bare
app's two loads beside it, with p50/p99 latencies, the count of errors and non-2xx/3xx answers, and the CPU
per request of the server's workers and of PostgreSQL. Nothing is asserted.
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
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))  # each route loaded this many times; the median is printed
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
THREADS = 2  # wrk threads
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
    requests: int = 0
    server_cpu_ms: float = float("nan")  # CPU of the server's workers per request
    database_cpu_ms: float = float("nan")  # CPU of PostgreSQL's processes per request (a server on this machine)


def _cpu_seconds(pids: list[int]) -> float:
    """User and system CPU of these processes so far (a process that is gone counts nothing)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime: the 14th and 15th fields
    return total / os.sysconf("SC_CLK_TCK")


def _postgres_pids() -> list[int]:
    """PostgreSQL's processes on this machine: its backends, and the WAL writer and checkpointer they use."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


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


def _analyze(database_url: str) -> None:
    """VACUUM ANALYZE the freshly filled database, as autovacuum keeps a live one: plans from current
    statistics, and no autovacuum of the new rows in the middle of a figure."""
    engine = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("VACUUM ANALYZE"))
    engine.dispose()


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

    def workers(self) -> list[int]:
        found = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        return [int(pid) for pid in found]

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
    requests = re.search(r"(\d+) requests in", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return Figure(label, float(rate.group(1)) if rate else 0.0, latency("50"), latency("99"),
                  sum(int(n) for n in sockets.groups()) if sockets else 0, int(non_2xx.group(1)) if non_2xx else 0,
                  int(requests.group(1)) if requests else 0)


def _load(wrk: str, label: str, url: str, server: Gunicorn, *, headers: dict[str, str] | None = None,
          script: Path | None = None) -> Figure:
    """Load `url` with wrk; the figure, with the CPU that the server's workers and PostgreSQL spent per request."""
    command = [wrk, f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency", "--timeout", "10s"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    if script:
        command += ["-s", str(script)]
    workers, database = server.workers(), _postgres_pids()
    server_before, database_before = _cpu_seconds(workers), _cpu_seconds(database)
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    server_cpu, database_cpu = _cpu_seconds(workers) - server_before, _cpu_seconds(database) - database_before
    figure = _parse_wrk(label, output)
    if figure.requests:
        figure.server_cpu_ms = server_cpu * 1000 / figure.requests
        figure.database_cpu_ms = database_cpu * 1000 / figure.requests if database else float("nan")
    print(f"  measured {label}: {figure.requests_per_second:,.0f} req/s", flush=True)
    return figure


def _answer_script(folder: Path, meeting_id: int, tokens: dict[str, str]) -> Path:
    """A wrk script: each operator answers for their own endpoint, each wrk thread for its own operators, and
    every pass over a thread's operators turns each answer over (ready, not ready, ready ...), so that
    every request changes an answer and no two requests wait on one row (as two operators never answer
    for one endpoint)."""
    entries = ",\n".join(f'  {{"/api/v1/meetings/{meeting_id}/readiness/{code}", "{token}"}}'
                          for code, token in tokens.items())
    script = folder / "answers.lua"
    script.write_text(
        f"local operators = {{\n{entries}\n}}\n"
        f"local threads = {THREADS}\n"
        "local index = 0\n"
        "function setup(thread)\n"
        "  thread:set('id', index)\n"
        "  index = index + 1\n"
        "end\n"
        "function init(args)\n"
        "  mine = {}\n"
        "  for n = 1, #operators do\n"
        "    if (n - 1) % threads == id then mine[#mine + 1] = operators[n] end\n"
        "  end\n"
        "  counter = 0\n"
        "end\n"
        "request = function()\n"
        "  local entry = mine[(counter % #mine) + 1]\n"
        "  local status = (math.floor(counter / #mine) % 2 == 0) and 'ready' or 'not_ready'\n"
        "  counter = counter + 1\n"
        "  local body = '{\"status\": \"' .. status .. '\", \"note\": \"Kiểm tra tải\"}'\n"
        "  return wrk.format('PUT', entry[1], {['Authorization'] = 'Bearer ' .. entry[2],\n"
        "                    ['Content-Type'] = 'application/json'}, body)\n"
        "end\n", encoding="utf-8")
    return script


def _table(figures: list[tuple[Figure, Figure]], bookings: list[float]) -> str:
    """Each figure with its ratio to the bare app measured just before and just after it, and the CPU per request
    of the server's workers and of PostgreSQL (both share the machine's cores with wrk)."""
    lines = ["| request | req/s | bare Flask beside | ratio to bare Flask | p50 ms | p99 ms | errors | non-2xx/3xx "
             "| workers' CPU ms/request (bare) | PostgreSQL CPU ms/request |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for figure, bare in figures:
        ratio = figure.requests_per_second / bare.requests_per_second * 100 if bare.requests_per_second else 0
        lines.append(f"| {figure.label} | {figure.requests_per_second:,.0f} | {bare.requests_per_second:,.0f} | "
                     f"{ratio:.1f}% | {figure.p50_ms:.1f} | {figure.p99_ms:.1f} | {figure.errors} | {figure.non_2xx} | "
                     f"{figure.server_cpu_ms:.2f} ({bare.server_cpu_ms:.2f}) | {figure.database_cpu_ms:.2f} |")
    lines.append(f"| booking a 1,000-endpoint meeting over HTTP | median {statistics.median(bookings):.0f} ms, "
                 f"max {max(bookings):.0f} ms ({len(bookings)} bookings) | | | | | | | | |")
    return "\n".join(lines)


def _beside_bare(wrk: str, app: Gunicorn, bare: Gunicorn, loads: list[tuple]) -> list[tuple[Figure, Figure]]:
    """Each load between two loads of the bare app (the machine's speed drifts on a shared host: a ratio to
    a baseline measured minutes away would measure the drift); each figure with the mean of its two.

    The whole list is loaded ROUNDS times over; each route's figure is the round with the median ratio."""
    rounds: list[list[tuple[Figure, Figure]]] = []
    before = _load(wrk, "bare Flask", bare.url + "/", bare)
    for number in range(ROUNDS):
        print(f"round {number + 1} of {ROUNDS}", flush=True)
        measured = []
        for label, url, options in loads:
            figure = _load(wrk, label, url, app, **options)
            after = _load(wrk, "bare Flask", bare.url + "/", bare)
            measured.append((figure, _mean(before, after)))
            before = after
        rounds.append(measured)
    return [_median_round([measured[index] for measured in rounds]) for index in range(len(loads))]


def _median_round(figures: list[tuple[Figure, Figure]]) -> tuple[Figure, Figure]:
    ranked = sorted(figures, key=lambda pair: pair[0].requests_per_second / (pair[1].requests_per_second or 1))
    return ranked[len(ranked) // 2]


def _mean(first: Figure, second: Figure) -> Figure:
    def mean(name: str) -> float:
        return (getattr(first, name) + getattr(second, name)) / 2
    return Figure("bare Flask", mean("requests_per_second"), mean("p50_ms"), mean("p99_ms"),
                  first.errors + second.errors, first.non_2xx + second.non_2xx, first.requests + second.requests,
                  mean("server_cpu_ms"), mean("database_cpu_ms"))


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
            _analyze(database.url)
            _, headers, _ = _call("GET", f"{app.url}/api/v1/meetings/{large}/readiness", token=booker)
            etag = headers.get("ETag", "")
            auth = {"Authorization": f"Bearer {booker}"}
            loads = [
                ("an operator's readiness answer (PUT …/readiness/<code>)", f"{app.url}/",
                 {"script": _answer_script(Path(folder), small, operators)}),
                ("the board of a 1,000-endpoint meeting (GET …/readiness)",
                 f"{app.url}/api/v1/meetings/{large}/readiness", {"headers": auth}),
                ("the unchanged board (304)", f"{app.url}/api/v1/meetings/{large}/readiness",
                 {"headers": {**auth, "If-None-Match": etag}}),
                ("a 1,000-endpoint meeting (GET /api/v1/meetings/<id>)", f"{app.url}/api/v1/meetings/{large}",
                 {"headers": auth}),
                ("the registry of 1,000 endpoints (GET /api/v1/endpoints)", f"{app.url}/api/v1/endpoints",
                 {"headers": auth}),
                ("the 2019 statistics (GET /api/v1/stats/annual?year=2019)",
                 f"{app.url}/api/v1/stats/annual?year=2019", {"headers": {"Authorization": f"Bearer {leader}"}}),
            ]
            figures = _beside_bare(wrk, app, bare, loads)
        finally:
            app.stop()
            bare.stop()
    print()
    print(f"Each ratio is to the mean of the bare app's two loads beside it, before and after; each row is the\n"
          f"median of {ROUNDS} rounds. The CPU columns are what the server's workers (the bare app's in brackets)\n"
          "and PostgreSQL's processes spent per request.")
    print(_table(figures, [ms for _, ms in bookings]))

if __name__ == "__main__":
    main()
