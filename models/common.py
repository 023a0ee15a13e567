"""Helpers shared by the table modules."""

from typing import Annotated

from pydantic import Field as Bounds
from sqlalchemy import JSON
from sqlmodel import Field

from models.outbox import utcnow

__all__ = ["ID_MAX", "Id", "is_id", "json_list", "utcnow"]

# Primary keys are 32-bit on PostgreSQL: a larger id names no row, and sending one overflows the driver.
ID_MAX = 2**31 - 1
# An id a client sends, in JSON or a form: outside [1, ID_MAX] it is refused with a field message (422), never
# handed to the database, where it would overflow the driver (a 500). Use it for every id an input model takes,
# lists of ids included (`list[Id]`).
Id = Annotated[int, Bounds(ge=1, le=ID_MAX)]


def is_id(value: object) -> bool:
    """True for a whole number that can name a row: the one test behind `Id`, path ids and query ids."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= ID_MAX


def json_list():
    """A list stored as JSON; portable between SQLite and PostgreSQL, one column per table."""
    return Field(default_factory=list, sa_type=JSON)
