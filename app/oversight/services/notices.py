"""Who the bureau's workflow tells what, and in which words: the applicant (its lead unit's users) at every step of
its application, experts when assigned and when they may score, centers (the users of the organization that runs
one, who `manages` it) when their annual evaluation opens or their report is due.

Every function adds its notices to the caller's transaction (`notify` does not commit), so a notice exists exactly
when the step it reports was committed; the sentences are `app.platform.notifications.KIND_TEXT`'s.
"""

from collections.abc import Iterable
from datetime import date, timedelta

from sqlmodel import Session, col, select

from app.platform.notifications import notify
from models import (
    AssignmentSubject,
    Center,
    CenterApplication,
    CenterEvaluation,
    CenterStatus,
    EvaluationRound,
    ExpertAssignment,
    Notification,
)

# An application's history event -> the kind of the applicant's notice.
APPLICATION_KINDS = {
    "review_started": "application_review",
    "review_passed": "application_inspection",
    "notice_opened": "application_notice",
    "objection_raised": "application_objection",
    "filed": "application_filed",
    "review_refused": "application_refused",
    "inspection_failed": "application_refused",
    "refused": "application_refused",
}


def application_step(
    session: Session,
    application: CenterApplication,
    center: Center,
    *,
    event: str,
    status: CenterStatus,
    data: dict,
) -> None:
    """Tell the applicant what its application became; a refusal carries its reasons, a notice its end date."""
    kind = APPLICATION_KINDS.get(event)
    if kind is None:
        return
    assert application.id is not None  # a stored application
    detail = None
    if kind == "application_refused":
        detail = str(data.get("reason") or "")
    elif kind == "application_notice" and data.get("notice_ends"):
        detail = str(data["notice_ends"])[:10]
    notify(
        session=session,
        org_id=application.applicant_org_id,
        kind=kind,
        subject_type="application",
        subject_id=application.id,
        text=center.name,
        state=status.value,
        detail=detail,
    )


def panel_assigned(session: Session, center: Center, assigned: Iterable[ExpertAssignment]) -> None:
    """Experts just put on an application's panel: they may score at once. The rows must be flushed (ids)."""
    for row in assigned:
        assert row.id is not None  # flushed with the application's step
        notify(
            session=session,
            user_ids=[row.expert_id],
            kind="review_assigned",
            subject_type="assignment",
            subject_id=row.id,
            text=center.name,
        )


def evaluation_assigned(
    session: Session, evaluation: CenterEvaluation, assigned: Iterable[ExpertAssignment]
) -> None:
    """Experts just asked to score a center's evaluation; when its report is already in, scoring is open too."""
    center, round_ = _evaluation_context(session, evaluation)
    for row in assigned:
        assert row.id is not None  # flushed by the caller
        for kind in (
            ("evaluation_assigned", "scoring_open") if evaluation.submitted_at else ("evaluation_assigned",)
        ):
            notify(
                session=session,
                user_ids=[row.expert_id],
                kind=kind,
                subject_type="assignment",
                subject_id=row.id,
                text=center.name,
                detail=str(round_.year),
            )


def scoring_open(session: Session, evaluation: CenterEvaluation) -> None:
    """The center submitted its report: every expert assigned who has not declared a conflict may score now."""
    center, round_ = _evaluation_context(session, evaluation)
    rows = session.exec(
        select(ExpertAssignment)
        .where(
            ExpertAssignment.subject == AssignmentSubject.evaluation,
            ExpertAssignment.subject_id == evaluation.id,
            col(ExpertAssignment.conflict).is_not(True),
            col(ExpertAssignment.weighted_score).is_(None),
        )
        .order_by(col(ExpertAssignment.id))
    ).all()
    for row in rows:
        assert row.id is not None  # a stored assignment
        notify(
            session=session,
            user_ids=[row.expert_id],
            kind="scoring_open",
            subject_type="assignment",
            subject_id=row.id,
            text=center.name,
            detail=str(round_.year),
        )


def evaluation_opened(
    session: Session, round_: EvaluationRound, evaluations: Iterable[CenterEvaluation]
) -> None:
    """A round opened: each filed center's users learn their report's deadline (the evaluations must be flushed)."""
    for evaluation in evaluations:
        center = session.get(Center, evaluation.center_id)
        assert center is not None and evaluation.id is not None  # a stored center; flushed by the caller
        notify(
            session=session,
            org_id=center.org_id,
            kind="evaluation_opened",
            subject_type="evaluation",
            subject_id=evaluation.id,
            text=center.name,
            detail=round_.deadline.isoformat(),
        )


def reports_due(session: Session, *, today: date, within_days: int) -> int:
    """Remind each center whose report is still missing and due within `within_days` (or overdue), once per
    evaluation: meant for a daily cron job (`flask notify reports-due`). Returns how many evaluations were
    reminded; the caller commits."""
    reminded = select(Notification.subject_id).where(
        Notification.kind == "report_due", Notification.subject_type == "evaluation"
    )
    rows = session.exec(
        select(CenterEvaluation, EvaluationRound, Center)
        .join(EvaluationRound, col(EvaluationRound.id) == CenterEvaluation.round_id)
        .join(Center, col(Center.id) == CenterEvaluation.center_id)
        .where(
            col(CenterEvaluation.submitted_at).is_(None),
            col(CenterEvaluation.grade).is_(None),
            EvaluationRound.deadline <= today + timedelta(days=within_days),
            col(CenterEvaluation.id).not_in(reminded),
        )
        .order_by(col(CenterEvaluation.id))
    ).all()
    count = 0
    for evaluation, round_, center in rows:
        assert evaluation.id is not None  # a stored evaluation
        sent = notify(
            session=session,
            org_id=center.org_id,
            kind="report_due",
            subject_type="evaluation",
            subject_id=evaluation.id,
            text=center.name,
            detail=round_.deadline.isoformat(),
        )
        count += bool(sent)
    return count


def _evaluation_context(session: Session, evaluation: CenterEvaluation) -> tuple[Center, EvaluationRound]:
    center = session.get(Center, evaluation.center_id)
    round_ = session.get(EvaluationRound, evaluation.round_id)
    assert center is not None and round_ is not None  # an evaluation's center and round are never deleted
    return center, round_


def center_step(
    session: Session,
    center: Center,
    *,
    kind: str,
    state: str | None = None,
    detail: str | None = None,
    subject: tuple[str, int] | None = None,
) -> None:
    """Tell a center's users what the bureau decided about it: an assessment, a rectification step, a
    revocation (with its reasons)."""
    assert center.id is not None  # a stored center
    subject_type, subject_id = subject or ("center_assessment", center.id)
    notify(
        session=session,
        org_id=center.org_id,
        kind=kind,
        subject_type=subject_type,
        subject_id=subject_id,
        text=center.name,
        state=state,
        detail=detail,
    )
