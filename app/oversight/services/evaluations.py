"""Annual evaluation (年度评估) of filed centers and the three-year assessment (三年考核)."""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlmodel import Session, col, select

from app.oversight import rules
from app.oversight.services import experts as expert_service
from app.oversight.services import indicators as indicator_service
from app.oversight.services import notices
from app.oversight.services.access import commit_unique, get_center, log, user_names
from app.platform.concurrency import versioned_update
from app.platform.errors import Conflict, Forbidden, NotFound
from app.platform.permissions import is_bureau, manages, may_see_center_records, require_bureau
from app.platform.validation import parse
from models import (
    AssignmentSubject,
    Center,
    CenterEvaluation,
    CenterStatus,
    EvaluationRound,
    Grade,
    GradeIn,
    PanelIn,
    ReportIn,
    RoundIn,
    User,
)
from models.common import utcnow


def indicators_for(*, session: Session, center_id: int, year: int) -> dict[str, dict[str, int]]:
    """The computed indicators of one center for one year, in the shape of GET /api/v1/indicators."""
    return indicator_service.figures(session, indicator_service.Scope(year=year, center_id=center_id))


def open_round(*, session: Session, user: User | None, data: dict) -> EvaluationRound:
    """Open a year's round; every center filed at that moment gets an evaluation to report on."""
    user = require_bureau(user)
    round_in = parse(RoundIn, data)
    round_ = EvaluationRound(
        year=round_in.year,
        deadline=round_in.deadline,
        weight_bounds=rules.check_bounds(round_in.weight_bounds),  # within which each center's weights lie
        created_by=user.id,
    )

    def write() -> EvaluationRound:
        session.add(round_)
        session.flush()
        assert round_.id is not None  # given by the flush
        evaluations = []
        for center in session.exec(select(Center).where(Center.status == CenterStatus.filed)).all():
            assert center.id is not None  # a stored center
            evaluations.append(CenterEvaluation(round_id=round_.id, center_id=center.id))
            session.add(evaluations[-1])
        session.flush()
        notices.evaluation_opened(session, round_, evaluations)
        return round_

    commit_unique(session, _("An evaluation round for %(year)s already exists.", year=round_in.year), write)
    session.refresh(round_)
    return round_


def rounds(*, session: Session) -> list[EvaluationRound]:
    return list(session.exec(select(EvaluationRound).order_by(col(EvaluationRound.year).desc())).all())


def evaluations_of_round(
    *, session: Session, user: User | None, round_id: int
) -> list[tuple[CenterEvaluation, Center]]:
    require_bureau(user)
    return list(
        session.exec(
            select(CenterEvaluation, Center)
            .join(Center, col(Center.id) == CenterEvaluation.center_id)
            .where(CenterEvaluation.round_id == round_id)
            .order_by(Center.name)
        ).all()
    )


def _load(session: Session, evaluation_id: int) -> CenterEvaluation:
    evaluation = session.get(CenterEvaluation, evaluation_id)
    if evaluation is None:
        raise NotFound(_("No such evaluation."))
    return evaluation


@dataclass
class EvaluationView:
    evaluation: CenterEvaluation
    round: EvaluationRound
    center: Center
    indicators: dict
    panel: list[tuple]  # (assignment, expert name)
    mean: float | None


def evaluation_view(*, session: Session, user: User | None, evaluation_id: int) -> EvaluationView:
    """One evaluation for the bureau, the center itself (without who scored what) and its assigned experts."""
    evaluation = _load(session, evaluation_id)
    center = session.get(Center, evaluation.center_id)
    # An evaluation's center is never deleted.
    assert center is not None and center.id is not None and evaluation.id is not None
    assigned = expert_service.is_assigned(
        session, user, subject=AssignmentSubject.evaluation, subject_id=evaluation.id
    )
    if not (may_see_center_records(user, center) or assigned):
        raise Forbidden(_("Only the bureau, the center and the assigned experts may see this evaluation."))
    round_ = session.get(EvaluationRound, evaluation.round_id)
    assert round_ is not None  # an evaluation's round is never deleted
    rows = expert_service.assignments_for(
        session, subject=AssignmentSubject.evaluation, subject_id=evaluation.id
    )
    names = user_names(session, [r.expert_id for r in rows])
    # The bureau sees the whole panel, an expert only their own row, the center the mean alone.
    shown = (
        rows
        if is_bureau(user)
        else [r for r in rows if assigned and user is not None and r.expert_id == user.id]
    )
    return EvaluationView(
        evaluation=evaluation,
        round=round_,
        center=center,
        indicators=indicators_for(session=session, center_id=center.id, year=round_.year),
        panel=[(r, names.get(r.expert_id, "")) for r in shown],
        mean=rules.panel_mean(expert_service.membership(r) for r in rows),
    )


