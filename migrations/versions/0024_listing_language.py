"""listing language: each need, achievement and service records whether it is written in Chinese or English

`language` is 'zh' or 'en' (matching.language.detect_language of the title and description: the share of
Chinese characters among the letters). Existing rows are backfilled with the same rule; the app sets it on
every save from then on.

Revision ID: 0024
Revises: 0019
"""

import re
import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("need", "achievement", "service")
_HAN_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN_RE = re.compile(r"[A-Za-z]")
BATCH = 5000
# Frozen copy of 0008's expression indexes: SQLite's batch mode rebuilds a table from what it can reflect, and
# it cannot reflect an index on an expression, so each rebuilt listing table gets them back here (as in 0009).
EXPRESSION_INDEXES = {
    "need": {"trl": "coalesce(trl, 0)", "price": "coalesce(budget_max, budget_min, -1)"},
    "achievement": {"trl": "coalesce(trl, 0)", "price": "coalesce(price, -1)"},
    "service": {"price": "coalesce(price, -1)"},
}


def _restore_expression_indexes(table: str) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for sort, key in EXPRESSION_INDEXES[table].items():
        op.create_index(
            f"ix_{table}_live_{sort}", table, ["status", sa.text(key), "updated_at", "id"], if_not_exists=True
        )


def _language(text: str) -> str:
    """matching.language.detect_language as of this revision (a migration never imports app code)."""
    clean = unicodedata.normalize("NFKC", text or "")
    han = len(_HAN_RE.findall(clean))
    latin = len(_LATIN_RE.findall(clean))
    if han + latin == 0:
        return "zh"
    return "zh" if han / (han + latin) >= 0.2 else "en"


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("language", sa.String(length=2), nullable=False, server_default="zh"))
            batch.create_check_constraint(f"ck_{table}_language", "language IN ('zh', 'en')")
        _restore_expression_indexes(table)
    connection = op.get_bind()
    for table in TABLES:
        last = 0
        while True:
            rows = connection.execute(
                sa.text(f"SELECT id, title, description FROM {table} WHERE id > :last ORDER BY id LIMIT {BATCH}"),
                {"last": last},
            ).all()
            if not rows:
                break
            english = [row[0] for row in rows if _language(f"{row[1]}\n{row[2]}") == "en"]
            if english:
                connection.execute(
                    sa.text(f"UPDATE {table} SET language = 'en' WHERE id = :id"), [{"id": i} for i in english]
                )
            last = rows[-1][0]


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"ck_{table}_language", type_="check")
            batch.drop_column("language")
        _restore_expression_indexes(table)
