"""Lists at scale: the sort orders their indexes serve keep their meaning, a count of live listings is kept
between requests only while it is exact, and a page asks no more queries for twenty cards than for one."""

from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from sqlalchemy import event

from app.market.services import indexes, listings
from indexing.sync import record_change
from models import Need
from models.outbox import utcnow
from tests.conftest import BACKENDS
from tests.utils.factories import create_achievement, create_need, create_user, in_app

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)


@contextmanager
def statements(app, starting: str):
    """Collect the SQL statements starting with `starting` that the app's database receives meanwhile."""
    seen = []

    def record(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith(starting):
            seen.append(statement)

    engine = app.extensions["db_engine"]
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


@pytest.fixture
def counted(app, monkeypatch):
    """Keep every count (not only large ones), and record the count queries the database receives."""
    monkeypatch.setattr(listings, "COUNT_KEEP_FROM", 1)
    with statements(app, "SELECT COUNT(") as queries:
        yield queries


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
        listings.set_status(
            session=session,
            kind="need",
            listing_id=need.id,
            user=other,
            action="close",
            reason="solved_elsewhere",
        )
    assert total(session) == 3


def test_a_count_is_not_reused_once_a_counted_listing_expires(session, counted, enterprise, monkeypatch):
    create_need(session, enterprise)
    soon = create_need(session, enterprise)
    row = session.get(Need, soon.id)
    row.expires_at = utcnow() + timedelta(hours=1)
    record_change(session, "need", row.id)
    session.commit()
    assert total(session) == 2 and total(session) == 2 and len(counted) == 1
    # Two hours on, by the listings' clock rather than the wall's: the kept count must not outlive the listing.
    later = utcnow() + timedelta(hours=2)
    monkeypatch.setattr(listings, "utcnow", lambda: later)
    assert total(session) == 1


def test_small_counts_are_always_counted(session, counted, enterprise, monkeypatch):
    monkeypatch.setattr(listings, "COUNT_KEEP_FROM", 1000)
    create_need(session, enterprise)
    assert total(session) == 1 and total(session) == 1 and len(counted) == 2


def test_sorts_put_listings_without_the_key_last_and_ties_newest_first(session, enterprise, university):
    plain = create_need(session, enterprise, trl=None, budget_min=None, budget_max=None, deadline=None)
    mature = create_need(
        session, enterprise, trl=9, budget_min=None, budget_max=50_000, deadline=date(2031, 1, 1)
    )
    rich = create_need(
        session, enterprise, trl=5, budget_min=100_000, budget_max=200_000, deadline=date(2030, 1, 1)
    )
    twin = create_need(
        session, enterprise, trl=5, budget_min=150_000, budget_max=None, deadline=date(2030, 1, 1)
    )

    def order(kind="need", **sort):
        return [row.id for row in listings.browse(session=session, kind=kind, user=None, **sort).items]

    assert order(sort="trl") == [mature.id, twin.id, rich.id, plain.id]
    assert order(sort="price") == [rich.id, twin.id, mature.id, plain.id]
    assert order(sort="deadline") == [twin.id, rich.id, mature.id, plain.id]
    assert order() == [twin.id, rich.id, mature.id, plain.id]
    free = create_achievement(session, university, price=0)
    unpriced = create_achievement(session, university, price=None)
    priced = create_achievement(session, university, price=10_000)
    assert order("achievement", sort="price") == [priced.id, free.id, unpriced.id]


def selects(app, path: str, client) -> int:
    """How many SELECT statements one request for `path` sends to the database."""
    with statements(app, "SELECT") as seen:
        assert client.get(path).status_code == 200
    return len(seen)


def test_list_search_and_recommendations_ask_the_same_queries_for_many_cards_as_for_one(
    app, client, session, enterprise, university
):
    need = create_need(session, enterprise, title="激光焊接气孔控制需求", description="铝合金激光焊接气孔。")
    create_achievement(session, university, title="激光焊接气孔抑制", description="铝合金激光焊接工艺。")
    pages = [
        "/needs",
        "/",
        "/search?q=激光焊接",
        "/api/v1/search?q=激光焊接",
        f"/api/v1/needs/{need.id}/recommendations?kind=license",
    ]

    def queries(path):
        with in_app(session):
            indexes.rebuild(app)
        return selects(app, path, client)

    one = {path: queries(path) for path in pages}
    for n in range(6):
        firm, lab = create_user(session, "enterprise"), create_user(session, "university")
        create_need(session, firm, title=f"激光焊接气孔控制需求{n}", description="铝合金激光焊接气孔。")
        create_achievement(session, lab, title=f"激光焊接气孔抑制{n}", description="铝合金激光焊接工艺。")
    many = {path: queries(path) for path in pages}
    assert many == one
    assert len(client.get(pages[-1]).get_json()) == 7  # the cards were there to ask about
