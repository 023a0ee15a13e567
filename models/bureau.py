"""The bureau's oversight records: calls, applications and their review, notice and filing, experts,
trainings and international cooperation, first-commercialization flags, evaluations and promotions.

What happens to centers and applications goes to the audit log (`models.audit.AuditEvent`); input models
(`...In`) carry what a user types.
"""

import re
from datetime import date, datetime

import sqlalchemy as sa
from pydantic import field_validator
from sqlalchemy import JSON, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.common import Id, json_list, utcnow
from models.credit_code import is_valid_credit_code
from models.enums import (
    AssignmentSubject,
    CallStatus,
    CenterLevel,
    CenterStatus,
    CooperationForm,
    ExpertField,
    FirstUseCategory,
    FlagStatus,
    Grade,
    PromotionOutcome,
    TrainingMode,
)
from models.organization import checked_credit_code, normalised_credit_code

TEXT_MAX = 20_000
PLAN_MAX = 50_000


def json_dict():
    """A mapping stored as JSON, portable between SQLite and PostgreSQL."""
    return Field(default_factory=dict, sa_type=JSON)


# --- experts ------------------------------------------------------------------------------------------------------


class ExpertProfile(SQLModel, table=True):
    """What an expert account covers; a panel is formed so that together its members cover every field."""

    __tablename__ = "expert_profile"

    user_id: int = Field(foreign_key="user.id", primary_key=True)
    specialties: list[ExpertField] = json_list()
    affiliation: str = Field(default="", max_length=120)
    title: str = Field(default="", max_length=60)


class ExpertAssignment(SQLModel, table=True):
    """One expert asked to score one application or one annual evaluation."""

    __tablename__ = "expert_assignment"
    __table_args__ = (UniqueConstraint("subject", "subject_id", "expert_id"),)

    id: int | None = Field(default=None, primary_key=True)
    subject: AssignmentSubject
    subject_id: int = Field(index=True)
    expert_id: int = Field(foreign_key="user.id", index=True)
    # None until declared; a conflicted expert never scores.
    conflict: bool | None = None
    conflict_note: str = Field(default="", max_length=1000)
    scores: dict[str, int] = json_dict()
    weighted_score: float | None = None
    opinion: str = Field(default="", max_length=TEXT_MAX)
    declared_at: datetime | None = None
    scored_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


# --- the registry and the creation workflow -----------------------------------------------------------------------


class CenterFounder(SQLModel, table=True):
    """A founding unit (发起单位) of a center, an independent legal entity named by its credit code."""

    __tablename__ = "center_founder"
    __table_args__ = (UniqueConstraint("center_id", "credit_code"),)

    id: int | None = Field(default=None, primary_key=True)
    center_id: int = Field(foreign_key="center.id", index=True)
    name: str = Field(max_length=120)
    credit_code: str = Field(max_length=18)
    # Linked when the unit is registered on the platform.
    org_id: int | None = Field(default=None, foreign_key="organization.id")
    is_lead: bool = False


class CenterExpert(SQLModel, table=True):
    """A named expert or technical team taking part in a center."""

    __tablename__ = "center_expert"

    id: int | None = Field(default=None, primary_key=True)
    center_id: int = Field(foreign_key="center.id", index=True)
    name: str = Field(max_length=120)
    affiliation: str = Field(default="", max_length=120)
    specialty: str = Field(default="", max_length=200)


class CenterCall(SQLModel, table=True):
    """A call for applications the bureau publishes for one domain."""

    __tablename__ = "center_call"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    industry: str = Field(max_length=40)
    domain: str = Field(max_length=200)
    conditions: str = Field(max_length=TEXT_MAX)
    materials: str = Field(max_length=TEXT_MAX)
    deadline: date
    # Criterion → weight used to combine an expert's scores.
    weights: dict[str, int] = json_dict()
    status: CallStatus = CallStatus.open
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    demo_key: str | None = Field(default=None, max_length=80, unique=True)


