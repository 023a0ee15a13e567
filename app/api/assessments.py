"""The policy's yardsticks as JSON: the plan's targets (/targets), a center's annual targets with their progress,
its three-year assessments, and the rectification a failing one leads to (ordered by the bureau, reported on by
the center, decided by the bureau: accepted, or the filing revoked)."""

from flask import jsonify
from flask_babel import gettext as _
from pydantic import BaseModel, Field

from app.api.blueprint import bp
from app.api.document import documented
from app.api.helpers import api_user, dump, json_body, token_required
from app.api.oversight import extended
from app.db import get_session
from app.oversight.services import assessments, rectification, targets, weights
from app.platform.errors import Invalid
from app.platform.permissions import require_login
from app.web import limits
from app.web.args import int_arg
from models import (
    AssessmentIn,
    CenterAssessment,
    CenterEvaluation,
    CenterTargetsIn,
    PlanTarget,
    PlanTargetIn,
    Rectification,
    RectificationDecisionIn,
    RectificationIn,
    RectificationReportIn,
    WeightsIn,
)

PlanTargetView = extended("PlanTargetView", PlanTarget, actual=int, reached=bool)


class PlanTargetsView(BaseModel):
    items: list[PlanTargetView]  # type: ignore[valid-type]  # a model made at import time
    counts: dict[str, int] = Field(
        description="centers counted towards each level: city by the level they were created at, province and "
        "national by where they are now"
    )


class TargetRow(BaseModel):
    indicator: str
    target_count: int | None
    target_amount: int | None
    count: int
    amount: int | None
    met: bool


class CenterTargetsView(BaseModel):
    center_id: int
    year: int
    items: list[TargetRow]


class YearQuery(BaseModel):
    year: int = Field(ge=2000, le=2100, description="the targets' year")


class Suggestion(BaseModel):
    end_year: int
    evaluation_ids: list[int]
    grade: str | None
    problem: str | None


class AssessmentList(BaseModel):
    items: list[CenterAssessment]
    suggestion: Suggestion | None = Field(
        description="with `?end_year=`: what that period's evaluations suggest"
    )
    rectifications: list[Rectification]


# --- the plan's targets -------------------------------------------------------------------------------------------------


def plan_json() -> dict:
    session = get_session()
    return {
        "items": [
            {**dump(p.target), "actual": p.actual, "reached": p.reached}
            for p in targets.plan_progress(session)
        ],
        "counts": targets.level_counts(session),
    }


@bp.get("/targets")
@documented(responses={200: PlanTargetsView})
@token_required
def plan_targets():
    """The plan's targets by target year and level, with the centers that count towards each (any signed-in
    user: the plan is public)."""
    require_login(api_user())
    return jsonify(plan_json())


@bp.post("/targets")
@documented(json=PlanTargetIn, responses={200: PlanTargetsView})
@limits.writes
@token_required
def set_plan_target():
    """Record or correct the range of one level by one target year (bureau)."""
    targets.set_plan_target(session=get_session(), user=api_user(), data=json_body())
    return jsonify(plan_json())


def center_targets_json(center_id: int, year: int) -> dict:
    rows = targets.center_targets(session=get_session(), user=api_user(), center_id=center_id, year=year)
    return {
        "center_id": center_id,
        "year": year,
        "items": [
            {
                "indicator": r.indicator,
                "target_count": r.target_count,
                "target_amount": r.target_amount,
                "count": r.count,
                "amount": r.amount,
                "met": r.met,
            }
            for r in rows
        ],
    }


@bp.get("/centers/<int:center_id>/targets")
@documented(query=YearQuery, responses={200: CenterTargetsView})
@token_required
def center_targets(center_id: int):
    """A center's targets of `year` beside its figures of that year (bureau, or the center itself)."""
    year = int_arg("year", strict=True)
    if year is None or not 2000 <= year <= 2100:
        raise Invalid(_("Some fields are not valid."), {"year": _("Give a year between 2000 and 2100.")})
    return jsonify(center_targets_json(center_id, year))


