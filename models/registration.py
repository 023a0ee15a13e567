"""技术合同认定登记: a technology contract's registration with the technology contract registration office.

One row per contract (created when a party first saves the form; until then the form is prefilled from the
contract). The codes of every field and the status flow are in `app/deals/registration_rules.py`; the database
holds the rules a row must never break, whatever path wrote it: one row per contract, a known status, amounts
that are not negative with the technology part within the whole, a term that does not end before it starts, and
a number on every registered row.
"""

from datetime import date, datetime

from sqlalchemy import CheckConstraint
from sqlmodel import Field, SQLModel

from models.common import utcnow

REGISTRATION_STATUSES = ("not_submitted", "submitted", "registered", "refused")


def _checks(*rules: tuple[str, str]) -> tuple[CheckConstraint, ...]:
    return tuple(CheckConstraint(sql, name=f"ck_contract_registration_{name}") for name, sql in rules)


class ContractRegistration(SQLModel, table=True):
    __tablename__ = "contract_registration"
    __table_args__ = _checks(
        ("status", "status IN ('not_submitted', 'submitted', 'registered', 'refused')"),
        ("deal_amount", "deal_amount IS NULL OR deal_amount >= 0"),
        ("technology_amount", "technology_amount IS NULL OR technology_amount >= 0"),
        (
            "technology_within_deal",
            "technology_amount IS NULL OR deal_amount IS NULL OR technology_amount <= deal_amount",
        ),
        ("term", "term_start IS NULL OR term_end IS NULL OR term_end >= term_start"),
        ("number", "status <> 'registered' OR number IS NOT NULL"),
    )

    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contract.id", unique=True)
    sub_kind: str | None = Field(default=None, max_length=40)
    # 技术领域 (the registration practice's fields, not the platform's industries)
    field: str | None = Field(default=None, max_length=40)
    ip_type: str | None = Field(default=None, max_length=24)
    # yuan, like contract amounts
    deal_amount: int | None = None
    technology_amount: int | None = None
    payment_method: str | None = Field(default=None, max_length=16)
    seller_type: str | None = Field(default=None, max_length=16)
    buyer_type: str | None = Field(default=None, max_length=16)
    seller_region: str | None = Field(default=None, max_length=60)
    buyer_region: str | None = Field(default=None, max_length=60)
    term_start: date | None = None
    term_end: date | None = None
    # 社会经济目标, where it applies
    objective: str | None = Field(default=None, max_length=40)
    status: str = Field(default="not_submitted", max_length=16, index=True)
    number: str | None = Field(default=None, max_length=40)
    office: str | None = Field(default=None, max_length=120)
    refusal_reason: str | None = Field(default=None, max_length=2000)
    submitted_at: datetime | None = Field(default=None, index=True)
    decided_at: datetime | None = None
    updated_at: datetime = Field(default_factory=utcnow)
    # Bumped by every change; writers update only the version they read (app.platform.concurrency).
    version: int = 1
