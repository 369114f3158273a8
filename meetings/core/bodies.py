"""Large JSON answers: serialised with orjson, and kept in each worker under a version read from the database.

A cached body is only ever found under the version the request has just read from the database (the
board's ETag, the registry's version), so two workers, or a worker and the database, never disagree: a
change committed anywhere changes the version and the next request builds a new body. The cache only saves
building and serialising the same body again.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import orjson
from flask import Response, current_app

CACHE_SIZE = 32  # bodies per worker; a 1,000-endpoint board is about 400 kB


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dumps(data: Any) -> bytes:
    return orjson.dumps(data, default=_default, option=orjson.OPT_NON_STR_KEYS)


def json_response(body: bytes | Any, status: int = 200) -> Response:
    """A JSON response from serialised bytes (or from data, serialised here)."""
    payload = body if isinstance(body, bytes) else dumps(body)
    return Response(payload, status=status, mimetype="application/json")


class VersionedBodies:
    """A small least-recently-used map of serialised bodies; keys must contain the data's version."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_build(self, key: Hashable, build: Callable[[], Any]) -> bytes:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                return found
        body = dumps(build())
        with self._lock:
            self._items[key] = body
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return body

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


def cached_body(key: Hashable, build: Callable[[], Any]) -> bytes:
    """The body kept under `key` in this application's worker, built (and kept) when missing."""
    cache = current_app.extensions.get("versioned_bodies")
    if cache is None:
        cache = current_app.extensions.setdefault("versioned_bodies", VersionedBodies())
    return cache.get_or_build(key, build)