def submit_report(*, session: Session, user: User | None, evaluation_id: int, data: dict) -> CenterEvaluation:
    """The center submits (or, until graded, revises) its operation and development report."""
    evaluation = _load(session, evaluation_id)
    center = session.get(Center, evaluation.center_id)
    # An evaluation's center is never deleted.
    assert center is not None and center.id is not None and evaluation.id is not None
    if not manages(user, center):
        raise Forbidden(_("Only the center's own users may submit its report."))
    report = parse(ReportIn, data).model_dump()
    # The first submission opens scoring: decided by the database, so two at once open it (and notify) once.
    first = versioned_update(
        session,
        CenterEvaluation,
        evaluation.id,
        where=[col(CenterEvaluation.submitted_at).is_(None), col(CenterEvaluation.grade).is_(None)],
        values={"submitted_at": utcnow()},
    )
    versioned_update(
        session,
        CenterEvaluation,
        evaluation.id,
        where=[col(CenterEvaluation.grade).is_(None)],
        values={"report": report, "submitted_at": utcnow()},
        conflict=Conflict(_("This evaluation has already been graded; the report can no longer change.")),
    )
    log(
        session,
        center_id=center.id,
        event_type="report_submitted",
        actor=user,
        data={"evaluation_id": evaluation.id},
    )
    if first:  # a revision of a report already in opens nothing new
        notices.scoring_open(session, evaluation)
    session.commit()
    session.refresh(evaluation)
    return evaluation


def assign_experts(
    *, session: Session, user: User | None, evaluation_id: int, data: dict
) -> CenterEvaluation:
    """The bureau asks experts to score a center's report."""
    user = require_bureau(user)
    panel_in = parse(PanelIn, data)
    evaluation = _load(session, evaluation_id)
    if evaluation.grade is not None:
        raise Conflict(_("This evaluation has already been graded."))

    def write() -> None:
        assigned = expert_service.assign(
            session,
            subject=AssignmentSubject.evaluation,
            subject_id=evaluation_id,
            expert_ids=panel_in.expert_ids,
        )
        session.flush()  # the assignments' ids, for the notices' links; a racing duplicate fails here
        notices.evaluation_assigned(session, evaluation, assigned)

    commit_unique(session, _("These experts are already assigned."), write)
    return evaluation


def grade(*, session: Session, user: User | None, evaluation_id: int, data: dict) -> CenterEvaluation:
    """The bureau's grade (优秀/良好/合格/不合格) and remarks, once the report is in."""
    user = require_bureau(user)
    grade_in = parse(GradeIn, data)
    evaluation = _load(session, evaluation_id)
    if evaluation.submitted_at is None:
        raise Conflict(_("The center has not submitted its report yet."))
    assert evaluation.id is not None  # a stored evaluation
    versioned_update(
        session,
        CenterEvaluation,
        evaluation.id,
        where=[col(CenterEvaluation.grade).is_(None)],
        values={
            "grade": grade_in.grade,
            "remarks": grade_in.remarks,
            "graded_by": user.id,
            "graded_at": utcnow(),
        },
        conflict=Conflict(_("This evaluation has already been graded.")),
    )
    log(
        session,
        center_id=evaluation.center_id,
        event_type="graded",
        actor=user,
        data={"evaluation_id": evaluation.id, "grade": grade_in.grade.value},
    )
    session.commit()
    session.refresh(evaluation)
    return evaluation


def center_evaluations(
    *, session: Session, user: User | None, center_id: int
) -> list[tuple[CenterEvaluation, EvaluationRound]]:
    """A center's evaluations, newest year first, for the bureau and the center itself."""
    center = get_center(session, center_id)
    if not may_see_center_records(user, center):
        raise Forbidden(_("Only the bureau and the center itself may see its evaluations."))
    return list(
        session.exec(
            select(CenterEvaluation, EvaluationRound)
            .join(EvaluationRound, col(EvaluationRound.id) == CenterEvaluation.round_id)
            .where(CenterEvaluation.center_id == center_id)
            .order_by(col(EvaluationRound.year).desc())
        ).all()
    )


def assessment(*, session: Session, user: User | None, center_id: int, end_year: int) -> rules.Assessment:
    """The three-year assessment ending with `end_year`, from the annual grades."""
    grades: dict[int, Grade | None] = {
        r.year: e.grade for e, r in center_evaluations(session=session, user=user, center_id=center_id)
    }
    return rules.three_year_assessment(grades, end_year=end_year)
