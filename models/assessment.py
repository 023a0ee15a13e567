"""The policy's yardsticks the bureau records itself: the plan's targets (§一(二)) and each center's annual
targets, the three-year assessment (考核, §四(四)) as a decision of its own, and the rectification (整改) a
failing assessment leads to, ending in acceptance or the revocation of the center's filing (撤销备案)."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.common import json_list, utcnow
from models.enums import CenterLevel, Grade, RectificationStatus

TEXT_MAX = 20_000


class PlanTarget(SQLModel, table=True):
    """How many centers of one level the plan aims at by a target year (e.g. 2025: 10–15 city-level)."""

    __tablename__ = "plan_target"
    __table_args__ = (
        UniqueConstraint("target_year", "level"),
        CheckConstraint("min_count >= 0 AND max_count >= min_count", name="ck_plan_target_range"),
    )

    id: int | None = Field(default=None, primary_key=True)
    target_year: int
    level: CenterLevel
    min_count: int
    max_count: int
    updated_by: int | None = Field(default=None, foreign_key="user.id")
    updated_at: datetime = Field(default_factory=utcnow)


class CenterTarget(SQLModel, table=True):
    """A center's target for one quantitative indicator in one year: a count, an amount (元), or both."""

    __tablename__ = "center_target"
    __table_args__ = (
        UniqueConstraint("center_id", "year", "indicator"),
        CheckConstraint("target_count >= 0 AND target_amount >= 0", name="ck_center_target_positive"),
    )

    id: int | None = Field(default=None, primary_key=True)
    center_id: int = Field(foreign_key="center.id", index=True)
    year: int
    indicator: str = Field(max_length=60)
    target_count: int | None = None
    target_amount: int | None = None
    updated_by: int | None = Field(default=None, foreign_key="user.id")
    updated_at: datetime = Field(default_factory=utcnow)


class CenterAssessment(SQLModel, table=True):
    """The three-year assessment (三年考核) of a center: the bureau's grade, on the basis of three annual
    evaluations, with the grade the rules suggested beside it. One per center and period."""

    __tablename__ = "center_assessment"
    __table_args__ = (UniqueConstraint("center_id", "period_end_year"),)

    id: int | None = Field(default=None, primary_key=True)
    center_id: int = Field(foreign_key="center.id", index=True)
    period_start_year: int
    period_end_year: int
    evaluation_ids: list[int] = json_list()
    suggested: Grade | None = None
    grade: Grade
    reasons: str = Field(max_length=TEXT_MAX)
    decided_by: int | None = Field(default=None, foreign_key="user.id")
    decided_at: datetime = Field(default_factory=utcnow)
    demo_key: str | None = Field(default=None, max_length=80, unique=True)


class Rectification(SQLModel, table=True):
    """A rectification order (整改) after a failed assessment: the center reports by the deadline; the bureau
    accepts the report, or revokes the filing when the report is rejected or never came."""

    __tablename__ = "rectification"

    id: int | None = Field(default=None, primary_key=True)
    center_id: int = Field(foreign_key="center.id", index=True)
    assessment_id: int = Field(foreign_key="center_assessment.id", unique=True)
    # The center's id while the order is open, NULL once decided: one open rectification per center, race-safe.
    open_center_id: int | None = Field(default=None, unique=True)
    status: RectificationStatus = RectificationStatus.ordered
    deadline: date
    reasons: str = Field(max_length=TEXT_MAX)
    ordered_by: int | None = Field(default=None, foreign_key="user.id")
    ordered_at: datetime = Field(default_factory=utcnow)
    report: str = Field(default="", max_length=TEXT_MAX)
    reported_by: int | None = Field(default=None, foreign_key="user.id")
    reported_at: datetime | None = None
    decision_reasons: str = Field(default="", max_length=TEXT_MAX)
    decided_by: int | None = Field(default=None, foreign_key="user.id")
    decided_at: datetime | None = None
    demo_key: str | None = Field(default=None, max_length=80, unique=True)


# --- input ----------------------------------------------------------------------------------------------------------


class PlanTargetIn(SQLModel):
    target_year: int = Field(ge=2000, le=2100)
    level: CenterLevel
    min_count: int = Field(ge=0, le=1000)
    max_count: int = Field(ge=0, le=1000)


class CenterTargetIn(SQLModel):
    indicator: str = Field(min_length=1, max_length=60)
    target_count: int | None = Field(default=None, ge=0, le=10**9)
    target_amount: int | None = Field(default=None, ge=0, le=10**15)


class CenterTargetsIn(SQLModel):
    year: int = Field(ge=2000, le=2100)
    targets: list[CenterTargetIn] = Field(max_length=50)


class AssessmentIn(SQLModel):
    period_end_year: int = Field(ge=2000, le=2100)
    grade: Grade
    reasons: str = Field(min_length=2, max_length=TEXT_MAX)


class RectificationIn(SQLModel):
    deadline: date
    reasons: str = Field(min_length=2, max_length=TEXT_MAX)


class RectificationReportIn(SQLModel):
    report: str = Field(min_length=10, max_length=TEXT_MAX)


class RectificationDecisionIn(SQLModel):
    accept: bool
    reasons: str = Field(min_length=2, max_length=TEXT_MAX)


class WeightsIn(SQLModel):
    weights: dict[str, int]
