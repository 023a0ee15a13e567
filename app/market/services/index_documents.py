"""Turn database rows into what the indexes hold: search documents and matcher listings.

Confidential details never leave the database this way: a confidential need contributes only its public summary.
"""

from datetime import UTC, datetime, time

from sqlmodel import Session, col, select

from app.market.rules import is_live
from app.trading.services import open_challenges
from matching import MatchItem
from models import (
    LISTING_KINDS,
    Achievement,
    Center,
    CenterStatus,
    FinanceProduct,
    FinancingRequest,
    Instrument,
    Need,
    Organization,
    Service,
    kind_name_of,
)

CENTER_MODES = ["commission", "joint", "service"]


def _timestamp(row) -> float:
    return row.updated_at.timestamp() if row.updated_at else 0.0


def _expiry(row) -> float | None:
    expires_at = getattr(row, "expires_at", None)
    return expires_at.timestamp() if expires_at else None


def _public_text(row) -> str:
    if isinstance(row, Need) and not row.confidential and row.details:
        return f"{row.description}\n{row.details}"
    if isinstance(row, Instrument):
        # Found by the standards and tests it performs, its model and maker, as well as its description.
        plate = " ".join(part for part in (row.model, row.maker) if part)
        return "\n".join(part for part in (row.description, " ".join(row.standards), plate) if part)
    if isinstance(row, FinanceProduct) and row.terms:
        return f"{row.description}\n{row.terms}"
    # A financing request is found by its summary only: its use of funds and traction are confidential.
    return row.description


def _deadline(row) -> float | None:
    deadline = getattr(row, "deadline", None)
    return datetime.combine(deadline, time(), tzinfo=UTC).timestamp() if deadline else None


def _money(row) -> int | None:
    """The amount the money sort reads: a need's largest budget, an offer's price, in yuan."""
    if isinstance(row, Need):
        return row.budget_max if row.budget_max is not None else row.budget_min
    if isinstance(row, FinancingRequest):
        return row.amount
    if isinstance(row, FinanceProduct):
        return row.amount_max if row.amount_max is not None else row.amount_min
    return getattr(row, "price", None)


def _center_modes(center: Center) -> list[str]:
    return CENTER_MODES + (["incubation"] if center.offers_incubation else [])


def is_indexed(row) -> bool:
    """What the public may find: live listings, and filed centers."""
    if isinstance(row, Center):
        return row.status == CenterStatus.filed
    return is_live(row)


# A row of any kind in the registry: a posted listing or a center.
IndexedRow = Need | Achievement | Service | Instrument | FinancingRequest | FinanceProduct | Center


def load_rows(session: Session, refs: list[tuple[str, int]]) -> dict[tuple[str, int], IndexedRow | None]:
    """The current row of each (kind, id), or None when it is gone or no longer public."""
    wanted: dict[str, set[int]] = {}
    for kind, entity_id in refs:
        if kind in LISTING_KINDS:
            wanted.setdefault(kind, set()).add(entity_id)
    # One query per kind, not one per row: a page of hits or recommendations is 10-20 rows.
    found = {(kind, row.id): row for kind, ids in wanted.items() for row in rows_by_id(session, kind, ids)}
    result: dict[tuple[str, int], IndexedRow | None] = {}
    for ref in refs:
        row = found.get(ref)
        result[ref] = row if row is not None and is_indexed(row) else None
    return result


def rows_by_id(session: Session, kind: str, ids: set[int] | list[int]) -> list:
    """The rows of one kind with these ids (those that exist), in one query."""
    table = LISTING_KINDS[kind].table
    return list(session.exec(select(table).where(col(table.id).in_(sorted(ids))))) if ids else []


def org_names(session: Session, org_ids: set[int]) -> dict[int, str]:
    if not org_ids:
        return {}
    rows = session.exec(
        select(Organization.id, Organization.name).where(col(Organization.id).in_(org_ids))
    ).all()
    return {org_id: name for org_id, name in rows if org_id is not None}


def search_document(row, org_name: str) -> dict:
    """The one document every index receives for a public row: the search fields plus the matcher's."""
    kind = kind_name_of(row)
    if isinstance(row, Center):
        return {
            "id": f"center-{row.id}",
            "type": "center",
            "entity_id": row.id,
            "title": row.name,
            "body": f"{row.domain}\n{row.description}",
            "industry": row.industry,
            "cooperation_modes": _center_modes(row),
            "trl": None,
            "region": None,
            "status": row.status.value,
            "org_name": org_name,
            "updated_at": _timestamp(row),
            "budget_min": None,
            "budget_max": None,
            "price": None,
            "offers_incubation": row.offers_incubation,
            "expires_at": None,
            "deadline": None,
            "money": None,
        }
    return {
        "id": f"{kind}-{row.id}",
        "type": kind,
        "entity_id": row.id,
        "title": row.title,
        "body": _public_text(row),
        "industry": row.industry,
        "cooperation_modes": [str(m) for m in row.cooperation_modes],
        "trl": getattr(row, "trl", None),
        "region": getattr(row, "region", None),
        "status": row.status.value,
        "org_name": org_name,
        "updated_at": _timestamp(row),
        "budget_min": getattr(row, "budget_min", None),
        "budget_max": getattr(row, "budget_max", None),
        "price": getattr(row, "price", None),
        "offers_incubation": isinstance(row, Service) and row.category == "incubation",
        "expires_at": _expiry(row),
        "deadline": _deadline(row),
        "money": _money(row),
    }


def listing_from_document(doc: dict) -> MatchItem:
    """The matcher's view of an indexed document."""
    return MatchItem(
        id=doc["entity_id"],
        kind=doc["type"],
        title=doc["title"],
        text=doc["body"],
        industry=doc["industry"],
        cooperation_modes=list(doc["cooperation_modes"]),
        trl=doc["trl"],
        budget_min=doc["budget_min"],
        budget_max=doc["budget_max"],
        price=doc["price"],
        region=doc["region"],
        updated_at=doc["updated_at"],
        offers_incubation=doc["offers_incubation"],
    )


def documents_for(session: Session, rows: list) -> list[dict]:
    """The documents of these rows; a need with an open challenge (揭榜挂帅) carries the challenge's text, so a
    search for its goals, or for 揭榜挂帅, finds the need (app.trading.services.open_challenges)."""
    names = org_names(session, {row.org_id for row in rows})
    challenges = open_challenges.open_by_need(session, [row.id for row in rows if isinstance(row, Need)])
    documents = []
    for row in rows:
        document = search_document(row, names.get(row.org_id, ""))
        challenge = challenges.get(row.id or 0) if isinstance(row, Need) else None
        if challenge is not None:
            document["body"] = f"{document['body']}\n{open_challenges.index_text(challenge)}"
        documents.append(document)
    return documents


def load_documents(session: Session, refs: list[tuple[str, int]]) -> dict[tuple[str, int], dict | None]:
    """The outbox worker's view: each ref's current document, or None to delete it."""
    rows = load_rows(session, refs)
    present = [row for row in rows.values() if row is not None]
    docs = {(doc["type"], doc["entity_id"]): doc for doc in documents_for(session, present)}
    return {ref: docs.get(ref) for ref in refs}


def all_documents(session: Session) -> list[dict]:
    """Every document the indexes should hold, for a rebuild."""
    return documents_for(session, list(all_public_rows(session)))


def all_public_rows(session: Session):
    for kind in LISTING_KINDS.values():
        for row in session.exec(select(kind.table)).all():
            if is_indexed(row):
                yield row