class CenterApplication(SQLModel, table=True):
    """An application to create a center, carried through review, inspection, notice and filing."""

    __tablename__ = "center_application"

    id: int | None = Field(default=None, primary_key=True)
    call_id: int = Field(foreign_key="center_call.id", index=True)
    center_id: int = Field(foreign_key="center.id", index=True)
    applicant_org_id: int = Field(foreign_key="organization.id", index=True)
    submitted_by: int | None = Field(default=None, foreign_key="user.id")
    plan: str = Field(max_length=PLAN_MAX)
    status: CenterStatus = CenterStatus.applied
    # "call:organization" while the application is open, NULL once decided: the unique index keeps one open
    # application per organization and call even when two submissions race.
    open_key: str | None = Field(default=None, max_length=40, unique=True)
    # Bumped by every transition; a transition computed from a stale copy is refused instead of overwriting.
    version: int = 1
    step_owner_id: int | None = Field(default=None, foreign_key="user.id")
    step_deadline: date | None = None
    review_mean: float | None = None
    inspected_on: date | None = None
    inspectors: str = Field(default="", max_length=500)
    findings: str = Field(default="", max_length=TEXT_MAX)
    inspection_passed: bool | None = None
    notice_starts: datetime | None = None
    notice_ends: datetime | None = None
    decision_reason: str = Field(default="", max_length=TEXT_MAX)
    decided_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    demo_key: str | None = Field(default=None, max_length=80, unique=True)


class ApplicationDocument(SQLModel, table=True):
    """A document of an application: an upload kept outside the web root under `stored_name`
    (app/platform/files.py), seen only by the applicant, the bureau and the assigned experts. Documents
    recorded before uploads existed have a title and no file (`stored_name` None)."""

    __tablename__ = "application_document"

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="center_application.id", index=True)
    title: str = Field(max_length=200)
    note: str = Field(default="", max_length=500)
    stored_name: str | None = Field(default=None, max_length=80, unique=True)
    original_name: str | None = Field(default=None, max_length=255)
    mimetype: str | None = Field(default=None, max_length=100)
    size: int | None = None
    sha256: str | None = Field(default=None, max_length=64)
    uploaded_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime | None = Field(default_factory=utcnow)


class NoticeObjection(SQLModel, table=True):
    """An objection raised during public notice; filing waits until every one is answered or dismissed (the
    bureau sets aside duplicates and spam in batches, with one reason kept as the answer)."""

    __tablename__ = "notice_objection"

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="center_application.id", index=True)
    name: str = Field(max_length=60)
    contact: str = Field(max_length=120)
    text: str = Field(max_length=5000)
    created_at: datetime = Field(default_factory=utcnow)
    answer: str | None = Field(default=None, max_length=5000)
    answered_at: datetime | None = None
    answered_by: int | None = Field(default=None, foreign_key="user.id")
    dismissed: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})


class ObjectionDismissalIn(SQLModel):
    ids: list[Id] = Field(min_length=1, max_length=500)
    reason: str = Field(min_length=2, max_length=5000)


class Promotion(SQLModel, table=True):
    """A recommendation to promote a center one level up (city → province → national), and its outcome."""

    id: int | None = Field(default=None, primary_key=True)
    center_id: int = Field(foreign_key="center.id", index=True)
    from_level: CenterLevel
    to_level: CenterLevel
    basis: str = Field(max_length=TEXT_MAX)
    recommended_on: date
    recommended_by: int | None = Field(default=None, foreign_key="user.id")
    outcome: PromotionOutcome = PromotionOutcome.pending
    # The center's id while the outcome is pending, NULL after: one pending recommendation per center, race-safe.
    pending_center_id: int | None = Field(default=None, unique=True)
    outcome_on: date | None = None
    remarks: str = Field(default="", max_length=TEXT_MAX)
    demo_key: str | None = Field(default=None, max_length=80, unique=True)


# --- what centers record ------------------------------------------------------------------------------------------


class CenterTraining(SQLModel, table=True):
    __tablename__ = "center_training"

    id: int | None = Field(default=None, primary_key=True)
    center_id: int = Field(foreign_key="center.id", index=True)
    held_on: date
    topic: str = Field(max_length=200)
    people: int
    mode: TrainingMode
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    demo_key: str | None = Field(default=None, max_length=80, unique=True)


class CenterCooperation(SQLModel, table=True):
    """An international cooperation project."""

    __tablename__ = "center_cooperation"

    id: int | None = Field(default=None, primary_key=True)
    center_id: int = Field(foreign_key="center.id", index=True)
    partner: str = Field(max_length=200)
    country: str = Field(max_length=60)
    form: CooperationForm
    started_on: date
    ended_on: date | None = None
    description: str = Field(default="", max_length=5000)
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    demo_key: str | None = Field(default=None, max_length=80, unique=True)


