"""Users, passwords, sign-in sessions and API tokens. Services flush; the caller commits."""
from __future__ import annotations

import functools
import hashlib
import secrets
from datetime import timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Select, String, bindparam, select, update

from meetings.auth import audit
from meetings.auth.models import ApiToken, User, UserSession
from meetings.auth.roles import OPERATOR, ROLES
from meetings.core.transaction import keep_even_if_refused
from meetings.database import utcnow
from meetings.errors import NotFound, ValidationError
from meetings.extensions import db

USERNAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789-_.")


def _hasher() -> PasswordHasher:
    config = current_app.config
    return PasswordHasher(
        time_cost=config["PASSWORD_HASH_TIME_COST"], memory_cost=config["PASSWORD_HASH_MEMORY_KIB"], parallelism=1
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# A hash to verify against when the username is unknown, so both paths cost the same time.
_DUMMY_HASH: dict[str, str] = {}


def _verify(password_hash: str | None, password: str) -> bool:
    hasher = _hasher()
    if password_hash is None:
        key = f"{hasher.time_cost}:{hasher.memory_cost}"
        _DUMMY_HASH.setdefault(key, hasher.hash("not-a-real-password"))
        password_hash, password = _DUMMY_HASH[key], password + "x"
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def validate_password(password: str, *, username: str = "") -> None:
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        raise ValidationError({"password": _("The password needs at least %(n)d characters.", n=minimum)})
    if username and password.lower() == username.lower():
        raise ValidationError({"password": _("The password must not be the username.")})


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_("No such user."))
    return user


def find_user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username.strip().lower()))


def _endpoint_model() -> type:
    """The endpoints domain's model, reached through the User.endpoint relationship: auth sits below
    endpoints in the layers and imports nothing of it."""
    return User.endpoint.property.mapper.class_


def endpoint_choices() -> list[tuple[str, str]]:
    """The active endpoints an operator can be bound to, for the user form (code, "name (code)")."""
    endpoint = _endpoint_model()
    rows = db.session.execute(select(endpoint.code, endpoint.name).where(endpoint.is_active.is_(True))
                              .order_by(endpoint.kind, endpoint.name))
    return [("", _("— none —"))] + [(code, f"{name} ({code})") for code, name in rows]


def _validate_profile(username: str, role: str, endpoint_code: str | None) -> tuple[str, Any]:
    errors: dict[str, str] = {}
    username = username.strip().lower()
    if not username or len(username) > 80 or not set(username) <= USERNAME_CHARS:
        errors["username"] = _("Use 1 to 80 lower-case letters, digits, dots, dashes or underscores.")
    if role not in ROLES:
        errors["role"] = _("Unknown role.")
    endpoint = None
    if role == OPERATOR:
        model = _endpoint_model()
        endpoint = db.session.scalar(select(model).where(model.code == (endpoint_code or "")))
        if endpoint is None:
            errors["endpoint"] = _("An operator must be bound to an existing endpoint.")
    if errors:
        raise ValidationError(errors)
    return username, endpoint


def create_user(
    *, username: str, password: str, role: str, full_name: str = "", email: str = "",
    endpoint_code: str | None = None, actor: User | None, is_demo: bool = False,
) -> User:
    """Create a user; raises ValidationError for a taken name, a weak password or a bad role."""
    username, endpoint = _validate_profile(username, role, endpoint_code)
    if find_user(username) is not None:
        raise ValidationError({"username": _("This username is already taken.")})
    validate_password(password, username=username)
    user = User(
        username=username, role=role, full_name=full_name.strip(), email=email.strip(),
        endpoint=endpoint, password_hash=hash_password(password), is_demo=is_demo,
    )
    db.session.add(user)
    db.session.flush()
    audit.record("user.create", actor=actor, target_type="user", target_id=username,
                 summary=f"{username} ({role})", changes={"role": role, "endpoint": endpoint_code})
    return user


