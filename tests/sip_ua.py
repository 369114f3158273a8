"""Real SIP user agents on 127.0.0.1 for the probe tests: Debian's sipp (package sip-tester) answering OPTIONS
over UDP and TCP, a tiny one that answers 404, and one that never answers."""
from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

SCENARIO = Path(__file__).parent / "fixtures" / "sipp_options_uas.xml"
MISSING = ("sipp is missing: the SIP probe tests need a real SIP user agent. Install Debian's sip-tester as root "
           "(`apt-get install -y sip-tester`), or run `make test`, which installs it when it can.")


def sipp_path() -> str:
    path = shutil.which("sipp") or ("/usr/bin/sipp" if Path("/usr/bin/sipp").exists() else None)
    if path is None:
        pytest.fail(MISSING, pytrace=False)
    return path


def free_port() -> int:
    """A port free on 127.0.0.1 for both UDP and TCP."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
            tcp.bind(("127.0.0.1", 0))
            port = tcp.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                try:
                    udp.bind(("127.0.0.1", port))
                except OSError:
                    continue
        return port
    raise RuntimeError("no free port")


def closed_port() -> int:
    """A port nobody listens on (UDP or TCP)."""
    return free_port()


def _answers(port: int, transport: str) -> bool:
    from meetings.readiness import probes

    return probes.sip_options(probes.SipTarget(f"sip:probe@127.0.0.1:{port}", "127.0.0.1", port), transport,
                              0.5).ok


@contextmanager
def sipp_user_agent() -> Iterator[int]:
    """sipp answering OPTIONS with 200 on one port, over UDP and over TCP; yields the port."""
    sipp = sipp_path()
    port = free_port()
    processes = [subprocess.Popen([sipp, "-sf", str(SCENARIO), "-i", "127.0.0.1", "-p", str(port), "-t", transport,
                                   "-nostdin", "-bind_local"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                 for transport in ("u1", "t1")]
    try:
        deadline = time.monotonic() + 15
        while not (_answers(port, "udp") and _answers(port, "tcp")):
            for process in processes:
                if process.poll() is not None:
                    raise RuntimeError(f"sipp stopped: {process.stderr.read().decode(errors='replace')[-500:]}")
            if time.monotonic() > deadline:
                raise RuntimeError("sipp did not answer within 15 s")
            time.sleep(0.2)
        yield port
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _reply(request: bytes, status: str) -> bytes:
    head = request.split(b"\r\n\r\n", 1)[0].decode()
    keep = [line for line in head.split("\r\n")[1:]
            if line.split(":", 1)[0].strip().lower() in ("via", "from", "to", "call-id", "cseq")]
    return ("\r\n".join([f"SIP/2.0 {status}", *keep, "Content-Length: 0"]) + "\r\n\r\n").encode()


@contextmanager
def udp_user_agent(status: str | None) -> Iterator[tuple[int, list[bytes]]]:
    """A UDP socket that answers every request with `status` (e.g. "404 Not Found"), or never when None."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.1)
    stop = threading.Event()
    received: list[bytes] = []

    def serve() -> None:
        while not stop.is_set():
            try:
                data, address = sock.recvfrom(65535)
            except TimeoutError:
                continue
            except OSError:
                return
            received.append(data)
            if status is not None:
                sock.sendto(_reply(data, status), address)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield sock.getsockname()[1], received
    finally:
        stop.set()
        thread.join(timeout=2)
        sock.close()
