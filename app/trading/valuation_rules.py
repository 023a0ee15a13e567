"""The rules of valuation guidance (科技成果评价), as pure functions: how comparable deals are shown without
revealing any one deal's confidential amount, and how a suggested price range follows from the seller's
assessment and the comparables. No session, no Flask.

Comparables (`aggregate`):
- fewer than `MIN_SHOWN` (3) deals: only their count and the fixed band (`BANDS`) their median falls in; no
  amount, no kind and no year, so a lone deal's amount cannot be read off.
- three or more: the count, years and the median band of all of them, then per contract kind with at least
  three deals its count, years, minimum, median and maximum (rounded to 万元: min down, max up). Kinds with
  fewer than three are merged into one "other kinds" group, shown with amounts only when it has three or more
  deals itself, otherwise only counted.

Suggested range (`suggest`), all in 元; the factors are shown to the seller as reasons:
    centre = base x TRL factor x IP factor x market factor x application factor
    base   = the comparables' median when there are at least three, else the middle (geometric) of the band
             their median falls in
    range  = centre x (1 - spread) .. centre x (1 + spread), spread 25% with three or more comparables, 50%
             with one or two; rounded out to whole 万元.
Without comparables there is no range: the platform does not invent a price without deals to compare with.
The comparables are the achievements most like this one, so the factors are 1.0 at a middling assessment
(TRL 6, a granted right with 10 years left, validated market, pilot application) and move the centre up or
down from there.
"""

from dataclasses import dataclass
from datetime import date
from statistics import median

MIN_SHOWN = 3
WAN = 10_000
# Amount bands in 元 (lower bound inclusive, upper exclusive; None: no upper bound).
BANDS: tuple[tuple[int, int | None], ...] = (
    (0, 100_000),
    (100_000, 500_000),
    (500_000, 1_000_000),
    (1_000_000, 5_000_000),
    (5_000_000, 10_000_000),
    (10_000_000, 50_000_000),
    (50_000_000, None),
)
TRL_FACTOR = {1: 0.4, 2: 0.5, 3: 0.6, 4: 0.75, 5: 0.9, 6: 1.0, 7: 1.15, 8: 1.3, 9: 1.4}
MARKET_FACTOR = {"unexplored": 0.85, "validated": 1.0, "selling": 1.15}
APPLICATION_FACTOR = {"lab": 0.9, "pilot": 1.0, "production": 1.1}
# A granted or licensed right gains 2% a remaining year around 10 years (0.8 at none left, 1.2 at 20); a pending
# one is worth less for its uncertainty; no protection least. Each family member abroad adds 1%, at most 10%.
IP_STATUS_BASE = {"granted": 1.0, "licensed": 1.0, "pending": 0.85, "none": 0.7}
SPREAD_WITH_COMPARABLES = 0.25
SPREAD_FEW_COMPARABLES = 0.5


@dataclass(frozen=True)
class Deal:
    kind: str
    year: int
    amount: int


@dataclass(frozen=True)
class Assessment:
    trl: int
    ip_status: str
    remaining_years: int
    family_size: int
    market_readiness: str
    application_readiness: str


def band(amount: float) -> tuple[int, int | None]:
    """The fixed band an amount falls in."""
    for low, high in BANDS:
        if high is None or amount < high:
            return low, high
    raise AssertionError("the last band is open")  # pragma: no cover


def _round_down(amount: float) -> int:
    return int(amount // WAN) * WAN


def _round_up(amount: float) -> int:
    return -int(-amount // WAN) * WAN


def _stats(deals: list[Deal]) -> dict:
    amounts = [d.amount for d in deals]
    years = [d.year for d in deals]
    return {
        "count": len(deals),
        "years": [min(years), max(years)],
        "min": _round_down(min(amounts)),
        "median": round(median(amounts) / WAN) * WAN,
        "max": _round_up(max(amounts)),
    }


def aggregate(deals: list[Deal]) -> dict:
    """The comparables as the page and the API show them (see the module's docstring)."""
    count = len(deals)
    if count == 0:
        return {"count": 0, "median_band": None, "groups": [], "unshown": 0}
    low, high = band(median(d.amount for d in deals))
    if count < MIN_SHOWN:
        return {"count": count, "median_band": [low, high], "groups": [], "unshown": count}
    by_kind: dict[str, list[Deal]] = {}
    for deal in deals:
        by_kind.setdefault(deal.kind, []).append(deal)
    groups, rest = [], []
    for kind in sorted(by_kind):
        if len(by_kind[kind]) >= MIN_SHOWN:
            groups.append({"kind": kind, **_stats(by_kind[kind])})
        else:
            rest.extend(by_kind[kind])
    unshown = 0
    if len(rest) >= MIN_SHOWN:
        groups.append({"kind": None, "kinds": sorted({d.kind for d in rest}), **_stats(rest)})
    else:
        unshown = len(rest)
    years = [d.year for d in deals]
    return {
        "count": count,
        "years": [min(years), max(years)],
        "median_band": [low, high],
        "groups": groups,
        "unshown": unshown,
    }


def ip_factor(status: str, remaining_years: int, family_size: int) -> float:
    factor = IP_STATUS_BASE[status]
    if status in ("granted", "licensed"):
        factor *= 0.8 + 0.02 * min(remaining_years, 20)
    return factor * (1 + min(family_size, 10) * 0.01)


def suggest(assessment: Assessment, deals: list[Deal]) -> dict:
    """The suggested range (元) with the factors that made it; `low`/`high` None when there are no comparables.

    With one or two comparables the base is the middle of their median's band, never their amount, so the range
    and its reasons cannot be turned back into a deal's amount."""
    factors = {
        "trl": TRL_FACTOR[assessment.trl],
        "ip": round(ip_factor(assessment.ip_status, assessment.remaining_years, assessment.family_size), 3),
        "market": MARKET_FACTOR[assessment.market_readiness],
        "application": APPLICATION_FACTOR[assessment.application_readiness],
    }
    if not deals:
        return {"low": None, "high": None, "basis": "none", "base": None, "spread": None, "factors": factors}
    amounts = [d.amount for d in deals]
    if len(deals) >= MIN_SHOWN:
        base, basis, spread = float(median(amounts)), "median", SPREAD_WITH_COMPARABLES
    else:
        low, high = band(median(amounts))
        if high is None:  # the open top band has no middle: its lower bound stands for it
            base = float(low)
        elif low == 0:
            base = high / 2
        else:
            base = (low * high) ** 0.5
        basis, spread = "band", SPREAD_FEW_COMPARABLES
    centre = base
    for value in factors.values():
        centre *= value
    return {
        "low": max(WAN, _round_down(centre * (1 - spread))),
        "high": _round_up(centre * (1 + spread)),
        "basis": basis,
        "base": round(base / WAN) * WAN,
        "spread": spread,
        "factors": factors,
    }


def deal_year(signed_on: date | None, created: date) -> int:
    """A deal's year: when it was signed, or when it was drafted if no signing date is known."""
    return (signed_on or created).year
