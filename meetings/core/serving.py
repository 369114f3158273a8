"""Where the application serves and where its links say it does: checked once gunicorn listens."""
from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def _is_loopback(host: str) -> bool:
    if host.lower() in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _is_wildcard(host: str) -> bool:
    return host in ("", "0.0.0.0", "::")


def _this_machine(host: str) -> bool:
    return host.lower() in {socket.gethostname().lower(), socket.getfqdn().lower()}


def public_url_mismatch(public_url: str, listening: Iterable[tuple[str, int]]) -> str | None:
    """Why links built on `public_url` would not reach a server listening on `listening` (host, port), or None.

    A PUBLIC_URL on another host is a proxy in front (production), which cannot be checked from here; one on
    this machine must name a port and address we listen on."""
    parts = urlsplit(public_url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        return f"PUBLIC_URL {public_url!r} is not an http(s) address: links in e-mails will not work."
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return f"PUBLIC_URL {public_url!r} has no valid port: links in e-mails will not work."
    local = _is_loopback(host) or _this_machine(host)
    addresses = list(listening)
    direct = [(bound, bound_port) for bound, bound_port in addresses
              if bound.lower() == host or _is_wildcard(bound) or (_is_loopback(host) and _is_loopback(bound))]
    if not local and not direct:
        return None  # another host: the proxy in front is where links go
    if any(bound_port == port for _, bound_port in direct):
        return None
    served = ", ".join(f"{bound}:{bound_port}" for bound, bound_port in addresses) or "nothing"
    return (f"PUBLIC_URL is {public_url} but the application listens on {served}: links in e-mails will point "
            "at the wrong place (set PUBLIC_URL to the address people open).")
