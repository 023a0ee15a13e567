"""The three-year assessment (三年考核, §四(四)) recorded as the bureau's decision: the grade, the reasons, the three
annual evaluations it rests on (考核依据为三年内的各年度评估报告) and the grade they suggest. The latest assessment
decides whether a center may be recommended for promotion (优秀 only) or must rectify (不合格)."""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlmodel import Session, col, select

from app.oversight import rules
from app.oversight.services import notices
from app.oversight.services.access import commit_unique, get_center, log
from app.platform.errors import Conflict, Forbidden
from app.platform.permissions import may_see_center_records, require_bureau
from app.platform.validation import parse
from models import AssessmentIn, CenterAssessment, CenterEvaluation, EvaluationRound, Grade, User


def _annual(session: Session, center_id: int) -> dict[int, tuple[int, Grade | None]]:
    """year → (evaluation id, grade) of the center's annual evaluations."""
    rows = session.exec(
        select(CenterEvaluation, EvaluationRound.year)
        .join(EvaluationRound, col(EvaluationRound.id) == CenterEvaluation.round_id)
        .where(CenterEvaluation.center_id == center_id)
    ).all()
    out: dict[int, tuple[int, Grade | None]] = {}
    for evaluation, year in rows:
        assert evaluation.id is not None  # a stored evaluation
        out[year] = (evaluation.id, evaluation.grade)
    return out


@dataclass
class Suggestion:
    end_year: int
    evaluation_ids: list[int]
    grade: Grade | None
    problem: str | None  # why no assessment can be decided yet, in the reader's language


def suggestion(*, session: Session, user: User | None, center_id: int, end_year: int) -> Suggestion:
    """What the annual evaluations of the three years ending with `end_year` suggest, or why they cannot yet."""
    center = get_center(session, center_id)
    if not may_see_center_records(user, center):
        raise Forbidden(_("Only the bureau and the center itself may see its assessments."))
    try:
        ids, grade = rules.assessment_basis(
            _annual(session, center_id), end_year=end_year, status=center.status
        )
    except Conflict as exc:
        return Suggestion(end_year, [], None, exc.message)
    return Suggestion(end_year, ids, grade, None)


def decide(*, session: Session, user: User | None, center_id: int, data: dict) -> CenterAssessment:
    """The bureau records the assessment of the three years ending with `period_end_year`; once per period."""
    user = require_bureau(user)
    assessment_in = parse(AssessmentIn, data)
    center = get_center(session, center_id)
    assert center.id is not None  # a stored center
    end = assessment_in.period_end_year
    ids, suggested = rules.assessment_basis(_annual(session, center.id), end_year=end, status=center.status)
    row = CenterAssessment(
        center_id=center.id,
        period_start_year=end - rules.ASSESSMENT_YEARS + 1,
        period_end_year=end,
        evaluation_ids=ids,
        suggested=suggested,
        grade=assessment_in.grade,
        reasons=assessment_in.reasons,
        decided_by=user.id,
    )

    def write() -> None:
        session.add(row)
        session.flush()  # a second decision of the same period fails here
        assert center.id is not None and row.id is not None
        log(
            session,
            center_id=center.id,
            event_type="assessment_decided",
            actor=user,
            data={
                "assessment_id": row.id,
                "period": f"{row.period_start_year}-{end}",
                "grade": row.grade.value,
                "suggested": suggested.value,
                "reason": row.reasons,
            },
        )
        notices.center_step(
            session, center, kind="assessment_decided", state=row.grade.value, detail=row.reasons
        )

    commit_unique(
        session, _("The assessment of %(start)s–%(end)s is already recorded.", start=end - 2, end=end), write
    )
    session.refresh(row)
    return row


def assessments_of(*, session: Session, user: User | None, center_id: int) -> list[CenterAssessment]:
    """A center's assessments, latest period first, for the bureau and the center itself."""
    center = get_center(session, center_id)
    if not may_see_center_records(user, center):
        raise Forbidden(_("Only the bureau and the center itself may see its assessments."))
    return list(
        session.exec(
            select(CenterAssessment)
            .where(CenterAssessment.center_id == center_id)
            .order_by(col(CenterAssessment.period_end_year).desc())
        ).all()
    )


def latest(session: Session, center_id: int) -> CenterAssessment | None:
    """The assessment of the latest period, which is the one that counts."""
    return session.exec(
        select(CenterAssessment)
        .where(CenterAssessment.center_id == center_id)
        .order_by(col(CenterAssessment.period_end_year).desc())
    ).first()
