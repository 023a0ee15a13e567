"""The bureau's indicators (seed 3(3)), computed from what happens on the marketplace, never typed in.

Counting rules, shared by the API, the dashboard, the exports and the annual evaluations:
- a contract counts in the year of its signing date once both parties have signed (statuses signed,
  in_progress, completed);
- it counts for a center when a party is the center's own organization, or when the deal went through the
  center: the interest's target or its `via` listing is the center itself or an achievement or service that
  names the center (that is how a member unit acts through its center);
- a contract's industry is its `field`, else the industry of the listing it came from (target, then via);
- records kept by a center (incubations, trainings, cooperation projects) take the center's industry;
- the technology-market turnover counts registered technology contracts by their registration date (the
  national statistics of 技术合同认定登记), the contracts signed but not registered stand beside it;
- an achievement counts as published in the year of its first publication (`published_at`, which the listing
  rules stamp once and never clear), whatever its state now.
What each indicator counts, in words, is in app/oversight/indicator_definitions.py.
Every figure has a drill-down (`records`) listing exactly the rows it was computed from.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from flask_babel import gettext as _
from sqlmodel import Session, col, select

from app.deals.registration_rules import CATEGORY
from app.oversight import indicator_definitions
from app.oversight.services.access import get_center
from app.platform.errors import Forbidden, Invalid
from app.platform.permissions import is_bureau, managed_centers, manages, require_bureau
from app.platform.regions import region_name
from app.platform.taxonomy import industry_name, is_industry
from app.platform.validation import parse_id
from models import (
    SME_CLASSES,
    Achievement,
    Center,
    CenterCooperation,
    CenterMember,
    CenterStatus,
    CenterTraining,
    Contract,
    ContractKind,
    ContractRegistration,
    ContractStatus,
    FinanceType,
    FinancingRecord,
    FinancingRecordStatus,
    FinancingRequest,
    Incubation,
    Interest,
    Need,
    Organization,
    Service,
    User,
)

COUNTED_STATUSES = (ContractStatus.signed, ContractStatus.in_progress, ContractStatus.completed)
INDICATOR_NAMES = indicator_definitions.KEYS
AMOUNT_INDICATORS = (
    "commissioned_rd_contracts",
    "technology_market_turnover",
    "technology_market_turnover_unregistered",
    "services_contracted",
)
# Every indicator counted in money (the contract ones above and `financing`): what a target may give an amount for.
MONEY_INDICATORS = tuple(d.key for d in indicator_definitions.DEFINITIONS if "amount" in d.measures)
# The kinds 技术合同认定登记 registers (an incubation agreement is none of them).
REGISTRATION_KINDS = tuple(CATEGORY)

REGISTERED = "registered"
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
    registration: ContractRegistration | None = None

    @property
    def registered(self) -> bool:
        return self.registration is not None and self.registration.status == REGISTERED

    @property
    def registered_on(self) -> date | None:
        decided = self.registration.decided_at if self.registered and self.registration else None
        return decided.date() if decided else None

    @property
    def turnover(self) -> int:
        """合同成交额: the amount the registration office registered, else the contract's amount."""
        deal = self.registration.deal_amount if self.registration else None
        return deal if deal is not None else self.contract.amount


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


