"""Who may do what: the one place views, API routes and services ask.

Predicates only: they read the user and the row, never the request, and a service turns a "no" into the
error its caller shows."""

from models import Role, User


def is_bureau(user: User | None) -> bool:
    """The city bureau's staff: they oversee every listing, deal and center."""
    return user is not None and user.role == Role.bureau


def owns(user: User | None, row) -> bool:
    """The user acts for the organization that owns the row (its `org_id`)."""
    return user is not None and user.org_id is not None and user.org_id == row.org_id
