"""The bureau's indicators (seed 3(3)), computed from what happens on the marketplace, never typed in.

Counting rules, shared by the API, the dashboard, the exports and the annual evaluations:
- a contract counts in the year of its signing date once both parties have signed (statuses signed,
  in_progress, completed);
- it counts for a center when a party is the center's own organization, or when the deal went through the
  center: the interest's target or its `via` listing is the center itself or an achievement or service that
  names the center (that is how a member unit acts through its center);
- a contract's industry is its `field`, else the industry of the listing it came from (target, then via);
- records kept by a center (incubations, trainings, cooperation projects) take the center's industry.
Every figure has a drill-down (`records`) listing exactly the rows it was computed from.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from flask_babel import gettext as _
from sqlmodel import Session, col, select

from app.oversight.services.access import get_center
from app.platform.errors import Forbidden, Invalid
from app.platform.permissions import is_bureau, managed_centers, manages, require_bureau
from app.platform.regions import region_name
from app.platform.taxonomy import industry_name, is_industry
from app.platform.validation import parse_id
from models import (
    Achievement,
    Center,
    CenterCooperation,
    CenterStatus,
    CenterTraining,
    Contract,
    ContractKind,
    ContractStatus,
    Incubation,
    Interest,
    ListingStatus,
    Need,
    Organization,
    Service,
    User,
)

COUNTED_STATUSES = (ContractStatus.signed, ContractStatus.in_progress, ContractStatus.completed)
INDICATOR_NAMES = (
    "commissioned_rd_contracts",
    "technology_market_turnover",
    "incubated_enterprises",
    "achievements_published",
    "achievements_transferred",
    "services_contracted",
    "trainings",
    "international_projects",
)
AMOUNT_INDICATORS = ("commissioned_rd_contracts", "technology_market_turnover", "services_contracted")
SERVICE_KINDS = (ContractKind.technical_service, ContractKind.technical_consulting)
TRANSFER_KINDS = (ContractKind.transfer, ContractKind.license)
YEAR_MIN, YEAR_MAX = 2000, 2100


@dataclass(frozen=True)
class Scope:
    """What a set of figures covers: one year, optionally one center, optionally one industry."""

    year: int
    center_id: int | None = None
    industry: str | None = None


@dataclass
class CountedContract:
    """A counted contract with what the rules derive for it: its industry, centers and achievements."""

    contract: Contract
    industry: str | None
    center_ids: set[int] = field(default_factory=set)
    achievement_ids: set[int] = field(default_factory=set)


# --- reading the request ------------------------------------------------------------------------------------


def parse_scope(args, *, default_year: int | None = None) -> Scope:
    """The scope from query arguments `year`, `center_id`, `industry`; a bad value is a 400 naming it."""
    errors = {}
    year = default_year or date.today().year
    raw = (args.get("year") or "").strip()
    if raw:
        if raw.isascii() and raw.isdigit() and len(raw) <= 4 and YEAR_MIN <= int(raw) <= YEAR_MAX:
            year = int(raw)
        else:
            errors["year"] = _(
                "The year must be a number between %(lo)s and %(hi)s.", lo=YEAR_MIN, hi=YEAR_MAX
            )
    center_id = None
    raw = (args.get("center_id") or "").strip()
    if raw:
        center_id = parse_id(raw)
        if center_id is None:
            errors["center_id"] = _("Unknown center.")
    industry = (args.get("industry") or "").strip() or None
    if industry is not None and not is_industry(industry):
        errors["industry"] = _("Unknown industry.")
    if errors:
        raise Invalid(_("Some fields are not valid."), errors)
    return Scope(year=year, center_id=center_id, industry=industry)


def authorize(*, session: Session, user: User | None, scope: Scope) -> None:
    """The bureau sees every figure; a center's users their own center's; everyone else nothing."""
    if user is None:
        raise Forbidden(_("Please log in first."))
    if is_bureau(user):
        if scope.center_id is not None:
            get_center(session, scope.center_id)
        return
    if scope.center_id is None:
        raise Forbidden(_("Only the bureau may see the city's indicators; a center sees its own."))
    center = session.get(Center, scope.center_id)
    if center is None or not manages(user, center):
        raise Forbidden(_("Only the bureau and the center itself may see its indicators."))


def own_center_ids(*, session: Session, user: User | None) -> list[int]:
    """The filed centers a (non-bureau) user runs: those with figures to show by default."""
    return sorted(
        c.id for c in managed_centers(session, user) if c.status == CenterStatus.filed and c.id is not None
    )


# --- computing ------------------------------------------------------------------------------------------------


def _year_bounds(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def _year_start(year: int) -> datetime:
    return datetime(year, 1, 1, tzinfo=UTC)


def counted_contracts(session: Session, *, year: int | None = None) -> list[CountedContract]:
    """Every counted contract (of `year`, if given), with its industry, centers and achievements."""
    query = (
        select(Contract, Interest)
        .join(Interest, col(Interest.id) == Contract.interest_id)
        .where(col(Contract.status).in_(COUNTED_STATUSES), col(Contract.signed_on).is_not(None))
    )
    if year is not None:
        first, last = _year_bounds(year)
        query = query.where(col(Contract.signed_on) >= first, col(Contract.signed_on) <= last)
    rows = session.exec(query.order_by(col(Contract.signed_on), col(Contract.id))).all()
    centers_by_org: dict[int, set[int]] = defaultdict(set)
    for center_id, org_id in session.exec(
        select(Center.id, Center.org_id).where(col(Center.org_id).is_not(None))
    ).all():
        assert center_id is not None and org_id is not None  # a stored center with its own legal entity
        centers_by_org[org_id].add(center_id)
    wanted: dict[str, set[int]] = {"achievement": set(), "service": set(), "need": set()}
    for _contract, interest in rows:
        for kind, listing_id in (
            (interest.target_type, interest.target_id),
            (interest.via_type, interest.via_id),
        ):
            if kind in wanted and listing_id is not None:
                wanted[kind].add(listing_id)
    # Keyed by an interest's (type, id) pairs, whose via side may be empty.
    listings: dict[tuple[str | None, int | None], tuple[int | None, str | None]] = {}
    for kind, model in (("achievement", Achievement), ("service", Service)):
        if wanted[kind]:
            for row_id, center_id, industry in session.exec(
                select(model.id, model.center_id, model.industry).where(col(model.id).in_(wanted[kind]))
            ).all():
                listings[(kind, row_id)] = (center_id, industry)
    if wanted["need"]:
        for row_id, industry in session.exec(
            select(Need.id, Need.industry).where(col(Need.id).in_(wanted["need"]))
        ).all():
            listings[("need", row_id)] = (None, industry)
    result = []
    for contract, interest in rows:
        counted = CountedContract(contract=contract, industry=contract.field)
        for org_id in (contract.party_a_org_id, contract.party_b_org_id):
            counted.center_ids |= centers_by_org.get(org_id, set())
        listing_industry = None
        for kind, listing_id in (
            (interest.target_type, interest.target_id),
            (interest.via_type, interest.via_id),
        ):
            if kind == "center" and listing_id is not None:
                counted.center_ids.add(listing_id)
            elif (kind, listing_id) in listings:
                center_id, industry = listings[(kind, listing_id)]
                if center_id is not None:
                    counted.center_ids.add(center_id)
                listing_industry = listing_industry or industry
                if kind == "achievement" and listing_id is not None:
                    counted.achievement_ids.add(listing_id)
        counted.industry = counted.industry or listing_industry
        result.append(counted)
    return result


def _in_scope(counted: CountedContract, scope: Scope) -> bool:
    return (scope.center_id is None or scope.center_id in counted.center_ids) and (
        scope.industry is None or counted.industry == scope.industry
    )


def _center_filter(model, scope: Scope):
    """A query of a center-kept record filtered by the scope's center and (through the center) industry."""
    query = select(model, Center).join(Center, Center.id == model.center_id)
    if scope.center_id is not None:
        query = query.where(model.center_id == scope.center_id)
    if scope.industry is not None:
        query = query.where(Center.industry == scope.industry)
    return query


