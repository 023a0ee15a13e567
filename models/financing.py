"""Financing (seed §二(二)3 种子项目融资, §五(二) equity and credit for the centers' projects): financing requests and
finance products, two listing kinds (models/kinds.py), and the financing records the bureau counts.

- A financing request (融资需求) is posted by a firm or a center's organization: the kind of money it seeks (a seed
  or growth round, an IP-pledge loan, a guarantee...), the amount in yuan, the stage, the TRL; `use_of_funds` and
  `traction` are the detailed figures, shown only to the owner, the bureau and finance organizations.
- A finance product (金融产品) is posted by a finance organization (OrgKind.finance): 科技贷, 知识产权质押贷款, 股权投资,
  担保, with an amount range, terms and eligibility (minimum TRL, size classes, industries; empty means any).
- A financing record is what came of a request's or product's interest and conversation: type, amount, date, the
  financed organization and the finance organization. The finance organization records it, the financed one
  confirms it; only confirmed records count. One record per interest, which the database holds.
"""

from datetime import date, datetime
from enum import StrEnum
from typing import Literal, Self

from pydantic import model_validator
from sqlalchemy import BigInteger, CheckConstraint, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from models.common import ID_MAX, json_list, utcnow
from models.enums import CloseReason, CooperationMode, ListingStatus
from models.listing import (
    LANGUAGE_RULE,
    MONEY_MAX,
    TEXT_MAX,
    ListingBase,
    ListingTable,
    optional_money,
    optional_title,
)


class FinanceType(StrEnum):
    """The kinds of money: what a request seeks and what a product offers."""

    tech_loan = "tech_loan"  # 科技贷
    ip_pledge_loan = "ip_pledge_loan"  # 知识产权质押贷款
    equity = "equity"  # 股权投资 (a seed or growth round)
    guarantee = "guarantee"  # 担保


class FinancingStage(StrEnum):
    """Where the financed firm or project stands."""

    seed = "seed"  # 种子期
    startup = "startup"  # 初创期
    growth = "growth"  # 成长期
    expansion = "expansion"  # 扩张期


class FinancingRecordStatus(StrEnum):
    recorded = "recorded"  # by the finance organization, awaiting the financed one
    confirmed = "confirmed"
    rejected = "rejected"


# --- financing requests ---------------------------------------------------------------------------------------


class FinancingRequestBase(ListingBase):
    # `description` is the public summary; `use_of_funds` and `traction` are the detailed figures.
    finance_type: FinanceType
    stage: FinancingStage = FinancingStage.startup
    amount: int = Field(ge=1, le=MONEY_MAX, sa_type=BigInteger)
    use_of_funds: str = Field(default="", max_length=TEXT_MAX)
    traction: str = Field(default="", max_length=TEXT_MAX)
    trl: int | None = Field(default=None, ge=1, le=9)
    region: str | None = Field(default=None, max_length=60)
    center_id: int | None = Field(default=None, ge=1, le=ID_MAX, foreign_key="center.id")


class FinancingRequestCreate(FinancingRequestBase):
    pass


class FinancingRequestUpdate(SQLModel):
    title: str | None = optional_title()
    description: str | None = Field(default=None, min_length=1, max_length=TEXT_MAX)
    industry: str | None = Field(default=None, max_length=40)
    cooperation_modes: list[CooperationMode] | None = None
    finance_type: FinanceType | None = None
    stage: FinancingStage | None = None
    amount: int | None = Field(default=None, ge=1, le=MONEY_MAX)
    use_of_funds: str | None = Field(default=None, max_length=TEXT_MAX)
    traction: str | None = Field(default=None, max_length=TEXT_MAX)
    trl: int | None = Field(default=None, ge=1, le=9)
    region: str | None = Field(default=None, max_length=60)


class FinancingRequest(FinancingRequestBase, ListingTable, table=True):
    __tablename__ = "financing_request"
    __table_args__ = (
        CheckConstraint(f"amount >= 1 AND amount <= {MONEY_MAX}", name="ck_financing_request_amount"),
        CheckConstraint("trl IS NULL OR (trl >= 1 AND trl <= 9)", name="ck_financing_request_trl"),
        CheckConstraint(LANGUAGE_RULE[1], name=f"ck_financing_request_{LANGUAGE_RULE[0]}"),
        Index("ix_financing_request_live_newest", "status", "updated_at", "id"),
        Index("ix_financing_request_live_trl", "status", text("coalesce(trl, 0)"), "updated_at", "id"),
    )


class FinancingRequestPublic(FinancingRequestBase):
    id: int
    org_id: int
    status: ListingStatus
    # Widened on purpose: None when the reader may not see the detailed figures.
    use_of_funds: str | None = None  # type: ignore[assignment]
    traction: str | None = None  # type: ignore[assignment]
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    expires_at: datetime | None
    close_reason: CloseReason | None = None
    solved_contract_id: int | None = None
    language: str = "zh"


