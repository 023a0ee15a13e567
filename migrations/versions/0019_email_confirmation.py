"""email confirmation: when a user confirmed their email address

With email configured, a registration creates an account that cannot log in until the link sent to its address
is followed (`email_confirmed_at` set then). Every account that exists already counts as confirmed, since the day
it was created.

Revision ID: 0019
Revises: 0018
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("user") as batch:
        batch.add_column(sa.Column("email_confirmed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.execute('UPDATE "user" SET email_confirmed_at = created_at')


def downgrade() -> None:
    with op.batch_alter_table("user") as batch:
        batch.drop_column("email_confirmed_at")
