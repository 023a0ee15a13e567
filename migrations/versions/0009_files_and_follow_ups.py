"""files and follow-ups: thumbnails of listing images, the contract a listing closed as solved here names

Images uploaded before this revision keep no thumbnail; pages show the image itself for them.

Revision ID: 0009
Revises: 0007
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LISTING_TABLES = ("need", "achievement", "service")


def upgrade() -> None:
    with op.batch_alter_table("listing_attachment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("thumbnail_name", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True))
        batch_op.create_unique_constraint("uq_listing_attachment_thumbnail_name", ["thumbnail_name"])
    for table in LISTING_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("solved_contract_id", sa.Integer(), nullable=True))
            batch_op.create_foreign_key(f"fk_{table}_solved_contract_id", "contract", ["solved_contract_id"], ["id"])


def downgrade() -> None:
    for table in LISTING_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f"fk_{table}_solved_contract_id", type_="foreignkey")
            batch_op.drop_column("solved_contract_id")
    with op.batch_alter_table("listing_attachment", schema=None) as batch_op:
        batch_op.drop_constraint("uq_listing_attachment_thumbnail_name", type_="unique")
        batch_op.drop_column("thumbnail_name")
