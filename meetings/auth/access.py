"""Access rules declared on every view, and the one place that enforces them.

Each view function carries an explicit rule (`public`, `authenticated`, or `roles(...)`);
a view without one is refused to everybody but admins and fails the url_map test.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app, redirect, request, url_for
from flask_login import current_user
from werkzeug.exceptions import Forbidden, Unauthorized

from meetings.auth.roles import ROLES


@dataclass(frozen=True)
class AccessRule:
    public: bool = False
    roles: tuple[str, ...] = ()

    def allows(self, user) -> bool:
        if self.public:
            return True
        return bool(user.is_authenticated and user.role in self.roles)


def _mark(rule: AccessRule) -> Callable:
    def decorator(view: Callable) -> Callable:
        view.access_rule = rule
        return view

    return decorator


def public(view: Callable) -> Callable:
    """Anyone, signed in or not."""
    return _mark(AccessRule(public=True))(view)


def authenticated(view: Callable) -> Callable:
    """Any signed-in user, whatever the role."""
    return _mark(AccessRule(roles=ROLES))(view)


def roles(*allowed: str) -> Callable:
    """Signed-in users with one of these roles."""
    unknown = set(allowed) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {unknown}")
    return _mark(AccessRule(roles=tuple(allowed)))


STATIC_ENDPOINTS = {"static", "bootstrap.static"}
DEFAULT_RULE = AccessRule(roles=("admin",))


def rule_for_endpoint(endpoint: str | None) -> AccessRule | None:
    if endpoint is None:
        return None
    if endpoint in STATIC_ENDPOINTS:
        return AccessRule(public=True)
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "access_rule", DEFAULT_RULE) if view else None


def enforce_access():
    """before_request: refuse what the view's rule does not allow (401 or redirect, else 403)."""
    rule = rule_for_endpoint(request.endpoint)
    if rule is None or rule.allows(current_user):
        return None
    if not current_user.is_authenticated:
        if request.path.startswith("/api/") or request.headers.get("Authorization"):
            raise Unauthorized()
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    from meetings.auth.services import record_denial

    record_denial(current_user, request.method, request.path)
    raise Forbidden()
