"""The request's one transaction boundary.

Every view runs inside it: an unsafe request (POST, PUT, PATCH, DELETE) commits once after its
handler returns, and any exception rolls the whole request back before its error handler runs, as
indico's request handler does. Views and services never commit; scheduled jobs and CLI commands
are their own boundaries. A view that turns a refusal into feedback itself must roll back
(`meetings.core.feedback` does), so that nothing half-written is committed with the page.

One kind of row must outlive a refusal: the audit of the refused attempt itself (a failed sign-in,
a denied request). `keep_even_if_refused` writes it in the request's transaction and, should the
request then fail, writes it again after the rollback and commits it alone. A separate connection
would not do: on SQLite the request's transaction already holds the write lock (BEGIN IMMEDIATE).
"""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy.engine import Engine

from meetings.extensions import db

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def keep_even_if_refused(write: Callable[[], object]) -> None:
    """Run `write` (it adds rows to the session) so that its rows are committed whatever the request's fate.

    Inside a view's boundary the rows join the request's transaction; if the request fails, the
    boundary rolls back, runs `write` again and commits only that. Before the boundary opens (a
    before_request hook refusing the request) there is nothing else in the transaction: commit now.
    """
    write()
    if has_request_context() and g.get("_in_commit_boundary"):
        g.setdefault("_kept_on_refusal", []).append(write)
    else:
        db.session.commit()


def _write_kept_rows() -> None:
    kept = g.pop("_kept_on_refusal", [])
    if not kept:
        return
    try:
        for write in kept:
            write()
        db.session.commit()
    except Exception:  # the request's own error is the one to report
        db.session.rollback()


def commit_boundary(view: Callable) -> Callable:
    @wraps(view)
    def run_in_transaction(*args, **kwargs):
        g._in_commit_boundary = True
        try:
            result = view(*args, **kwargs)
            if request.method not in SAFE_METHODS or g.get("_kept_on_refusal"):
                db.session.commit()
            return result
        except BaseException:
            db.session.rollback()
            _write_kept_rows()
            raise
        finally:
            g._in_commit_boundary = False
            g.pop("_kept_on_refusal", None)

    run_in_transaction.__wrapped_by_boundary__ = True
    return run_in_transaction


def reads_only(view: Callable) -> Callable:
    """Mark a view that only reads (the hot polls: a board, a meeting, the registry, the statistics).

    On PostgreSQL its request runs without a transaction of its own: each statement commits by itself
    (autocommit), which saves the BEGIN and the ROLLBACK round trips, two of a cached answer's four.
    Under PostgreSQL's READ COMMITTED each statement sees its own snapshot anyway, inside a transaction
    or not, so the reads see the same. What such a request writes is what commits by itself already: the
    token's last use, the audit of a refusal. Other views and databases keep the one transaction.
    """
    view.reads_only = True
    return view


def _read_without_transaction() -> None:
    """before_request, ahead of every other hook (the sign-in reads the token first)."""
    if request.method not in ("GET", "HEAD"):
        return
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    if not getattr(view, "reads_only", False):
        return
    bind = db.session.get_bind()
    if isinstance(bind, Engine) and bind.dialect.name == "postgresql":  # not a test's bound connection
        db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def install_commit_boundary(app: Flask) -> None:
    """Wrap every registered view (call after all blueprints are registered)."""
    for name, view in list(app.view_functions.items()):
        if not getattr(view, "__wrapped_by_boundary__", False):
            app.view_functions[name] = commit_boundary(view)
    app.before_request_funcs.setdefault(None, []).insert(0, _read_without_transaction)