@dataclass
class Basis:
    """The rows behind every indicator of one scope."""

    contracts: list[CountedContract]
    incubations: list[Incubation]
    achievements: list[Achievement]
    transferred: list[Achievement]
    trainings: list[CenterTraining]
    projects: list[CenterCooperation]

    def contracts_of(self, name: str) -> list[CountedContract]:
        if name == "commissioned_rd_contracts":
            return [c for c in self.contracts if c.contract.kind == ContractKind.commissioned_development]
        if name == "services_contracted":
            return [c for c in self.contracts if c.contract.kind in SERVICE_KINDS]
        return self.contracts


def basis(session: Session, scope: Scope) -> Basis:
    first, last = _year_bounds(scope.year)
    contracts = [c for c in counted_contracts(session, year=scope.year) if _in_scope(c, scope)]
    incubations = [
        row
        for row, _c in session.exec(
            _center_filter(Incubation, scope)
            # Only what the firm (or, for a firm without an account, the bureau) confirmed: a center's own
            # record is a claim, and 65 typed-in copies of one firm must not count 65 times.
            .where(col(Incubation.confirmed_at).is_not(None))
            .where(Incubation.started_on >= first, Incubation.started_on <= last)
            .order_by(Incubation.started_on, Incubation.id)
        ).all()
    ]
    trainings = [
        row
        for row, _c in session.exec(
            _center_filter(CenterTraining, scope)
            .where(CenterTraining.held_on >= first, CenterTraining.held_on <= last)
            .order_by(CenterTraining.held_on, CenterTraining.id)
        ).all()
    ]
    # A project counts in every year it runs: an annual report lists the cooperation under way.
    projects = [
        row
        for row, _c in session.exec(
            _center_filter(CenterCooperation, scope)
            .where(
                CenterCooperation.started_on <= last,
                (col(CenterCooperation.ended_on).is_(None)) | (col(CenterCooperation.ended_on) >= first),
            )
            .order_by(CenterCooperation.started_on, CenterCooperation.id)
        ).all()
    ]
    published = select(Achievement).where(
        Achievement.status == ListingStatus.published,
        col(Achievement.published_at).is_not(None),
        col(Achievement.published_at) >= _year_start(scope.year),
        col(Achievement.published_at) < _year_start(scope.year + 1),
    )
    if scope.center_id is not None:
        published = published.where(Achievement.center_id == scope.center_id)
    if scope.industry is not None:
        published = published.where(Achievement.industry == scope.industry)
    achievements = list(
        session.exec(published.order_by(col(Achievement.published_at), col(Achievement.id))).all()
    )
    transferred_ids = sorted(
        {a for c in contracts if c.contract.kind in TRANSFER_KINDS for a in c.achievement_ids}
    )
    transferred = (
        list(
            session.exec(
                select(Achievement)
                .where(col(Achievement.id).in_(transferred_ids))
                .order_by(col(Achievement.id))
            ).all()
        )
        if transferred_ids
        else []
    )
    return Basis(contracts, incubations, achievements, transferred, trainings, projects)


