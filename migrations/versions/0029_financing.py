"""financing: financing requests and finance products (two listing kinds), and financing records

A financing request (融资需求) is a listing posted by a firm or a center's organization, a finance product (金融产品)
one posted by a finance organization (models/financing.py). A financing record is what came of one interest and
its conversation: one per interest (unique), recorded by the finance organization, confirmed by the financed one;
the bureau counts the confirmed ones (`financing` in the indicators).

Revision ID: 0029
Revises: 0027
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FINANCE_TYPES = ("tech_loan", "ip_pledge_loan", "equity", "guarantee")
# Types that exist already (the listing tables'), and the finance type created once in upgrade().
LISTING_STATUS = postgresql.ENUM(
    "draft", "published", "expired", "closed", name="listingstatus", create_type=False
)
CLOSE_REASON = postgresql.ENUM(
    "solved_here", "solved_elsewhere", "not_needed", "other", name="closereason", create_type=False
)
FINANCE_TYPE = postgresql.ENUM(*FINANCE_TYPES, name="financetype", create_type=False)


def upgrade() -> None:
    # One type for the three tables: created here, named by each column without creating it again.
    postgresql.ENUM(*FINANCE_TYPES, name="financetype").create(op.get_bind(), checkfirst=True)
    op.create_table(
        "finance_product",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("status", LISTING_STATUS, nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("published_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("close_reason", CLOSE_REASON, nullable=True),
        sa.Column("solved_contract_id", sa.Integer(), nullable=True),
        sa.Column("demo_key", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
        sa.Column(
            "language", sqlmodel.sql.sqltypes.AutoString(length=2), server_default="zh", nullable=False
        ),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(length=20000), nullable=False),
        sa.Column("industry", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("cooperation_modes", sa.JSON(), nullable=False),
        sa.Column("finance_type", FINANCE_TYPE, nullable=False),
        sa.Column("amount_min", sa.BigInteger(), nullable=True),
        sa.Column("amount_max", sa.BigInteger(), nullable=True),
        sa.Column("terms", sqlmodel.sql.sqltypes.AutoString(length=20000), nullable=False),
        sa.Column("trl_min", sa.Integer(), nullable=True),
        sa.Column("size_classes", sa.JSON(), nullable=False),
        sa.Column("industries", sa.JSON(), nullable=False),
        sa.Column("region", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True),
        sa.CheckConstraint("language IN ('zh', 'en')", name="ck_finance_product_language"),
        sa.CheckConstraint(
            "amount_max IS NULL OR (amount_max >= 0 AND amount_max <= 1000000000000)",
            name="ck_finance_product_amount_max",
        ),
        sa.CheckConstraint(
            "amount_min IS NULL OR (amount_min >= 0 AND amount_min <= 1000000000000)",
            name="ck_finance_product_amount_min",
        ),
        sa.CheckConstraint(
            "amount_min IS NULL OR amount_max IS NULL OR amount_min <= amount_max",
            name="ck_finance_product_amount_order",
        ),
        sa.CheckConstraint(
            "trl_min IS NULL OR (trl_min >= 1 AND trl_min <= 9)", name="ck_finance_product_trl_min"
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organization.id"],
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["solved_contract_id"],
            ["contract.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("demo_key"),
    )
    with op.batch_alter_table("finance_product", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_finance_product_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index("ix_finance_product_live_newest", ["status", "updated_at", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_finance_product_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_finance_product_status"), ["status"], unique=False)

    op.create_table(
        "financing_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("status", LISTING_STATUS, nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("published_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("close_reason", CLOSE_REASON, nullable=True),
        sa.Column("solved_contract_id", sa.Integer(), nullable=True),
        sa.Column("demo_key", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
        sa.Column(
            "language", sqlmodel.sql.sqltypes.AutoString(length=2), server_default="zh", nullable=False
        ),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(length=20000), nullable=False),
        sa.Column("industry", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("cooperation_modes", sa.JSON(), nullable=False),
        sa.Column("finance_type", FINANCE_TYPE, nullable=False),
        sa.Column(
            "stage", sa.Enum("seed", "startup", "growth", "expansion", name="financingstage"), nullable=False
        ),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("use_of_funds", sqlmodel.sql.sqltypes.AutoString(length=20000), nullable=False),
        sa.Column("traction", sqlmodel.sql.sqltypes.AutoString(length=20000), nullable=False),
        sa.Column("trl", sa.Integer(), nullable=True),
        sa.Column("region", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True),
        sa.Column("center_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("language IN ('zh', 'en')", name="ck_financing_request_language"),
        sa.CheckConstraint("amount >= 1 AND amount <= 1000000000000", name="ck_financing_request_amount"),
        sa.CheckConstraint("trl IS NULL OR (trl >= 1 AND trl <= 9)", name="ck_financing_request_trl"),
        sa.ForeignKeyConstraint(
            ["center_id"],
            ["center.id"],
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organization.id"],
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["solved_contract_id"],
            ["contract.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("demo_key"),
    )
    with op.batch_alter_table("financing_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_financing_request_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(
            "ix_financing_request_live_newest", ["status", "updated_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_financing_request_live_trl",
            ["status", sa.literal_column("coalesce(trl, 0)"), "updated_at", "id"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_financing_request_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_financing_request_status"), ["status"], unique=False)

    op.create_table(
        "financing_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("interest_id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("finance_type", FINANCE_TYPE, nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("financed_on", sa.Date(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("financed_org_id", sa.Integer(), nullable=False),
        sa.Column("finance_org_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("recorded", "confirmed", "rejected", name="financingrecordstatus"),
            nullable=False,
        ),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("demo_key", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
        sa.CheckConstraint("amount >= 1 AND amount <= 1000000000000", name="ck_financing_record_amount"),
        sa.CheckConstraint("financed_org_id <> finance_org_id", name="ck_financing_record_parties"),
        sa.ForeignKeyConstraint(
            ["decided_by"],
            ["user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["finance_org_id"],
            ["organization.id"],
        ),
        sa.ForeignKeyConstraint(
            ["financed_org_id"],
            ["organization.id"],
        ),
        sa.ForeignKeyConstraint(
            ["interest_id"],
            ["interest.id"],
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["finance_product.id"],
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"],
            ["user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["financing_request.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("demo_key"),
        sa.UniqueConstraint("interest_id", name="uq_financing_record_interest"),
    )
    with op.batch_alter_table("financing_record", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_financing_record_finance_org_id"), ["finance_org_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_financing_record_financed_org_id"), ["financed_org_id"], unique=False
        )
        batch_op.create_index("ix_financing_record_status_on", ["status", "financed_on"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("financing_record", schema=None) as batch_op:
        batch_op.drop_index("ix_financing_record_status_on")
        batch_op.drop_index(batch_op.f("ix_financing_record_financed_org_id"))
        batch_op.drop_index(batch_op.f("ix_financing_record_finance_org_id"))

    op.drop_table("financing_record")
    with op.batch_alter_table("financing_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_financing_request_status"))
        batch_op.drop_index(batch_op.f("ix_financing_request_org_id"))
        batch_op.drop_index("ix_financing_request_live_trl")
        batch_op.drop_index("ix_financing_request_live_newest")
        batch_op.drop_index(batch_op.f("ix_financing_request_expires_at"))

    op.drop_table("financing_request")
    with op.batch_alter_table("finance_product", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_finance_product_status"))
        batch_op.drop_index(batch_op.f("ix_finance_product_org_id"))
        batch_op.drop_index("ix_finance_product_live_newest")
        batch_op.drop_index(batch_op.f("ix_finance_product_expires_at"))

    op.drop_table("finance_product")
    for name in ("financingrecordstatus", "financingstage", "financetype"):
        sa.Enum(name=name).drop(op.get_bind(), checkfirst=True)
