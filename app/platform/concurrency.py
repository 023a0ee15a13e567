"""Compare-and-set for rows that several requests may change at once.

A writer reads a row, decides, then writes only if the row is still as it read it: the version it saw (bumped
by the write) and any other guard (a status still open, a grade still empty). The database decides which of two
concurrent writers wins, in one UPDATE, without holding locks while the rules run; the loser learns it lost and
either retries on fresh state or tells its user that someone else was first.
"""

from collections.abc import Iterable
from typing import Any, cast

from sqlalchemy import CursorResult, update
from sqlmodel import Session

from app.platform.errors import ServiceError


def versioned_update(
    session: Session,
    model: Any,
    row_id: int,
    *,
    values: dict[str, Any],
    version: int | None = None,
    where: Iterable[Any] = (),
    conflict: ServiceError | None = None,
) -> bool:
    """Write `values` to row `row_id` of `model` if it is still at `version` (which the write bumps) and every
    condition in `where` holds. True when this write won; when it lost: False, or, given `conflict`, the
    transaction is rolled back and `conflict` raised."""
    conditions = [model.id == row_id, *where]
    if version is not None:
        conditions.append(model.version == version)
        values = {**values, "version": version + 1}
    # The caller's copy keeps what it read (a rule may compare old and new); it refreshes after committing.
    result = session.execute(
        update(model).where(*conditions).values(**values).execution_options(synchronize_session=False)
    )
    # An UPDATE's result is a CursorResult, though Session.execute is annotated with the plain Result.
    won = cast("CursorResult[Any]", result).rowcount == 1
    if not won and conflict is not None:
        session.rollback()
        raise conflict
    return won
