"""instrument free time: stored free spans per instrument for the coming weeks, and how far they reach

The list's "free next week" filter reads `instrument_free_span` in one query instead of running the calendar rules
over every instrument; app/instruments/services/free_time.py keeps it (see its docstring for why stored spans).

Revision ID: 0031
Revises: 0027
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "instrument_free_span",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instrument_id", sa.Integer(), nullable=False),
        sa.Column("starts_s", sa.BigInteger(), nullable=False),
        sa.Column("ends_s", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("starts_s < ends_s", name="ck_instrument_free_span_order"),
        sa.ForeignKeyConstraint(["instrument_id"], ["instrument.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_instrument_free_span_instrument_ends", "instrument_free_span", ["instrument_id", "ends_s"]
    )
    op.create_table(
        "instrument_free_horizon",
        sa.Column("instrument_id", sa.Integer(), nullable=False),
        sa.Column("from_s", sa.BigInteger(), nullable=False),
        sa.Column("through_s", sa.BigInteger(), nullable=False),
        sa.Column("listing_updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("computed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.CheckConstraint("from_s < through_s", name="ck_instrument_free_horizon_order"),
        sa.ForeignKeyConstraint(["instrument_id"], ["instrument.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("instrument_id"),
    )


def downgrade() -> None:
    op.drop_table("instrument_free_horizon")
    op.drop_index("ix_instrument_free_span_instrument_ends", table_name="instrument_free_span")
    op.drop_table("instrument_free_span")
