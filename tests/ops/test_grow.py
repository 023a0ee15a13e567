"""`flask demo grow`: N listings arrive with their organizations and deals, the same seed gives the same rows,
and the outbox carries them into search."""

import shutil
import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, text
from sqlmodel import Session, SQLModel, select

from app.instruments.services import free_time
from app.instruments.services.instruments import next_week
from app.market.services import indexes
from app.ops import demo, grow
from app.platform import taxonomy
from indexing import SearchQuery
from models import (
    Achievement,
    AuditEvent,
    Contract,
    ContractSignature,
    ContractText,
    Instrument,
    InstrumentFreeHorizon,
    Interest,
    ListingStatus,
    Need,
    Organization,
    Service,
    User,
)
from models.common import utcnow
from models.outbox import OutboxEvent
from tests.conftest import BACKENDS
from tests.utils.audit import trail as audit_trail

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)
# Fixed for the whole run, so two grows can be compared, and recent, so grown listings are live.
NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def search_config():
    return {"SEARCH_BACKEND": "fts5"}


def run_grow(app, listings: int, seed: int) -> dict[str, int]:
    with app.app_context(), Session(app.extensions["db_engine"]) as session:
        return grow.grow(
            session=session,
            listings=listings,
            seed=seed,
            ttl_days=180,
            industries=taxonomy.industries(),
            now=NOW,
        )


def count(session: Session, table) -> int:
    return session.exec(select(func.count()).select_from(table)).one()


def listing_count(session: Session) -> int:
    return sum(count(session, table) for table in (Need, Achievement, Service, Instrument))


def all_rows(app) -> dict[str, list[tuple]]:
    """Every row of every table; password hashes are salted afresh on each run, so they are left out."""
    rows = {}
    with app.extensions["db_engine"].connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            columns = [c for c in table.columns if c.name != "password_hash"]
            rows[table.name] = [
                tuple(r) for r in connection.execute(select(*columns).order_by(*table.primary_key.columns))
            ]
    return rows


def empty_database(app, template) -> None:
    """Back to a fresh, migrated database (the contract audit trail refuses deletes, so nothing is deleted)."""
    engine = app.extensions["db_engine"]
    if engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        engine.dispose()
        shutil.copy(template, engine.url.database)


def test_n_listings_arrive_with_organizations_and_deals_in_the_demo_proportions(app, session):
    with app.app_context():
        demo.load_demo(session=session, ttl_days=180)
    before = {t: count(session, t) for t in (Organization, User, Interest, Contract, OutboxEvent)}
    listings_before = listing_count(session)

    counts = run_grow(app, 1000, seed=3)

    assert listing_count(session) - listings_before == 1000
    assert count(session, OutboxEvent) - before[OutboxEvent] == 1000
    assert counts["needs"] + counts["achievements"] + counts["services"] + counts["instruments"] == 1000
    # A tenth are shared instruments with 20 bookings each, their free time stored for "free next week".
    assert counts["instruments"] == 100 and counts["bookings"] == 2000
    assert count(session, InstrumentFreeHorizon) >= 100
    monday, sunday = next_week()
    assert free_time.stale(session, *free_time.window_seconds(monday, sunday), utcnow()) == []
    # The demo has 266 listings, 63 organizations, 66 interests and 41 contracts.
    assert 150 <= count(session, Organization) - before[Organization] <= 280
    assert count(session, User) - before[User] == count(session, Organization) - before[Organization]
    assert 200 <= count(session, Interest) - before[Interest] <= 300
    assert 120 <= count(session, Contract) - before[Contract] <= 190
    assert 0.2 < counts["needs"] / 1000 < 0.5 and 0.35 < counts["achievements"] / 1000 < 0.6
    # Every generated listing is published and live; every contract has its audit trail from the rules.
    assert (
        session.exec(
            select(func.count()).select_from(Need).where(Need.status != ListingStatus.published)
        ).one()
        == session.exec(
            select(func.count())
            .select_from(Need)
            .where(Need.demo_key.is_not(None), Need.status != ListingStatus.published)
        ).one()
    )
    trail = session.exec(
        select(AuditEvent.subject_id, func.count())
        .where(AuditEvent.subject_type == "contract")
        .group_by(AuditEvent.subject_id)
    ).all()
    assert len(trail) == count(session, Contract)
    signed = session.exec(
        select(Contract).where(Contract.status == "completed", Contract.demo_key.is_(None))
    ).first()
    assert signed is not None and signed.signed_on is not None
    assert signed.version == len(audit_trail(session, "contract", signed.id))
    # Every grown contract has its text; a signed one both signature records, naming that text's hash.
    assert count(session, ContractText) == count(session, Contract)
    [text_row] = session.exec(select(ContractText).where(ContractText.contract_id == signed.id)).all()
    signatures = session.exec(
        select(ContractSignature).where(ContractSignature.contract_id == signed.id)
    ).all()
    assert sorted(s.party for s in signatures) == ["a", "b"]
    assert {s.text_sha256 for s in signatures} == {text_row.sha256}
    # Services belong to the demo's centers; achievements to universities and institutes.
    assert (
        session.exec(select(Service).where(Service.demo_key.is_(None), Service.center_id.is_(None))).first()
        is None
    )


def test_the_same_seed_gives_the_same_rows(app, sqlite_template):
    run_grow(app, 300, seed=11)
    first = all_rows(app)
    empty_database(app, sqlite_template)
    run_grow(app, 300, seed=11)
    assert all_rows(app) == first
    empty_database(app, sqlite_template)
    run_grow(app, 300, seed=12)
    assert all_rows(app)["need"] != first["need"]


def test_a_seed_grows_once(app, runner):
    result = runner.invoke(args=["demo", "grow", "--listings", "50", "--seed", "5"])
    assert result.exit_code == 0, result.output
    assert "50 listings in" in result.output
    result = runner.invoke(args=["demo", "grow", "--listings", "50", "--seed", "5"])
    assert result.exit_code != 0 and "seed 5 was already grown" in result.output
    assert runner.invoke(args=["demo", "grow", "--listings", "0"]).exit_code != 0


def test_two_grows_at_once(app, session):
    """Different seeds both arrive in full; the same seed twice at once adds it once and refuses the other."""
    outcomes: list[object] = []

    def attempt(seed: int):
        try:
            outcomes.append(run_grow(app, 200, seed=seed))
        except grow.GrowError as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=attempt, args=(seed,)) for seed in (21, 22, 23, 23)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    refused = [o for o in outcomes if isinstance(o, grow.GrowError)]
    assert len(refused) == 1 and "seed 23" in str(refused[0])
    assert listing_count(session) == 600
    assert count(session, OutboxEvent) == 600


def test_the_outbox_carries_grown_listings_into_search(app, session):
    with app.app_context():
        demo.load_demo(session=session, ttl_days=180)
    indexes.rebuild(app)
    backend = indexes.search_backend(app)
    indexed_before = backend.count()
    run_grow(app, 400, seed=8)
    grown = session.exec(
        select(Achievement).where(Achievement.demo_key.is_(None)).order_by(Achievement.id)
    ).first()

    def found() -> bool:
        hits = backend.search(SearchQuery(text=grown.title, type="achievement", per_page=50)).hits
        return f"achievement-{grown.id}" in [hit["id"] for hit in hits]

    with app.app_context():
        assert not found()
        worker, _vectors = indexes.make_worker(app)
        while worker.drain_once():
            pass
        assert backend.count() == indexed_before + 400
        assert found()
