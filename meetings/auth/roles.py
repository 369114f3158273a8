"""The four roles and what each may do; pure data, no Flask."""
from __future__ import annotations

ADMIN = "admin"
BOOKER = "booker"
OPERATOR = "operator"
LEADER = "leader"

ROLES = (ADMIN, BOOKER, OPERATOR, LEADER)

# Who may read the endpoint registry, book, manage the system.
EVERYONE = ROLES
STAFF = (ADMIN, BOOKER, LEADER)
MANAGERS = (ADMIN, BOOKER)
ADMINS = (ADMIN,)
