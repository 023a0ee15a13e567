"""The plan's targets (§一(二): how many city, provincial and national centers by a target year) and each
center's annual targets for the quantitative indicators, with progress against both.

A promotion replaces a center's level, so counting city-level centers by their level now would undercount what
the city created: a center counts towards the city-level targets by the level it was created at (its first
promotion's `from_level`, else its level), and towards the provincial and national targets by where it is now."""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlmodel import Session, col, delete, select

from app.oversight.services import indicators as indicator_service
from app.oversight.services.access import commit_unique, get_center, log
from app.platform.errors import Forbidden, Invalid
from app.platform.permissions import may_see_center_records, require_bureau
from app.platform.validation import parse
from models import (
    Center,
    CenterLevel,
    CenterStatus,
    CenterTarget,
    CenterTargetsIn,
    PlanTarget,
    PlanTargetIn,
    Promotion,
    User,
)
from models.common import utcnow

# The plan's own figures (§一(二)): by 2020, 8–10 city-level centers and 3–4 promoted to the province; by 2025,
# 10–15 city-level, 8–10 provincial, 1–2 national. The demo loads them; the bureau edits them.
SEED_TARGETS = (
    (2020, CenterLevel.city, 8, 10),
    (2020, CenterLevel.province, 3, 4),
    (2025, CenterLevel.city, 10, 15),
    (2025, CenterLevel.province, 8, 10),
    (2025, CenterLevel.national, 1, 2),
)
# Centers that count towards the plan: filed ones (a revoked or refused center is not one of the city's).
COUNTED = (CenterStatus.filed,)


def created_levels(session: Session) -> dict[int, CenterLevel]:
    """center id → the level it was created at: its first promotion's starting level, else its level now."""
    centers = session.exec(select(Center).where(col(Center.status).in_(COUNTED))).all()
    first: dict[int, CenterLevel] = {}
    for promotion in session.exec(
        select(Promotion).order_by(col(Promotion.recommended_on), col(Promotion.id))
    ):
        first.setdefault(promotion.center_id, promotion.from_level)
    return {c.id: first.get(c.id, c.level) for c in centers if c.id is not None}


def level_counts(session: Session) -> dict[str, int]:
    """How many centers count towards each level's target (see the module's note)."""
    centers = session.exec(select(Center).where(col(Center.status).in_(COUNTED))).all()
    created = created_levels(session)
    return {
        CenterLevel.city.value: sum(
            1 for c in centers if c.id is not None and created[c.id] == CenterLevel.city
        ),
        CenterLevel.province.value: sum(1 for c in centers if c.level == CenterLevel.province),
        CenterLevel.national.value: sum(1 for c in centers if c.level == CenterLevel.national),
    }


@dataclass
class PlanProgress:
    target: PlanTarget
    actual: int

    @property
    def reached(self) -> bool:
        return self.actual >= self.target.min_count

    @property
    def percent(self) -> int:
        """Progress towards the lower end of the range, capped at 100."""
        if self.target.min_count == 0:
            return 100
        return min(100, round(100 * self.actual / self.target.min_count))


def plan_targets(session: Session) -> list[PlanTarget]:
    order = list(CenterLevel)
    rows = session.exec(select(PlanTarget)).all()
    return sorted(rows, key=lambda t: (t.target_year, order.index(t.level)))


def plan_progress(session: Session) -> list[PlanProgress]:
    counts = level_counts(session)
    return [PlanProgress(t, counts[t.level.value]) for t in plan_targets(session)]


def set_plan_target(*, session: Session, user: User | None, data: dict) -> PlanTarget:
    """The bureau records (or corrects) the range the plan sets for one level by one target year."""
    user = require_bureau(user)
    target_in = parse(PlanTargetIn, data)
    if target_in.max_count < target_in.min_count:
        raise Invalid(
            _("Some fields are not valid."), {"max_count": _("The upper bound is below the lower bound.")}
        )
    row = session.exec(
        select(PlanTarget).where(
            PlanTarget.target_year == target_in.target_year, PlanTarget.level == target_in.level
        )
    ).first() or PlanTarget(
        target_year=target_in.target_year, level=target_in.level, min_count=0, max_count=0
    )
    row.min_count, row.max_count = target_in.min_count, target_in.max_count
    row.updated_by, row.updated_at = user.id, utcnow()

    def write() -> None:
        session.add(row)

    commit_unique(session, _("This target was just recorded by someone else; reload and try again."), write)
    session.refresh(row)
    return row