@bp.put("/centers/<int:center_id>/targets")
@documented(json=CenterTargetsIn, responses={200: CenterTargetsView})
@limits.writes
@token_required
def set_center_targets(center_id: int):
    """Set a center's targets for a year, replacing those it had (bureau)."""
    body = json_body()
    targets.set_center_targets(session=get_session(), user=api_user(), center_id=center_id, data=body)
    return jsonify(center_targets_json(center_id, int(body["year"])))


# --- weights, assessments, rectification --------------------------------------------------------------------------------


@bp.put("/evaluations/<int:evaluation_id>/weights")
@documented(json=WeightsIn, responses={200: CenterEvaluation})
@limits.writes
@token_required
def set_weights(evaluation_id: int):
    """Weight a center's evaluation by its function, within the round's bounds, summing to 100 (bureau)."""
    return jsonify(
        dump(
            weights.set_weights(
                session=get_session(), user=api_user(), evaluation_id=evaluation_id, data=json_body()
            )
        )
    )


@bp.get("/centers/<int:center_id>/assessments")
@documented(responses={200: AssessmentList})
@token_required
def center_assessments(center_id: int):
    """A center's three-year assessments, latest first, and what last year's evaluations suggest (bureau, or
    the center itself)."""
    session, user = get_session(), api_user()
    rows = assessments.assessments_of(session=session, user=user, center_id=center_id)
    end_year = int_arg("end_year", strict=True)
    suggestion = (
        assessments.suggestion(session=session, user=user, center_id=center_id, end_year=end_year)
        if end_year
        else None
    )
    orders = rectification.rectifications_of(session=session, user=user, center_id=center_id)
    return jsonify(
        items=[dump(r) for r in rows],
        suggestion=suggestion.__dict__ if suggestion else None,
        rectifications=[dump(r) for r in orders],
    )


@bp.post("/centers/<int:center_id>/assessments")
@documented(json=AssessmentIn, responses={201: CenterAssessment})
@limits.writes
@token_required
def decide_assessment(center_id: int):
    """Record the three-year assessment ending with `period_end_year`: grade and reasons (bureau)."""
    return jsonify(
        dump(
            assessments.decide(session=get_session(), user=api_user(), center_id=center_id, data=json_body())
        )
    ), 201


@bp.post("/centers/<int:center_id>/rectification")
@documented(json=RectificationIn, responses={201: Rectification})
@limits.writes
@token_required
def order_rectification(center_id: int):
    """Order a center whose latest assessment failed to rectify by a deadline, with reasons (bureau)."""
    return jsonify(
        dump(
            rectification.order(session=get_session(), user=api_user(), center_id=center_id, data=json_body())
        )
    ), 201


@bp.get("/rectifications/<int:rectification_id>")
@documented(responses={200: Rectification})
@token_required
def get_rectification(rectification_id: int):
    """One rectification order (bureau, or the center itself)."""
    return jsonify(
        dump(rectification.get(session=get_session(), user=api_user(), rectification_id=rectification_id))
    )


@bp.post("/rectifications/<int:rectification_id>/report")
@documented(json=RectificationReportIn, responses={200: Rectification})
@limits.writes
@token_required
def rectification_report(rectification_id: int):
    """The center reports on its rectification, by the deadline (the center's users)."""
    return jsonify(
        dump(
            rectification.submit_report(
                session=get_session(), user=api_user(), rectification_id=rectification_id, data=json_body()
            )
        )
    )


@bp.post("/rectifications/<int:rectification_id>/decision")
@documented(json=RectificationDecisionIn, responses={200: Rectification})
@limits.writes
@token_required
def rectification_decision(rectification_id: int):
    """Accept the report, or revoke the filing: the report rejected, or none by the deadline (bureau)."""
    return jsonify(
        dump(
            rectification.decide(
                session=get_session(), user=api_user(), rectification_id=rectification_id, data=json_body()
            )
        )
    )
