"""Listings: technical needs (技术需求), achievements (科技成果) and public services (公共服务).

Each follows the same family: `XBase` (fields a user types), `XCreate` / `XUpdate` (input),
`X` (the table) and `XPublic` (output).
"""

from datetime import date, datetime
from typing import Any, Self

from pydantic import model_validator
from sqlalchemy import BigInteger, CheckConstraint, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from models.common import ID_MAX, json_list, utcnow
from models.enums import (
    AchievementKind,
    CloseReason,
    CooperationMode,
    IPStatus,
    ListingStatus,
    ServiceCategory,
)

TITLE_MIN, TITLE_MAX = 2, 200
TEXT_MAX = 20_000
MONEY_MAX = 10**12  # yuan; far above any real technology contract


# Helpers rather than `Field(**kwargs)` dicts, so a type checker sees each field's arguments.
def optional_title() -> Any:
    return Field(default=None, min_length=TITLE_MIN, max_length=TITLE_MAX)


def optional_money() -> Any:
    # Amounts up to MONEY_MAX need 64 bits (PostgreSQL's integer stops at 2^31 - 1).
    return Field(default=None, ge=0, le=MONEY_MAX, sa_type=BigInteger)


# Fields every listing shares.
class ListingBase(SQLModel):
    title: str = Field(min_length=TITLE_MIN, max_length=TITLE_MAX)
    description: str = Field(min_length=1, max_length=TEXT_MAX)
    industry: str | None = Field(default=None, max_length=40)
    cooperation_modes: list[CooperationMode] = json_list()


# Columns every listing table has beyond what a user types.
class ListingTable(SQLModel):
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id", index=True)
    owner_id: int | None = Field(default=None, foreign_key="user.id")
    status: ListingStatus = Field(default=ListingStatus.draft, index=True)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    published_at: datetime | None = None
    expires_at: datetime | None = Field(default=None, index=True)
    # Set when the owner closes the listing, cleared when it is reopened.
    close_reason: CloseReason | None = None
    # With close_reason solved_here: the signed contract that solved it, when the listing has one.
    solved_contract_id: int | None = Field(default=None, foreign_key="contract.id")
    demo_key: str | None = Field(default=None, max_length=80, unique=True)
    # The language the listing is written in, 'zh' or 'en' (matching.language.detect_language of its title
    # and description), set on every save; English listings are found by Chinese queries and the reverse.
    language: str = Field(default="zh", max_length=2, sa_column_kwargs={"server_default": "zh"})


class NeedBase(ListingBase):
    # Public summary lives in `description`; `details` is hidden when the need is confidential.
    details: str = Field(default="", max_length=TEXT_MAX)
    trl: int | None = Field(default=None, ge=1, le=9)
    budget_min: int | None = optional_money()
    budget_max: int | None = optional_money()
    deadline: date | None = None
    confidential: bool = False
    region: str | None = Field(default=None, max_length=60)

    @model_validator(mode="after")
    def _budget_order(self) -> Self:
        if self.budget_min is not None and self.budget_max is not None and self.budget_min > self.budget_max:
            raise ValueError("budget_order")
        return self


# Input for a new need.
class NeedCreate(NeedBase):
    pass


# Input for a partial update; unset fields keep their value.
class NeedUpdate(SQLModel):
    title: str | None = optional_title()
    description: str | None = Field(default=None, min_length=1, max_length=TEXT_MAX)
    details: str | None = Field(default=None, max_length=TEXT_MAX)
    industry: str | None = Field(default=None, max_length=40)
    cooperation_modes: list[CooperationMode] | None = None
    trl: int | None = Field(default=None, ge=1, le=9)
    budget_min: int | None = optional_money()
    budget_max: int | None = optional_money()
    deadline: date | None = None
    confidential: bool | None = None
    region: str | None = Field(default=None, max_length=60)


def _checks(table: str, *rules: tuple[str, str]) -> tuple[CheckConstraint, ...]:
    """The input rules again, in the database: whatever path a write takes, the row stays valid."""
    return tuple(CheckConstraint(sql, name=f"ck_{table}_{name}") for name, sql in rules)


# Sort keys of the lists besides newest, as the SQL that both the queries and their indexes use (an index
# serves an ORDER BY only for the very same expression). A missing value sorts last: TRL is 1-9 and amounts
# are at least 0, so the stand-ins 0 and -1 come after every real value in descending order.
SORT_KEYS: dict[str, dict[str, str]] = {
    "need": {"trl": "coalesce(trl, 0)", "price": "coalesce(budget_max, budget_min, -1)"},
    "achievement": {"trl": "coalesce(trl, 0)", "price": "coalesce(price, -1)"},
    "service": {"price": "coalesce(price, -1)"},
    "instrument": {"price": "coalesce(price, -1)"},
    "financing": {"trl": "coalesce(trl, 0)"},
}


def _live_indexes(table: str) -> tuple[Index, ...]:
    """What lists of live listings read at 100k rows: each order as an index scan that stops after a page
    (newest first, and each sort key high to low, newest first within one value), instead of sorting every
    live row; and counts by status and industry from the index alone."""
    return (
        Index(f"ix_{table}_live_newest", "status", "updated_at", "id"),
        Index(f"ix_{table}_live_industry", "status", "industry", "expires_at"),
        *(
            Index(f"ix_{table}_live_{sort}", "status", text(key), "updated_at", "id")
            for sort, key in SORT_KEYS[table].items()
        ),
    )


