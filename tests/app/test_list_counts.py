"""List totals at scale: a count of live listings is kept between requests only while it is exact."""

import time
from datetime import timedelta

import pytest
from sqlalchemy import event

from app.services import listings
from indexing.sync import record_change
from models import Need
from models.outbox import utcnow
from tests.conftest import BACKENDS
from tests.utils.factories import create_need, create_user, in_app

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)


@pytest.fixture
def counted(app, monkeypatch):
    """Keep every count (not only large ones), and record the count queries the database receives."""
    monkeypatch.setattr(listings, "COUNT_KEEP_FROM", 1)
    queries = []

    def seen(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("SELECT COUNT("):
            queries.append(statement)

    engine = app.extensions["db_engine"]
    event.listen(engine, "before_cursor_execute", seen)
    yield queries
    event.remove(engine, "before_cursor_execute", seen)


def total(session, **filters) -> int:
    return listings.browse(session=session, kind="need", user=None, **filters).total


def test_a_count_is_reused_until_a_listing_changes(session, counted, enterprise):
    create_need(session, enterprise)
    create_need(session, enterprise, industry="new_materials")
    assert total(session) == 2 and total(session) == 2
    assert len(counted) == 1  # the second list page asked the database for no count
    assert total(session, industry="new_materials") == 1  # other filters, another count
    create_need(session, enterprise)
    assert total(session) == 3 and len(counted) == 3
    other = create_user(session, "enterprise")
    need = create_need(session, other)
    with in_app(session):
        listings.set_status(session=session, kind="need", listing_id=need.id, user=other, action="close",
                            reason="solved_elsewhere")
    assert total(session) == 3


def test_a_count_is_not_reused_once_a_counted_listing_expires(session, counted, enterprise):
    create_need(session, enterprise)
    soon = create_need(session, enterprise)
    row = session.get(Need, soon.id)
    row.expires_at = utcnow() + timedelta(seconds=1.5)
    record_change(session, "need", row.id)
    session.commit()
    assert total(session) == 2 and total(session) == 2 and len(counted) == 1
    time.sleep(1.6)
    assert total(session) == 1


def test_small_counts_are_always_counted(session, counted, enterprise, monkeypatch):
    monkeypatch.setattr(listings, "COUNT_KEEP_FROM", 1000)
    create_need(session, enterprise)
    assert total(session) == 1 and total(session) == 1 and len(counted) == 2
