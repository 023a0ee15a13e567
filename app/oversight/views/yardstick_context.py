"""What the oversight pages show of the yardsticks (targets, assessments, rectification, weights): the context the
center, my-center and evaluation pages merge into theirs. Apart from the yardsticks' own views, which render those
pages again after a refused form, so neither module imports the other in a circle."""

from datetime import date

from sqlmodel import Session

from app.oversight.services import assessments, rectification, targets, weights
from app.oversight.services import indicators as indicator_service
from models import CenterEvaluation, EvaluationRound, User


def center_context(session: Session, user: User | None, center_id: int) -> dict:
    """What the bureau's center page and the center's own page show of targets, assessments and rectification."""
    year = date.today().year
    return {
        "targets_year": year,
        "target_rows": targets.center_targets(session=session, user=user, center_id=center_id, year=year),
        "indicator_names": indicator_service.INDICATOR_NAMES,
        "amount_indicators": indicator_service.MONEY_INDICATORS,
        "assessments": assessments.assessments_of(session=session, user=user, center_id=center_id),
        "suggestion": assessments.suggestion(
            session=session, user=user, center_id=center_id, end_year=year - 1
        ),
        "rectifications": rectification.rectifications_of(session=session, user=user, center_id=center_id),
        "today": date.today(),
    }


def evaluation_context(session: Session, user: User | None, evaluation: CenterEvaluation, year: int) -> dict:
    """The evaluation page's targets of the year (定量指标的完成情况) and the center's weights within the bounds."""
    round_ = session.get(EvaluationRound, evaluation.round_id)
    assert round_ is not None  # an evaluation's round is never deleted
    return {
        # Whoever may see the evaluation (its experts too) sees the targets it is judged against.
        "target_rows": targets.target_progress(session, evaluation.center_id, year),
        "weights": weights.weights_of(evaluation),
        "weight_bounds": weights.bounds_of(round_),
    }