def update_user(user: User, *, role: str, full_name: str, email: str, endpoint_code: str | None,
                actor: User) -> User:
    _, endpoint = _validate_profile(user.username, role, endpoint_code)
    before = {"role": user.role, "full_name": user.full_name, "email": user.email,
              "endpoint": user.endpoint.code if user.endpoint else None}
    user.role, user.full_name, user.email = role, full_name.strip(), email.strip()
    user.endpoint = endpoint
    after = {"role": role, "full_name": user.full_name, "email": user.email,
             "endpoint": endpoint.code if endpoint else None}
    changes = audit.diff(before, after)
    if changes:
        if "role" in changes or "endpoint" in changes:
            end_all_sessions(user)
        audit.record("user.update", actor=actor, target_type="user", target_id=user.username, changes=changes)
    return user


def authenticate(username: str, password: str) -> User | None:
    """The active user with these credentials, or None; every attempt is audited."""
    user = find_user(username)
    ok = _verify(user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active:
        reason = "inactive" if ok and user is not None else "bad_credentials"
        name = username.strip().lower()[:80]
        keep_even_if_refused(lambda: audit.record("auth.login_failed", actor=None, actor_name=name,
                                                  target_type="user", target_id=name, changes={"reason": reason}))
        return None
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    audit.record("auth.login", actor=user, target_type="user", target_id=user.username)
    return user


def start_session(user: User, *, ip_address: str = "", user_agent: str = "") -> str:
    """Open a sign-in session for the user and return its secret token."""
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(user=user, token_hash=_digest(token), ip_address=ip_address[:45],
                               user_agent=user_agent[:300]))
    user.session_token = token
    return token


@functools.cache
def _session_statement() -> Select:
    """user_for_session's statement, built once per worker (every signed-in request runs it): the user, and of
    the session only what the check needs (an object less to build on every request)."""
    return (select(User, UserSession.id, UserSession.last_seen_at).select_from(UserSession)
            .join(User, UserSession.user_id == User.id)
            .where(UserSession.token_hash == bindparam("token_hash", type_=String), UserSession.ended_at.is_(None),
                   User.is_active.is_(True)))


@functools.cache
def _token_statement() -> Select:
    """user_for_token's statement, built once per worker (every API request runs it): the user, and of the
    token only what the check needs."""
    return (select(User, ApiToken.id, ApiToken.expires_at, ApiToken.last_used_at).select_from(ApiToken)
            .join(User, ApiToken.user_id == User.id)
            .where(ApiToken.token_hash == bindparam("token_hash", type_=String), ApiToken.revoked_at.is_(None),
                   User.is_active.is_(True)))


def user_for_session(token: str) -> User | None:
    """The user of a live session, or None if the session ended, went idle or the user is inactive."""
    row = db.session.execute(_session_statement(), {"token_hash": _digest(token)}).first()
    if row is None:
        return None
    user, session_id, last_seen_at = row
    now = utcnow()
    idle_limit = timedelta(hours=current_app.config["SESSION_IDLE_HOURS"])
    if now - last_seen_at > idle_limit:
        return None
    if now - last_seen_at > timedelta(minutes=5):
        _touch(UserSession, session_id, "last_seen_at", now)
    user.session_token = token
    return user


def _touch(model, row_id: int, column: str, now) -> None:
    """Record a last-seen time in its own small transaction, throttled so most requests write nothing.

    It must not wait for the request's action to commit: a read-only request never commits.
    """
    db.session.execute(update(model).where(model.id == row_id).values({column: now}))
    db.session.commit()


def end_session(token: str) -> None:
    db.session.execute(update(UserSession).where(UserSession.token_hash == _digest(token),
                                                 UserSession.ended_at.is_(None)).values(ended_at=utcnow()))


