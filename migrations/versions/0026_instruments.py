"""instruments and facilities: the instrument listing kind, its closures, and bookings

An instrument is a listing (models/instrument.py) with its booking rules, price table and weekly opening hours;
`instrument_closure` holds the periods its owner closed it; `booking` the slots organizations booked, with usage
and the technical-service contract a confirmation created. On PostgreSQL an exclusion constraint (btree_gist)
refuses two live bookings of one instrument whose time ranges overlap.

Revision ID: 0026
Revises: 0019
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0026"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "instrument",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            postgresql.ENUM(
                "draft", "published", "expired", "closed", name="listingstatus", create_type=False
            ),
            nullable=False,
        ),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("published_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column(
            "close_reason",
            postgresql.ENUM(
                "solved_here",
                "solved_elsewhere",
                "not_needed",
                "other",
                name="closereason",
                create_type=False,
            ),
            nullable=True,
        ),
        sa.Column("solved_contract_id", sa.Integer(), nullable=True),
        sa.Column("demo_key", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(length=20000), nullable=False),
        sa.Column("industry", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("cooperation_modes", sa.JSON(), nullable=False),
        # Every listing kind records its language (0024); an instrument too, by the same rule.
        sa.Column("language", sa.String(length=2), server_default="zh", nullable=False),
        sa.Column("model", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("maker", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column(
            "category",
            sa.Enum(
                "analysis",
                "inspection",
                "metrology",
                "pilot",
                "machining",
                "reliability",
                "data_software",
                name="instrumentcategory",
            ),
            nullable=False,
        ),
        sa.Column("standards", sa.JSON(), nullable=False),
        sa.Column("region", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True),
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("center_id", sa.Integer(), nullable=True),
        sa.Column("price_unit", sa.Enum("hour", "sample", name="priceunit"), nullable=False),
        sa.Column("price", sa.BigInteger(), nullable=True),
        sa.Column("price_member", sa.BigInteger(), nullable=True),
        sa.Column("price_sme", sa.BigInteger(), nullable=True),
        sa.Column("price_university", sa.BigInteger(), nullable=True),
        sa.Column("subsidy_percent", sa.Integer(), nullable=False),
        sa.Column("min_slot_minutes", sa.Integer(), nullable=False),
        sa.Column("max_slot_minutes", sa.Integer(), nullable=False),
        sa.Column("lead_hours", sa.Integer(), nullable=False),
        sa.Column("cancel_hours", sa.Integer(), nullable=False),
        sa.Column("approval_required", sa.Boolean(), nullable=False),
        sa.Column(
            "bookable_by", sa.Enum("anyone", "enterprises", "members", name="bookableby"), nullable=False
        ),
        sa.Column("opening_hours", sa.JSON(), nullable=False),
        sa.CheckConstraint("min_slot_minutes <= max_slot_minutes", name="ck_instrument_slot_order"),
        sa.CheckConstraint(
            "price IS NULL OR (price >= 0 AND price <= 1000000000000)", name="ck_instrument_price"
        ),
        sa.CheckConstraint(
            "price_member IS NULL OR (price_member >= 0 AND price_member <= 1000000000000)",
            name="ck_instrument_price_member",
        ),
        sa.CheckConstraint(
            "price_sme IS NULL OR (price_sme >= 0 AND price_sme <= 1000000000000)",
            name="ck_instrument_price_sme",
        ),
        sa.CheckConstraint(
            "price_university IS NULL OR (price_university >= 0 AND price_university <= 1000000000000)",
            name="ck_instrument_price_university",
        ),
        sa.CheckConstraint("subsidy_percent >= 0 AND subsidy_percent <= 100", name="ck_instrument_subsidy"),
        sa.CheckConstraint("language IN ('zh', 'en')", name="ck_instrument_language"),
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
    with op.batch_alter_table("instrument", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_instrument_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index("ix_instrument_live_category", ["status", "category"], unique=False)
        batch_op.create_index("ix_instrument_live_newest", ["status", "updated_at", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_instrument_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_instrument_status"), ["status"], unique=False)
    op.create_index(
        "ix_instrument_live_price",
        "instrument",
        ["status", sa.text("coalesce(price, -1)"), "updated_at", "id"],
    )

    op.create_table(
        "booking",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instrument_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("starts_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("ends_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("work", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("samples", sa.Integer(), nullable=False),
        sa.Column("contact", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "requested",
                "confirmed",
                "declined",
                "cancelled",
                "no_show",
                "completed",
                name="bookingstatus",
            ),
            nullable=False,
        ),
        sa.Column(
            "price_category",
            sa.Enum("member", "sme", "enterprise", "university", name="pricecategory"),
            nullable=False,
        ),
        sa.Column("unit_price", sa.BigInteger(), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("subsidy_amount", sa.BigInteger(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("used_minutes", sa.Integer(), nullable=True),
        sa.Column("used_samples", sa.Integer(), nullable=True),
        sa.Column("report_name", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("report_stored_name", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
        sa.Column("report_mimetype", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("report_size", sa.Integer(), nullable=True),
        sa.Column("contract_id", sa.Integer(), nullable=True),
        sa.Column("reminded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("demo_key", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
        sa.CheckConstraint("samples >= 0", name="ck_booking_samples"),
        sa.CheckConstraint("starts_at < ends_at", name="ck_booking_order"),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contract.id"],
        ),
        sa.ForeignKeyConstraint(
            ["instrument_id"],
            ["instrument.id"],
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organization.id"],
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("demo_key"),
        sa.UniqueConstraint("report_stored_name"),
    )
    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.create_index("ix_booking_instrument_starts", ["instrument_id", "starts_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_booking_org_id"), ["org_id"], unique=False)
        batch_op.create_index("ix_booking_status_starts", ["status", "starts_at"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        # Two bookings that hold the slot (requested or confirmed) never overlap on one instrument, whatever path
        # wrote them. SQLite has no exclusion constraints: the booking service checks the same rule there inside
        # its write transaction (app/instruments/services/bookings.py).
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(
            "ALTER TABLE booking ADD CONSTRAINT ex_booking_no_overlap EXCLUDE USING gist "
            "(instrument_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) "
            "WHERE (status IN ('requested', 'confirmed'))"
        )

    op.create_table(
        "instrument_closure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instrument_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("ends_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.CheckConstraint("starts_at < ends_at", name="ck_instrument_closure_order"),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["instrument_id"],
            ["instrument.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("instrument_closure", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_instrument_closure_instrument_id"), ["instrument_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("instrument_closure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_instrument_closure_instrument_id"))

    op.drop_table("instrument_closure")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE booking DROP CONSTRAINT IF EXISTS ex_booking_no_overlap")
    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.drop_index("ix_booking_status_starts")
        batch_op.drop_index(batch_op.f("ix_booking_org_id"))
        batch_op.drop_index("ix_booking_instrument_starts")

    op.drop_table("booking")
    with op.batch_alter_table("instrument", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_instrument_status"))
        batch_op.drop_index(batch_op.f("ix_instrument_org_id"))
        batch_op.drop_index("ix_instrument_live_newest")
        batch_op.drop_index("ix_instrument_live_category")
        batch_op.drop_index(batch_op.f("ix_instrument_expires_at"))

    op.drop_index("ix_instrument_live_price", table_name="instrument")
    op.drop_table("instrument")
    if op.get_bind().dialect.name == "postgresql":
        for name in ("instrumentcategory", "priceunit", "bookableby", "bookingstatus", "pricecategory"):
            op.execute(f"DROP TYPE IF EXISTS {name}")
