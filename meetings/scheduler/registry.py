"""The one list of periodic sweeps. The factory hands it each domain's SWEEPS (meetings/<domain>/jobs.py):
the scheduler knows no domain."""
from __future__ import annotations

from collections.abc import Iterable

from flask import Flask, current_app

from meetings.scheduler.sweep import Sweep

EXTENSION = "meetings.sweeps"


def register_sweeps(app: Flask, *groups: Iterable[Sweep]) -> None:
    """Keep the domains' sweeps on the app, in the order given; names are unique (ValueError otherwise)."""
    sweeps = [sweep for group in groups for sweep in group]
    names = [sweep.name for sweep in sweeps]
    if len(names) != len(set(names)):
        raise ValueError(f"duplicate sweep names in {names}")
    app.extensions[EXTENSION] = sweeps


def all_sweeps() -> list[Sweep]:
    """Every domain's sweeps, as the factory registered them."""
    return list(current_app.extensions.get(EXTENSION, []))
