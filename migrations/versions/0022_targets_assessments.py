"""targets, assessments and rectification: the plan's targets, each center's annual targets, the three-year
assessment as a decision, the rectification a failing one leads to; per-center evaluation weights within the
round's bounds

Revision ID: 0022
Revises: 0019
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _enum(bind, *values: str, name: str):
    """An enum type that already exists in PostgreSQL (created by an earlier revision)."""
    if bind.dialect.name == "postgresql":
        return postgresql.ENUM(*values, name=name, create_type=False)
    return sa.Enum(*values, name=name)


def upgrade() -> None:
    bind = op.get_bind()
    level = _enum(bind, "city", "province", "national", name="centerlevel")
    grade = _enum(bind, "excellent", "good", "passed", "failed", name="grade")
    op.create_table(
        "plan_target",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target_year", sa.Integer(), nullable=False),
        sa.Column("level", level, nullable=False),
        sa.Column("min_count", sa.Integer(), nullable=False),
        sa.Column("max_count", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.CheckConstraint("min_count >= 0 AND max_count >= min_count", name="ck_plan_target_range"),
        sa.ForeignKeyConstraint(["updated_by"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("target_year", "level"),
    )
    op.create_table(
        "center_target",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("center_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("indicator", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("target_count", sa.Integer(), nullable=True),
        sa.Column("target_amount", sa.Integer(), nullable=True),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.CheckConstraint("target_count >= 0 AND target_amount >= 0", name="ck_center_target_positive"),
        sa.ForeignKeyConstraint(["center_id"], ["center.id"]),
        sa.ForeignKeyConstraint(["updated_by"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("center_id", "year", "indicator"),
    )
    with op.batch_alter_table("center_target") as batch:
        batch.create_index(batch.f("ix_center_target_center_id"), ["center_id"], unique=False)
    op.create_table(
        "center_assessment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("center_id", sa.Integer(), nullable=False),
        sa.Column("period_start_year", sa.Integer(), nullable=False),
        sa.Column("period_end_year", sa.Integer(), nullable=False),
        sa.Column("evaluation_ids", sa.JSON(), nullable=False),
        sa.Column("suggested", grade, nullable=True),
        sa.Column("grade", grade, nullable=False),
        sa.Column("reasons", sqlmodel.sql.sqltypes.AutoString(length=20000), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("demo_key", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
        sa.ForeignKeyConstraint(["center_id"], ["center.id"]),
        sa.ForeignKeyConstraint(["decided_by"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("center_id", "period_end_year"),
        sa.UniqueConstraint("demo_key"),
    )
    with op.batch_alter_table("center_assessment") as batch:
        batch.create_index(batch.f("ix_center_assessment_center_id"), ["center_id"], unique=False)
    op.create_table(
        "rectification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("center_id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("open_center_id", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum("ordered", "reported", "accepted", "revoked", name="rectificationstatus"),
            nullable=False,
        ),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("reasons", sqlmodel.sql.sqltypes.AutoString(length=20000), nullable=False),
        sa.Column("ordered_by", sa.Integer(), nullable=True),
        sa.Column("ordered_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("report", sqlmodel.sql.sqltypes.AutoString(length=20000), nullable=False),
        sa.Column("reported_by", sa.Integer(), nullable=True),
        sa.Column("reported_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("decision_reasons", sqlmodel.sql.sqltypes.AutoString(length=20000), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("demo_key", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
        sa.ForeignKeyConstraint(["assessment_id"], ["center_assessment.id"]),
        sa.ForeignKeyConstraint(["center_id"], ["center.id"]),
        sa.ForeignKeyConstraint(["decided_by"], ["user.id"]),
        sa.ForeignKeyConstraint(["ordered_by"], ["user.id"]),
        sa.ForeignKeyConstraint(["reported_by"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("assessment_id"),
        sa.UniqueConstraint("demo_key"),
        sa.UniqueConstraint("open_center_id"),
    )
    with op.batch_alter_table("rectification") as batch:
        batch.create_index(batch.f("ix_rectification_center_id"), ["center_id"], unique=False)
    with op.batch_alter_table("evaluation_round") as batch:
        batch.add_column(sa.Column("weight_bounds", sa.JSON(), nullable=False, server_default="{}"))
    with op.batch_alter_table("center_evaluation") as batch:
        batch.add_column(sa.Column("weights", sa.JSON(), nullable=False, server_default="{}"))
    with op.batch_alter_table("evaluation_round") as batch:
        batch.alter_column("weight_bounds", server_default=None)
    with op.batch_alter_table("center_evaluation") as batch:
        batch.alter_column("weights", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("center_evaluation") as batch:
        batch.drop_column("weights")
    with op.batch_alter_table("evaluation_round") as batch:
        batch.drop_column("weight_bounds")
    op.drop_table("rectification")
    op.drop_table("center_assessment")
    op.drop_table("center_target")
    op.drop_table("plan_target")
    sa.Enum(name="rectificationstatus").drop(op.get_bind(), checkfirst=True)
