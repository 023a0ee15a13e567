"""Manufacturing innovation centers (创新中心) and their member units."""

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from models.common import utcnow
from models.enums import CenterLevel, CenterStatus


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
    # The center's own legal entity; its users manage the center profile.
    org_id: int = Field(foreign_key="organization.id", index=True)
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
