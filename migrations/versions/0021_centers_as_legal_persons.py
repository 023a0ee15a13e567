"""centers as legal persons: a center's own organization, its governance and its members' contributions

Until now an application created its center with the lead unit's organization, so every ordinary contract of the
lead firm counted as the center's. From here a center has no organization while it is applied for
(`center.org_id` NULL) and filing (备案) creates or links its own legal entity.

The rows already there keep their history (audit rows, founders, member links and the lead unit are not touched):
- a center that was filed (or later revoked) and shares its lead's organization gets an organization of its own,
  named like the center, kind `center`, not verified, with a credit code marked as still to be completed:
  `待补` followed by the center id. That can never be a real code (its characters are outside the code's
  alphabet, so the credit-code check refuses it), so no one mistakes it for a registered one; the bureau
  completes it from the business licence. No real-looking code is invented;
- a center still in the procedure (or refused) that shares its lead's organization has none of its own yet:
  its `org_id` becomes NULL, as for a new application.

Downgrade points such centers back at their lead's organization and removes the placeholder organizations this
migration created (recognised by their code), if nothing else refers to them.

Revision ID: 0021
Revises: 0019
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PLACEHOLDER_PREFIX = "待补"


def placeholder_code(center_id: int) -> str:
    return f"{PLACEHOLDER_PREFIX}{center_id:016d}"


def upgrade() -> None:
    with op.batch_alter_table("center") as batch:
        batch.alter_column("org_id", existing_type=sa.Integer(), nullable=True)

    op.create_table(
        "center_governance_member",
        sa.Column("body", sa.Enum("decision_body", "expert_committee", name="governingbody"), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("affiliation", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("term_start", sa.Date(), nullable=False),
        sa.Column("term_end", sa.Date(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("center_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.CheckConstraint("term_end IS NULL OR term_end >= term_start", name="ck_governance_term"),
        sa.ForeignKeyConstraint(["center_id"], ["center.id"]),
        sa.ForeignKeyConstraint(["created_by"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("center_id", "body", "name", "term_start"),
    )
    with op.batch_alter_table("center_governance_member") as batch:
        batch.create_index(batch.f("ix_center_governance_member_center_id"), ["center_id"], unique=False)

    op.create_table(
        "center_contribution",
        sa.Column("kind", sa.Enum("shares", "membership_fee", name="contributionkind"), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("contributed_on", sa.Date(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("center_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.CheckConstraint("amount > 0", name="ck_contribution_amount"),
        sa.ForeignKeyConstraint(["center_id"], ["center.id"]),
        sa.ForeignKeyConstraint(["org_id"], ["organization.id"]),
        sa.ForeignKeyConstraint(["created_by"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("center_id", "org_id", "kind", "contributed_on"),
    )
    with op.batch_alter_table("center_contribution") as batch:
        batch.create_index(batch.f("ix_center_contribution_center_id"), ["center_id"], unique=False)

    conn = op.get_bind()
    shared = conn.execute(
        sa.text(
            "SELECT c.id, c.name, c.status, c.industry, c.created_at, o.region FROM center c "
            "JOIN organization o ON o.id = c.org_id WHERE c.org_id = c.lead_org_id ORDER BY c.id"
        )
    ).all()
    organization = sa.table(
        "organization",
        sa.column(
            "kind",
            sa.Enum("enterprise", "university", "institute", "center", "finance", "bureau", name="orgkind"),
        ),
        sa.column("name", sa.String),
        sa.column("credit_code", sa.String),
        sa.column("region", sa.String),
        sa.column("industries", sa.JSON),
        sa.column("description", sa.String),
        # Untyped: the value read from center.created_at goes back as the driver gave it.
        sa.column("created_at"),
    )
    for center_id, name, status, industry, created_at, region in shared:
        if status not in ("filed", "revoked"):
            conn.execute(sa.text("UPDATE center SET org_id = NULL WHERE id = :c"), {"c": center_id})
            continue
        code = placeholder_code(center_id)
        conn.execute(
            organization.insert().values(
                kind="center",
                name=name,
                credit_code=code,
                region=region,
                industries=[industry],
                description="",
                created_at=created_at,
            )
        )
        org_id = conn.execute(
            sa.text("SELECT id FROM organization WHERE credit_code = :code"), {"code": code}
        ).scalar_one()
        conn.execute(sa.text("UPDATE center SET org_id = :o WHERE id = :c"), {"o": org_id, "c": center_id})


def downgrade() -> None:
    conn = op.get_bind()
    conn.execute(sa.text("UPDATE center SET org_id = lead_org_id WHERE org_id IS NULL"))
    placeholders = conn.execute(
        sa.text(
            "SELECT c.id, c.org_id, c.lead_org_id FROM center c JOIN organization o ON o.id = c.org_id "
            "WHERE o.credit_code LIKE :p AND c.lead_org_id IS NOT NULL"
        ),
        {"p": f"{PLACEHOLDER_PREFIX}%"},
    ).all()
    for center_id, org_id, lead_org_id in placeholders:
        conn.execute(
            sa.text("UPDATE center SET org_id = :l WHERE id = :c"), {"l": lead_org_id, "c": center_id}
        )
        used = conn.execute(
            sa.text(
                'SELECT (SELECT count(*) FROM "user" WHERE org_id = :o) + (SELECT count(*) FROM center WHERE '
                "org_id = :o) + (SELECT count(*) FROM contract WHERE party_a_org_id = :o OR party_b_org_id = :o)"
            ),
            {"o": org_id},
        ).scalar_one()
        if not used:
            conn.execute(sa.text("DELETE FROM organization WHERE id = :o"), {"o": org_id})
    # A center with no organization cannot be written back under NOT NULL: it would have been given the lead's.
    with op.batch_alter_table("center") as batch:
        batch.alter_column("org_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("center_contribution") as batch:
        batch.drop_index(batch.f("ix_center_contribution_center_id"))
    op.drop_table("center_contribution")
    with op.batch_alter_table("center_governance_member") as batch:
        batch.drop_index(batch.f("ix_center_governance_member_center_id"))
    op.drop_table("center_governance_member")
    sa.Enum(name="contributionkind").drop(conn, checkfirst=True)
    sa.Enum(name="governingbody").drop(conn, checkfirst=True)
