"""milestone kinds and completion by both parties

A milestone is a deliverable (交付 → 验收) or a payment (付款 → 确认收款, status `received` once the receiving
side confirms). Every existing milestone was a deliverable; a deliverable now ends at `accepted` (payment is a
milestone of its own), so the old accepted → paid step is folded back into `accepted`.

A contract is completed once both parties confirm: `completed_by_a_at` / `completed_by_b_at`. Contracts already
completed count as confirmed by both, at their last change.

Revision ID: 0018
Revises: 0017
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KIND_CHECK = "kind IN ('deliverable', 'payment')"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # A new value of the native enum; it is not used by this migration itself (PostgreSQL forbids using a
        # value added in the same transaction).
        op.execute("ALTER TYPE milestonestatus ADD VALUE IF NOT EXISTS 'received'")
    with op.batch_alter_table("milestone", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=16), server_default="deliverable", nullable=False)
        )
        batch_op.create_check_constraint("ck_milestone_kind", KIND_CHECK)
    op.execute("UPDATE milestone SET status = 'accepted' WHERE status = 'paid'")
    with op.batch_alter_table("contract", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("completed_by_a_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(
            sa.Column("completed_by_b_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
    op.execute(
        "UPDATE contract SET completed_by_a_at = updated_at, completed_by_b_at = updated_at"
        " WHERE status = 'completed'"
    )


def downgrade() -> None:
    # A payment's confirmed receipt reads as paid again; PostgreSQL keeps the enum value (it cannot drop one).
    op.execute("UPDATE milestone SET status = 'paid' WHERE status = 'received'")
    with op.batch_alter_table("contract", schema=None) as batch_op:
        batch_op.drop_column("completed_by_b_at")
        batch_op.drop_column("completed_by_a_at")
    with op.batch_alter_table("milestone", schema=None) as batch_op:
        batch_op.drop_constraint("ck_milestone_kind", type_="check")
        batch_op.drop_column("kind")