class FirstUseFlag(SQLModel, table=True):
    """A center's claim that an achievement is a first commercial application (首台套/首批次), and the review."""

    __tablename__ = "first_use_flag"

    id: int | None = Field(default=None, primary_key=True)
    achievement_id: int = Field(foreign_key="achievement.id", unique=True)
    center_id: int = Field(foreign_key="center.id", index=True)
    category: FirstUseCategory
    reason: str = Field(max_length=5000)
    status: FlagStatus = FlagStatus.flagged
    review_note: str = Field(default="", max_length=5000)
    flagged_by: int | None = Field(default=None, foreign_key="user.id")
    reviewed_by: int | None = Field(default=None, foreign_key="user.id")
    reviewed_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    demo_key: str | None = Field(default=None, max_length=80, unique=True)


# --- evaluation -----------------------------------------------------------------------------------------------------


class EvaluationRound(SQLModel, table=True):
    __tablename__ = "evaluation_round"

    id: int | None = Field(default=None, primary_key=True)
    year: int = Field(unique=True)
    deadline: date
    # Aspect → [min, max]: the range within which the bureau sets each center's weights (empty: the defaults').
    weight_bounds: dict[str, list[int]] = json_dict()
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)


class CenterEvaluation(SQLModel, table=True):
    """One filed center's annual evaluation: its report, the experts' scores (assignments) and the grade."""

    __tablename__ = "center_evaluation"
    __table_args__ = (UniqueConstraint("round_id", "center_id"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="evaluation_round.id", index=True)
    center_id: int = Field(foreign_key="center.id", index=True)
    report: dict[str, str] = json_dict()
    # Aspect → weight for this center (its 功能定位); empty: the round's defaults.
    weights: dict[str, int] = json_dict()
    submitted_at: datetime | None = None
    grade: Grade | None = None
    remarks: str = Field(default="", max_length=TEXT_MAX)
    graded_by: int | None = Field(default=None, foreign_key="user.id")
    graded_at: datetime | None = None


# --- input ----------------------------------------------------------------------------------------------------------


class CallIn(SQLModel):
    title: str = Field(min_length=2, max_length=200)
    industry: str = Field(max_length=40)
    domain: str = Field(min_length=2, max_length=200)
    conditions: str = Field(min_length=1, max_length=TEXT_MAX)
    materials: str = Field(min_length=1, max_length=TEXT_MAX)
    deadline: date
    weights: dict[str, int] | None = None


class FounderIn(SQLModel):
    name: str = Field(min_length=2, max_length=120)
    credit_code: str = Field(min_length=18, max_length=18)

    @field_validator("credit_code", mode="before")
    @classmethod
    def _normalise(cls, value):
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("credit_code")
    @classmethod
    def _valid(cls, value: str) -> str:
        if not is_valid_credit_code(value):
            raise ValueError("invalid_credit_code")
        return value


class CenterExpertIn(SQLModel):
    name: str = Field(min_length=2, max_length=120)
    affiliation: str = Field(default="", max_length=120)
    specialty: str = Field(default="", max_length=200)


# What describes an uploaded document; the file itself comes as multipart, never in JSON.
class DocumentIn(SQLModel):
    title: str = Field(min_length=1, max_length=200)
    note: str = Field(default="", max_length=500)


class ApplicationIn(SQLModel):
    center_name: str = Field(min_length=2, max_length=120)
    plan: str = Field(min_length=20, max_length=PLAN_MAX)
    founders: list[FounderIn] = Field(default_factory=list)
    experts: list[CenterExpertIn] = Field(default_factory=list)


class PanelIn(SQLModel):
    expert_ids: list[Id] = Field(min_length=1, max_length=20)
    deadline: date | None = None


class ConflictIn(SQLModel):
    conflict: bool
    note: str = Field(default="", max_length=1000)


class ScoreIn(SQLModel):
    scores: dict[str, int]
    opinion: str = Field(min_length=10, max_length=TEXT_MAX)


class DecisionIn(SQLModel):
    approve: bool
    reason: str = Field(min_length=2, max_length=TEXT_MAX)


class FilingIn(DecisionIn):
    """The filing decision (备案). Filing makes the center a legal person of its own: the bureau names its legal
    entity (the name and unified social credit code on its business licence), required while the center has
    none yet."""

    entity_name: str | None = Field(default=None, min_length=2, max_length=120)
    entity_credit_code: str | None = Field(default=None, min_length=18, max_length=18)

    @field_validator("entity_name", mode="before")
    @classmethod
    def _blank_name(cls, value):
        return (value.strip() or None) if isinstance(value, str) else value

    @field_validator("entity_credit_code", mode="before")
    @classmethod
    def _normalise_code(cls, value):
        return (normalised_credit_code(value) or None) if isinstance(value, str) else value

    @field_validator("entity_credit_code")
    @classmethod
    def _valid_code(cls, value: str | None) -> str | None:
        return None if value is None else checked_credit_code(value)


class LegalEntityIn(SQLModel):
    """The name and unified social credit code on a center's business licence, completing a legal entity that
    was recorded without them (the centers filed before centers were legal persons of their own)."""

    entity_name: str = Field(min_length=2, max_length=120)
    entity_credit_code: str = Field(min_length=18, max_length=18)

    @field_validator("entity_name", mode="before")
    @classmethod
    def _strip_name(cls, value):
        return value.strip() if isinstance(value, str) else value

    @field_validator("entity_credit_code", mode="before")
    @classmethod
    def _normalise_code(cls, value):
        return normalised_credit_code(value) if isinstance(value, str) else value

    @field_validator("entity_credit_code")
    @classmethod
    def _valid_code(cls, value: str) -> str:
        return checked_credit_code(value)


class InspectionIn(SQLModel):
    inspected_on: date
    inspectors: str = Field(min_length=2, max_length=500)
    findings: str = Field(min_length=2, max_length=TEXT_MAX)
    passed: bool
    notice_days: int | None = Field(default=None, ge=1, le=60)


# An email address, or a phone number (a mobile, or a landline with its area code; spaces, hyphens and
# parentheses between the digits are allowed).
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
PHONE = re.compile(r"\+?\d{7,15}")


class ObjectionIn(SQLModel):
    """An objection from anyone; the contact must be one the bureau can reach, so answering is possible."""

    name: str = Field(min_length=1, max_length=60)
    contact: str = Field(min_length=3, max_length=120)
    text: str = Field(min_length=5, max_length=5000)

    @field_validator("contact")
    @classmethod
    def _reachable(cls, value: str) -> str:
        value = value.strip()
        if EMAIL.fullmatch(value) or PHONE.fullmatch(re.sub(r"[\s()-]", "", value)):
            return value
        raise ValueError("objection_contact")


class AnswerIn(SQLModel):
    answer: str = Field(min_length=2, max_length=5000)


class TrainingIn(SQLModel):
    held_on: date
    topic: str = Field(min_length=2, max_length=200)
    people: int = Field(ge=1, le=100_000)
    mode: TrainingMode


class CooperationIn(SQLModel):
    partner: str = Field(min_length=2, max_length=200)
    country: str = Field(min_length=2, max_length=60)
    form: CooperationForm
    started_on: date
    ended_on: date | None = None
    description: str = Field(default="", max_length=5000)


class FlagIn(SQLModel):
    achievement_id: Id
    category: FirstUseCategory
    reason: str = Field(min_length=5, max_length=5000)


class FlagReviewIn(SQLModel):
    recommend: bool
    note: str = Field(min_length=2, max_length=5000)


class RoundIn(SQLModel):
    year: int = Field(ge=2000, le=2100)
    deadline: date
    weight_bounds: dict[str, list[int]] | None = None


class ReportIn(SQLModel):
    """The operation and development report (运行发展报告), in sections."""

    summary: str = Field(min_length=10, max_length=TEXT_MAX)
    results: str = Field(default="", max_length=TEXT_MAX)
    transfer: str = Field(default="", max_length=TEXT_MAX)
    talent: str = Field(default="", max_length=TEXT_MAX)
    cooperation: str = Field(default="", max_length=TEXT_MAX)
    plans: str = Field(default="", max_length=TEXT_MAX)


class GradeIn(SQLModel):
    grade: Grade
    remarks: str = Field(min_length=2, max_length=TEXT_MAX)


class PromotionIn(SQLModel):
    basis: str = Field(min_length=2, max_length=TEXT_MAX)


class PromotionOutcomeIn(SQLModel):
    approved: bool
    decided_on: date
    remarks: str = Field(min_length=2, max_length=TEXT_MAX)


class ExpertProfileIn(SQLModel):
    specialties: list[ExpertField] = Field(min_length=1)
    affiliation: str = Field(default="", max_length=120)
    title: str = Field(default="", max_length=60)
