"""The request's one transaction boundary.

Every view runs inside it: an unsafe request (POST, PUT, PATCH, DELETE) commits once after its
handler returns, and any exception rolls the whole request back before its error handler runs, as
indico's request handler does. Views and services never commit; scheduled jobs and CLI commands
are their own boundaries. A view that turns a refusal into feedback itself must roll back
(`meetings.core.feedback` does), so that nothing half-written is committed with the page.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import Flask, request

from meetings.extensions import db

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def commit_boundary(view: Callable) -> Callable:
    @wraps(view)
    def run_in_transaction(*args, **kwargs):
        try:
            result = view(*args, **kwargs)
            if request.method not in SAFE_METHODS:
                db.session.commit()
            return result
        except BaseException:
            db.session.rollback()
            raise

    run_in_transaction.__wrapped_by_boundary__ = True
    return run_in_transaction


def install_commit_boundary(app: Flask) -> None:
    """Wrap every registered view (call after all blueprints are registered)."""
    for name, view in list(app.view_functions.items()):
        if not getattr(view, "__wrapped_by_boundary__", False):
            app.view_functions[name] = commit_boundary(view)
