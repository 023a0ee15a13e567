"""objection dismissal: the bureau sets aside duplicate and spam objections in batches

An objection dismissed keeps the reason as its answer and no longer holds up filing; `dismissed` tells it from
one answered on its merits. Existing objections were all answered on their merits (or not yet), so false.

Revision ID: 0011
Revises: 0010
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notice_objection", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dismissed", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("notice_objection", schema=None) as batch_op:
        batch_op.drop_column("dismissed")
