"""Organizations (单位) and their people."""

from datetime import datetime

from flask_login import UserMixin
from pydantic import EmailStr, field_validator
from sqlalchemy import CheckConstraint
from sqlmodel import Field, SQLModel

from models.common import json_list, utcnow
from models.credit_code import is_valid_credit_code
from models.enums import ClaimStatus, OrgKind, Role
from models.size_class import NO_SIZE_CLASS, SIZE_CLASSES

# The shortest password accepted (app/accounts/services/passwords.py holds the rest of the policy).
PASSWORD_MIN_LENGTH = 10


# Both the organization form and the claim form take a credit code; they read it the same way.
def normalised_credit_code(value: object) -> object:
    return value.strip().upper() if isinstance(value, str) else value


def checked_credit_code(value: str) -> str:
    if not is_valid_credit_code(value):
        raise ValueError("invalid_credit_code")
    return value


# Shared fields of an organization, as a user types them.
class OrganizationBase(SQLModel):
    kind: OrgKind
    name: str = Field(min_length=2, max_length=120)
    name_en: str | None = Field(default=None, max_length=200)
    credit_code: str = Field(min_length=18, max_length=18)
    region: str | None = Field(default=None, max_length=60)
    industries: list[str] = json_list()
    description: str | None = Field(default=None, max_length=2000)
    contact_name: str | None = Field(default=None, max_length=60)
    contact_phone: str | None = Field(default=None, max_length=40)
    # 企业规模 (models/size_class.py): large, medium, small or micro; empty when not given or not an enterprise.
    size_class: str | None = Field(default=None, max_length=8)

    @field_validator("credit_code", mode="before")
    @classmethod
    def _normalise_credit_code(cls, value: object) -> object:
        return normalised_credit_code(value)

    @field_validator("credit_code")
    @classmethod
    def _valid_credit_code(cls, value: str) -> str:
        return checked_credit_code(value)

    @field_validator("size_class", mode="before")
    @classmethod
    def _known_size_class(cls, value: object) -> object:
        return checked_size_class(value)


def checked_size_class(value: object) -> str | None:
    """One of the four codes, or None for an empty choice; anything else is refused with its own message."""
    if value is None or value == "":
        return None
    if value not in SIZE_CLASSES:
        raise ValueError("size_class_unknown")
    return str(value)


# Checks the database holds whatever path writes: a known size class, and none for a non-enterprise.
SIZE_CLASS_CHECKS = (
    ("size_class", "size_class IS NULL OR size_class IN (" + ", ".join(f"'{c}'" for c in SIZE_CLASSES) + ")"),
    (
        "size_class_kind",
        "size_class IS NULL OR kind NOT IN (" + ", ".join(f"'{k}'" for k in NO_SIZE_CLASS) + ")",
    ),
)


