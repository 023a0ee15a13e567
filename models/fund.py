"""The innovation centers' development fund (创新中心发展基金, seed §五(二)): the bureau opens fund calls, a filed
center applies once per call with a plan and budget lines, the bureau's experts score the application, the bureau
grants (at most the amount asked) or declines, and the grant is paid out in disbursements.

Amounts are yuan. The database keeps the sums honest whatever the application does: one application per center
and call (unique), a grant never above the request (check), and disbursements never above the grant (the running
`disbursed` total with a check on the application, and an insert trigger on `fund_disbursement`, migration 0030).
"""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.common import ID_MAX, utcnow

# Yuan: 20亿元, far above any fund call of a city, and inside PostgreSQL's 32-bit integer.
FUND_MAX = 2_000_000_000


class FundApplicationStatus(StrEnum):
    submitted = "submitted"  # in review until the bureau decides
    granted = "granted"
    declined = "declined"


# --- input ---------------------------------------------------------------------------------------------------------


class FundCallIn(SQLModel):
    title: str = Field(min_length=2, max_length=200)
    description: str = Field(default="", max_length=10_000)
    budget: int = Field(ge=1, le=FUND_MAX)
    opens_on: date
    closes_on: date
    # Criterion → weight; empty for the default criteria (app.oversight.rules.FUND_CRITERIA).
    criteria: dict[str, int] = Field(default_factory=dict)


class BudgetLineIn(SQLModel):
    item: str = Field(min_length=1, max_length=200)
    amount: int = Field(ge=1, le=FUND_MAX)


class FundApplicationIn(SQLModel):
    center_id: int = Field(ge=1, le=ID_MAX)
    plan: str = Field(min_length=10, max_length=20_000)
    budget_lines: list[BudgetLineIn] = Field(min_length=1, max_length=30)


class FundDecisionIn(SQLModel):
    grant: bool
    amount: int | None = Field(default=None, ge=1, le=FUND_MAX)
    reason: str = Field(default="", max_length=5_000)


class DisbursementIn(SQLModel):
    paid_on: date
    amount: int = Field(ge=1, le=FUND_MAX)
    note: str = Field(default="", max_length=500)


# --- tables --------------------------------------------------------------------------------------------------------


class FundCall(SQLModel, table=True):
    __tablename__ = "fund_call"
    __table_args__ = (
        CheckConstraint("budget > 0", name="ck_fund_call_budget"),
        CheckConstraint("closes_on >= opens_on", name="ck_fund_call_window"),
    )

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    budget: int
    opens_on: date
    closes_on: date
    criteria: dict[str, int] = Field(default_factory=dict, sa_type=JSON)
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    demo_key: str | None = Field(default=None, max_length=80, unique=True)


class FundApplication(SQLModel, table=True):
    __tablename__ = "fund_application"
    __table_args__ = (
        UniqueConstraint("call_id", "center_id", name="uq_fund_application_center"),
        CheckConstraint("status IN ('submitted', 'granted', 'declined')", name="ck_fund_application_status"),
        CheckConstraint("requested > 0", name="ck_fund_application_requested"),
        CheckConstraint(
            "(status = 'granted') = (granted_amount IS NOT NULL)", name="ck_fund_application_granted"
        ),
        CheckConstraint(
            "granted_amount IS NULL OR (granted_amount > 0 AND granted_amount <= requested)",
            name="ck_fund_application_grant_le_request",
        ),
        CheckConstraint(
            "disbursed >= 0 AND disbursed <= COALESCE(granted_amount, 0)",
            name="ck_fund_application_disbursed",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    call_id: int = Field(foreign_key="fund_call.id", index=True)
    center_id: int = Field(foreign_key="center.id", index=True)
    submitted_by: int | None = Field(default=None, foreign_key="user.id")
    plan: str = Field(sa_column=Column(Text, nullable=False))
    budget_lines: list[dict] = Field(default_factory=list, sa_type=JSON)
    requested: int
    status: str = Field(default=FundApplicationStatus.submitted.value, max_length=16, index=True)
    granted_amount: int | None = None
    disbursed: int = 0
    review_mean: float | None = None
    decision_reason: str = Field(default="", max_length=5_000)
    decided_by: int | None = Field(default=None, foreign_key="user.id")
    decided_at: datetime | None = None
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow)
    demo_key: str | None = Field(default=None, max_length=80, unique=True)


class FundDisbursement(SQLModel, table=True):
    __tablename__ = "fund_disbursement"
    __table_args__ = (CheckConstraint("amount > 0", name="ck_fund_disbursement_amount"),)

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="fund_application.id", index=True)
    paid_on: date
    amount: int
    note: str = Field(default="", max_length=500)
    recorded_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
