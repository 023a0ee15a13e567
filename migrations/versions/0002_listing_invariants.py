"""listing invariants in the database: CHECK constraints, 64-bit amounts

Revision ID: 0002
Revises: 0001
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MONEY_MAX = 10**12
TRL = "trl IS NULL OR (trl >= 1 AND trl <= 9)"


def _money(column: str) -> str:
    return f"{column} IS NULL OR ({column} >= 0 AND {column} <= {MONEY_MAX})"


# table -> its amount columns and its (name, condition) checks; names match models/listing.py.
TABLES = {
    "need": (("budget_min", "budget_max"), (
        ("ck_need_trl", TRL), ("ck_need_budget_min", _money("budget_min")),
        ("ck_need_budget_max", _money("budget_max")),
        ("ck_need_budget_order", "budget_min IS NULL OR budget_max IS NULL OR budget_min <= budget_max"))),
    "achievement": (("price",), (("ck_achievement_trl", TRL), ("ck_achievement_price", _money("price")))),
    "service": (("price",), (("ck_service_price", _money("price")),)),
}


def _repair() -> None:
    """Rows saved before these rules (by the race they close) are repaired rather than block the upgrade."""
    # Both sides of SET read the old row, so this swaps the two values.
    op.execute("UPDATE need SET budget_min = budget_max, budget_max = budget_min WHERE budget_min > budget_max")
    for table, (amounts, _checks) in TABLES.items():
        for column in amounts:
            op.execute(f"UPDATE {table} SET {column} = NULL WHERE {column} < 0 OR {column} > {MONEY_MAX}")
    for table in ("need", "achievement"):
        op.execute(f"UPDATE {table} SET trl = NULL WHERE trl < 1 OR trl > 9")


def upgrade() -> None:
    _repair()
    for table, (amounts, checks) in TABLES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in amounts:
                batch_op.alter_column(column, existing_type=sa.Integer(), type_=sa.BigInteger(),
                                      existing_nullable=True)
            for name, condition in checks:
                batch_op.create_check_constraint(name, condition)


def downgrade() -> None:
    for table, (amounts, checks) in TABLES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, _condition in checks:
                batch_op.drop_constraint(name, type_="check")
            for column in amounts:
                batch_op.alter_column(column, existing_type=sa.BigInteger(), type_=sa.Integer(),
                                      existing_nullable=True)
