"""incubation confirmation: one running incubation per firm and center, confirmed by the firm or the bureau

An incubation counts in the indicators only once confirmed (`confirmed_at`, `confirmed_by`); a firm that rejects
one ends it (`rejected_at`). Incubations recorded before this revision were typed in by centers without any
check, so they start unconfirmed: the firm (or the bureau, for a firm without an account) confirms them.
Duplicate running rows of one firm and center must go before the unique index can be built: all but the oldest
are ended as exited on the day of the upgrade.

Revision ID: 0014
Revises: 0013
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RUNNING = "status = 'incubating' AND credit_code IS NOT NULL"


def upgrade() -> None:
    with op.batch_alter_table("incubation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("confirmed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("confirmed_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("rejected_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.create_foreign_key("fk_incubation_confirmed_by_user", "user", ["confirmed_by"], ["id"])
    op.execute(
        "UPDATE incubation SET status = 'exited', ended_on = CURRENT_DATE "
        f"WHERE {RUNNING} AND id NOT IN (SELECT MIN(id) FROM incubation WHERE {RUNNING} "
        "GROUP BY center_id, credit_code)"
    )
    op.create_index(
        "uq_incubation_running",
        "incubation",
        ["center_id", "credit_code"],
        unique=True,
        sqlite_where=sa.text(RUNNING),
        postgresql_where=sa.text(RUNNING),
    )


def downgrade() -> None:
    op.drop_index("uq_incubation_running", table_name="incubation")
    with op.batch_alter_table("incubation", schema=None) as batch_op:
        batch_op.drop_constraint("fk_incubation_confirmed_by_user", type_="foreignkey")
        batch_op.drop_column("rejected_at")
        batch_op.drop_column("confirmed_by")
        batch_op.drop_column("confirmed_at")
