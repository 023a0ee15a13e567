"""What the simulated users act on, read from the database before a run and handed to Locust as one JSON file.

Locust runs in its own process (gevent patches the standard library there), so it gets plain data: accounts,
listing ids and search words, never a database session.
"""

from __future__ import annotations

import random

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.ops.demo import DEMO_EMAIL_DOMAIN, DEMO_PASSWORD
from app.platform.taxonomy import Industry
from models import (
    Achievement,
    Contract,
    Instrument,
    ListingStatus,
    Need,
    Organization,
    OrgKind,
    Service,
    User,
)
from models.common import utcnow

TABLES = {"need": Need, "achievement": Achievement, "service": Service}
# Contracts a party can still move forward (draft → signed → in_progress → completed).
OPEN_CONTRACTS = ("draft", "signed", "in_progress")


def _live_ids(session: Session, table, rng: random.Random, count: int) -> list[int]:
    # A random sample without ORDER BY random() over 100k rows: ids are dense, so draw from the id range.
    low, high = session.exec(select(func.min(table.id), func.max(table.id))).one()
    if low is None:
        return []
    drawn = sorted({rng.randint(low, high) for _ in range(count * 2)})
    live = session.exec(
        select(table.id).where(
            table.id.in_(drawn), table.status == ListingStatus.published, table.expires_at > utcnow()
        )
    ).all()
    return sorted(live)[:count]


def _accounts(session: Session, *, kinds: tuple[OrgKind, ...], grown: str, limit: int) -> list[dict]:
    rows = session.exec(
        select(User.email, User.org_id)
        .join(Organization, col(Organization.id) == User.org_id)
        .where(
            col(Organization.kind).in_(kinds),
            col(Organization.demo_key).like(f"{grown}%"),
            col(User.active).is_(True),
        )
        .order_by(col(User.id))
        .limit(limit)
    ).all()
    return [{"email": email, "org_id": org_id} for email, org_id in rows]


def _dealers(session: Session, *, grown: str, limit: int) -> list[dict]:
    """Firms that are the client (side a) of contracts still open, each with those contracts.

    Only side a acts in the load, and each contract has one side a, so two simulated users never race on one
    contract (a real race is the concurrency tests' business, not the load's).
    """
    rows = session.exec(
        select(User.email, User.org_id, Contract.id)
        .join(Organization, col(Organization.id) == User.org_id)
        .join(Contract, col(Contract.party_a_org_id) == User.org_id)
        .where(
            Organization.kind == OrgKind.enterprise,
            col(Organization.demo_key).like(f"{grown}%"),
            col(Contract.status).in_(OPEN_CONTRACTS),
            col(User.active).is_(True),
        )
        .order_by(col(User.id), col(Contract.id))
    ).all()
    dealers: dict[str, dict] = {}
    for email, org_id, contract_id in rows:
        if email not in dealers and len(dealers) >= limit:
            break
        dealers.setdefault(email, {"email": email, "org_id": org_id, "contracts": []})["contracts"].append(
            contract_id
        )
    return list(dealers.values())


def build_plan(
    *,
    session: Session,
    industries: dict[str, Industry],
    regions: list[str],
    grown: str = "grow-1-",
    seed: int = 1,
    listings_per_kind: int = 400,
    accounts: int = 200,
) -> dict:
    """The run's inputs: live listing ids of each kind, search words, filters, and accounts by role."""
    rng = random.Random(seed)
    queries = sorted(
        {
            word
            for industry in industries.values()
            for word in (industry.name_zh, *industry.keywords[:6])
            if word
        }
    )
    return {
        "password": DEMO_PASSWORD,
        "listings": {
            kind: _live_ids(session, table, rng, listings_per_kind) for kind, table in TABLES.items()
        },
        # Instruments apart: the browsing mix reads the three kinds; bookers read and book these.
        "instruments": _live_ids(session, Instrument, rng, listings_per_kind),
        "industries": sorted(industries),
        "regions": regions,
        "queries": queries,
        "dealers": _dealers(session, grown=grown, limit=accounts),
        "enterprises": _accounts(session, kinds=(OrgKind.enterprise,), grown=grown, limit=accounts),
        "providers": _accounts(
            session, kinds=(OrgKind.university, OrgKind.institute), grown=grown, limit=accounts
        ),
        "email_domain": DEMO_EMAIL_DOMAIN,
    }
