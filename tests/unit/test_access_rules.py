"""Access rules are plain data: what each declares."""
import pytest

from meetings.auth.access import AccessRule, roles


class _User:
    def __init__(self, role, authenticated=True):
        self.role, self.is_authenticated = role, authenticated


def test_role_rule_admits_only_listed_roles():
    rule = AccessRule(roles=("admin",))
    assert rule.allows(_User("admin"))
    assert not rule.allows(_User("operator"))
    assert not rule.allows(_User(None, authenticated=False))


def test_public_rule_admits_anonymous():
    assert AccessRule(public=True).allows(_User(None, authenticated=False))


def test_unknown_role_is_a_programming_error():
    with pytest.raises(ValueError):
        roles("superuser")
