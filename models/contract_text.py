"""A contract's text, version by version, and the parties' signatures of it.

Each edit of a draft's text is a new `ContractText` row (the database refuses UPDATE and DELETE on PostgreSQL and
SQLite alike, see migration 0016); `sha256` is the hash of the canonical text (`app.deals.contract_templates`).
A `ContractSignature` names the version and hash it signed; an edit after one party signed voids that signature
(`voided_at`), so at most one live signature per party exists (a partial unique index).
"""

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from models.common import utcnow


class ContractText(SQLModel, table=True):
    __tablename__ = "contract_text"
    __table_args__ = (
        UniqueConstraint("contract_id", "version", name="uq_contract_text_version"),
        CheckConstraint("version >= 1", name="ck_contract_text_version"),
    )

    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contract.id", index=True)
    version: int
    # {clause code: body}, the codes of the contract's kind (app.deals.contract_templates.CLAUSES).
    clauses: dict = Field(default_factory=dict, sa_type=JSON)
    sha256: str = Field(max_length=64)
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)


class ContractSignature(SQLModel, table=True):
    __tablename__ = "contract_signature"
    __table_args__ = (
        CheckConstraint("party IN ('a', 'b')", name="ck_contract_signature_party"),
        # One live signature per party: a second concurrent one fails here, not in Python.
        Index(
            "uq_contract_signature_live",
            "contract_id",
            "party",
            unique=True,
            sqlite_where=text("voided_at IS NULL"),
            postgresql_where=text("voided_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contract.id", index=True)
    party: str = Field(max_length=1)
    user_id: int = Field(foreign_key="user.id")
    org_id: int = Field(foreign_key="organization.id")
    text_version: int
    text_sha256: str = Field(max_length=64)
    signed_at: datetime = Field(default_factory=utcnow)
    # The signer's client address as the app saw it (IPv6 fits).
    address: str = Field(default="", max_length=64)
    # How the signer proved it was them: "password" (the page), "api_token" (the API), a CA provider's name.
    method: str = Field(max_length=32)
    voided_at: datetime | None = None
