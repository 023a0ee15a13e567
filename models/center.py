"""Manufacturing innovation centers (创新中心) and their member units."""

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.common import utcnow
from models.deals import MONEY_MAX
from models.enums import CenterLevel, CenterStatus, ContributionKind, GoverningBody


class CenterBase(SQLModel):
    name: str = Field(min_length=2, max_length=120)
    level: CenterLevel = CenterLevel.city
    industry: str = Field(max_length=40)
    domain: str = Field(max_length=200)
    description: str = Field(default="", max_length=5000)
    established: date | None = None
    offers_incubation: bool = False


class Center(CenterBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    # The center's own legal entity (创新中心以法人形式建立); its users manage the center profile. Empty while the
    # center is only applied for: it becomes a legal person at filing (备案), which creates or links the
    # organization. No placeholder organization stands in before that: a fake legal person would show in the
    # organization lists and profiles and could be a contract party, and the lead unit's own organization would
    # make every ordinary contract of the lead count as the center's. Until filing, the applicant acts through
    # its application (`CenterApplication.applicant_org_id`) and the lead unit (`lead_org_id`).
    org_id: int | None = Field(default=None, foreign_key="organization.id", index=True)
    lead_org_id: int | None = Field(default=None, foreign_key="organization.id")
    status: CenterStatus = CenterStatus.applied
    filed_on: date | None = None
    # Set only while the center is filed, so the unique index holds one filed center per domain even when two
    # filings race; NULLs never collide.
    filed_domain_key: str | None = Field(default=None, max_length=260, unique=True)
    demo_key: str | None = Field(default=None, max_length=80, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class CenterMember(SQLModel, table=True):
    __tablename__ = "center_member"

    center_id: int = Field(foreign_key="center.id", primary_key=True)
    org_id: int = Field(foreign_key="organization.id", primary_key=True)


ROLE_MAX = 40


class GovernanceMemberIn(SQLModel):
    """A member of a center's decision body or technical expert committee, as the center's managers type it."""

    body: GoverningBody
    name: str = Field(min_length=2, max_length=60)
    affiliation: str = Field(default="", max_length=120)
    role: str = Field(min_length=1, max_length=ROLE_MAX, description="e.g. 理事长, 理事, 主任, 委员")
    term_start: date
    term_end: date | None = None


class CenterGovernanceMember(GovernanceMemberIn, table=True):
    """One seat of a center's governance (policy section 3(2)2); a person sits once per body and term start."""

    __tablename__ = "center_governance_member"
    __table_args__ = (
        UniqueConstraint("center_id", "body", "name", "term_start"),
        CheckConstraint("term_end IS NULL OR term_end >= term_start", name="ck_governance_term"),
    )

    id: int | None = Field(default=None, primary_key=True)
    center_id: int = Field(foreign_key="center.id", index=True)
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)


class ContributionIn(SQLModel):
    """A member unit's contribution: shares (入股) or a membership fee (会员费), in 元."""

    org_id: int = Field(ge=1, lt=2**31, description="the contributing member unit (or the lead unit)")
    kind: ContributionKind
    amount: int = Field(ge=1, le=MONEY_MAX, description="in 元")
    contributed_on: date


class CenterContribution(ContributionIn, table=True):
    """A recorded contribution; one of a kind per member and day, so a form sent twice records it once."""

    __tablename__ = "center_contribution"
    __table_args__ = (
        UniqueConstraint("center_id", "org_id", "kind", "contributed_on"),
        CheckConstraint("amount > 0", name="ck_contribution_amount"),
    )

    id: int | None = Field(default=None, primary_key=True)
    center_id: int = Field(foreign_key="center.id", index=True)
    org_id: int = Field(foreign_key="organization.id")
    amount: int = Field(sa_type=BigInteger)
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
