"""the development fund (创新中心发展基金): fund calls, applications (one per center and call), disbursements that
never exceed the grant (a check on the running total and an insert trigger); expert assignments may score fund
applications and challenge proposals

Revision ID: 0030
Revises: 0027
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_SUBJECTS = ("application", "evaluation")
NEW_SUBJECTS = (*OLD_SUBJECTS, "fund_application", "challenge_proposal")
OVER_GRANT = "fund disbursements exceed the granted amount"


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        # New values of the native enum; this migration does not use them (PostgreSQL forbids using a value
        # added in the same transaction).
        for value in NEW_SUBJECTS[len(OLD_SUBJECTS):]:
            op.execute(f"ALTER TYPE assignmentsubject ADD VALUE IF NOT EXISTS '{value}'")
    else:
        with op.batch_alter_table("expert_assignment", schema=None) as batch_op:
            batch_op.alter_column(
                "subject",
                existing_type=sa.Enum(*OLD_SUBJECTS, name="assignmentsubject"),
                type_=sa.Enum(*NEW_SUBJECTS, name="assignmentsubject"),
                existing_nullable=False,
            )
    op.create_table('fund_call',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('description', sa.Text(), server_default='', nullable=False),
    sa.Column('budget', sa.Integer(), nullable=False),
    sa.Column('opens_on', sa.Date(), nullable=False),
    sa.Column('closes_on', sa.Date(), nullable=False),
    sa.Column('criteria', sa.JSON(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('demo_key', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
    sa.CheckConstraint('budget > 0', name='ck_fund_call_budget'),
    sa.CheckConstraint('closes_on >= opens_on', name='ck_fund_call_window'),
    sa.ForeignKeyConstraint(['created_by'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('demo_key')
    )
    op.create_table('fund_application',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('center_id', sa.Integer(), nullable=False),
    sa.Column('submitted_by', sa.Integer(), nullable=True),
    sa.Column('plan', sa.Text(), nullable=False),
    sa.Column('budget_lines', sa.JSON(), nullable=False),
    sa.Column('requested', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('granted_amount', sa.Integer(), nullable=True),
    sa.Column('disbursed', sa.Integer(), nullable=False),
    sa.Column('review_mean', sa.Float(), nullable=True),
    sa.Column('decision_reason', sqlmodel.sql.sqltypes.AutoString(length=5000), nullable=False),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('demo_key', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
    sa.CheckConstraint("status IN ('submitted', 'granted', 'declined')", name='ck_fund_application_status'),
    sa.CheckConstraint('requested > 0', name='ck_fund_application_requested'),
    sa.CheckConstraint("(status = 'granted') = (granted_amount IS NOT NULL)", name='ck_fund_application_granted'),
    sa.CheckConstraint('granted_amount IS NULL OR (granted_amount > 0 AND granted_amount <= requested)',
                       name='ck_fund_application_grant_le_request'),
    sa.CheckConstraint('disbursed >= 0 AND disbursed <= COALESCE(granted_amount, 0)',
                       name='ck_fund_application_disbursed'),
    sa.ForeignKeyConstraint(['call_id'], ['fund_call.id'], ),
    sa.ForeignKeyConstraint(['center_id'], ['center.id'], ),
    sa.ForeignKeyConstraint(['decided_by'], ['user.id'], ),
    sa.ForeignKeyConstraint(['submitted_by'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('call_id', 'center_id', name='uq_fund_application_center'),
    sa.UniqueConstraint('demo_key')
    )
    with op.batch_alter_table('fund_application', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fund_application_call_id'), ['call_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_fund_application_center_id'), ['center_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_fund_application_status'), ['status'], unique=False)

    op.create_table('fund_disbursement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.CheckConstraint('amount > 0', name='ck_fund_disbursement_amount'),
    sa.ForeignKeyConstraint(['application_id'], ['fund_application.id'], ),
    sa.ForeignKeyConstraint(['recorded_by'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('fund_disbursement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fund_disbursement_application_id'), ['application_id'], unique=False)

    # Disbursements never add up to more than the grant (nothing is paid on an application not granted).
    if postgres:
        op.execute(f"""
            CREATE FUNCTION fund_disbursement_within_grant() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF (SELECT COALESCE(SUM(amount), 0) FROM fund_disbursement
                    WHERE application_id = NEW.application_id) + NEW.amount
                   > (SELECT COALESCE(granted_amount, 0) FROM fund_application WHERE id = NEW.application_id)
                THEN
                    RAISE EXCEPTION '{OVER_GRANT}';
                END IF;
                RETURN NEW;
            END $$""")
        op.execute("CREATE TRIGGER fund_disbursement_within_grant BEFORE INSERT ON fund_disbursement "
                   "FOR EACH ROW EXECUTE FUNCTION fund_disbursement_within_grant()")
    else:
        op.execute(f"""
            CREATE TRIGGER fund_disbursement_within_grant BEFORE INSERT ON fund_disbursement
            WHEN (SELECT COALESCE(SUM(amount), 0) FROM fund_disbursement
                  WHERE application_id = NEW.application_id) + NEW.amount
                 > (SELECT COALESCE(granted_amount, 0) FROM fund_application WHERE id = NEW.application_id)
            BEGIN SELECT RAISE(ABORT, '{OVER_GRANT}'); END""")


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute("DROP TRIGGER IF EXISTS fund_disbursement_within_grant ON fund_disbursement")
        op.execute("DROP FUNCTION IF EXISTS fund_disbursement_within_grant()")
    else:
        op.execute("DROP TRIGGER IF EXISTS fund_disbursement_within_grant")
    with op.batch_alter_table('fund_disbursement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fund_disbursement_application_id'))
    op.drop_table('fund_disbursement')
    with op.batch_alter_table('fund_application', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fund_application_status'))
        batch_op.drop_index(batch_op.f('ix_fund_application_center_id'))
        batch_op.drop_index(batch_op.f('ix_fund_application_call_id'))
    op.drop_table('fund_application')
    op.drop_table('fund_call')
    op.execute("DELETE FROM expert_assignment WHERE subject IN ('fund_application', 'challenge_proposal')")
    if not postgres:  # PostgreSQL cannot drop an enum value; the two unused values stay
        with op.batch_alter_table("expert_assignment", schema=None) as batch_op:
            batch_op.alter_column(
                "subject",
                existing_type=sa.Enum(*NEW_SUBJECTS, name="assignmentsubject"),
                type_=sa.Enum(*OLD_SUBJECTS, name="assignmentsubject"),
                existing_nullable=False,
            )
