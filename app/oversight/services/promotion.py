"""Promotion of a filed center to a higher level: the bureau's recommendation and its outcome."""

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import update
from sqlmodel import Session, col, select

from app.oversight import rules
from app.oversight.services import assessments
from app.oversight.services.access import commit_unique, get_center, log
from app.platform.errors import Conflict, NotFound
from app.platform.permissions import require_bureau
from app.platform.validation import parse
from models import (
    Center,
    Promotion,
    PromotionIn,
    PromotionOutcome,
    PromotionOutcomeIn,
    User,
)
from models.common import utcnow


def promotions_of(session: Session, center_id: int) -> list[Promotion]:
    return list(
        session.exec(
            select(Promotion)
            .where(Promotion.center_id == center_id)
            .order_by(col(Promotion.recommended_on), col(Promotion.id))
        ).all()
    )


def recommend_promotion(*, session: Session, user: User | None, center_id: int, data: dict) -> Promotion:
    """The bureau recommends a filed center whose latest three-year assessment is excellent for the next level."""
    user = require_bureau(user)
    promotion_in = parse(PromotionIn, data)
    center = get_center(session, center_id)
    assert center.id is not None  # a stored center
    pending = any(p.outcome == PromotionOutcome.pending for p in promotions_of(session, center.id))
    target = rules.promotion_target(status=center.status, level=center.level, pending=pending)
    # Only an excellent (优秀) center is promoted (§三(三)): its latest recorded three-year assessment says so.
    latest = assessments.latest(session, center.id)
    rules.promotion_allowed(latest.grade if latest else None)
    promotion = Promotion(
        center_id=center.id,
        from_level=center.level,
        to_level=target,
        basis=promotion_in.basis,
        recommended_on=date.today(),
        recommended_by=user.id,
        pending_center_id=center.id,
    )

    def write() -> None:
        session.add(promotion)
        assert center.id is not None  # a stored center
        log(
            session,
            center_id=center.id,
            event_type="promotion_recommended",
            actor=user,
            data={"to_level": target.value},
        )

    commit_unique(
        session, _("This center already has a promotion recommendation awaiting its outcome."), write
    )
    session.refresh(promotion)
    return promotion


def record_promotion_outcome(
    *, session: Session, user: User | None, promotion_id: int, data: dict
) -> Promotion:
    """The province's or the nation's answer; approval raises the center's level."""
    require_bureau(user)
    outcome_in = parse(PromotionOutcomeIn, data)
    promotion = session.get(Promotion, promotion_id)
    if promotion is None:
        raise NotFound(_("No such promotion record."))
    current = promotion.outcome
    outcome = rules.promotion_outcome(current=current, approved=outcome_in.approved)
    # Only from the outcome the rule was asked about: of two answers at once, the first is recorded.
    result = session.execute(
        update(Promotion)
        .where(col(Promotion.id) == promotion.id, col(Promotion.outcome) == current)
        .values(
            outcome=outcome,
            outcome_on=outcome_in.decided_on,
            remarks=outcome_in.remarks,
            pending_center_id=None,
        )
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]  # an UPDATE's result is a CursorResult, typed as Result
        session.rollback()
        raise Conflict(_("The outcome of this promotion is already recorded."))
    if outcome == PromotionOutcome.approved:
        session.execute(
            update(Center)
            .where(col(Center.id) == promotion.center_id, col(Center.level) == promotion.from_level)
            .values(level=promotion.to_level, updated_at=utcnow())
        )
    log(
        session,
        center_id=promotion.center_id,
        event_type="promotion_" + outcome.value,
        actor=user,
        data={"to_level": promotion.to_level.value, "on": outcome_in.decided_on.isoformat()},
    )
    session.commit()
    session.refresh(promotion)
    return promotion