def counted_contracts(
    session: Session, *, year: int | None = None, registered_in: int | None = None
) -> list[CountedContract]:
    """Every counted contract (signed in `year`, or registered in `registered_in`, if given), with its
    industry, centers, achievements and registration."""
    query = (
        select(Contract, Interest, ContractRegistration)
        .join(Interest, col(Interest.id) == Contract.interest_id)
        .outerjoin(ContractRegistration, col(ContractRegistration.contract_id) == Contract.id)
        .where(col(Contract.status).in_(COUNTED_STATUSES), col(Contract.signed_on).is_not(None))
    )
    if year is not None:
        first, last = _year_bounds(year)
        query = query.where(col(Contract.signed_on) >= first, col(Contract.signed_on) <= last)
    if registered_in is not None:
        query = query.where(
            ContractRegistration.status == REGISTERED,
            col(ContractRegistration.decided_at) >= _year_start(registered_in),
            col(ContractRegistration.decided_at) < _year_start(registered_in + 1),
        )
    order = (col(ContractRegistration.decided_at),) if registered_in is not None else ()
    with_registrations = session.exec(query.order_by(*order, col(Contract.signed_on), col(Contract.id))).all()
    registrations = {c.id: r for c, _i, r in with_registrations if r is not None}
    rows = [(c, i) for c, i, _r in with_registrations]
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
        counted = CountedContract(
            contract=contract, industry=contract.field, registration=registrations.get(contract.id)
        )
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
class SmeServed:
    """A small or medium-sized enterprise served in the year: when first, and through which centers."""

    org: Organization
    first: date
    center_ids: set[int] = field(default_factory=set)


@dataclass
class Basis:
    """The rows behind every indicator of one scope."""

    contracts: list[CountedContract]
    incubations: list[Incubation]
    achievements: list[Achievement]
    transferred: list[Achievement]
    trainings: list[CenterTraining]
    projects: list[CenterCooperation]
    # Technology contracts registered in the year (whenever signed): the technology-market turnover.
    registered: list[CountedContract] = field(default_factory=list)
    smes: list[SmeServed] = field(default_factory=list)
    # Confirmed financing records financed in the year.
    financings: list[FinancingRecord] = field(default_factory=list)

    def contracts_of(self, name: str) -> list[CountedContract]:
        if name == "commissioned_rd_contracts":
            return [c for c in self.contracts if c.contract.kind == ContractKind.commissioned_development]
        if name == "services_contracted":
            return [c for c in self.contracts if c.contract.kind in SERVICE_KINDS]
        if name == "technology_market_turnover":
            return self.registered
        if name == "technology_market_turnover_unregistered":
            return [c for c in self.contracts if c.contract.kind in REGISTRATION_KINDS and not c.registered]
        return self.contracts


