"""account deletion: a person's request to delete their account, its date, and when it was carried out

A user asks for deletion (个人信息保护法 art. 47), may cancel until `deletion_due_at`, and then `flask users
purge-deletions` replaces their personal information with a pseudonym and sets `deleted_at`. The row stays, so
contracts, messages and audit rows that point at it keep their meaning. Existing users have asked for nothing.

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("deletion_requested_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(sa.Column("deletion_due_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("deleted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.create_check_constraint(
            "ck_user_deletion_schedule", "(deletion_requested_at IS NULL) = (deletion_due_at IS NULL)"
        )


def downgrade() -> None:
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_constraint("ck_user_deletion_schedule", type_="check")
        batch_op.drop_column("deleted_at")
        batch_op.drop_column("deletion_due_at")
        batch_op.drop_column("deletion_requested_at")
