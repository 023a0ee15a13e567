"""Per-center weights of the evaluation's aspects (评估考核的内容可根据每个创新中心的功能定位有所侧重, §四(四)): the
bureau sets them for one center's evaluation within the [min, max] the round sets for each aspect, summing to 100;
the experts' weighted scores of that evaluation use them."""

from flask_babel import gettext as _
from sqlmodel import Session, col, select

from app.oversight import rules
from app.oversight.services.access import log
from app.platform.concurrency import versioned_update
from app.platform.errors import Conflict, NotFound
from app.platform.permissions import require_bureau
from app.platform.validation import parse
from models import AssignmentSubject, CenterEvaluation, EvaluationRound, ExpertAssignment, User, WeightsIn


def bounds_of(round_: EvaluationRound) -> dict[str, list[int]]:
    return dict(round_.weight_bounds) or rules.default_bounds()


def weights_of(evaluation: CenterEvaluation) -> dict[str, int]:
    """The weights this evaluation is scored with: the center's own, else the defaults."""
    return dict(evaluation.weights) or dict(rules.EVALUATION_CRITERIA)


def set_weights(*, session: Session, user: User | None, evaluation_id: int, data: dict) -> CenterEvaluation:
    """The bureau weights a center's evaluation by its function; before any expert has scored it."""
    user = require_bureau(user)
    weights_in = parse(WeightsIn, data)
    evaluation = session.get(CenterEvaluation, evaluation_id)
    if evaluation is None:
        raise NotFound(_("No such evaluation."))
    round_ = session.get(EvaluationRound, evaluation.round_id)
    assert round_ is not None and evaluation.id is not None  # an evaluation's round is never deleted
    weights = rules.check_center_weights(weights_in.weights, bounds_of(round_))
    scored = session.exec(
        select(ExpertAssignment.id).where(
            ExpertAssignment.subject == AssignmentSubject.evaluation,
            ExpertAssignment.subject_id == evaluation.id,
            col(ExpertAssignment.weighted_score).is_not(None),
        )
    ).first()
    if scored is not None:
        raise Conflict(_("An expert has already scored this evaluation; its weights can no longer change."))
    versioned_update(
        session,
        CenterEvaluation,
        evaluation.id,
        where=[col(CenterEvaluation.grade).is_(None)],
        values={"weights": weights},
        conflict=Conflict(_("This evaluation has already been graded.")),
    )
    log(
        session,
        center_id=evaluation.center_id,
        event_type="weights_set",
        actor=user,
        data={"evaluation_id": evaluation.id, "weights": weights},
    )
    session.commit()
    session.refresh(evaluation)
    return evaluation
