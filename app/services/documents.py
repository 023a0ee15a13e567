"""Turn database rows into what the indexes hold: search documents and matcher listings.

Confidential details never leave the database this way: a confidential need contributes only its public summary.
"""

from sqlmodel import Session, select

from app.services.listings import KINDS, is_live
from matching import Listing
from models import Achievement, Center, CenterStatus, Need, Organization, Service

INDEXED_KINDS = ("need", "achievement", "service", "center")
CENTER_MODES = ["commission", "joint", "service"]


def _timestamp(row) -> float:
    return row.updated_at.timestamp() if row.updated_at else 0.0


def _public_text(row) -> str:
    if isinstance(row, Need) and not row.confidential and row.details:
        return f"{row.description}\n{row.details}"
    return row.description


def _center_modes(center: Center) -> list[str]:
    return CENTER_MODES + (["incubation"] if center.offers_incubation else [])


def is_indexed(row) -> bool:
    """What the public may find: live listings, and filed centers."""
    if isinstance(row, Center):
        return row.status == CenterStatus.filed
    return is_live(row)


def load_rows(session: Session, refs: list[tuple[str, int]]) -> dict[tuple[str, int], object | None]:
    """The current row of each (kind, id), or None when it is gone or no longer public."""
    tables = {**{name: spec.table for name, spec in KINDS.items()}, "center": Center}
    result: dict[tuple[str, int], object | None] = {}
    for kind, entity_id in refs:
        row = session.get(tables[kind], entity_id) if kind in tables else None
        result[(kind, entity_id)] = row if row is not None and is_indexed(row) else None
    return result


def org_names(session: Session, org_ids: set[int]) -> dict[int, str]:
    if not org_ids:
        return {}
    rows = session.exec(select(Organization.id, Organization.name).where(Organization.id.in_(org_ids))).all()
    return dict(rows)


def kind_name(row) -> str:
    return {Need: "need", Achievement: "achievement", Service: "service", Center: "center"}[type(row)]


def search_document(row, org_name: str) -> dict:
    """The search backend's document for a public row."""
    kind = kind_name(row)
    if isinstance(row, Center):
        return {"id": f"center-{row.id}", "type": "center", "entity_id": row.id, "title": row.name,
                "body": f"{row.domain}\n{row.description}", "industry": row.industry,
                "cooperation_modes": _center_modes(row), "trl": None, "region": None, "status": row.status.value,
                "org_name": org_name, "updated_at": _timestamp(row)}
    return {"id": f"{kind}-{row.id}", "type": kind, "entity_id": row.id, "title": row.title,
            "body": _public_text(row), "industry": row.industry,
            "cooperation_modes": [str(m) for m in row.cooperation_modes], "trl": getattr(row, "trl", None),
            "region": getattr(row, "region", None), "status": row.status.value, "org_name": org_name,
            "updated_at": _timestamp(row)}


def match_listing(row) -> Listing:
    """The matcher's view of a public row."""
    if isinstance(row, Center):
        return Listing(id=row.id, kind="center", title=row.name, text=f"{row.domain}\n{row.description}",
                       industry=row.industry, cooperation_modes=_center_modes(row), updated_at=_timestamp(row),
                       offers_incubation=row.offers_incubation)
    kind = kind_name(row)
    return Listing(
        id=row.id, kind=kind, title=row.title, text=_public_text(row), industry=row.industry,
        cooperation_modes=[str(m) for m in row.cooperation_modes], trl=getattr(row, "trl", None),
        budget_min=getattr(row, "budget_min", None), budget_max=getattr(row, "budget_max", None),
        price=getattr(row, "price", None), region=getattr(row, "region", None), updated_at=_timestamp(row),
        offers_incubation=isinstance(row, Service) and row.category == "incubation",
    )


def all_public_rows(session: Session):
    """Every row the indexes should hold, for a rebuild."""
    for table in (Need, Achievement, Service):
        for row in session.exec(select(table)).all():
            if is_indexed(row):
                yield row
    yield from session.exec(select(Center).where(Center.status == CenterStatus.filed)).all()
