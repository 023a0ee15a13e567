"""Financing as pure rules (no session, no request): which finance products a financing request may use, how well
they fit, and which side of a conversation is the finance organization. The services read the rows and ask these.

Eligibility is structured, never guessed from text: a product that cannot serve a request (another kind of money,
an amount outside its range, a TRL below its minimum, a size class or industry it does not serve) is *ineligible*
and the panels leave it out; among the eligible ones the fit counts how many conditions the product states and
the request meets, and the firm's history on the platform (signed contracts, listed patents) is shown as evidence.
"""

from collections.abc import Collection
from dataclasses import dataclass, field

# Which kinds of money a product of each type serves: an equity investor reads a seed or growth round, a lender
# a tech loan or an IP-pledge loan (an IP-pledge loan is a tech loan with patents as the pledge), a guarantor
# the loans it would guarantee and a request for a guarantee.
SERVES: dict[str, frozenset[str]] = {
    "equity": frozenset({"equity"}),
    "tech_loan": frozenset({"tech_loan", "ip_pledge_loan"}),
    "ip_pledge_loan": frozenset({"ip_pledge_loan"}),
    "guarantee": frozenset({"guarantee", "tech_loan", "ip_pledge_loan"}),
}


# The conditions a product may state: type, amount range, minimum TRL, size classes, industries.
CONDITIONS = 5


@dataclass(frozen=True)
class Ask:
    """What a request asks, and what is known of the organization asking."""

    finance_type: str
    amount: int
    trl: int | None
    industry: str | None
    size_class: str | None
    patents: int = 0  # patent numbers the organization lists on its achievements
    contracts: int = 0  # contracts it signed on the platform
    contract_amount: int = 0  # their total, in yuan


@dataclass(frozen=True)
class Offer:
    """What a product offers and to whom."""

    finance_type: str
    amount_min: int | None
    amount_max: int | None
    trl_min: int | None
    size_classes: Collection[str] = ()
    industries: Collection[str] = ()


@dataclass(frozen=True)
class Fit:
    """A product's fit to a request: eligible or not, the reasons (codes with their values) either way."""

    eligible: bool
    score: float
    reasons: list[dict] = field(default_factory=list)
    # Why it is ineligible: the codes of the conditions the request fails.
    failed: list[dict] = field(default_factory=list)


def fit(ask: Ask, offer: Offer) -> Fit:
    """How a product fits a request. Each stated condition is checked; an unstated one is no condition."""
    reasons: list[dict] = []
    failed: list[dict] = []
    if ask.finance_type in SERVES.get(offer.finance_type, frozenset()):
        reasons.append({"code": "type_fit", "finance_type": offer.finance_type})
    else:
        failed.append({"code": "type_mismatch", "finance_type": offer.finance_type})
    if offer.amount_min is not None and ask.amount < offer.amount_min:
        failed.append({"code": "amount_below", "amount_min": offer.amount_min})
    elif offer.amount_max is not None and ask.amount > offer.amount_max:
        failed.append({"code": "amount_above", "amount_max": offer.amount_max})
    elif offer.amount_min is not None or offer.amount_max is not None:
        reasons.append({"code": "amount_fit", "amount_min": offer.amount_min, "amount_max": offer.amount_max})
    if offer.trl_min is not None:
        if ask.trl is None:
            failed.append({"code": "trl_unknown", "trl_min": offer.trl_min})
        elif ask.trl < offer.trl_min:
            failed.append({"code": "trl_below", "trl": ask.trl, "trl_min": offer.trl_min})
        else:
            reasons.append({"code": "trl_fit", "trl": ask.trl, "trl_min": offer.trl_min})
    if offer.size_classes:
        if ask.size_class in offer.size_classes:
            reasons.append({"code": "size_fit", "size_class": ask.size_class})
        else:
            failed.append({"code": "size_mismatch", "size_class": ask.size_class})
    if offer.industries:
        if ask.industry in offer.industries:
            reasons.append({"code": "industry_fit", "industry": ask.industry})
        else:
            failed.append({"code": "industry_mismatch", "industry": ask.industry})
    evidence = history(ask)
    # Met conditions first, out of the five a product can state: a product whose every stated condition fits is
    # a closer fit than one that states none. The track record on the platform adds up to 0.2.
    met = sum(1 for r in reasons if r["code"].endswith("_fit"))
    score = 0.8 * met / CONDITIONS + 0.05 * min(ask.contracts, 2) + 0.05 * min(ask.patents, 2)
    return Fit(not failed, round(score, 4) if not failed else 0.0, reasons + evidence, failed)


def history(ask: Ask) -> list[dict]:
    """The firm's record on the platform, as evidence a finance organization reads: signed contracts (count and
    total) and patents listed on its achievements. Nothing when it has none."""
    evidence = []
    if ask.contracts:
        evidence.append({"code": "contracts", "count": ask.contracts, "amount": ask.contract_amount})
    if ask.patents:
        evidence.append({"code": "patents", "count": ask.patents})
    return evidence


def finance_side(org_kinds: dict[str, str | None]) -> str | None:
    """Which side of an interest ({"from": kind, "to": kind}) is the finance organization: exactly one must be."""
    sides = [side for side, kind in org_kinds.items() if kind == "finance"]
    return sides[0] if len(sides) == 1 else None


# A record is decided once, by the financed organization: confirm or reject.
DECISIONS = {"confirm": "confirmed", "reject": "rejected"}


def decide(status: str, decision: str) -> str:
    """The status after a decision; ValueError when the record was already decided."""
    if status != "recorded":
        raise ValueError("already_decided")
    return DECISIONS[decision]
