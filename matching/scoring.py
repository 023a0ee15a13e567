"""Structured fit of a candidate to a query: cooperation mode, TRL per deal kind, budget, region, freshness."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

# Unknown fields score this: a listing that leaves TRL or price blank should not sink below ones that state
# a poor fit, nor rise above ones that state a good fit.
NEUTRAL = 0.5
FRESHNESS_HALF_LIFE_DAYS = 180.0


@dataclass(slots=True)
class MatchItem:
    """One thing that can be matched: a need, an achievement, a service or a center (public fields only).

    Not the database row: the app turns a row into this through its search document. Slots, not a dict per
    object: the matcher keeps one of these per listing, a million of them in a large market.
    """

    id: int
    kind: str
    title: str
    text: str
    industry: str | None = None
    cooperation_modes: list[str] = field(default_factory=list)
    trl: int | None = None
    budget_min: float | None = None
    budget_max: float | None = None
    price: float | None = None
    region: str | None = None
    updated_at: float | None = None
    offers_incubation: bool = False

    @property
    def full_text(self) -> str:
        """Title and description as one text for analysis."""
        return f"{self.title or ''}\n{self.text or ''}".strip()


MODE_BITS = {
    m: 1 << i for i, m in enumerate(("commission", "license", "transfer", "joint", "service", "incubation"))
}


def mode_mask(modes) -> int:
    """Return the bitmask of a collection of cooperation modes (unknown modes are ignored)."""
    mask = 0
    for mode in modes or ():
        mask |= MODE_BITS.get(mode, 0)
    return mask


@dataclass
class Columns:
    """Structured fields of many candidates as arrays, so fit is computed for a whole pool at once."""

    industry: np.ndarray
    modes: np.ndarray
    trl: np.ndarray
    price: np.ndarray
    budget_max: np.ndarray
    region: np.ndarray
    updated_at: np.ndarray

    def take(self, rows) -> Columns:
        """Return the columns of some rows."""
        return Columns(**{name: getattr(self, name)[rows] for name in self.__dataclass_fields__})


def _number(value) -> float:
    return float("nan") if value is None else float(value)


def columns_of(listings: list[MatchItem]) -> Columns:
    """Return the structured columns of listings."""
    return Columns(
        industry=np.array([x.industry or "" for x in listings], dtype=object),
        # Narrow types where the values allow: at a million listings every byte per row is a megabyte.
        modes=np.array([mode_mask(x.cooperation_modes) for x in listings], dtype=np.int16),
        trl=np.array([_number(x.trl) for x in listings], dtype=np.float32),
        price=np.array([_number(x.price) for x in listings], dtype=np.float64),
        budget_max=np.array([_number(x.budget_max) for x in listings], dtype=np.float64),
        region=np.array([(x.region or "").strip() for x in listings], dtype=object),
        updated_at=np.array([_number(x.updated_at) for x in listings], dtype=np.float64),
    )


def trl_for_license(trl: np.ndarray) -> np.ndarray:
    """Licensing and transfer want a proven technology: TRL 8-9 fits fully, TRL 3 and below not at all."""
    return np.clip((trl - 3) / 5, 0.0, 1.0)


def trl_for_commission(trl: np.ndarray) -> np.ndarray:
    """Commissioned R&D starts from an idea: any stated TRL fits."""
    return np.ones_like(trl)


def trl_for_incubation(trl: np.ndarray) -> np.ndarray:
    """A new firm needs something demonstrated but not yet a product line: TRL 5-8 fits best."""
    fit = np.where((trl >= 5) & (trl <= 8), 1.0, np.where((trl == 4) | (trl == 9), 0.6, 0.2))
    return np.where(np.isnan(trl), np.nan, fit)  # unknown stays unknown (neutral), not a poor fit


def trl_for_need(query: MatchItem):
    """An achievement offered to needs fits a need when it is at least as ready as the need asks."""
    offered = _number(query.trl)
    return lambda asked: np.clip(1.0 - 0.25 * np.maximum(0.0, asked - offered), 0.0, 1.0)


# An instrument has no readiness of its own: any fits (its TRL column is empty, so the fit stays neutral).
TRL_FIT = {
    "license": trl_for_license,
    "commission": trl_for_commission,
    "incubation": trl_for_incubation,
    "instruments": trl_for_commission,
    # Eligibility by TRL is decided outside the matcher (app/financing/rules.py): neutral here.
    "finance_products": lambda trl: np.full_like(trl, np.nan),
    "financing_requests": lambda trl: np.full_like(trl, np.nan),
}


def trl_fit(query: MatchItem, columns: Columns, rec_kind: str) -> np.ndarray:
    """Return how well each candidate's technology readiness suits this kind of deal, in [0, 1]."""
    fit = trl_for_need(query) if rec_kind == "needs" else TRL_FIT[rec_kind]
    with np.errstate(invalid="ignore"):
        values = fit(columns.trl)
    return np.where(np.isnan(values), NEUTRAL, values)


def budget_fit(query: MatchItem, columns: Columns) -> np.ndarray:
    """Return how a price fits a budget: 1 within budget, decaying with the overshoot, neutral if unknown."""
    if query.kind == "need":
        price, budget = columns.price, np.full(len(columns.price), _number(query.budget_max))
    else:
        price, budget = np.full(len(columns.budget_max), _number(query.price)), columns.budget_max
    with np.errstate(invalid="ignore", divide="ignore"):
        fit = np.where(price <= budget, 1.0, np.clip(budget / price, 0.0, 1.0))
    return np.where(np.isnan(price) | np.isnan(budget) | (budget <= 0), NEUTRAL, fit)


def mode_fit(columns: Columns, wanted: int) -> np.ndarray:
    """Return 1 when a candidate offers a wanted cooperation mode, 0 when it offers only others."""
    if not wanted:
        return np.full(len(columns.modes), NEUTRAL)
    return np.where(columns.modes == 0, NEUTRAL, ((columns.modes & wanted) != 0).astype(np.float64))


def region_fit(query: MatchItem, columns: Columns) -> np.ndarray:
    """Return 1 for the same region: site visits and joint work are cheaper close by."""
    region = (query.region or "").strip()
    if not region:
        return np.zeros(len(columns.region))
    return (columns.region == region).astype(np.float64)


def freshness(columns: Columns, now: float | None = None) -> np.ndarray:
    """Return 1 for a listing updated now, halving every FRESHNESS_HALF_LIFE_DAYS; neutral if unknown."""
    age_days = np.maximum(0.0, ((now or time.time()) - columns.updated_at) / 86400)
    return np.where(np.isnan(age_days), NEUTRAL, np.power(0.5, age_days / FRESHNESS_HALF_LIFE_DAYS))
