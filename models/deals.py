"""Deals: expressions of interest (合作意向), NDAs, conversations, technology contracts (技术合同), incubations,
notifications and saved searches.

Every change of a contract or its milestones is a row of the append-only audit log (`models.audit.AuditEvent`).
"""

from datetime import date, datetime
from enum import StrEnum
from typing import Literal

from sqlalchemy import CheckConstraint, Column, Index, String, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from models.common import ID_MAX, Id, utcnow

MONEY_MAX = 10**12  # yuan, like budgets and prices
TARGET_TYPES = ("need", "achievement", "service", "center", "financing", "finance_product")
TargetType = Literal["need", "achievement", "service", "center", "financing", "finance_product"]


class InterestStatus(StrEnum):
    pending = "pending"
    accepted = "accepted"
    declined = "declined"
    withdrawn = "withdrawn"


# An interest in one of these states blocks another from the same organization to the same target.
OPEN_INTEREST_STATES = (InterestStatus.pending, InterestStatus.accepted)


class DeclineReason(StrEnum):
    not_relevant = "not_relevant"
    capability = "capability"
    price = "price"
    timing = "timing"
    solved = "solved"
    other = "other"


class ContractKind(StrEnum):
    """Kinds of the technology contract registration practice (技术合同认定登记), plus incubation agreements."""

    commissioned_development = "commissioned_development"
    cooperative_development = "cooperative_development"
    transfer = "transfer"
    license = "license"
    technical_service = "technical_service"
    technical_consulting = "technical_consulting"
    incubation = "incubation"


class ContractStatus(StrEnum):
    draft = "draft"
    signed = "signed"
    in_progress = "in_progress"
    completed = "completed"
    terminated = "terminated"


class MilestoneStatus(StrEnum):
    pending = "pending"
    delivered = "delivered"
    accepted = "accepted"
    paid = "paid"
    received = "received"


class MilestoneKind(StrEnum):
    """A deliverable (交付 → 验收) or a payment (付款 → 确认收款): see `app.deals.rules.MILESTONE_ALLOWED`."""

    deliverable = "deliverable"
    payment = "payment"


class IncubationStatus(StrEnum):
    incubating = "incubating"
    graduated = "graduated"
    exited = "exited"


class IPType(StrEnum):
    patent = "patent"
    software_copyright = "software_copyright"
    know_how = "know_how"
    ic_layout = "ic_layout"
    plant_variety = "plant_variety"
    none = "none"


# --- interests ------------------------------------------------------------------------------------------------


# What a caller sends to express interest.
class InterestIn(SQLModel):
    target_type: TargetType
    target_id: int = Field(ge=1, le=ID_MAX)
    message: str = Field(min_length=1, max_length=2000)
    via_type: Literal["need", "achievement", "service", "financing"] | None = None
    via_id: int | None = Field(default=None, ge=1, le=ID_MAX)


# What the target's owner sends to decline.
class DeclineIn(SQLModel):
    reason: DeclineReason
    note: str = Field(default="", max_length=2000)


