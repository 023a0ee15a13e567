"""files and follow-ups: thumbnails of listing images

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


def upgrade() -> None:
    with op.batch_alter_table("listing_attachment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("thumbnail_name", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True))
        batch_op.create_unique_constraint("uq_listing_attachment_thumbnail_name", ["thumbnail_name"])


def downgrade() -> None:
    with op.batch_alter_table("listing_attachment", schema=None) as batch_op:
        batch_op.drop_constraint("uq_listing_attachment_thumbnail_name", type_="unique")
        batch_op.drop_column("thumbnail_name")