def load_seed_targets(session: Session) -> None:
    """The plan's figures, where none is recorded yet (the demo's targets)."""
    for year, level, low, high in SEED_TARGETS:
        exists = session.exec(
            select(PlanTarget.id).where(PlanTarget.target_year == year, PlanTarget.level == level)
        ).first()
        if exists is None:
            session.add(PlanTarget(target_year=year, level=level, min_count=low, max_count=high))
    session.flush()


# --- a center's annual targets ----------------------------------------------------------------------------------------


@dataclass
class TargetProgress:
    indicator: str
    target_count: int | None
    target_amount: int | None
    count: int
    amount: int | None

    @property
    def met(self) -> bool:
        count_ok = self.target_count is None or self.count >= self.target_count
        amount_ok = self.target_amount is None or (self.amount or 0) >= self.target_amount
        return count_ok and amount_ok


def center_targets(*, session: Session, user: User | None, center_id: int, year: int) -> list[TargetProgress]:
    """A center's targets of a year beside its figures of that year (定量指标的完成情况)."""
    center = get_center(session, center_id)
    if not may_see_center_records(user, center):
        raise Forbidden(_("Only the bureau and the center itself may see its targets."))
    return target_progress(session, center_id, year)


def target_progress(session: Session, center_id: int, year: int) -> list[TargetProgress]:
    """The same, unchecked: for callers that have already decided who may see them (an evaluation's experts)."""
    rows = session.exec(
        select(CenterTarget).where(CenterTarget.center_id == center_id, CenterTarget.year == year)
    ).all()
    if not rows:
        return []
    figures = indicator_service.figures(session, indicator_service.Scope(year=year, center_id=center_id))
    order = {name: i for i, name in enumerate(indicator_service.INDICATOR_NAMES)}
    return [
        TargetProgress(
            indicator=r.indicator,
            target_count=r.target_count,
            target_amount=r.target_amount,
            count=figures.get(r.indicator, {}).get("count", 0),
            amount=figures.get(r.indicator, {}).get("amount"),
        )
        for r in sorted(rows, key=lambda r: order.get(r.indicator, 99))
    ]


def set_center_targets(
    *, session: Session, user: User | None, center_id: int, data: dict
) -> list[CenterTarget]:
    """The bureau sets a center's targets for a year, replacing those it had: each a known quantitative
    indicator with a count and/or (for the money indicators) an amount in yuan."""
    user = require_bureau(user)
    targets_in = parse(CenterTargetsIn, data)
    center = get_center(session, center_id)
    assert center.id is not None  # a stored center
    seen: set[str] = set()
    for t in targets_in.targets:
        if t.indicator not in indicator_service.INDICATOR_NAMES:
            raise Invalid(
                _("Some fields are not valid."),
                {"targets": _("Unknown indicator: %(name)s.", name=t.indicator)},
            )
        if t.indicator in seen:
            raise Invalid(
                _("Some fields are not valid."), {"targets": _("%(name)s is given twice.", name=t.indicator)}
            )
        if t.target_amount is not None and t.indicator not in indicator_service.MONEY_INDICATORS:
            raise Invalid(
                _("Some fields are not valid."),
                {"targets": _("%(name)s has no amount; give a count.", name=t.indicator)},
            )
        if t.target_count is None and t.target_amount is None:
            raise Invalid(
                _("Some fields are not valid."),
                {"targets": _("Give a count or an amount for %(name)s.", name=t.indicator)},
            )
        seen.add(t.indicator)
    rows = [
        CenterTarget(
            center_id=center.id,
            year=targets_in.year,
            indicator=t.indicator,
            target_count=t.target_count,
            target_amount=t.target_amount,
            updated_by=user.id,
        )
        for t in targets_in.targets
    ]

    def write() -> None:
        session.execute(
            delete(CenterTarget).where(
                col(CenterTarget.center_id) == center.id, col(CenterTarget.year) == targets_in.year
            )
        )
        session.add_all(rows)
        session.flush()
        assert center.id is not None
        log(
            session,
            center_id=center.id,
            event_type="targets_set",
            actor=user,
            data={"year": targets_in.year, "indicators": sorted(seen)},
        )

    commit_unique(session, _("These targets were just changed by someone else; reload and try again."), write)
    return rows
