"""Organizations (单位) and their people."""

from datetime import datetime

from flask_login import UserMixin
from pydantic import EmailStr, field_validator
from sqlmodel import Field, SQLModel

from models.common import json_list, utcnow
from models.credit_code import is_valid_credit_code
from models.enums import OrgKind, Role


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

    @field_validator("credit_code", mode="before")
    @classmethod
    def _normalise_credit_code(cls, value):
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("credit_code")
    @classmethod
    def _valid_credit_code(cls, value: str) -> str:
        if not is_valid_credit_code(value):
            raise ValueError("invalid_credit_code")
        return value


# The table.
class Organization(OrganizationBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    credit_code: str = Field(min_length=18, max_length=18, unique=True, index=True)
    demo_key: str | None = Field(default=None, max_length=80, unique=True)
    created_at: datetime = Field(default_factory=utcnow)


# What anyone may see of an organization.
class OrganizationPublic(SQLModel):
    id: int
    kind: OrgKind
    name: str
    name_en: str | None
    region: str | None
    industries: list[str]
    description: str | None


# Input of self-registration: an organization and its first user.
class RegistrationIn(SQLModel):
    organization: OrganizationBase
    email: EmailStr
    password: str = Field(min_length=8, max_length=128)
    name: str = Field(min_length=1, max_length=60)
    # True when the user accepted the privacy notice and terms of use; the time and version are then stored.
    consent: bool = False

    @field_validator("organization")
    @classmethod
    def _no_bureau(cls, value: OrganizationBase) -> OrganizationBase:
        if value.kind == OrgKind.bureau:
            raise ValueError("bureau_not_self_registered")
        return value


# UserMixin gives Flask-Login what it asks of a user (get_id, is_authenticated...); is_active follows `active`.
class User(UserMixin, SQLModel, table=True):
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
