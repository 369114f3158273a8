"""gunicorn reads this file from the working directory: a check of PUBLIC_URL once the server listens."""
from __future__ import annotations


def when_ready(server):
    from config import load_config
    from meetings.core.serving import public_url_mismatch

    listening = []
    for listener in server.LISTENERS:
        address = listener.sock.getsockname()
        if isinstance(address, tuple):  # TCP; a unix socket has a path instead
            listening.append((str(address[0]), int(address[1])))
    try:
        public_url = load_config()["PUBLIC_URL"]
    except Exception:  # a bad setting is the application's to report, as it starts
        return
    warning = public_url_mismatch(public_url, listening)
    if warning:
        server.log.warning(warning)
