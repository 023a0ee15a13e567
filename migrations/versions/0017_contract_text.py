"""contract text: versions of a contract's text and the parties' signatures of it

`contract_text` is append-only (the database refuses UPDATE and DELETE, like the audit log); every existing
contract gets no version here: the app creates version 1 from the model text when it is missing (see
`app.deals.services.contract_texts.current`). `contract_signature` keeps one live row per party (a partial unique
index on both SQLite and PostgreSQL).

Revision ID: 0017
Revises: 0016
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _append_only(table: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '{table} is append-only';
            END $$""")
        op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                   f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()")
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END")


def _drop_append_only(table: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS {table}_append_only()")
    else:
        for action in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{action}")


def upgrade() -> None:
    op.create_table("contract_text",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("contract_id", sa.Integer(), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Column("clauses", sa.JSON(), nullable=False),
    sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column("created_by", sa.Integer(), nullable=True),
    sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.CheckConstraint("version >= 1", name="ck_contract_text_version"),
    sa.ForeignKeyConstraint(["contract_id"], ["contract.id"], ),
    sa.ForeignKeyConstraint(["created_by"], ["user.id"], ),
    sa.PrimaryKeyConstraint("id"),
    sa.UniqueConstraint("contract_id", "version", name="uq_contract_text_version")
    )
    with op.batch_alter_table("contract_text", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contract_text_contract_id"), ["contract_id"], unique=False)
    _append_only("contract_text")

    op.create_table("contract_signature",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("contract_id", sa.Integer(), nullable=False),
    sa.Column("party", sqlmodel.sql.sqltypes.AutoString(length=1), nullable=False),
    sa.Column("user_id", sa.Integer(), nullable=False),
    sa.Column("org_id", sa.Integer(), nullable=False),
    sa.Column("text_version", sa.Integer(), nullable=False),
    sa.Column("text_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column("signed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column("method", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column("voided_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.CheckConstraint("party IN ('a', 'b')", name="ck_contract_signature_party"),
    sa.ForeignKeyConstraint(["contract_id"], ["contract.id"], ),
    sa.ForeignKeyConstraint(["org_id"], ["organization.id"], ),
    sa.ForeignKeyConstraint(["user_id"], ["user.id"], ),
    sa.PrimaryKeyConstraint("id")
    )
    with op.batch_alter_table("contract_signature", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contract_signature_contract_id"), ["contract_id"], unique=False)
        batch_op.create_index("uq_contract_signature_live", ["contract_id", "party"], unique=True,
                              sqlite_where=sa.text("voided_at IS NULL"),
                              postgresql_where=sa.text("voided_at IS NULL"))


def downgrade() -> None:
    with op.batch_alter_table("contract_signature", schema=None) as batch_op:
        batch_op.drop_index("uq_contract_signature_live",
                            sqlite_where=sa.text("voided_at IS NULL"),
                            postgresql_where=sa.text("voided_at IS NULL"))
        batch_op.drop_index(batch_op.f("ix_contract_signature_contract_id"))
    op.drop_table("contract_signature")
    _drop_append_only("contract_text")
    with op.batch_alter_table("contract_text", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contract_text_contract_id"))
    op.drop_table("contract_text")