def _smes_served(
    session: Session, contracts: list[CountedContract], incubations: list[Incubation], scope: Scope
) -> list[SmeServed]:
    """The SMEs among the contracts' parties and the incubated firms (matched by credit code). A center's own
    organization and its member units are the center, not its clients: an SME counts for a center only when
    it is neither."""
    center_orgs = dict(session.exec(select(Center.id, Center.org_id)).all())
    members: dict[int, set[int]] = defaultdict(set)
    for center_id, org_id in session.exec(select(CenterMember.center_id, CenterMember.org_id)).all():
        members[center_id].add(org_id)
    seen: dict[int, tuple[date, set[int]]] = {}

    def add(org_id: int, on: date, center_ids: set[int]) -> None:
        if org_id in center_orgs.values():
            return
        first, centers = seen.get(org_id, (on, set()))
        centers |= {c for c in center_ids if org_id != center_orgs.get(c) and org_id not in members[c]}
        seen[org_id] = (min(first, on), centers)

    for c in contracts:
        assert c.contract.signed_on is not None  # only signed contracts are counted
        for org_id in (c.contract.party_a_org_id, c.contract.party_b_org_id):
            add(org_id, c.contract.signed_on, c.center_ids)
    codes = {i.credit_code for i in incubations if i.credit_code}
    by_code = (
        dict(
            session.exec(
                select(Organization.credit_code, Organization.id).where(
                    col(Organization.credit_code).in_(codes)
                )
            ).all()
        )
        if codes
        else {}
    )
    for i in incubations:
        incubated = by_code.get(i.credit_code or "")
        if incubated is not None:
            add(incubated, i.started_on, {i.center_id})
    if not seen:
        return []
    orgs = session.exec(
        select(Organization)
        .where(col(Organization.id).in_(seen), col(Organization.size_class).in_(SME_CLASSES))
        .order_by(col(Organization.id))
    ).all()
    served = [SmeServed(org, *seen[org.id]) for org in orgs if org.id is not None]
    if scope.center_id is not None:
        served = [s for s in served if scope.center_id in s.center_ids]
    return sorted(served, key=lambda s: (s.first, s.org.id or 0))


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
    # First published in the year, whatever the state now: the rules stamp `published_at` once, never clear it.
    published = select(Achievement).where(
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
    registered = [
        c
        for c in counted_contracts(session, registered_in=scope.year)
        if c.contract.kind in REGISTRATION_KINDS and _in_scope(c, scope)
    ]
    smes = _smes_served(session, contracts, incubations, scope)
    financings = _financings(session, scope)
    return Basis(
        contracts, incubations, achievements, transferred, trainings, projects, registered, smes, financings
    )


def _financings(session: Session, scope: Scope) -> list[FinancingRecord]:
    """The confirmed financing records of the scope's year, by the date financed. For a center: the ones whose
    financed organization is the center's own, or whose request names the center. By industry: the request's."""
    first, last = _year_bounds(scope.year)
    query = (
        select(FinancingRecord, FinancingRequest)
        .join(FinancingRequest, col(FinancingRequest.id) == FinancingRecord.request_id, isouter=True)
        .where(
            FinancingRecord.status == FinancingRecordStatus.confirmed,
            FinancingRecord.financed_on >= first,
            FinancingRecord.financed_on <= last,
        )
        .order_by(col(FinancingRecord.financed_on), col(FinancingRecord.id))
    )
    if scope.industry is not None:
        query = query.where(FinancingRequest.industry == scope.industry)
    rows = session.exec(query).all()
    if scope.center_id is None:
        return [record for record, _request in rows]
    center = session.get(Center, scope.center_id)
    center_org = center.org_id if center is not None else None
    return [
        record
        for record, request in rows
        if record.financed_org_id == center_org
        or (request is not None and request.center_id == scope.center_id)
    ]


def financing_by_type(b: Basis) -> dict[str, dict[str, int]]:
    """The `financing` figure by type of financing: every type, with its count and amount (yuan)."""
    result = {str(kind): {"count": 0, "amount": 0} for kind in FinanceType}
    for record in b.financings:
        bucket = result[str(record.finance_type)]
        bucket["count"] += 1
        bucket["amount"] += record.amount
    return result


def figures_from(b: Basis) -> dict[str, dict[str, int]]:
    """The indicators object of GET /api/v1/indicators from the rows behind it."""
    figures: dict[str, dict[str, int]] = {}
    for name in AMOUNT_INDICATORS:
        rows = b.contracts_of(name)
        figures[name] = {"count": len(rows), "amount": sum(_amount(name, c) for c in rows)}
    figures["incubated_enterprises"] = {"count": len(b.incubations)}
    figures["achievements_published"] = {"count": len(b.achievements)}
    figures["achievements_transferred"] = {"count": len(b.transferred)}
    figures["trainings"] = {"count": len(b.trainings), "people": sum(t.people for t in b.trainings)}
    figures["international_projects"] = {"count": len(b.projects)}
    figures["smes_served"] = {"count": len(b.smes)}
    figures["financing"] = {"count": len(b.financings), "amount": sum(r.amount for r in b.financings)}
    return {name: figures[name] for name in INDICATOR_NAMES}


def _amount(name: str, c: CountedContract) -> int:
    """The money a contract adds to an indicator: the registered 合同成交额 for the turnover, else the amount."""
    return c.turnover if name == "technology_market_turnover" else c.contract.amount


def figures(session: Session, scope: Scope) -> dict[str, dict[str, int]]:
    """The figures of a scope, unchecked: for callers that have already decided who may see them."""
    return figures_from(basis(session, scope))


def indicators(*, session: Session, user: User | None, scope: Scope) -> dict:
    """Exactly the body of GET /api/v1/indicators."""
    authorize(session=session, user=user, scope=scope)
    b = basis(session, scope)
    return {
        "year": scope.year,
        "center_id": scope.center_id,
        "industry": scope.industry,
        "indicators": figures_from(b),
        "financing_by_type": financing_by_type(b),
    }


# --- drill-down -------------------------------------------------------------------------------------------------


def records(*, session: Session, user: User | None, scope: Scope, indicator: str) -> list[dict]:
    """The rows behind one figure, each with a type, an id, a title, a date and (for contracts) the amounts."""
    if indicator not in INDICATOR_NAMES:
        raise Invalid(_("Some fields are not valid."), {"indicator": _("Unknown indicator.")})
    authorize(session=session, user=user, scope=scope)
    b = basis(session, scope)
    if indicator in AMOUNT_INDICATORS:
        # `date` and `amount` are what the figure counts: for the turnover the registration date and the
        # registered 合同成交额; for the others the signing date and the contract amount.
        turnover = indicator == "technology_market_turnover"
        return [
            {
                "type": "contract",
                "id": c.contract.id,
                "title": c.contract.title,
                "kind": c.contract.kind.value,
                "date": _iso(c.registered_on if turnover else c.contract.signed_on),
                "signed_on": _iso(c.contract.signed_on),
                "registered_on": _iso(c.registered_on),
                "registration_status": c.registration.status if c.registration else None,
                "amount": _amount(indicator, c),
                "technology_amount": c.contract.technology_amount,
                "industry": c.industry,
                "center_ids": sorted(c.center_ids),
            }
            for c in b.contracts_of(indicator)
        ]
    if indicator == "financing":
        return [
            {
                "type": "financing_record",
                "id": r.id,
                "title": f"{r.finance_type}",
                "finance_type": str(r.finance_type),
                "date": r.financed_on.isoformat(),
                "amount": r.amount,
                "financed_org_id": r.financed_org_id,
                "finance_org_id": r.finance_org_id,
            }
            for r in b.financings
        ]
    if indicator == "smes_served":
        return [
            {
                "type": "organization",
                "id": s.org.id,
                "title": s.org.name,
                "size_class": s.org.size_class,
                "date": s.first.isoformat(),
                "center_ids": sorted(s.center_ids),
            }
            for s in b.smes
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


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


# --- the dashboard ----------------------------------------------------------------------------------------------


def dashboard(*, session: Session, user: User | None, year: int) -> dict:
    """Everything the bureau's dashboard draws for one year: the city's figures, the monthly trend, the split by
    industry and by (filed) center, the top centers by contract amount, the applications in progress apart, the
    funnel and the table by district."""
    require_bureau(user)
    b = basis(session, Scope(year=year))
    parts = _breakdowns(session, b, Scope(year=year))
    return {
        "year": year,
        "indicators": figures_from(b),
        "financing_by_type": financing_by_type(b),
        "months": parts["months"],
        "industries": parts["industries"],
        "centers": parts["centers"],
        "top_centers": parts["centers"][:10],
        "applicants": parts["applicants"],
        "funnel": funnel(session, year=year),
        "districts": parts["districts"],
    }


def breakdowns(*, session: Session, user: User | None, scope: Scope) -> dict[str, list[dict]]:
    """The dashboard's breakdowns (months, industries, centers, districts) of any scope the user may see: what
    the exports carry beside the figures."""
    authorize(session=session, user=user, scope=scope)
    b = basis(session, scope)
    return {**_breakdowns(session, b, scope), "financing_types": _financing_rows(b)}


def _financing_rows(b: Basis) -> list[dict[str, Any]]:
    """The financing by type as breakdown rows (the exports' "by type of financing" section)."""
    return [{"finance_type": kind, **figure} for kind, figure in financing_by_type(b).items()]


def _breakdowns(session: Session, b: Basis, scope: Scope) -> dict[str, list[dict]]:
    months = [{"month": m, **_bucket()} for m in range(1, 13)]
    by_industry: dict[str, dict[str, int]] = defaultdict(_bucket)
    by_center: dict[int, dict[str, int]] = defaultdict(lambda: {**_bucket(), "smes": 0})
    for c in b.contracts:
        assert c.contract.signed_on is not None  # only signed contracts are counted
        buckets = [months[c.contract.signed_on.month - 1], by_industry[c.industry or ""]]
        buckets += [by_center[center_id] for center_id in c.center_ids]
        for bucket in buckets:
            _add_signed(bucket, c)
    # The turnover by the month it was registered in, which may follow the signing by weeks.
    for c in b.registered:
        assert c.registered_on is not None  # only registered contracts are in it
        buckets = [months[c.registered_on.month - 1], by_industry[c.industry or ""]]
        buckets += [by_center[center_id] for center_id in c.center_ids]
        for bucket in buckets:
            _add_registered(bucket, c)
    for sme in b.smes:
        for center_id in sme.center_ids:
            by_center[center_id]["smes"] += 1
    centers, applicants = ranked_centers(session, by_center, scope)
    industry_rows: list[dict[str, Any]] = [
        {"industry": k or None, "name": industry_name(k) if k else None, **v} for k, v in by_industry.items()
    ]
    industries = sorted(
        industry_rows, key=lambda r: (-r["turnover"], -r["technology_amount"], r["industry"] or "")
    )
    return {
        "months": months,
        "industries": industries,
        "centers": centers,
        "districts": districts(session, b.contracts, b.registered),
        "applicants": applicants,
    }


def _bucket() -> dict[str, int]:
    """One row of a breakdown: contracts signed (count, amount, technology amount), the registered turnover
    (count, 合同成交额)."""
    return {"count": 0, "amount": 0, "technology_amount": 0, "registered_count": 0, "turnover": 0}


def _add_signed(bucket: dict[str, int], c: CountedContract) -> None:
    bucket["count"] += 1
    bucket["amount"] += c.contract.amount
    bucket["technology_amount"] += c.contract.technology_amount


def _add_registered(bucket: dict[str, int], c: CountedContract) -> None:
    bucket["registered_count"] += 1
    bucket["turnover"] += c.turnover


RANKED_STATUSES = (CenterStatus.filed,)
APPLYING_STATUSES = (CenterStatus.applied, CenterStatus.review, CenterStatus.inspection, CenterStatus.notice)


def ranked_centers(
    session: Session, by_center: dict[int, dict[str, int]], scope: Scope
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The rows by center, largest contract amount first: the filed centers (promotion keeps a center filed, at
    its new level), which are the city's centers and the only ones ranked; and, apart, the applications in
    progress (申报中), which are not centers yet. Refused and revoked ones are in neither."""
    rows = session.exec(select(Center.id, Center.name, Center.status)).all()
    ranked: list[dict[str, Any]] = []
    applying: list[dict[str, Any]] = []
    empty = {**_bucket(), "smes": 0}
    for cid, name, status in rows:
        assert cid is not None  # a stored center
        if scope.center_id is not None and cid != scope.center_id:
            continue
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


def districts(
    session: Session, contracts: list[CountedContract], registered: list[CountedContract] | None = None
) -> list[dict]:
    """Counted contracts (and the registered turnover) by the district (region) of their parties; a contract
    between two districts counts in both, once in each."""
    org_ids = {
        o
        for c in [*contracts, *(registered or [])]
        for o in (c.contract.party_a_org_id, c.contract.party_b_org_id)
    }
    regions = (
        dict(
            session.exec(
                select(Organization.id, Organization.region).where(col(Organization.id).in_(org_ids))
            ).all()
        )
        if org_ids
        else {}
    )
    table: dict[str, dict[str, int]] = defaultdict(_bucket)
    for rows, add in ((contracts, _add_signed), (registered or [], _add_registered)):
        for c in rows:
            for region in {
                regions.get(c.contract.party_a_org_id) or "",
                regions.get(c.contract.party_b_org_id) or "",
            }:
                add(table[region], c)
    # Regions are stored as codes (app/data/regions.yaml); people read the name.
    return sorted(
        (
            {"district_code": k or None, "district": (region_name(k) or k) if k else None, **v}
            for k, v in table.items()
        ),
        key=lambda r: (-r["amount"], r["district"] or ""),
    )
