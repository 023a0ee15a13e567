"""need grants: the owner's grants of access to a confidential need get an id, who granted them, and a log

A grant (`need_access`) had the pair (need_id, org_id) as its key; the API names a grant by an id, so the pair
becomes a unique constraint and `id` the key, and `granted_by` records the owner's user (empty for the grants
made before). Every existing grant is kept. The detail-view log records grants, revocations and NDA
acceptances beside views (`event`); every existing row is a view.

SQLite cannot change a table's key in place: the table is rebuilt (the new one created, rows copied, the old one
dropped), which is what Alembic's batch mode does; PostgreSQL alters it.

Revision ID: 0016
Revises: 0015
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _new_need_access(name: str) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("need_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("granted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("granted_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["need_id"], ["need.id"]),
        sa.ForeignKeyConstraint(["org_id"], ["organization.id"]),
        sa.ForeignKeyConstraint(["granted_by"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("need_id", "org_id", name="uq_need_access_need_org"),
    )


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _new_need_access("_need_access_new")
        op.execute(
            "INSERT INTO _need_access_new (need_id, org_id, granted_at) "
            "SELECT need_id, org_id, granted_at FROM need_access ORDER BY granted_at, need_id, org_id"
        )
        op.drop_table("need_access")
        op.rename_table("_need_access_new", "need_access")
    else:
        op.drop_constraint("need_access_pkey", "need_access", type_="primary")
        # SERIAL numbers the existing rows as it adds the column.
        op.execute("ALTER TABLE need_access ADD COLUMN id SERIAL NOT NULL")
        op.create_primary_key("need_access_pkey", "need_access", ["id"])
        op.create_unique_constraint("uq_need_access_need_org", "need_access", ["need_id", "org_id"])
        op.add_column("need_access", sa.Column("granted_by", sa.Integer(), nullable=True))
        op.create_foreign_key("need_access_granted_by_fkey", "need_access", "user", ["granted_by"], ["id"])

    with op.batch_alter_table("detail_view", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "event",
                sqlmodel.sql.sqltypes.AutoString(length=16),
                server_default="view",
                nullable=False,
            )
        )
        batch_op.create_check_constraint(
            "ck_detail_view_event", "event IN ('view', 'grant', 'revoke', 'nda_accepted')"
        )


def downgrade() -> None:
    # Only views were logged before: the other events go with the column.
    op.execute("DELETE FROM detail_view WHERE event <> 'view'")
    with op.batch_alter_table("detail_view", schema=None) as batch_op:
        batch_op.drop_constraint("ck_detail_view_event", type_="check")
        batch_op.drop_column("event")

    if op.get_bind().dialect.name == "sqlite":
        op.create_table(
            "_need_access_old",
            sa.Column("need_id", sa.Integer(), nullable=False),
            sa.Column("org_id", sa.Integer(), nullable=False),
            sa.Column("granted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
            sa.ForeignKeyConstraint(["need_id"], ["need.id"]),
            sa.ForeignKeyConstraint(["org_id"], ["organization.id"]),
            sa.PrimaryKeyConstraint("need_id", "org_id"),
        )
        op.execute(
            "INSERT INTO _need_access_old (need_id, org_id, granted_at) "
            "SELECT need_id, org_id, granted_at FROM need_access"
        )
        op.drop_table("need_access")
        op.rename_table("_need_access_old", "need_access")
    else:
        op.drop_constraint("need_access_granted_by_fkey", "need_access", type_="foreignkey")
        op.drop_column("need_access", "granted_by")
        op.drop_constraint("uq_need_access_need_org", "need_access", type_="unique")
        op.drop_constraint("need_access_pkey", "need_access", type_="primary")
        op.drop_column("need_access", "id")
        op.create_primary_key("need_access_pkey", "need_access", ["need_id", "org_id"])
