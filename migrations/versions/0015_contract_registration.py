"""contract registration: 技术合同认定登记 as a form and a status, one row per contract

Every contract that already has a registration number (recorded with the old free-text box) becomes a
registered row with that number, its amounts, IP type and term taken from the contract; the contract keeps its
`registration_number` for older readers. Downgrading copies the registered numbers back and drops the table.

Revision ID: 0015
Revises: 0014
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

contract = sa.table(
    "contract",
    sa.column("id", sa.Integer),
    sa.column("amount", sa.Integer),
    sa.column("technology_amount", sa.Integer),
    sa.column("ip_type", sa.String),
    sa.column("signed_on", sa.Date),
    sa.column("ends_on", sa.Date),
    sa.column("registration_number", sa.String),
    sa.column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime()),
)


def upgrade() -> None:
    registration = op.create_table(
        "contract_registration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("sub_kind", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("field", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("ip_type", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=True),
        sa.Column("deal_amount", sa.Integer(), nullable=True),
        sa.Column("technology_amount", sa.Integer(), nullable=True),
        sa.Column("payment_method", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("seller_type", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("buyer_type", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("seller_region", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True),
        sa.Column("buyer_region", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True),
        sa.Column("term_start", sa.Date(), nullable=True),
        sa.Column("term_end", sa.Date(), nullable=True),
        sa.Column("objective", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("number", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("office", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column("refusal_reason", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.Column("submitted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("decided_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "status IN ('not_submitted', 'submitted', 'registered', 'refused')",
            name="ck_contract_registration_status",
        ),
        sa.CheckConstraint(
            "deal_amount IS NULL OR deal_amount >= 0", name="ck_contract_registration_deal_amount"
        ),
        sa.CheckConstraint(
            "technology_amount IS NULL OR technology_amount >= 0",
            name="ck_contract_registration_technology_amount",
        ),
        sa.CheckConstraint(
            "technology_amount IS NULL OR deal_amount IS NULL OR technology_amount <= deal_amount",
            name="ck_contract_registration_technology_within_deal",
        ),
        sa.CheckConstraint(
            "term_start IS NULL OR term_end IS NULL OR term_end >= term_start",
            name="ck_contract_registration_term",
        ),
        sa.CheckConstraint(
            "status <> 'registered' OR number IS NOT NULL", name="ck_contract_registration_number"
        ),
        sa.ForeignKeyConstraint(["contract_id"], ["contract.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("contract_id"),
    )
    with op.batch_alter_table("contract_registration", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contract_registration_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_contract_registration_submitted_at"), ["submitted_at"], unique=False)

    rows = op.get_bind().execute(
        sa.select(contract).where(contract.c.registration_number.is_not(None)).order_by(contract.c.id)
    )
    op.bulk_insert(registration, [_registered(row) for row in rows if row.registration_number.strip()])


def _registered(row) -> dict:
    """An old contract's number as a registered row, with what the contract already says."""
    keep_term = row.signed_on is None or row.ends_on is None or row.ends_on >= row.signed_on
    return {
        "contract_id": row.id,
        "ip_type": row.ip_type,
        "deal_amount": row.amount,
        "technology_amount": min(row.technology_amount, row.amount),
        "term_start": row.signed_on,
        "term_end": row.ends_on if keep_term else None,
        "status": "registered",
        "number": row.registration_number.strip(),
        "decided_at": row.updated_at,
        "updated_at": row.updated_at,
        "version": 1,
    }


def downgrade() -> None:
    registration = sa.table(
        "contract_registration",
        sa.column("contract_id", sa.Integer),
        sa.column("status", sa.String),
        sa.column("number", sa.String),
    )
    bind = op.get_bind()
    registered = bind.execute(
        sa.select(registration.c.contract_id, registration.c.number).where(registration.c.status == "registered")
    ).all()
    for contract_id, number in registered:
        bind.execute(
            sa.update(contract).where(contract.c.id == contract_id).values(registration_number=number)
        )
    with op.batch_alter_table("contract_registration", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contract_registration_submitted_at"))
        batch_op.drop_index(batch_op.f("ix_contract_registration_status"))
    op.drop_table("contract_registration")
