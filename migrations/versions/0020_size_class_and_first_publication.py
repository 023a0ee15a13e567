"""organizations' size class; listings' first publication kept for those that lost it

`organization.size_class` (企业规模: large, medium, small, micro; empty for universities, institutes and the
bureau, and where nobody entered it yet), with checks the database holds whatever path writes.

An achievement counts as published in the year it was first published, whatever its state now. The listing
rules stamp `published_at` at the first publication and never clear it, so it is that date; rows that were
published once but hold no date (data loaded before the rule, in an expired or closed state) take it from the
audit log's first publication, else, for an expired one, which must have been published, its creation.

Revision ID: 0020
Revises: 0019
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SIZE_CLASS_CHECK = "size_class IS NULL OR size_class IN ('large', 'medium', 'small', 'micro')"
SIZE_CLASS_KIND_CHECK = "size_class IS NULL OR kind NOT IN ('university', 'institute', 'bureau')"


def upgrade() -> None:
    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.add_column(sa.Column("size_class", sa.String(length=8), nullable=True))
        batch_op.create_check_constraint("ck_organization_size_class", SIZE_CLASS_CHECK)
        batch_op.create_check_constraint("ck_organization_size_class_kind", SIZE_CLASS_KIND_CHECK)
    for table in ("need", "achievement", "service"):
        op.execute(
            f"UPDATE {table} SET published_at = (SELECT MIN(e.occurred_at) FROM audit_event e"
            f" WHERE e.subject_type = '{table}' AND e.subject_id = {table}.id AND e.to_state = 'published')"
            f" WHERE published_at IS NULL AND status <> 'draft'"
        )
        op.execute(
            f"UPDATE {table} SET published_at = created_at WHERE published_at IS NULL AND status = 'expired'"
        )


def downgrade() -> None:
    # The first publications filled in stay: they are true, and the column was there before.
    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.drop_constraint("ck_organization_size_class_kind", type_="check")
        batch_op.drop_constraint("ck_organization_size_class", type_="check")
        batch_op.drop_column("size_class")