class Interest(SQLModel, table=True):
    __table_args__ = (
        # One open interest per (organization, target); concurrent duplicates fail here, not in Python.
        Index(
            "uq_interest_open",
            "from_org_id",
            "target_type",
            "target_id",
            unique=True,
            sqlite_where=text("status IN ('pending', 'accepted')"),
            postgresql_where=text("status IN ('pending', 'accepted')"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    from_org_id: int = Field(foreign_key="organization.id", index=True)
    from_user_id: int = Field(foreign_key="user.id")
    target_type: str = Field(max_length=16)
    target_id: int
    to_org_id: int = Field(foreign_key="organization.id", index=True)
    via_type: str | None = Field(default=None, max_length=16)
    via_id: int | None = None
    message: str = Field(max_length=2000)
    status: InterestStatus = Field(default=InterestStatus.pending)
    decline_reason: DeclineReason | None = None
    decline_note: str = Field(default="", max_length=2000)
    created_at: datetime = Field(default_factory=utcnow)
    decided_at: datetime | None = None
    demo_key: str | None = Field(default=None, max_length=80, unique=True)


class NdaDocument(SQLModel, table=True):
    """A need's own NDA text; each edit is a new version, so an acceptance always names what was accepted."""

    __tablename__ = "nda_document"
    __table_args__ = (UniqueConstraint("need_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    need_id: int = Field(foreign_key="need.id", index=True)
    version: int = Field(ge=1)
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_by: int = Field(foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)


class NdaAcceptance(SQLModel, table=True):
    """A click-through acceptance of a confidential need's NDA: who, when, and which text."""

    __tablename__ = "nda_acceptance"

    id: int | None = Field(default=None, primary_key=True)
    interest_id: int = Field(foreign_key="interest.id", unique=True)
    need_id: int = Field(foreign_key="need.id", index=True)
    org_id: int = Field(foreign_key="organization.id")
    user_id: int = Field(foreign_key="user.id")
    text_version: str = Field(max_length=64)
    text_sha256: str = Field(max_length=64)
    accepted_at: datetime = Field(default_factory=utcnow)


# What a row of the detail-view log records: a reading of the details, or a change of who may read them.
DETAIL_EVENTS = ("view", "grant", "revoke", "nda_accepted")


class DetailView(SQLModel, table=True):
    """One line of a confidential need's access log: a view of its details by someone other than its owner, or a
    grant, a revocation or an NDA acceptance (`event`). `user_id` is who acted (the viewer, the owner's user who
    granted or revoked, the grantee's user who accepted) and `org_id` the organization concerned (the viewer's
    or the grantee's; empty for the bureau)."""

    __tablename__ = "detail_view"
    __table_args__ = (
        CheckConstraint("event IN ('view', 'grant', 'revoke', 'nda_accepted')", name="ck_detail_view_event"),
    )

    id: int | None = Field(default=None, primary_key=True)
    need_id: int = Field(foreign_key="need.id", index=True)
    user_id: int = Field(foreign_key="user.id")
    org_id: int | None = Field(default=None, foreign_key="organization.id")
    event: str = Field(default="view", max_length=16, sa_column_kwargs={"server_default": "view"})
    viewed_at: datetime = Field(default_factory=utcnow)


class Message(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    interest_id: int = Field(foreign_key="interest.id", index=True)
    org_id: int = Field(foreign_key="organization.id")
    user_id: int = Field(foreign_key="user.id")
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class Attachment(SQLModel, table=True):
    """A file sent in a conversation; the bytes live outside the web root under `stored_name`."""

    id: int | None = Field(default=None, primary_key=True)
    interest_id: int = Field(foreign_key="interest.id", index=True)
    message_id: int = Field(foreign_key="message.id", index=True)
    uploaded_by: int = Field(foreign_key="user.id")
    original_name: str = Field(max_length=255)
    stored_name: str = Field(max_length=80, unique=True)
    mimetype: str = Field(max_length=100)
    size: int
    sha256: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)


# --- contracts ------------------------------------------------------------------------------------------------


class MilestoneIn(SQLModel):
    title: str = Field(min_length=1, max_length=200)
    kind: MilestoneKind = MilestoneKind.deliverable
    due_on: date
    amount: int = Field(ge=0, le=MONEY_MAX)


# What a party sends to create a contract from an accepted interest (cross-field rules: app/deals/services/contracts.py).
class ContractIn(SQLModel):
    interest_id: int = Field(ge=1, le=ID_MAX)
    kind: ContractKind
    title: str = Field(min_length=2, max_length=200)
    amount: int = Field(ge=0, le=MONEY_MAX)
    technology_amount: int = Field(ge=0, le=MONEY_MAX)
    currency: Literal["CNY"] = "CNY"
    signed_on: date | None = None
    ends_on: date | None = None
    field: str | None = Field(default=None, max_length=40)
    ip_type: IPType | None = None
    milestones: list[MilestoneIn] = Field(default_factory=list, max_length=50)


class Contract(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    interest_id: int = Field(foreign_key="interest.id", index=True)
    kind: ContractKind
    title: str = Field(max_length=200)
    status: ContractStatus = Field(default=ContractStatus.draft, index=True)
    amount: int
    technology_amount: int
    currency: str = Field(default="CNY", max_length=3)
    signed_on: date | None = None
    ends_on: date | None = None
    field: str | None = Field(default=None, max_length=40)
    ip_type: IPType | None = None
    registration_number: str | None = Field(default=None, max_length=40)
    # Party A is the client (委托方/受让方/被许可方), party B the provider.
    party_a_org_id: int = Field(foreign_key="organization.id", index=True)
    party_b_org_id: int = Field(foreign_key="organization.id", index=True)
    signed_by_a_at: datetime | None = None
    signed_by_b_at: datetime | None = None
    # Completion needs both parties: when each side confirmed it (the contract is completed once both have).
    completed_by_a_at: datetime | None = None
    completed_by_b_at: datetime | None = None
    terminated_reason: str = Field(default="", max_length=2000)
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    # Bumped by every change; writers update only the version they read, so concurrent changes cannot interleave.
    version: int = 1
    demo_key: str | None = Field(default=None, max_length=80, unique=True)


class Milestone(SQLModel, table=True):
    __table_args__ = (CheckConstraint("kind IN ('deliverable', 'payment')", name="ck_milestone_kind"),)

    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contract.id", index=True)
    position: int
    title: str = Field(max_length=200)
    # Stored as text under a CHECK (see MilestoneKind); rows read back hold the plain string.
    kind: str = Field(
        default=MilestoneKind.deliverable,
        sa_column=Column(String(16), nullable=False, server_default=MilestoneKind.deliverable.value),
    )
    due_on: date
    amount: int
    status: MilestoneStatus = MilestoneStatus.pending
    updated_at: datetime = Field(default_factory=utcnow)


# --- incubation -----------------------------------------------------------------------------------------------


class IncubationIn(SQLModel):
    center_id: int = Field(ge=1, le=ID_MAX)
    # A registered firm the center deals with (`incubations.firm_choices`): its name and credit code are taken
    # from its organization, so neither needs typing.
    firm_org_id: int | None = Field(default=None, ge=1, le=ID_MAX)
    # Required unless `firm_org_id` names the firm.
    name: str | None = Field(default=None, min_length=2, max_length=120)
    credit_code: str | None = Field(default=None, min_length=18, max_length=18)
    achievement_id: int | None = Field(default=None, ge=1, le=ID_MAX)
    contract_id: int | None = Field(default=None, ge=1, le=ID_MAX)
    started_on: date


class Incubation(SQLModel, table=True):
    """An enterprise incubated by a center (孵化企业).

    It counts in the city's indicators only once confirmed (`confirmed_at`): by the firm's own users when the
    firm has an account here (an organization with its credit code), by the bureau when it has none, or at once
    when it comes from a signed incubation agreement between the center's organization and the firm. A firm
    that rejects it ends it (`rejected_at`, status exited)."""

    __table_args__ = (
        # One running incubation per firm and center: 65 identical posts make one row (and 64 conflicts).
        Index(
            "uq_incubation_running",
            "center_id",
            "credit_code",
            unique=True,
            sqlite_where=text("status = 'incubating' AND credit_code IS NOT NULL"),
            postgresql_where=text("status = 'incubating' AND credit_code IS NOT NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    center_id: int = Field(foreign_key="center.id", index=True)
    name: str = Field(max_length=120)
    credit_code: str | None = Field(default=None, max_length=18)
    achievement_id: int | None = Field(default=None, foreign_key="achievement.id")
    contract_id: int | None = Field(default=None, foreign_key="contract.id")
    started_on: date
    status: IncubationStatus = IncubationStatus.incubating
    ended_on: date | None = None
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    confirmed_at: datetime | None = None
    # Who confirmed: a user of the firm or of the bureau; empty when a signed agreement confirmed it.
    confirmed_by: int | None = Field(default=None, foreign_key="user.id")
    rejected_at: datetime | None = None
    demo_key: str | None = Field(default=None, max_length=80, unique=True)


# --- notifications and alerts ---------------------------------------------------------------------------------


class Notification(SQLModel, table=True):
    """One in-app notice to one user; its sentence is rendered in the reader's language from `kind`, `text` (the
    object's name), `state` (the object's new status, a code of one of the label tables) and `detail` (what else
    the sentence names: a milestone's title, the reasons of a refusal). Its link comes from `subject_type` and
    `subject_id` (`app.platform.notifications.SUBJECT_LINKS`). Rows older than `state` and `detail` have neither
    and render as before."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    kind: str = Field(max_length=32)
    subject_type: str = Field(max_length=32)
    subject_id: int
    text: str = Field(default="", max_length=500)
    state: str | None = Field(default=None, max_length=32)
    detail: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    read_at: datetime | None = None


# Which notifications to mark read: some ids, or (ids left out) all of them.
class NotificationsReadIn(SQLModel):
    ids: list[Id] | None = Field(default=None, max_length=1000)


class SavedSearchIn(SQLModel):
    name: str = Field(default="", max_length=80)
    query: str = Field(default="", max_length=200)
    type: Literal["need", "achievement", "service", "center"] | None = None
    industry: str | None = Field(default=None, max_length=40)
    mode: str | None = Field(default=None, max_length=20)
    region: str | None = Field(default=None, max_length=60)
    trl_min: int | None = Field(default=None, ge=1, le=9)


class SavedSearch(SQLModel, table=True):
    __tablename__ = "saved_search"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    name: str = Field(default="", max_length=80)
    query: str = Field(default="", max_length=200)
    type: str | None = Field(default=None, max_length=16)
    industry: str | None = Field(default=None, max_length=40)
    mode: str | None = Field(default=None, max_length=20)
    region: str | None = Field(default=None, max_length=60)
    trl_min: int | None = None
    created_at: datetime = Field(default_factory=utcnow)


class DigestRun(SQLModel, table=True):
    """A daily digest already built for one user: the primary key makes `notify digest` idempotent per day."""

    __tablename__ = "digest_run"

    user_id: int = Field(foreign_key="user.id", primary_key=True)
    day: date = Field(primary_key=True)
    items: int = 0
    created_at: datetime = Field(default_factory=utcnow)
