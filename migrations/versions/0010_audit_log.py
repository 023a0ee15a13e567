"""audit log: one append-only `audit_event` table for every state change, replacing `contract_event` and
`center_log`

The rows of both old tables move into it, in the order they happened: a contract's row keeps its note and
milestone in `data`; a center log row of an application becomes the application's (subject "application"), the
others the center's. Downgrading copies contract, center and application rows back and loses the rest (listings,
interests, incubations, organizations and claims had no history before this revision).

Revision ID: 0010
Revises: 0009
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000

# Frozen shapes of the tables this revision reads and writes: the models change, a migration must not.
audit_event = sa.table(
    "audit_event",
    sa.column("id", sa.Integer()),
    sa.column("subject_type", sa.String()),
    sa.column("subject_id", sa.Integer()),
    sa.column("action", sa.String()),
    sa.column("from_state", sa.String()),
    sa.column("to_state", sa.String()),
    sa.column("actor_id", sa.Integer()),
    sa.column("actor_org_id", sa.Integer()),
    sa.column("data", sa.JSON()),
    sa.column("occurred_at", sqlmodel.sql.sqltypes.UTCDateTime()),
)
contract_event = sa.table(
    "contract_event",
    sa.column("id", sa.Integer()),
    sa.column("contract_id", sa.Integer()),
    sa.column("milestone_id", sa.Integer()),
    sa.column("action", sa.String()),
    sa.column("from_status", sa.String()),
    sa.column("to_status", sa.String()),
    sa.column("note", sa.String()),
    sa.column("user_id", sa.Integer()),
    sa.column("at", sqlmodel.sql.sqltypes.UTCDateTime()),
)
center_log = sa.table(
    "center_log",
    sa.column("id", sa.Integer()),
    sa.column("center_id", sa.Integer()),
    sa.column("application_id", sa.Integer()),
    sa.column("event_type", sa.String()),
    sa.column("actor_id", sa.Integer()),
    sa.column("data", sa.JSON()),
    sa.column("occurred_at", sqlmodel.sql.sqltypes.UTCDateTime()),
)
center_application = sa.table(
    "center_application", sa.column("id", sa.Integer()), sa.column("center_id", sa.Integer())
)


# The audit log must survive even a buggy or malicious app: the database itself refuses edits and deletions.
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


def _insert(table, rows: list[dict]) -> None:
    for start in range(0, len(rows), BATCH):
        op.get_bind().execute(table.insert(), rows[start:start + BATCH])


def _old_rows() -> list[dict]:
    """Both old trails as audit rows, oldest first (ties: contracts before centers, then by old id)."""
    bind = op.get_bind()
    rows = []
    for r in bind.execute(sa.select(contract_event).order_by(contract_event.c.id)).mappings():
        data = {"note": r["note"]} if r["note"] else {}
        if r["milestone_id"] is not None:
            data["milestone_id"] = r["milestone_id"]
        rows.append(((r["at"], 0, r["id"]), {
            "subject_type": "contract", "subject_id": r["contract_id"], "action": r["action"],
            "from_state": r["from_status"], "to_state": r["to_status"], "actor_id": r["user_id"],
            "actor_org_id": None, "data": data, "occurred_at": r["at"],
        }))
    for r in bind.execute(sa.select(center_log).order_by(center_log.c.id)).mappings():
        of_application = r["application_id"] is not None
        rows.append(((r["occurred_at"], 1, r["id"]), {
            "subject_type": "application" if of_application else "center",
            "subject_id": r["application_id"] if of_application else r["center_id"],
            "action": r["event_type"], "from_state": None, "to_state": None, "actor_id": r["actor_id"],
            "actor_org_id": None, "data": r["data"] or {}, "occurred_at": r["occurred_at"],
        }))
    rows.sort(key=lambda pair: pair[0])
    return [row for _, row in rows]


def upgrade() -> None:
    op.create_table("audit_event",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("subject_type", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column("subject_id", sa.Integer(), nullable=False),
    sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column("from_state", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column("to_state", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column("actor_id", sa.Integer(), nullable=True),
    sa.Column("actor_org_id", sa.Integer(), nullable=True),
    sa.Column("data", sa.JSON(), nullable=False),
    sa.Column("occurred_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(["actor_id"], ["user.id"], ),
    sa.ForeignKeyConstraint(["actor_org_id"], ["organization.id"], ),
    sa.PrimaryKeyConstraint("id")
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index("ix_audit_event_subject", ["subject_type", "subject_id", "id"], unique=False)
    _append_only("audit_event")

    _insert(audit_event, _old_rows())

    # The old trails refused deletions too: their triggers go before their tables.
    _drop_append_only("contract_event")
    with op.batch_alter_table("contract_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contract_event_contract_id"))
    op.drop_table("contract_event")
    with op.batch_alter_table("center_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_center_log_center_id"))
    op.drop_table("center_log")


def downgrade() -> None:
    op.create_table("center_log",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("center_id", sa.Integer(), nullable=False),
    sa.Column("application_id", sa.Integer(), nullable=True),
    sa.Column("event_type", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column("actor_id", sa.Integer(), nullable=True),
    sa.Column("data", sa.JSON(), nullable=False),
    sa.Column("occurred_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(["actor_id"], ["user.id"], ),
    sa.ForeignKeyConstraint(["application_id"], ["center_application.id"], ),
    sa.ForeignKeyConstraint(["center_id"], ["center.id"], ),
    sa.PrimaryKeyConstraint("id")
    )
    with op.batch_alter_table("center_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_center_log_center_id"), ["center_id"], unique=False)
    op.create_table("contract_event",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("contract_id", sa.Integer(), nullable=False),
    sa.Column("milestone_id", sa.Integer(), nullable=True),
    sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column("from_status", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column("to_status", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column("user_id", sa.Integer(), nullable=True),
    sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(["contract_id"], ["contract.id"], ),
    sa.ForeignKeyConstraint(["milestone_id"], ["milestone.id"], ),
    sa.ForeignKeyConstraint(["user_id"], ["user.id"], ),
    sa.PrimaryKeyConstraint("id")
    )
    with op.batch_alter_table("contract_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contract_event_contract_id"), ["contract_id"], unique=False)

    bind = op.get_bind()
    centers = dict(bind.execute(sa.select(center_application.c.id, center_application.c.center_id)).all())
    contracts, logs = [], []
    rows = bind.execute(
        sa.select(audit_event)
        .where(audit_event.c.subject_type.in_(("contract", "center", "application")))
        .order_by(audit_event.c.id)
    ).mappings()
    for r in rows:
        data = dict(r["data"] or {})
        if r["subject_type"] == "contract":
            contracts.append({
                "contract_id": r["subject_id"], "milestone_id": data.get("milestone_id"), "action": r["action"],
                "from_status": r["from_state"], "to_status": r["to_state"] or "", "note": data.get("note") or "",
                "user_id": r["actor_id"], "at": r["occurred_at"],
            })
        else:
            application_id = r["subject_id"] if r["subject_type"] == "application" else None
            logs.append({
                "center_id": centers[application_id] if application_id else r["subject_id"],
                "application_id": application_id, "event_type": r["action"], "actor_id": r["actor_id"],
                "data": data, "occurred_at": r["occurred_at"],
            })
    _insert(contract_event, contracts)
    _insert(center_log, logs)
    _append_only("contract_event")

    _drop_append_only("audit_event")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_event_subject")
    op.drop_table("audit_event")
