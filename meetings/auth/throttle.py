"""The sign-in budget: LOGIN_LIMIT (10 a minute) per address and per account, counted before the password.

Each attempt first takes one unit of both budgets with the rate-limit storage's atomic increment; only an
attempt that got both is checked. So thirty attempts sent at once check at most ten passwords, in threads
and in several processes alike, provided the processes share the storage (RATELIMIT_STORAGE_URI, e.g.
redis://; the default memory:// storage is per process). A successful sign-in gives its unit back, so a
user who signs in often is never locked out by it.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import TooManyRequests

from meetings.extensions import limiter

IP_SCOPE, ACCOUNT_SCOPE = "login-ip", "login-account"


def account_key(username: str) -> str:
    return "user:" + username.strip().lower()[:80]


@dataclass
class Attempt:
    """The budget units one sign-in attempt holds."""

    item: RateLimitItem
    keys: list[tuple[str, str]]

    def give_back(self) -> None:
        """The credentials were right: the attempt does not count against the budget."""
        storage = limiter.storage
        for scope, key in self.keys:
            storage.decr(self.item.key_for(scope, key))


def claim_attempt(username: str) -> Attempt:
    """Take one unit of the address's and the account's budget, or raise 429 before any password is checked."""
    item = parse(current_app.config["LOGIN_LIMIT"])
    strategy = FixedWindowRateLimiter(limiter.storage)
    wanted = [(IP_SCOPE, get_remote_address() or request.remote_addr or ""), (ACCOUNT_SCOPE, account_key(username))]
    taken: list[tuple[str, str]] = []
    for scope, key in wanted:
        if not strategy.hit(item, scope, key):
            Attempt(item, taken).give_back()  # no password was checked: the other budget keeps its unit
            raise TooManyRequests()
        taken.append((scope, key))
    return Attempt(item, taken)
