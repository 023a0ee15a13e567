"""files and follow-ups: thumbnails of listing images, the contract a listing closed as solved here names,
application documents as uploads

Images uploaded before this revision keep no thumbnail; pages show the image itself for them. Application
documents recorded before it keep their title and have no file (every new column is nullable).

Revision ID: 0009
Revises: 0007
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LISTING_TABLES = ("need", "achievement", "service")
# Frozen copy of 0008's expression indexes: SQLite's batch mode rebuilds a table from what it can reflect, and
# it cannot reflect an index on an expression, so each rebuilt listing table gets them back here.
EXPRESSION_INDEXES = {
    "need": {"trl": "coalesce(trl, 0)", "price": "coalesce(budget_max, budget_min, -1)"},
    "achievement": {"trl": "coalesce(trl, 0)", "price": "coalesce(price, -1)"},
    "service": {"price": "coalesce(price, -1)"},
}


def _restore_expression_indexes(table: str) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for sort, key in EXPRESSION_INDEXES[table].items():
        op.create_index(f"ix_{table}_live_{sort}", table, ["status", sa.text(key), "updated_at", "id"],
                        if_not_exists=True)


def upgrade() -> None:
    with op.batch_alter_table("listing_attachment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("thumbnail_name", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True))
        batch_op.create_unique_constraint("uq_listing_attachment_thumbnail_name", ["thumbnail_name"])
    for table in LISTING_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("solved_contract_id", sa.Integer(), nullable=True))
            batch_op.create_foreign_key(f"fk_{table}_solved_contract_id", "contract", ["solved_contract_id"], ["id"])
        _restore_expression_indexes(table)
    with op.batch_alter_table("application_document", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stored_name", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True))
        batch_op.add_column(sa.Column("original_name", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True))
        batch_op.add_column(sa.Column("mimetype", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True))
        batch_op.add_column(sa.Column("size", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column("uploaded_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.create_unique_constraint("uq_application_document_stored_name", ["stored_name"])
        batch_op.create_foreign_key("fk_application_document_uploaded_by", "user", ["uploaded_by"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("application_document", schema=None) as batch_op:
        batch_op.drop_constraint("fk_application_document_uploaded_by", type_="foreignkey")
        batch_op.drop_constraint("uq_application_document_stored_name", type_="unique")
        for column in ("created_at", "uploaded_by", "sha256", "size", "mimetype", "original_name", "stored_name"):
            batch_op.drop_column(column)
    for table in LISTING_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f"fk_{table}_solved_contract_id", type_="foreignkey")
            batch_op.drop_column("solved_contract_id")
        _restore_expression_indexes(table)
    with op.batch_alter_table("listing_attachment", schema=None) as batch_op:
        batch_op.drop_constraint("uq_listing_attachment_thumbnail_name", type_="unique")
        batch_op.drop_column("thumbnail_name")
