"""Pairing financing requests and finance products for the recommendation panels (`finance_products` on a
request's page, `financing_requests` on a product's page).

The text matcher ranks what reads alike, but money is decided by eligibility: a product for another kind of
money, amount, TRL, size class or industry must never be offered as a fit. So the panel takes every live
counterpart (the newest CANDIDATES of them) plus whatever the matcher ranked, keeps the eligible ones
(app.financing.rules.fit), and orders them by fit first and the matcher's similarity second. Each item's reasons
say which conditions are met, and the financed organization's record on the platform (signed contracts, listed
patents) is shown as evidence.
"""

from collections import defaultdict

from flask_babel import gettext as _
from sqlmodel import Session, col, or_, select

from app.financing import labels
from app.financing.rules import Ask, Fit, Offer, fit
from app.market.rules import is_live
from app.platform.money import format_wan
from app.platform.taxonomy import industry_name
from models import (
    Achievement,
    Contract,
    ContractStatus,
    FinanceProduct,
    FinancingRequest,
    ListingStatus,
    Organization,
)

PANELS = {"finance_products": "finance_product", "financing_requests": "financing"}
CANDIDATES = 200
SIGNED = (ContractStatus.signed, ContractStatus.in_progress, ContractStatus.completed)


def _track_records(session: Session, org_ids: set[int]) -> dict[int, dict]:
    """Per organization: its size class, signed contracts (count, total) and patents listed on its achievements."""
    records: dict[int, dict] = defaultdict(
        lambda: {"size_class": None, "contracts": 0, "amount": 0, "patents": 0}
    )
    if not org_ids:
        return records
    for org_id, size_class in session.exec(
        select(Organization.id, Organization.size_class).where(col(Organization.id).in_(org_ids))
    ).all():
        if org_id is not None:
            records[org_id]["size_class"] = size_class
    for a_org, b_org, amount in session.exec(
        select(Contract.party_a_org_id, Contract.party_b_org_id, Contract.amount).where(
            col(Contract.status).in_(SIGNED),
            or_(col(Contract.party_a_org_id).in_(org_ids), col(Contract.party_b_org_id).in_(org_ids)),
        )
    ).all():
        for org_id in {a_org, b_org} & org_ids:
            records[org_id]["contracts"] += 1
            records[org_id]["amount"] += amount or 0
    for org_id, patents in session.exec(
        select(Achievement.org_id, Achievement.patent_numbers).where(col(Achievement.org_id).in_(org_ids))
    ).all():
        records[org_id]["patents"] += len(patents or [])
    return records


def ask_of(request: FinancingRequest, record: dict) -> Ask:
    return Ask(
        finance_type=str(request.finance_type),
        amount=request.amount,
        trl=request.trl,
        industry=request.industry,
        size_class=record["size_class"],
        patents=record["patents"],
        contracts=record["contracts"],
        contract_amount=record["amount"],
    )


def offer_of(product: FinanceProduct) -> Offer:
    return Offer(
        finance_type=str(product.finance_type),
        amount_min=product.amount_min,
        amount_max=product.amount_max,
        trl_min=product.trl_min,
        size_classes=tuple(product.size_classes),
        industries=tuple(product.industries),
    )


def fit_of(session: Session, request: FinancingRequest, product: FinanceProduct) -> Fit:
    """One pair's fit, with the request's organization's record read now."""
    record = _track_records(session, {request.org_id})[request.org_id]
    return fit(ask_of(request, record), offer_of(product))


REASON_TEXT = {
    "type_fit": lambda r: _("Offers %(type)s", type=labels.FINANCE_TYPES.get(r["finance_type"], "")),
    "amount_fit": lambda r: _(
        "Amount within its range (%(low)s–%(high)s)",
        low=wan(r["amount_min"]) if r["amount_min"] is not None else "—",
        high=wan(r["amount_max"]) if r["amount_max"] is not None else "—",
    ),
    "trl_fit": lambda r: _("TRL %(trl)s meets its minimum of %(min)s", trl=r["trl"], min=r["trl_min"]),
    "size_fit": lambda r: _("Serves this size class"),
    "industry_fit": lambda r: _("Serves this industry: %(industry)s", industry=industry_name(r["industry"])),
    "contracts": lambda r: _(
        "Track record here: %(count)s signed contracts, %(amount)s in total",
        count=r["count"],
        amount=wan(r["amount"]),
    ),
    "patents": lambda r: _("Patents listed on its achievements: %(count)s", count=r["count"]),
}


def wan(yuan: int) -> str:
    return _("%(amount)s 10k yuan", amount=format_wan(yuan))


def describe(reason: dict) -> str:
    return REASON_TEXT[reason["code"]](reason)


def _live(session: Session, table, extra_ids: set[int]) -> list:
    newest = session.exec(
        select(table)
        .where(table.status == ListingStatus.published)
        .order_by(col(table.updated_at).desc(), col(table.id).desc())
        .limit(CANDIDATES)
    ).all()
    rows = {row.id: row for row in newest}
    missing = extra_ids - set(rows)
    if missing:
        rows.update(
            {row.id: row for row in session.exec(select(table).where(col(table.id).in_(missing))).all()}
        )
    return [row for row in rows.values() if is_live(row)]


def panel(
    session: Session,
    *,
    row: FinancingRequest | FinanceProduct,
    rec_kind: str,
    matched: list[dict],
    names: dict[int, str],
    own_org_ids: set[int],
    k: int,
    dismissed: set[tuple[str, int]] = frozenset(),  # type: ignore[assignment]
) -> list[dict]:
    """The eligible counterparts of a request or a product, best fit first, as recommendation items."""
    target_type = PANELS[rec_kind]
    table = FinanceProduct if target_type == "finance_product" else FinancingRequest
    by_id = {item["target_id"]: item for item in matched}
    candidates = [
        c
        for c in _live(session, table, set(by_id))
        if c.org_id not in own_org_ids and (target_type, c.id) not in dismissed
    ]
    requests = [row] if isinstance(row, FinancingRequest) else candidates
    records = _track_records(session, {r.org_id for r in requests})
    items = []
    for candidate in candidates:
        request, product = (row, candidate) if isinstance(row, FinancingRequest) else (candidate, row)
        result = fit(ask_of(request, records[request.org_id]), offer_of(product))
        if not result.eligible:
            continue
        similar = by_id.get(candidate.id)
        reasons = [{**r, "text": describe(r)} for r in result.reasons]
        if similar:
            reasons += [r for r in similar["reasons"] if r["code"] not in ("trl_fit", "budget_fit")]
        items.append(
            {
                "target_type": target_type,
                "target_id": candidate.id,
                "title": candidate.title,
                "org_id": candidate.org_id,
                "org_name": names.get(candidate.org_id, ""),
                "url": f"/{'finance-products' if target_type == 'finance_product' else 'financing-requests'}"
                f"/{candidate.id}",
                "score": round(
                    min(1.0, 0.8 * result.score + 0.2 * (similar["score"] if similar else 0.0)), 4
                ),
                "reasons": reasons,
            }
        )
    items.sort(key=lambda item: (-item["score"], -item["target_id"]))
    return items[:k]