TRL_RULE = ("trl", "trl IS NULL OR (trl >= 1 AND trl <= 9)")
LANGUAGE_RULE = ("language", "language IN ('zh', 'en')")


def _money_rule(column: str) -> tuple[str, str]:
    return column, f"{column} IS NULL OR ({column} >= 0 AND {column} <= {MONEY_MAX})"


class Need(NeedBase, ListingTable, table=True):
    __table_args__ = (
        *_checks(
            "need",
            TRL_RULE,
            LANGUAGE_RULE,
            _money_rule("budget_min"),
            _money_rule("budget_max"),
            ("budget_order", "budget_min IS NULL OR budget_max IS NULL OR budget_min <= budget_max"),
        ),
        *_live_indexes("need"),
        # Deadline soonest: the index yields deadlines in order; the newest-first tie-break sorts within one day.
        Index("ix_need_live_deadline", "status", "deadline"),
    )


# What the API returns; `details` is None when the reader is not entitled to it.
class NeedPublic(NeedBase):
    id: int
    org_id: int
    status: ListingStatus
    # Widened on purpose: None when the reader is not entitled to a confidential need's details.
    details: str | None = None  # type: ignore[assignment]
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    expires_at: datetime | None
    close_reason: CloseReason | None = None
    # Only for the contract's parties and the bureau; None for everyone else.
    solved_contract_id: int | None = None
    language: str = "zh"


class NeedAccess(SQLModel, table=True):
    """A grant: an organization the need's owner approved to read its confidential details (after accepting the
    need's NDA). One per (need, organization), which the database holds, so two concurrent grants give one row.
    `granted_by` is the owner's user who granted it; empty for grants older than that record, and for those given
    by accepting the organization's interest in the need itself."""

    __tablename__ = "need_access"
    __table_args__ = (UniqueConstraint("need_id", "org_id", name="uq_need_access_need_org"),)

    id: int | None = Field(default=None, primary_key=True)
    need_id: int = Field(foreign_key="need.id")
    org_id: int = Field(foreign_key="organization.id")
    granted_at: datetime = Field(default_factory=utcnow)
    granted_by: int | None = Field(default=None, foreign_key="user.id")


class AchievementBase(ListingBase):
    kind: AchievementKind = AchievementKind.patent
    trl: int | None = Field(default=None, ge=1, le=9)
    patent_numbers: list[str] = json_list()
    ip_status: IPStatus = IPStatus.none
    price: int | None = optional_money()
    center_id: int | None = Field(default=None, ge=1, le=ID_MAX, foreign_key="center.id")


class AchievementCreate(AchievementBase):
    pass


class AchievementUpdate(SQLModel):
    title: str | None = optional_title()
    description: str | None = Field(default=None, min_length=1, max_length=TEXT_MAX)
    industry: str | None = Field(default=None, max_length=40)
    cooperation_modes: list[CooperationMode] | None = None
    kind: AchievementKind | None = None
    trl: int | None = Field(default=None, ge=1, le=9)
    patent_numbers: list[str] | None = None
    ip_status: IPStatus | None = None
    price: int | None = optional_money()


class Achievement(AchievementBase, ListingTable, table=True):
    __table_args__ = (
        *_checks("achievement", TRL_RULE, LANGUAGE_RULE, _money_rule("price")),
        *_live_indexes("achievement"),
    )


class AchievementPublic(AchievementBase):
    id: int
    org_id: int
    status: ListingStatus
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    expires_at: datetime | None
    close_reason: CloseReason | None = None
    # Only for the contract's parties and the bureau; None for everyone else.
    solved_contract_id: int | None = None
    language: str = "zh"


class ServiceBase(ListingBase):
    category: ServiceCategory
    price: int | None = optional_money()
    price_note: str = Field(default="", max_length=200)
    center_id: int | None = Field(default=None, ge=1, le=ID_MAX, foreign_key="center.id")


class ServiceCreate(ServiceBase):
    pass


class ServiceUpdate(SQLModel):
    title: str | None = optional_title()
    description: str | None = Field(default=None, min_length=1, max_length=TEXT_MAX)
    industry: str | None = Field(default=None, max_length=40)
    cooperation_modes: list[CooperationMode] | None = None
    category: ServiceCategory | None = None
    price: int | None = optional_money()
    price_note: str | None = Field(default=None, max_length=200)


class Service(ServiceBase, ListingTable, table=True):
    __table_args__ = (*_checks("service", LANGUAGE_RULE, _money_rule("price")), *_live_indexes("service"))


class ServicePublic(ServiceBase):
    id: int
    org_id: int
    status: ListingStatus
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    expires_at: datetime | None
    close_reason: CloseReason | None = None
    # Only for the contract's parties and the bureau; None for everyone else.
    solved_contract_id: int | None = None
    language: str = "zh"


class ListingAttachment(SQLModel, table=True):
    """An image or PDF attached to a need, achievement or service; the bytes live outside the web root under
    `stored_name` (app/platform/files.py). A confidential need's attachments follow its details' access rule."""

    __tablename__ = "listing_attachment"

    id: int | None = Field(default=None, primary_key=True)
    listing_type: str = Field(max_length=20, index=True)
    listing_id: int = Field(index=True)
    uploaded_by: int = Field(foreign_key="user.id")
    original_name: str = Field(max_length=255)
    stored_name: str = Field(max_length=80, unique=True)
    # An image's thumbnail, stored beside it under a generated name of its own; None for a PDF.
    thumbnail_name: str | None = Field(default=None, max_length=80, unique=True)
    mimetype: str = Field(max_length=100)
    size: int
    sha256: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
