"""Demo records of the policy's yardsticks: the plan's targets with the seed's figures, this year's targets of two
centers, two recorded three-year assessments (an excellent center the bureau may recommend for promotion, a
failing one) and the rectification the failing one is under. Loading twice changes nothing."""

import json
from datetime import date, timedelta
from pathlib import Path

from sqlmodel import Session, col, select

from app.ops.demo_oversight import _log_once
from app.oversight import rules
from app.oversight.services import targets
from models import (
    Center,
    CenterAssessment,
    CenterEvaluation,
    CenterTarget,
    EvaluationRound,
    Grade,
    Rectification,
    User,
)
from models.common import utcnow


def load_assessments(
    *, session: Session, path: Path, centers: dict[str, Center], bureau: User
) -> dict[str, int]:
    data = json.loads(path.read_text(encoding="utf-8"))
    today = date.today()
    targets.load_seed_targets(session)

    for item in data["center_targets"]:
        center = centers[item["center_key"]]
        assert center.id is not None  # a stored center
        target = session.exec(
            select(CenterTarget).where(
                CenterTarget.center_id == center.id,
                CenterTarget.year == today.year,
                CenterTarget.indicator == item["indicator"],
            )
        ).first() or CenterTarget(center_id=center.id, year=today.year, indicator=item["indicator"])
        target.target_count, target.target_amount = item.get("target_count"), item.get("target_amount")
        target.updated_by = bureau.id
        session.add(target)

    assessments: dict[str, CenterAssessment] = {}
    for item in data["assessments"]:
        center = centers[item["center_key"]]
        end = item["period_end_year"]
        evaluations = [
            (e.id, Grade(e.grade or Grade.failed))  # graded ones only (the query)
            for e, _year in session.exec(
                select(CenterEvaluation, EvaluationRound.year)
                .join(EvaluationRound, col(EvaluationRound.id) == CenterEvaluation.round_id)
                .where(
                    CenterEvaluation.center_id == center.id,
                    col(EvaluationRound.year) >= end - rules.ASSESSMENT_YEARS + 1,
                    col(EvaluationRound.year) <= end,
                    col(CenterEvaluation.grade).is_not(None),
                )
                .order_by(col(EvaluationRound.year))
            ).all()
            if e.id is not None
        ]
        decided = session.exec(
            select(CenterAssessment).where(CenterAssessment.demo_key == item["key"])
        ).first()
        if decided is None:
            assert center.id is not None  # a stored center
            decided = CenterAssessment(
                demo_key=item["key"],
                center_id=center.id,
                period_start_year=end - rules.ASSESSMENT_YEARS + 1,
                period_end_year=end,
                grade=item["grade"],
                reasons=item["reasons"],
            )
        decided.evaluation_ids = [e for e, _g in evaluations]
        decided.suggested = rules.suggested_grade([g for _e, g in evaluations])
        decided.decided_by = bureau.id
        session.add(decided)
        session.flush()
        assessments[item["key"]] = decided
        _log_once(
            session,
            center,
            "assessment_decided",
            utcnow(),
            {
                "assessment_id": decided.id,
                "period": f"{decided.period_start_year}-{end}",
                "grade": item["grade"],
            },
        )

    for item in data["rectifications"]:
        center = centers[item["center_key"]]
        assessment = assessments[item["assessment_key"]]
        order = session.exec(select(Rectification).where(Rectification.demo_key == item["key"])).first()
        if order is None:
            assert center.id is not None and assessment.id is not None  # stored orders
            order = Rectification(
                demo_key=item["key"],
                center_id=center.id,
                assessment_id=assessment.id,
                open_center_id=center.id,
                deadline=today + timedelta(days=item["deadline_days"]),
                reasons=item["reasons"],
                ordered_by=bureau.id,
            )
            session.add(order)
            session.flush()
        _log_once(
            session,
            center,
            "rectification_ordered",
            utcnow(),
            {"rectification_id": order.id, "deadline": order.deadline.isoformat(), "reason": order.reasons},
        )
    return {"assessments": len(data["assessments"]), "rectifications": len(data["rectifications"])}