# --- finance products -----------------------------------------------------------------------------------------


class FinanceProductBase(ListingBase):
    finance_type: FinanceType
    amount_min: int | None = optional_money()
    amount_max: int | None = optional_money()
    # Rate, term, collateral, fees, as the institution words them.
    terms: str = Field(default="", max_length=TEXT_MAX)
    # Eligibility: the lowest TRL it finances, the size classes and industries it serves (empty: any).
    trl_min: int | None = Field(default=None, ge=1, le=9)
    size_classes: list[str] = json_list()
    industries: list[str] = json_list()
    region: str | None = Field(default=None, max_length=60)

    @model_validator(mode="after")
    def _amount_order(self) -> Self:
        if self.amount_min is not None and self.amount_max is not None and self.amount_min > self.amount_max:
            raise ValueError("amount_order")
        return self


class FinanceProductCreate(FinanceProductBase):
    pass


class FinanceProductUpdate(SQLModel):
    title: str | None = optional_title()
    description: str | None = Field(default=None, min_length=1, max_length=TEXT_MAX)
    industry: str | None = Field(default=None, max_length=40)
    cooperation_modes: list[CooperationMode] | None = None
    finance_type: FinanceType | None = None
    amount_min: int | None = optional_money()
    amount_max: int | None = optional_money()
    terms: str | None = Field(default=None, max_length=TEXT_MAX)
    trl_min: int | None = Field(default=None, ge=1, le=9)
    size_classes: list[str] | None = None
    industries: list[str] | None = None
    region: str | None = Field(default=None, max_length=60)


class FinanceProduct(FinanceProductBase, ListingTable, table=True):
    __tablename__ = "finance_product"
    __table_args__ = (
        CheckConstraint(
            f"amount_min IS NULL OR (amount_min >= 0 AND amount_min <= {MONEY_MAX})",
            name="ck_finance_product_amount_min",
        ),
        CheckConstraint(
            f"amount_max IS NULL OR (amount_max >= 0 AND amount_max <= {MONEY_MAX})",
            name="ck_finance_product_amount_max",
        ),
        CheckConstraint(
            "amount_min IS NULL OR amount_max IS NULL OR amount_min <= amount_max",
            name="ck_finance_product_amount_order",
        ),
        CheckConstraint(
            "trl_min IS NULL OR (trl_min >= 1 AND trl_min <= 9)", name="ck_finance_product_trl_min"
        ),
        CheckConstraint(LANGUAGE_RULE[1], name=f"ck_finance_product_{LANGUAGE_RULE[0]}"),
        Index("ix_finance_product_live_newest", "status", "updated_at", "id"),
    )


class FinanceProductPublic(FinanceProductBase):
    id: int
    org_id: int
    status: ListingStatus
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    expires_at: datetime | None
    close_reason: CloseReason | None = None
    solved_contract_id: int | None = None
    language: str = "zh"


# --- financing records ----------------------------------------------------------------------------------------


class FinancingRecordIn(SQLModel):
    """What the finance organization sends: the interest it came from, the type, the amount in yuan, the date."""

    interest_id: int = Field(ge=1, le=ID_MAX)
    finance_type: FinanceType
    amount: int = Field(ge=1, le=MONEY_MAX)
    financed_on: date
    note: str = Field(default="", max_length=2000)


class FinancingDecisionIn(SQLModel):
    """The financed organization's answer to a record: confirm it, or reject it as not what happened."""

    decision: Literal["confirm", "reject"]


class FinancingRecord(SQLModel, table=True):
    __tablename__ = "financing_record"
    __table_args__ = (
        # One record per interest: two concurrent records for one conversation give one row.
        UniqueConstraint("interest_id", name="uq_financing_record_interest"),
        CheckConstraint(f"amount >= 1 AND amount <= {MONEY_MAX}", name="ck_financing_record_amount"),
        CheckConstraint("financed_org_id <> finance_org_id", name="ck_financing_record_parties"),
        Index("ix_financing_record_status_on", "status", "financed_on"),
    )

    id: int | None = Field(default=None, primary_key=True)
    interest_id: int = Field(foreign_key="interest.id")
    request_id: int | None = Field(default=None, foreign_key="financing_request.id")
    product_id: int | None = Field(default=None, foreign_key="finance_product.id")
    finance_type: FinanceType
    amount: int = Field(sa_type=BigInteger)
    financed_on: date
    note: str = Field(default="", max_length=2000)
    financed_org_id: int = Field(foreign_key="organization.id", index=True)
    finance_org_id: int = Field(foreign_key="organization.id", index=True)
    status: FinancingRecordStatus = Field(default=FinancingRecordStatus.recorded)
    recorded_by: int | None = Field(default=None, foreign_key="user.id")
    decided_by: int | None = Field(default=None, foreign_key="user.id")
    decided_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    demo_key: str | None = Field(default=None, max_length=80, unique=True)