def figures_from(b: Basis) -> dict[str, dict[str, int]]:
    """The indicators object of GET /api/v1/indicators from the rows behind it."""
    figures: dict[str, dict[str, int]] = {}
    for name in AMOUNT_INDICATORS:
        rows = b.contracts_of(name)
        money = (
            (lambda c: c.contract.technology_amount)
            if name == "technology_market_turnover"
            else (lambda c: c.contract.amount)
        )
        figures[name] = {"count": len(rows), "amount": sum(money(c) for c in rows)}
    figures["incubated_enterprises"] = {"count": len(b.incubations)}
    figures["achievements_published"] = {"count": len(b.achievements)}
    figures["achievements_transferred"] = {"count": len(b.transferred)}
    figures["trainings"] = {"count": len(b.trainings), "people": sum(t.people for t in b.trainings)}
    figures["international_projects"] = {"count": len(b.projects)}
    return {name: figures[name] for name in INDICATOR_NAMES}


def figures(session: Session, scope: Scope) -> dict[str, dict[str, int]]:
    """The figures of a scope, unchecked: for callers that have already decided who may see them."""
    return figures_from(basis(session, scope))


def indicators(*, session: Session, user: User | None, scope: Scope) -> dict:
    """Exactly the body of GET /api/v1/indicators."""
    authorize(session=session, user=user, scope=scope)
    return {
        "year": scope.year,
        "center_id": scope.center_id,
        "industry": scope.industry,
        "indicators": figures(session, scope),
    }