# The table.
class Organization(OrganizationBase, table=True):
    __table_args__ = tuple(
        CheckConstraint(sql, name=f"ck_organization_{name}") for name, sql in SIZE_CLASS_CHECKS
    )

    id: int | None = Field(default=None, primary_key=True)
    credit_code: str = Field(min_length=18, max_length=18, unique=True, index=True)
    demo_key: str | None = Field(default=None, max_length=80, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    # Set when the bureau has checked that the registrant really is this organization; until then it may
    # not sign contracts or be filed as a center.
    verified_at: datetime | None = None

    @property
    def verified(self) -> bool:
        return self.verified_at is not None


# What anyone may see of an organization.
class OrganizationPublic(SQLModel):
    id: int
    kind: OrgKind
    name: str
    name_en: str | None
    region: str | None
    industries: list[str]
    description: str | None
    size_class: str | None
    verified: bool


# Input of self-registration: an organization and its first user.
class RegistrationIn(SQLModel):
    organization: OrganizationBase
    email: EmailStr
    password: str = Field(min_length=PASSWORD_MIN_LENGTH, max_length=128)
    name: str = Field(min_length=1, max_length=60)
    # The user accepted the privacy notice and terms of use: registration is refused without it (the service says
    # so in the user's language); the time and version are then stored.
    consent: bool = False

    @field_validator("organization")
    @classmethod
    def _no_bureau(cls, value: OrganizationBase) -> OrganizationBase:
        if value.kind == OrgKind.bureau:
            raise ValueError("bureau_not_self_registered")
        return value


# UserMixin gives Flask-Login what it asks of a user (get_id, is_authenticated...); is_active follows `active`.
class User(UserMixin, SQLModel, table=True):
    __table_args__ = (
        # A deletion asked for always has its date, and a date is never set without the request.
        CheckConstraint(
            "(deletion_requested_at IS NULL) = (deletion_due_at IS NULL)", name="ck_user_deletion_schedule"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)
    name: str = Field(max_length=60)
    password_hash: str = Field(max_length=256)
    role: Role
    org_id: int | None = Field(default=None, foreign_key="organization.id", index=True)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    # When the user agreed to the privacy notice and terms at registration, and to which version of them.
    consent_at: datetime | None = None
    consent_version: str | None = Field(default=None, max_length=20)
    # Copied into the session cookie at login; raising it (logout) makes every older cookie worthless.
    session_version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    # The person asked to delete their account (个人信息保护法 art. 47): when, and from when it may be carried
    # out (ACCOUNT_DELETION_DAYS later; they may cancel until then). `deleted_at`: when the personal information
    # was removed (app/accounts/services/personal_data.py); the row stays, under a pseudonym, for what others keep.
    deletion_requested_at: datetime | None = None
    deletion_due_at: datetime | None = None
    deleted_at: datetime | None = None
    # When the person proved they read mail at `email` (the link sent at registration when email is configured).
    # Empty: registered, not confirmed yet, so the account cannot log in. Accounts made any other way (the
    # bureau's, experts', an approved claim's, demo data) and every account made before count as confirmed.
    email_confirmed_at: datetime | None = Field(default_factory=utcnow)

    @property
    def is_active(self) -> bool:
        # A deactivated account can neither log in nor stay logged in.
        return self.active


# What the API returns about a user.
class UserPublic(SQLModel):
    id: int
    email: str
    name: str
    role: Role
    org_id: int | None


class ApiToken(SQLModel, table=True):
    """A bearer token for the JSON API; only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    # Updated at most once a minute (see accounts.TOKEN_TOUCH_SECONDS), so a busy client does not write per call.
    last_used_at: datetime | None = None


# What a user sees of one of their tokens; never the token itself.
class ApiTokenPublic(SQLModel):
    id: int
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None


# What someone sends to claim an organization whose credit code another registrant took first.
class OrganizationClaimIn(SQLModel):
    credit_code: str = Field(min_length=18, max_length=18)
    org_name: str = Field(min_length=2, max_length=120)
    contact_name: str = Field(min_length=1, max_length=60)
    contact_phone: str | None = Field(default=None, max_length=40)
    email: EmailStr
    password: str = Field(min_length=PASSWORD_MIN_LENGTH, max_length=128)
    evidence: str = Field(min_length=10, max_length=2000)

    @field_validator("credit_code", mode="before")
    @classmethod
    def _normalise_credit_code(cls, value: object) -> object:
        return normalised_credit_code(value)

    @field_validator("credit_code")
    @classmethod
    def _valid_credit_code(cls, value: str) -> str:
        return checked_credit_code(value)


# The table: the bureau transfers the organization to the claimant, or rejects the claim.
class OrganizationClaim(SQLModel, table=True):
    __tablename__ = "organization_claim"

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id", index=True)
    org_name: str = Field(max_length=120)
    contact_name: str = Field(max_length=60)
    contact_phone: str | None = Field(default=None, max_length=40)
    email: str = Field(max_length=254)
    # The claimant's password, hashed at once: on transfer it becomes their account's password.
    password_hash: str = Field(max_length=256)
    evidence: str = Field(max_length=2000)
    status: ClaimStatus = ClaimStatus.pending
    created_at: datetime = Field(default_factory=utcnow)
    resolved_at: datetime | None = None
    resolved_by: int | None = Field(default=None, foreign_key="user.id")
    # On transfer, the account made for the claimant.
    user_id: int | None = Field(default=None, foreign_key="user.id")


# What the bureau sees of a claim.
class OrganizationClaimPublic(SQLModel):
    id: int
    org_id: int
    org_name: str
    contact_name: str
    contact_phone: str | None
    email: str
    evidence: str
    status: ClaimStatus
    created_at: datetime
    resolved_at: datetime | None
