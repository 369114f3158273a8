"""What a domain declares to have run periodically: a named, short, idempotent sweep."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Sweep:
    """`function(now=<aware UTC datetime>)` does one pass over the work that is due and returns how many
    items it handled; it must be safe to run twice (claim rows, or filter on what is already done)."""

    name: str
    function: Callable[..., int]
    interval_seconds: int