# --- drill-down -------------------------------------------------------------------------------------------------


def records(*, session: Session, user: User | None, scope: Scope, indicator: str) -> list[dict]:
    """The rows behind one figure, each with a type, an id, a title, a date and (for contracts) the amounts."""
    if indicator not in INDICATOR_NAMES:
        raise Invalid(_("Some fields are not valid."), {"indicator": _("Unknown indicator.")})
    authorize(session=session, user=user, scope=scope)
    b = basis(session, scope)
    if indicator in AMOUNT_INDICATORS:
        return [
            {
                "type": "contract",
                "id": c.contract.id,
                "title": c.contract.title,
                "kind": c.contract.kind.value,
                "date": c.contract.signed_on.isoformat() if c.contract.signed_on else None,
                "amount": c.contract.amount,
                "technology_amount": c.contract.technology_amount,
                "industry": c.industry,
                "center_ids": sorted(c.center_ids),
            }
            for c in b.contracts_of(indicator)
        ]
    if indicator == "incubated_enterprises":
        return [
            {
                "type": "incubation",
                "id": i.id,
                "title": i.name,
                "date": i.started_on.isoformat(),
                "center_ids": [i.center_id],
            }
            for i in b.incubations
        ]
    if indicator in ("achievements_published", "achievements_transferred"):
        rows = b.achievements if indicator == "achievements_published" else b.transferred
        return [
            {
                "type": "achievement",
                "id": a.id,
                "title": a.title,
                "date": a.published_at.date().isoformat() if a.published_at else None,
                "center_ids": [a.center_id] if a.center_id else [],
            }
            for a in rows
        ]
    if indicator == "trainings":
        return [
            {
                "type": "training",
                "id": t.id,
                "title": t.topic,
                "date": t.held_on.isoformat(),
                "people": t.people,
                "center_ids": [t.center_id],
            }
            for t in b.trainings
        ]
    return [
        {
            "type": "cooperation",
            "id": p.id,
            "title": p.partner,
            "date": p.started_on.isoformat(),
            "center_ids": [p.center_id],
        }
        for p in b.projects
    ]


# --- the dashboard ----------------------------------------------------------------------------------------------


def dashboard(*, session: Session, user: User | None, year: int) -> dict:
    """Everything the bureau's dashboard draws for one year: the city's figures, the monthly trend, the split by
    industry and by (filed) center, the top centers by contract amount, the applications in progress apart, the
    funnel and the table by district."""
    require_bureau(user)
    b = basis(session, Scope(year=year))
    months = [{"month": m, "count": 0, "amount": 0, "technology_amount": 0} for m in range(1, 13)]
    by_industry: dict[str, dict[str, int]] = defaultdict(
        lambda: {"count": 0, "amount": 0, "technology_amount": 0}
    )
    by_center: dict[int, dict[str, int]] = defaultdict(
        lambda: {"count": 0, "amount": 0, "technology_amount": 0}
    )
    for c in b.contracts:
        assert c.contract.signed_on is not None  # only signed contracts are counted
        buckets = [months[c.contract.signed_on.month - 1], by_industry[c.industry or ""]]
        buckets += [by_center[center_id] for center_id in c.center_ids]
        for bucket in buckets:
            bucket["count"] += 1
            bucket["amount"] += c.contract.amount
            bucket["technology_amount"] += c.contract.technology_amount
    centers, applicants = ranked_centers(session, by_center)
    industry_rows: list[dict[str, Any]] = [
        {"industry": k or None, "name": industry_name(k) if k else None, **v} for k, v in by_industry.items()
    ]
    industries = sorted(industry_rows, key=lambda r: (-r["technology_amount"], r["industry"] or ""))
    return {
        "year": year,
        "indicators": figures_from(b),
        "months": months,
        "industries": industries,
        "centers": centers,
        "top_centers": centers[:10],
        "applicants": applicants,
        "funnel": funnel(session, year=year),
        "districts": districts(session, b.contracts),
    }