def end_all_sessions(user: User, *, keep_token: str | None = None) -> None:
    query = update(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    if keep_token:
        query = query.where(UserSession.token_hash != _digest(keep_token))
    db.session.execute(query.values(ended_at=utcnow()))


def logout(user: User) -> None:
    if user.session_token:
        end_session(user.session_token)
    audit.record("auth.logout", actor=user, target_type="user", target_id=user.username)


def change_password(user: User, *, current_password: str, new_password: str) -> None:
    """Change one's own password; every other session of the user ends."""
    if not _verify(user.password_hash, current_password):
        raise ValidationError({"current_password": _("The current password is not correct.")})
    validate_password(new_password, username=user.username)
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    end_all_sessions(user, keep_token=user.session_token)
    audit.record("user.password_change", actor=user, target_type="user", target_id=user.username)


def reset_password(user: User, *, new_password: str, actor: User) -> None:
    """An admin sets a new password; every session and token of the user ends."""
    validate_password(new_password, username=user.username)
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    end_all_sessions(user)
    audit.record("user.password_reset", actor=actor, target_type="user", target_id=user.username)


def set_active(user: User, active: bool, *, actor: User | None) -> None:
    """Deactivate (ending every session and token) or reactivate a user; actor None is the CLI."""
    if actor is not None and user.id == actor.id and not active:
        raise ValidationError({"active": _("You cannot deactivate your own account.")})
    if user.is_active == active:
        return
    user.is_active = active
    if not active:
        end_all_sessions(user)
        db.session.execute(update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                           .values(revoked_at=utcnow()))
    audit.record("user.activate" if active else "user.deactivate", actor=actor, target_type="user",
                 target_id=user.username)


def issue_token(user: User, *, name: str, actor: User | None, days: int | None = None) -> str:
    """Create an API bearer token for the user and return it; only its hash is kept."""
    if not user.is_active:
        raise ValidationError({"user": _("This user is deactivated.")})
    token = "mm_" + secrets.token_urlsafe(32)
    lifetime = days if days is not None else current_app.config["API_TOKEN_DAYS"]
    expires_at = utcnow() + timedelta(days=lifetime) if lifetime else None
    db.session.add(ApiToken(user=user, name=(name or "API")[:100], token_hash=_digest(token),
                            prefix=token[:10], expires_at=expires_at))
    audit.record("token.create", actor=actor or user, target_type="user", target_id=user.username,
                 summary=name[:100])
    return token


def user_for_token(token: str) -> User | None:
    """The active user owning a live bearer token, or None."""
    row = db.session.execute(_token_statement(), {"token_hash": _digest(token)}).first()
    if row is None:
        return None
    user, token_id, expires_at, last_used_at = row
    now = utcnow()
    if expires_at is not None and expires_at <= now:
        return None
    if last_used_at is None or now - last_used_at > timedelta(minutes=5):
        _touch(ApiToken, token_id, "last_used_at", now)
    return user


def revoke_token(token_id: int, *, actor: User) -> None:
    api_token = db.session.get(ApiToken, token_id)
    if api_token is None:
        raise NotFound(_("No such token."))
    if api_token.revoked_at is None:
        api_token.revoked_at = utcnow()
        audit.record("token.revoke", actor=actor, target_type="user", target_id=api_token.user.username,
                     summary=api_token.name)


def tokens_of(user: User) -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                   .order_by(ApiToken.created_at.desc())))


def active_sessions_of(user: User) -> list[UserSession]:
    return list(db.session.scalars(select(UserSession).where(UserSession.user_id == user.id,
                                                             UserSession.ended_at.is_(None))
                                   .order_by(UserSession.last_seen_at.desc())))


def list_users(*, role: str | None = None, query: str | None = None) -> list[User]:
    statement = select(User).order_by(User.role, User.username)
    if role:
        statement = statement.where(User.role == role)
    if query:
        like = f"%{query.strip().lower()}%"
        statement = statement.where(User.username.like(like) | User.full_name.ilike(like))
    return list(db.session.scalars(statement))


def record_denial(user: User, method: str, path: str) -> None:
    """Audit a refused request; it is kept although the request fails."""
    keep_even_if_refused(lambda: audit.record("auth.denied", actor=user, target_type="path", target_id=path[:80],
                                              summary=f"{method} {path}"[:500]))


def set_locale(user: User, locale: str) -> None:
    if locale in current_app.config["LANGUAGES"]:
        user.locale = locale
