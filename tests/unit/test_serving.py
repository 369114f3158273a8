"""PUBLIC_URL against where the application listens: `make run`'s default, and gunicorn's check at start."""
from __future__ import annotations

import importlib.util
import logging
import os
import re
import subprocess
from types import SimpleNamespace

import pytest

from meetings import PROJECT_ROOT
from meetings.core.serving import public_url_mismatch


@pytest.mark.parametrize("public_url, listening", [
    ("http://127.0.0.1:5960", [("127.0.0.1", 5960)]),
    ("http://localhost:5960/", [("127.0.0.1", 5960)]),
    ("http://127.0.0.1:5960", [("0.0.0.0", 5960)]),
    ("http://10.1.2.3:8000", [("10.1.2.3", 8000)]),
    ("https://hoinghi.moj.gov.vn", [("127.0.0.1", 8000)]),  # a proxy in front: not ours to check
])
def test_links_that_reach_the_server(public_url, listening):
    assert public_url_mismatch(public_url, listening) is None


@pytest.mark.parametrize("public_url, listening, says", [
    ("http://127.0.0.1:5000", [("127.0.0.1", 5960)], "127.0.0.1:5960"),
    ("http://localhost", [("127.0.0.1", 5960)], "127.0.0.1:5960"),
    ("http://10.1.2.3:5000", [("10.1.2.3", 8000)], "10.1.2.3:8000"),
    ("hoinghi.moj.gov.vn", [("127.0.0.1", 8000)], "not an http(s) address"),
])
def test_links_that_would_not(public_url, listening, says):
    warning = public_url_mismatch(public_url, listening)
    assert warning and says in warning and "PUBLIC_URL" in warning


def _make_run_public_url(**variables) -> str:
    env = {key: value for key, value in os.environ.items() if key not in ("PUBLIC_URL", "HOST", "PORT")}
    command = ["make", "--no-print-directory", "-n", "run", *(f"{key}={value}" for key, value in variables.items())]
    printed = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, check=True).stdout
    [value] = re.findall(r"export PUBLIC_URL='([^']*)'", printed)
    return value


def test_make_run_points_links_at_its_own_port_unless_told_otherwise():
    assert _make_run_public_url() == "http://127.0.0.1:5000"
    assert _make_run_public_url(PORT="5960") == "http://127.0.0.1:5960"
    assert _make_run_public_url(HOST="0.0.0.0", PORT="8080") == "http://0.0.0.0:8080"
    assert _make_run_public_url(PORT="5960", PUBLIC_URL="https://hoinghi.moj.gov.vn") == "https://hoinghi.moj.gov.vn"


def _when_ready():
    spec = importlib.util.spec_from_file_location("gunicorn_conf", PROJECT_ROOT / "gunicorn.conf.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.when_ready


def _server(port: int):
    socket = SimpleNamespace(getsockname=lambda: ("127.0.0.1", port))
    return SimpleNamespace(LISTENERS=[SimpleNamespace(sock=socket)], log=logging.getLogger("test.gunicorn"))


def test_gunicorn_warns_once_listening_when_links_point_elsewhere(monkeypatch, caplog):
    monkeypatch.setenv("APP_ENV", "development")
    monkeypatch.setenv("PUBLIC_URL", "http://127.0.0.1:5000")
    with caplog.at_level(logging.WARNING, logger="test.gunicorn"):
        _when_ready()(_server(5960))
    assert "PUBLIC_URL is http://127.0.0.1:5000" in caplog.text and "127.0.0.1:5960" in caplog.text
    caplog.clear()
    monkeypatch.setenv("PUBLIC_URL", "http://127.0.0.1:5960")
    with caplog.at_level(logging.WARNING, logger="test.gunicorn"):
        _when_ready()(_server(5960))
    assert caplog.text == ""