RANKED_STATUSES = (CenterStatus.filed,)
APPLYING_STATUSES = (CenterStatus.applied, CenterStatus.review, CenterStatus.inspection, CenterStatus.notice)


def ranked_centers(
    session: Session, by_center: dict[int, dict[str, int]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The rows by center, largest contract amount first: the filed centers (promotion keeps a center filed, at
    its new level), which are the city's centers and the only ones ranked; and, apart, the applications in
    progress (申报中), which are not centers yet. Refused and revoked ones are in neither."""
    rows = session.exec(select(Center.id, Center.name, Center.status)).all()
    ranked: list[dict[str, Any]] = []
    applying: list[dict[str, Any]] = []
    empty = {"count": 0, "amount": 0, "technology_amount": 0}
    for cid, name, status in rows:
        assert cid is not None  # a stored center
        if status in RANKED_STATUSES and cid in by_center:
            ranked.append({"center_id": cid, "name": name, **by_center[cid]})
        elif status in APPLYING_STATUSES:
            applying.append(
                {"center_id": cid, "name": name, "status": str(status), **by_center.get(cid, empty)}
            )

    def largest_first(row: dict[str, Any]) -> tuple[int, str]:
        return -row["amount"], row["name"]

    return sorted(ranked, key=largest_first), sorted(applying, key=largest_first)


def funnel(session: Session, *, year: int) -> list[dict]:
    """From interest to signed contract, for the interests expressed in `year`."""
    start, end = _year_start(year), _year_start(year + 1)
    interest_rows = session.exec(
        select(Interest.id, Interest.status).where(Interest.created_at >= start, Interest.created_at < end)
    ).all()
    ids = [row[0] for row in interest_rows]
    accepted = [i for i, status in interest_rows if status == "accepted"]
    contracts = (
        session.exec(
            select(Contract.interest_id, Contract.status).where(col(Contract.interest_id).in_(ids))
        ).all()
        if ids
        else []
    )
    drafted = {interest_id for interest_id, _s in contracts}
    signed = {interest_id for interest_id, status in contracts if status in COUNTED_STATUSES}
    return [
        {"stage": "interests", "count": len(ids)},
        {"stage": "accepted", "count": len(accepted)},
        {"stage": "contracts", "count": len(drafted)},
        {"stage": "signed", "count": len(signed)},
    ]


def districts(session: Session, contracts: list[CountedContract]) -> list[dict]:
    """Counted contracts by the district (region) of their parties; a contract between two districts counts in
    both, once in each."""
    org_ids = {o for c in contracts for o in (c.contract.party_a_org_id, c.contract.party_b_org_id)}
    regions = (
        dict(
            session.exec(
                select(Organization.id, Organization.region).where(col(Organization.id).in_(org_ids))
            ).all()
        )
        if org_ids
        else {}
    )
    table: dict[str, dict[str, int]] = defaultdict(lambda: {"count": 0, "amount": 0, "technology_amount": 0})
    for c in contracts:
        for region in {
            regions.get(c.contract.party_a_org_id) or "",
            regions.get(c.contract.party_b_org_id) or "",
        }:
            row = table[region]
            row["count"] += 1
            row["amount"] += c.contract.amount
            row["technology_amount"] += c.contract.technology_amount
    # Regions are stored as codes (app/data/regions.yaml); people read the name.
    return sorted(
        (
            {"district_code": k or None, "district": (region_name(k) or k) if k else None, **v}
            for k, v in table.items()
        ),
        key=lambda r: (-r["amount"], r["district"] or ""),
    )
