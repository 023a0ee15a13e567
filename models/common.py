"""Helpers shared by the table modules."""

from sqlalchemy import JSON
from sqlmodel import Field

from models.outbox import utcnow

__all__ = ["ID_MAX", "json_list", "utcnow"]

# Primary keys are 32-bit on PostgreSQL: a larger id names no row, and sending one overflows the driver.
ID_MAX = 2**31 - 1


def json_list():
    """A list stored as JSON; portable between SQLite and PostgreSQL, one column per table."""
    return Field(default_factory=list, sa_type=JSON)
