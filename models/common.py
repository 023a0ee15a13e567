"""Helpers shared by the table modules."""

from sqlalchemy import JSON
from sqlmodel import Field

from models.outbox import utcnow

__all__ = ["json_list", "utcnow"]


def json_list():
    """A list stored as JSON; portable between SQLite and PostgreSQL, one column per table."""
    return Field(default_factory=list, sa_type=JSON)
